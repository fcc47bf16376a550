"""Markdown dialects: which flavour a post is written in, and what that flavour needs.

``astro`` is the CommonMark + GFM (+ remark-math) our parser reads as it is (with wiki
links when the site reads them: an Obsidian vault, Quartz, Foam, remark-wiki-link).
``jekyll`` is Jekyll with kramdown and Liquid as al-folio's Distill layout uses it
(the ICLR blog-post track): see :mod:`.jekyll`. ``pandoc`` is pandoc's Markdown (JOSS
papers, Quarto, R Markdown): see :mod:`.pandoc`.

``for_post(post, requested, diagnostics)`` picks the dialect (``auto``: front
matter ``layout: distill`` or a post under ``_posts/`` is Jekyll, a ``.qmd``/``.Rmd``
file or pandoc-only front matter is pandoc, anything else Astro), rewrites the post for it and returns an object the pipeline asks for:

* ``plugins``: extra mistune plugins for ``parse_post``;
* ``preamble_latex()``: LaTeX for the preamble (after the body is parsed);
* ``site_root``: the site folder images resolve in, when the dialect knows it;
* ``html_translator``: the raw-HTML translator class the renderer should use.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import Diagnostics, UsageError
from ..load import Post
from ..site import JEKYLL_POST_FOLDERS
from .astro import AstroDialect

DIALECTS = ("auto", "astro", "jekyll", "pandoc")
PANDOC_SUFFIXES = {".qmd", ".rmd"}
_PANDOC_KEYS = {"header-includes", "output", "format", "documentclass", "classoption", "geometry"}


def is_pandoc(meta: dict, post_path: Path) -> bool:
    """pandoc's Markdown: a Quarto or R Markdown file, or front matter only pandoc reads (JOSS's
    ``affiliations`` with an ``index``, ``header-includes``, ``output``/``format``)."""
    if Path(post_path).suffix.lower() in PANDOC_SUFFIXES or _PANDOC_KEYS & set(meta):
        return True
    affiliations = meta.get("affiliations")
    return isinstance(affiliations, list) and any(isinstance(a, dict) and "index" in a for a in affiliations)


def detect(post: Post) -> str:
    if is_jekyll(post.meta, post.path):
        return "jekyll"
    return "pandoc" if is_pandoc(post.meta, post.path) else "astro"


def is_jekyll(meta: dict, post_path: Path) -> bool:
    """al-folio's ``layout: distill``, or any post under a Jekyll ``_posts/`` folder. Decided
    here, so that Astro posts never import the Jekyll machinery."""
    layout = meta.get("layout")
    if isinstance(layout, str) and layout.strip().lower() == "distill":
        return True
    return any(part in JEKYLL_POST_FOLDERS for part in Path(post_path).resolve().parent.parts)


def for_post(post: Post, requested: str | None = "auto", diagnostics: Diagnostics | None = None):
    """The dialect of ``post`` (``auto`` detects it), with the post already prepared for it."""
    name = (requested or "auto").lower()
    if name not in DIALECTS:
        raise UsageError(f"unknown dialect {requested!r} (choose {', '.join(DIALECTS)})")
    if name == "auto":
        name = detect(post)
    if name == "jekyll":
        from .jekyll import JekyllDialect
        dialect = JekyllDialect()
    elif name == "pandoc":
        from .pandoc import PandocDialect
        dialect = PandocDialect()
    else:
        dialect = AstroDialect()
    dialect.prepare(post, diagnostics if diagnostics is not None else Diagnostics())
    return dialect


__all__ = ["DIALECTS", "AstroDialect", "detect", "for_post"]
