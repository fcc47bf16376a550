"""Step 4: fill a Jinja LaTeX template with the rendered body and the post's metadata.

Delimiters are LaTeX-safe, as in nbconvert: ``((* block *))``, ``((( var )))``,
``((= comment =))``. A user template folder is searched first, so it may
override ``template.tex.j2`` whole or extend ``base.tex.j2`` and replace blocks.
"""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import jinja2

from . import appendix, fonts, resources
from .version import __version__
from .errors import UsageError
from .load import Post
from .writer import code
from .writer.text import escape, escape_pdf_string, plain_text

TEMPLATES_DIR = resources.TEMPLATES_DIR
BUILTIN = ("distill", "article", "arxiv")


def template_dir(name_or_path: str | Path) -> Path:
    """A built-in template name, or a user's folder holding template.tex.j2."""
    if str(name_or_path) in BUILTIN:
        return TEMPLATES_DIR / str(name_or_path)
    folder = Path(name_or_path)
    if not (folder / "template.tex.j2").is_file():
        raise UsageError(f"template folder has no template.tex.j2 (built-in templates: {', '.join(BUILTIN)})",
                         folder)
    return folder


def environment(folder: Path) -> jinja2.Environment:
    return _environment(str(folder))


@functools.lru_cache(maxsize=8)
def _environment(folder: str) -> jinja2.Environment:
    """One per template folder and process (batch export fills it once per post); templates
    are compiled once per machine: Jinja's bytecode cache, checked against each file's mtime
    (performance: compiling base + distill costs about 20 ms)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([folder, str(TEMPLATES_DIR)]),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
        trim_blocks=True, lstrip_blocks=True, autoescape=False, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined, bytecode_cache=_bytecode_cache(),
    )


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    folder = resources.user_cache_dir() / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def format_date(date: dt.date | None) -> str:
    return f"{date:%B} {date.day}, {date.year}" if date else ""


def byline(post: Post) -> tuple[list[dict], list[dict]]:
    """Distill's grid: an author per row, then PUBLISHED / UPDATED / SERIES columns."""
    columns = [(label, value) for label, value in (
        ("Published", format_date(post.published)), ("Updated", format_date(post.updated)),
        ("Series", escape(post.series) if post.series else "")) if value]
    width = f"{0.4 / max(len(columns), 1):.3f}"
    authors = post.authors or [None]
    rows = []
    for i, author in enumerate(authors):
        name = ""
        if author is not None:
            name = escape(author.name)
            if author.url:
                from .writer.text import escape_url
                name = rf"\href{{{escape_url(author.url)}}}{{{name}}}"
        rows.append({"author": name,
                     "affiliation": escape(author.affiliation) if author and author.affiliation else "",
                     "cells": [value if i == 0 else "" for _, value in columns]})
    return [{"label": label, "width": width} for label, _ in columns], rows


def byline_grid(columns: list[dict], rows: list[dict]) -> dict:
    """The byline as a plain grid without the empty columns: a post that names no author
    (nor a site default) prints no AUTHORS label over nothing, nor AFFILIATIONS."""
    lead = [(key, label) for key, label in (("author", "Authors"), ("affiliation", "Affiliations"))
            if any(row[key] for row in rows)]
    grid_columns = [{"label": label, "width": "0.300"} for _, label in lead] + columns
    grid_rows = [[row[key] for key, _ in lead] + row["cells"] for row in rows]
    return {"columns": grid_columns, "rows": [cells for cells in grid_rows if any(cells)]}


def bibtex_entry(post: Post, site_url: str | None) -> str:
    """No author or year is made up: a post without them gets an entry without them."""
    year = str(post.published.year) if post.published else ""
    first = post.authors[0].name.split()[-1].lower() if post.authors else ""
    key = "".join(ch for ch in f"{first}{year}{post.slug.split('-')[0]}" if ch.isalnum()) or "post"
    fields = [("author", " and ".join(a.name for a in post.authors)), ("title", plain_text(post.title)),
              ("year", year)]
    if post.published:
        fields.append(("month", f"{post.published:%b}".lower()))
    if site_url:
        fields.append(("url", site_url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}"


def citation_text(post: Post) -> str:
    parts = [", ".join(a.name for a in post.authors), f"\u201c{plain_text(post.title)}\u201d"]
    if post.published:
        parts.append(str(post.published.year))
    return escape(", ".join(part for part in parts if part) + ".")


def context(post: Post, body: str, *, paper: str = "a4", bibliography: str = "",
            preamble_extra: str = "", site_url: str | None = None) -> dict:
    columns, rows = byline(post)
    body, bibliography, bibliography_heading = appendix.place_bibliography(appendix.without_closing_rule(body),
                                                                           bibliography)
    authors_plain = ", ".join(a.name for a in post.authors)
    entry = bibtex_entry(post, site_url)
    return {
        "title": escape(post.title) if "$" not in post.title else _title_with_math(post.title),
        "description": escape(post.description) if post.description else "",
        "meta": {"title": escape_pdf_string(plain_text(post.title)),
                 "author": escape_pdf_string(authors_plain),
                 "subject": escape_pdf_string(plain_text(post.description or "")),
                 "keywords": escape_pdf_string(", ".join(post.tags))},
        "authors_line": escape(authors_plain),
        "date_line": format_date(post.published),
        "byline_columns": columns, "byline_rows": rows, "byline": byline_grid(columns, rows),
        "toc": post.toc, "draft": post.draft, "paper": "letter" if paper == "letter" else "a4",
        "body": body, "bibliography": bibliography,
        "bibliography_heading": bibliography_heading, "preamble_extra": preamble_extra,
        "citation_text": citation_text(post), "citation_bibtex": entry,
        # typeset as a code block: Pygments escapes it and non-Latin titles get fallback fonts
        "citation_bibtex_latex": code.highlight_block(entry, "bibtex"),
        "fonts_preamble": fonts.preamble(), "pygments_defs": code.style_definitions(),
        "version": __version__,
    }


def _title_with_math(title: str) -> str:
    """Titles may hold $math$ (as the body reads it): checked math stays math, the rest is text."""
    import re

    from .syntax.math import math_spans
    from .writer.mathcheck import MathError, check_math, katex_compatible
    out = []
    for is_math, part in math_spans(title):
        if not is_math:
            out.append(escape(part))
            continue
        try:
            check_math(part)
            if "%" in part.replace(r"\%", ""):  # a comment would swallow the closing \)
                raise MathError("comment")
            tex = katex_compatible(re.sub(r"(?<!\\)#", r"\\#", part))
            out.append(rf"\({tex}\)")
        except MathError:
            out.append(escape(f"${part}$"))
    return "".join(out)


def fill(template: str | Path, values: dict) -> str:
    folder = template_dir(template)
    try:
        return environment(folder).get_template("template.tex.j2").render(**values)
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise UsageError(f"template error: {exc}", folder / "template.tex.j2", line) from None
