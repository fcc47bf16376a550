// astro-distill-pdf: a Distill-style PDF of every post of the chosen content collections.
//   astro build  runs `distill-pdf batch` into node_modules/.astro/distill-pdf/ (its incremental
//                cache survives Astro emptying dist/), then copies the PDFs to dist/<outDir>/;
//   astro dev    builds a post's PDF when its URL is first asked for (and again after an edit);
//   layouts      link it with `import { pdfUrl } from "virtual:distill-pdf"`.
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { DistillPdfProblem, builtPdfs, commandOf, runBatch } from "./lib/batch.js";
import { devMiddleware } from "./lib/dev.js";

const VIRTUAL = "virtual:distill-pdf";
const RESOLVED = `\0${VIRTUAL}`;
const NAMES = fileURLToPath(new URL("./lib/names.js", import.meta.url));

/** @param {import("./index.d.ts").DistillPdfOptions} options */
export default function distillPdf(options = {}) {
  const settings = {
    collections: options.collections ?? [],
    outDir: (options.outDir ?? "pdf").replace(/^\/+|\/+$/g, ""),
    template: options.template,
    paper: options.paper,
    strict: Boolean(options.strict),
    command: commandOf(options.command),
  };
  let config;

  const batchFor = (cacheName, only) => ({
    command: settings.command,
    contentDir: path.join(fileURLToPath(config.root), "src", "content"),
    outDir: path.join(fileURLToPath(config.root), "node_modules", ".astro", "distill-pdf", cacheName),
    only: only ?? settings.collections.map((c) => `${c}/*`),
    site: config.site,
    template: settings.template,
    paper: settings.paper,
  });

  return {
    name: "astro-distill-pdf",
    hooks: {
      "astro:config:setup": ({ updateConfig }) => {
        updateConfig({ vite: { plugins: [virtualModule(() => config, settings)] } });
      },
      "astro:config:done": ({ config: done }) => {
        config = done;
      },
      "astro:server:setup": ({ server, logger }) => {
        server.middlewares.use(devMiddleware({ settings, config: () => config, batchFor, logger }));
      },
      "astro:build:done": async ({ dir, logger }) => {
        const started = Date.now();
        const job = batchFor("build");
        let report;
        try {
          report = await runBatch(job);
        } catch (error) {
          if (!(error instanceof DistillPdfProblem)) throw error;
          return giveUp(logger, settings.strict, error.message);
        }
        const target = path.join(fileURLToPath(dir), settings.outDir);
        for (const pdf of builtPdfs(report, job.outDir)) {
          const to = path.join(target, `${pdf.name}.pdf`);
          await mkdir(path.dirname(to), { recursive: true });
          await copyFile(pdf.file, to);
        }
        const counts = report.counts ?? {};
        logger.info(`${counts.built ?? 0} built, ${counts["up to date"] ?? 0} up to date, ` +
                    `${counts.failed ?? 0} failed: PDFs in ${path.relative(process.cwd(), target) || target} ` +
                    `(${((Date.now() - started) / 1000).toFixed(1)} s)`);
        const failed = report.posts.filter((post) => post.status === "failed");
        for (const post of failed) logger.error(`${post.name}: ${post.error}`);
        if (failed.length) {
          giveUp(logger, settings.strict, `${failed.length} post${failed.length === 1 ? "" : "s"} had no PDF`);
        }
      },
    },
  };
}

/** Not `strict`: a warning, the site is built without those PDFs. `strict`: the build fails
 * with the message alone: an Error's stack would say nothing about the post, and Astro prints
 * its "Stack trace:" heading only for a non-empty stack. */
function giveUp(logger, strict, message) {
  if (!strict) {
    logger.warn(message);
    return;
  }
  logger.error(message);
  const error = new Error(`astro-distill-pdf: ${message}`);
  error.stack = "";
  throw error;
}

function virtualModule(getConfig, settings) {
  return {
    name: "astro-distill-pdf:virtual",
    resolveId(id) {
      return id === VIRTUAL ? RESOLVED : undefined;
    },
    load(id) {
      if (id !== RESOLVED) return undefined;
      const { base } = getConfig();
      return [
        `import { nameOf, urlOf } from ${JSON.stringify(NAMES)};`,
        `const collections = ${JSON.stringify(settings.collections)};`,
        "/** The URL of the PDF of a content entry, or of a slug (\"first-post\", \"blog/first-post\"). */",
        "export function pdfUrl(entryOrSlug) {",
        `  return urlOf(nameOf(entryOrSlug, collections), ${JSON.stringify(base)}, ${JSON.stringify(settings.outDir)});`,
        "}",
      ].join("\n");
    },
  };
}
