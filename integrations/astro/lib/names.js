// A post's name as `distill-pdf batch` gives it ("blog/first-post": collection/path without
// the extension, a folder's index.md named by its folder), found from what a layout has in
// hand: an entry of Astro 5's content layer (filePath), of Astro 4 (id "first-post.md", slug),
// or a slug. The PDF is then <base><outDir>/<name>.pdf in the built site.

const EXTENSION = /\.(md|mdx|markdown)$/i;
const CONTENT = "src/content/";

function clean(name) {
  return name.replace(/\\/g, "/").replace(/^\/+|\/+$/g, "").replace(EXTENSION, "").replace(/\/index$/, "");
}

/** The batch name of a content entry or slug; `collections` decides an unqualified slug's. */
export function nameOf(entryOrSlug, collections) {
  if (typeof entryOrSlug === "string") {
    const slug = clean(entryOrSlug);
    if (collections.some((c) => slug.startsWith(`${c}/`)) || collections.length === 0) return slug;
    return `${collections[0]}/${slug}`;
  }
  const entry = entryOrSlug || {};
  if (typeof entry.filePath === "string" && entry.filePath.replace(/\\/g, "/").startsWith(CONTENT)) {
    return clean(entry.filePath.replace(/\\/g, "/").slice(CONTENT.length));
  }
  if (typeof entry.collection === "string") {
    const id = typeof entry.id === "string" && EXTENSION.test(entry.id) ? entry.id : entry.slug ?? entry.id;
    return `${entry.collection}/${clean(String(id))}`;
  }
  throw new TypeError("pdfUrl() takes a content collection entry or a slug string");
}

/** The site URL path of a post's PDF. */
export function urlOf(name, base, outDir) {
  const root = base.endsWith("/") ? base : `${base}/`;
  return `${root}${outDir.replace(/^\/+|\/+$/g, "")}/${name}.pdf`;
}

/** The post name a request path asks for, or null when it is not one of our PDFs. */
export function nameFromUrl(url, base, outDir) {
  const prefix = urlOf("", base, outDir).slice(0, -".pdf".length);
  const pathname = decodeURIComponent(url.split("?")[0]);
  if (!pathname.startsWith(prefix) || !pathname.endsWith(".pdf")) return null;
  const name = pathname.slice(prefix.length, -".pdf".length);
  return name && !name.split("/").includes("..") ? name : null;
}
