import type { AstroIntegration } from "astro";

export interface DistillPdfOptions {
  /** Content collections (folders of src/content/) whose posts get a PDF. Default: all of them. */
  collections?: string[];
  /** Where the PDFs go in the built site: dist/<outDir>/<collection>/<slug>.pdf. Default "pdf". */
  outDir?: string;
  /** distill-pdf template: "distill" (default), "article", or a folder with template.tex.j2. */
  template?: string;
  /** Paper size. Default "a4". */
  paper?: "a4" | "letter";
  /** Fail `astro build` when a post has no PDF (or distill-pdf cannot run). Default false: a warning. */
  strict?: boolean;
  /** How to run distill-pdf: a program ("/opt/bin/distill-pdf", not split at spaces) or a program
   * and its first arguments (["python3", "-m", "distill_pdf"]). Default: $DISTILL_PDF_COMMAND
   * (split at spaces), else "distill-pdf". */
  command?: string | string[];
}

/** Distill-style PDFs of the site's posts, built by `distill-pdf batch`. */
export default function distillPdf(options?: DistillPdfOptions): AstroIntegration;
