"""Where a post's site begins: the folder images, bibliographies and config are found from."""
from __future__ import annotations

from pathlib import Path

SITE_MARKERS = ("distill-pdf.toml", "astro.config.mjs", "astro.config.ts", "astro.config.js",
                "_config.yml", "hugo.toml", "config.toml", "package.json")
JEKYLL_POST_FOLDERS = ("_posts", "_drafts")  # a post inside one of these is Jekyll's


def find_site_root(post_path: Path) -> Path:
    """The site folder: nearest ancestor with a site config, else the parent of `src/`."""
    folder = post_path.resolve().parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in SITE_MARKERS):
            return candidate
    parts = folder.parts
    if "src" in parts:
        return Path(*parts[: len(parts) - 1 - parts[::-1].index("src")])
    return folder
