"""Find the posts of a blog: Astro content collections, Jekyll `_posts/`, Hugo `content/`, or any folder.

Each post gets a *name*, its path inside the content root without the
extension (``blog/my-post``; a post at ``slug/index.md`` is named ``slug``).
Batch export writes ``OUT_DIR/<name>.pdf``, so the output mirrors the
collections. As Astro's glob loader does, files and folders whose name starts
with ``_`` are skipped (Hugo's ``_index.md`` list pages too), as are hidden
folders and ``node_modules``. Only the front matter is read here (drafts,
title, date), quickly and without judging it: a broken post is reported by the
build, where its error has a line number.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml

POST_SUFFIXES = (".md", ".mdx", ".markdown", ".qmd", ".rmd")
SKIP_DIRS = {"node_modules"}
HUGO_MARKERS = ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml")
_DATE_KEYS = ("pubDate", "timestamp", "date", "publishDate", "published")
_JEKYLL_NAME = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})-(?P<title>.+)$")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Layout:
    """Where a site keeps its posts."""

    kind: str                 # astro | jekyll | hugo | folder
    content_root: Path        # names are relative to this folder
    scan: list[tuple[Path, str, bool]]  # (folder to walk, name prefix, posts there are drafts)
    site_root: Path           # the site's own folder (config, public/)


@dataclass
class PostEntry:
    source: Path              # absolute path of the post file
    name: str                 # "blog/my-post": the output is OUT_DIR/<name>.pdf
    url_path: str             # path of the post on the site: "blog/my-post"
    collection: str | None    # "blog" (Astro collection, Hugo section, "posts" for Jekyll)
    draft: bool = False
    title: str | None = None
    date: dt.date | None = None

    @property
    def output(self) -> str:
        return f"{self.name}.pdf"


def detect_layout(content_dir: str | Path) -> Layout:
    """Decide what kind of folder CONTENT_DIR is; see the module doc."""
    d = Path(content_dir).resolve()
    if (d / "src" / "content").is_dir():
        root = d / "src" / "content"
        return Layout("astro", root, [(root, "", False)], d)
    astro_root = _astro_content_root(d)
    if astro_root is not None:
        prefix = d.relative_to(astro_root).as_posix()
        return Layout("astro", astro_root, [(d, "" if prefix == "." else prefix, False)],
                      astro_root.parent.parent)
    if (d / "_posts").is_dir():
        scan = [(d / "_posts", "posts", False)]
        if (d / "_drafts").is_dir():
            scan.append((d / "_drafts", "drafts", True))
        return Layout("jekyll", d, scan, d)
    if d.name in ("_posts", "_drafts"):
        return Layout("jekyll", d.parent, [(d, d.name.lstrip("_"), d.name == "_drafts")], d.parent)
    hugo_root = _hugo_content_root(d)
    if hugo_root is not None:
        prefix = d.relative_to(hugo_root).as_posix()
        return Layout("hugo", hugo_root, [(d, "" if prefix == "." else prefix, False)], hugo_root.parent)
    if (d / "content").is_dir() and not any(p.suffix in POST_SUFFIXES for p in d.iterdir() if p.is_file()):
        root = d / "content"
        return Layout("hugo", root, [(root, "", False)], d)
    return Layout("folder", d, [(d, "", False)], d)


def _astro_content_root(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if candidate.name == "content" and candidate.parent.name == "src":
            return candidate
    return None


def _hugo_content_root(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if candidate.name == "content" and any((candidate.parent / n).is_file() for n in HUGO_MARKERS):
            return candidate
    return None


def discover(content_dir: str | Path) -> list[PostEntry]:
    """Every post under CONTENT_DIR, sorted by name (drafts included, marked)."""
    if not Path(content_dir).is_dir():
        raise NotADirectoryError(str(content_dir))
    layout = detect_layout(content_dir)
    entries = []
    for folder, prefix, drafts in layout.scan:
        for path in _walk(folder):
            entries.append(entry_for(path, layout, folder, prefix, drafts))
    return sorted(entries, key=lambda e: (e.name, str(e.source)))


def _walk(folder: Path):
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")) and d not in SKIP_DIRS)
        for name in sorted(files):
            if name.startswith(("_", ".")) or not name.lower().endswith(POST_SUFFIXES):
                continue
            yield Path(top) / name


def entry_for(path: Path, layout: Layout, folder: Path, prefix: str, drafts: bool) -> PostEntry:
    meta = read_front_matter(path)
    rel = path.relative_to(folder)
    parts = list(rel.parent.parts) if rel.stem == "index" and rel.parent.parts else [*rel.parent.parts, rel.stem]
    if prefix:
        parts = [*prefix.split("/"), *parts]
    collection = parts[0] if len(parts) > 1 else None
    slug = meta.get("slug")
    if layout.kind == "astro" and isinstance(slug, str) and _safe_slug(slug):
        parts = [*(parts[:1] if collection else []), *slug.strip("/").split("/")]
    name = "/".join(parts)
    url_path = name
    m = _JEKYLL_NAME.match(parts[-1]) if layout.kind == "jekyll" else None
    if m:
        url_path = f"{m['y']}/{m['m']}/{m['d']}/{m['title']}.html"
    return PostEntry(source=path.resolve(), name=name, url_path=url_path, collection=collection,
                     draft=drafts or _is_draft(meta), title=_text(meta.get("title")),
                     date=_first_date(meta))


def name_for(post_path: str | Path) -> PostEntry:
    """The entry a batch export would give one post (for `distill-pdf post.md`)."""
    path = Path(post_path).resolve()
    astro_root = _astro_content_root(path.parent)
    if astro_root is not None:
        layout = Layout("astro", astro_root, [], astro_root.parent.parent)
        return entry_for(path, layout, astro_root, "", False)
    for parent in path.parents:
        if parent.name in ("_posts", "_drafts"):
            layout = Layout("jekyll", parent.parent, [], parent.parent)
            return entry_for(path, layout, parent, parent.name.lstrip("_"), parent.name == "_drafts")
        if parent.name == "content":
            return entry_for(path, Layout("hugo", parent, [], parent.parent), parent, "", False)
    return entry_for(path, Layout("folder", path.parent, [], path.parent), path.parent, "", False)


def _safe_slug(slug: str) -> bool:
    parts = slug.strip("/").split("/")
    return bool(slug.strip("/")) and all(p and p not in (".", "..") for p in parts)


_FENCES = (("---", re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)(?:\r?\n)(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)),
           ("+++", re.compile(r"\A(?:\ufeff)?\+\+\+[ \t]*\r?\n(.*?)(?:\r?\n)\+\+\+[ \t]*(?:\r?\n|\Z)", re.S)))


def read_front_matter(path: Path) -> dict:
    """YAML (---) or TOML (+++) front matter as a dict; {} when absent or unreadable."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(256 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return {}
    for kind, pattern in _FENCES:
        m = pattern.match(head)
        if not m:
            continue
        try:
            data = yaml.load(m.group(1), Loader=_YAML_LOADER) if kind == "---" else tomllib.loads(m.group(1))
        except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
    return {}


def _is_draft(meta: dict) -> bool:
    value = meta.get("draft")
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes")
    if value is True:
        return True
    published = meta.get("published")  # Jekyll: `published: false` keeps a post unpublished
    return published is False


def _text(value) -> str | None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def _first_date(meta: dict) -> dt.date | None:
    for key in _DATE_KEYS:
        value = meta.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()[:10])
            except ValueError:
                continue
    return None
