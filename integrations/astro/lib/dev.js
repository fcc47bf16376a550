// Under `astro dev`, a post's PDF URL builds it on request: `distill-pdf batch --only <name>`
// into node_modules/.astro/distill-pdf/dev, whose incremental cache makes a second request for
// an unchanged post cost only the up-to-date check, and an edited post build again.
import { createReadStream } from "node:fs";

import { DistillPdfProblem, builtPdfs, runBatch } from "./batch.js";
import { nameFromUrl } from "./names.js";

export function devMiddleware({ settings, config, batchFor, logger }) {
  const building = new Map(); // name -> the build under way: one at a time per post

  async function build(name) {
    const job = batchFor("dev", [name]);
    const report = await runBatch(job);
    const pdf = builtPdfs(report, job.outDir).find((p) => p.name === name);
    if (pdf) {
      if (pdf.status === "built") logger.info(`built ${name}.pdf`);
      return { file: pdf.file };
    }
    const failed = report.posts.find((p) => p.name === name && p.status === "failed");
    return { error: failed ? failed.error : `no post named ${name} in src/content`, status: failed ? 500 : 404 };
  }

  return async (req, res, next) => {
    const name = req.url && nameFromUrl(req.url, config().base, settings.outDir);
    const collections = settings.collections;
    if (!name || (collections.length && !collections.includes(name.split("/")[0]))) return next();
    let result;
    try {
      if (!building.has(name)) building.set(name, build(name).finally(() => building.delete(name)));
      result = await building.get(name);
    } catch (error) {
      if (!(error instanceof DistillPdfProblem)) return next(error);
      result = { error: error.message, status: 500 };
    }
    if (result.error) {
      logger.error(`${name}.pdf: ${result.error}`);
      res.statusCode = result.status;
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      res.end(`distill-pdf could not build ${name}.pdf:\n${result.error}\n`);
      return undefined;
    }
    res.setHeader("Content-Type", "application/pdf");
    res.setHeader("Cache-Control", "no-store");
    createReadStream(result.file).pipe(res);
    return undefined;
  };
}
