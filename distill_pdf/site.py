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


WIKI_MARKERS = (".obsidian", "quartz.config.ts", ".foam")  # Obsidian vaults, Quartz, Foam
_ASTRO_CONFIGS = ("astro.config.mjs", "astro.config.ts", "astro.config.js")


def uses_wiki_links(post_path: Path) -> bool:
    """Whether the post's site reads ``[[wiki links]]``: an Obsidian vault, a Quartz or Foam
    site, or an Astro site with a remark wiki-link plugin. CommonMark reads them as text."""
    folder = Path(post_path).resolve().parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in WIKI_MARKERS):
            return True
        for name in _ASTRO_CONFIGS:
            config = candidate / name
            if config.is_file() and "wiki-link" in config.read_text(encoding="utf-8", errors="replace"):
                return True
    return False
