// Running `distill-pdf batch` and reading its JSON report. The Python tool does the work
// (discovery, incremental rebuilds, parallel builds); this side only says where and reads
// back what happened, so no distill-pdf failure ever reaches Astro as a stack trace.
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";

export const INSTALL_HINT =
  "distill-pdf is not installed (or not on PATH). Install it with `pipx install distill-pdf` " +
  "(or `pip install distill-pdf`), then run `distill-pdf doctor` to check for a TeX engine; " +
  "or point the integration's `command` option at it, e.g. command: [\"python3\", \"-m\", \"distill_pdf\"].";

/** A problem to report as one message: the tool is missing, or refused the run. */
export class DistillPdfProblem extends Error {}

/** The command as an argv prefix: `command` option, else $DISTILL_PDF_COMMAND, else distill-pdf. */
export function commandOf(option) {
  if (Array.isArray(option) && option.length) return option;
  if (typeof option === "string" && option.trim()) return [option];
  const fromEnv = process.env.DISTILL_PDF_COMMAND;
  return fromEnv ? fromEnv.split(" ").filter(Boolean) : ["distill-pdf"];
}

/**
 * `distill-pdf batch` over the site's content folder into `outDir` (which also holds its
 * incremental cache); resolves to the report ({counts, posts: [{name, status, output, error}]}).
 */
export async function runBatch({ command, contentDir, outDir, only, site, template, paper }) {
  const report = `${outDir}.report.json`;
  await rm(report, { force: true });
  const args = ["batch", contentDir, "-o", outDir, "--report", report];
  for (const pattern of only) args.push("--only", pattern);
  if (site) args.push("--site-url", site);
  if (template) args.push("--template", template);
  if (paper) args.push("--paper", paper);
  const { code, stderr } = await run(command, args);
  let parsed;
  try {
    parsed = JSON.parse(await readFile(report, "utf8"));
  } catch {
    // no report: the run stopped before building (exit 2: no TeX engine, a bad option)
    const said = stderr.trim().split("\n").filter((line) => line.startsWith("error")).pop();
    throw new DistillPdfProblem(said || `distill-pdf batch failed (exit ${code}): ${tail(stderr)}`);
  }
  return parsed;
}

function run([program, ...prefix], args) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(program, [...prefix, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (error) {
      reject(missing(error));
      return;
    }
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => { stderr += chunk; });
    child.on("error", (error) => reject(missing(error)));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

function missing(error) {
  return new DistillPdfProblem(error && error.code === "ENOENT" ? INSTALL_HINT : `cannot run distill-pdf: ${error}`);
}

function tail(text) {
  return text.trim().split("\n").slice(-3).join(" / ");
}

/** Where a built post's PDF is in the batch output, for copying into the site. */
export function builtPdfs(report, outDir) {
  return report.posts
    .filter((post) => post.status === "built" || post.status === "up to date")
    .map((post) => ({ name: post.name, file: path.resolve(outDir, post.output), status: post.status }));
}
