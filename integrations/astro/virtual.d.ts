// Types of the module the integration provides: add
//   /// <reference types="astro-distill-pdf/virtual" />
// to src/env.d.ts.
declare module "virtual:distill-pdf" {
  /** A content collection entry (Astro 4 or 5) or a slug ("first-post" or "blog/first-post"). */
  export type PdfSource = string | { collection: string; id: string; slug?: string; filePath?: string };
  /** The URL of the post's PDF in the site, e.g. "/pdf/blog/first-post.pdf". */
  export function pdfUrl(entryOrSlug: PdfSource): string;
}
