"""pandoc's Markdown: JOSS papers, Quarto (``.qmd``) and R Markdown (``.Rmd``) posts.

Read as pandoc reads them (its manual, "Pandoc's Markdown"): the syntax extensions of
:mod:`distill_pdf.syntax.pandoc`, and before parsing:

* YAML metadata blocks after the front matter (pandoc allows them anywhere, after a blank
  line) are metadata, not text: left out;
* implicit header references, ``[Heading]`` and ``[text][Heading]`` with no link
  definition of that name, link to the heading;
* Quarto's and pandoc-crossref's references to labelled figures, tables, equations and
  sections (``@fig-x``, ``[@tbl-x]``, ``@eq:x``; ``{#eq-x}`` after display math) print as
  ``\\autoref`` does ("Figure 1");
* raw TeX cross-references in the text (``\\ref``, ``\\autoref``, ``\\eqref``, ``\\label``)
  pass to LaTeX, as pandoc's ``raw_tex`` passes them; a label span around display math
  (``[$$..$$]{label="eq:x"}``) labels the formula.

Detected by :func:`distill_pdf.dialects.is_pandoc` (the file's suffix or front matter only
pandoc reads: JOSS's ``affiliations`` with an ``index``, ``header-includes``, ``output``).
"""
from __future__ import annotations

import re

import yaml

from .. import codeguard
from ..errors import Diagnostics
from ..load import Post
from ..syntax.pandoc import PLUGINS
from ..writer.text import slugify
from .astro import AstroDialect

_YAML_BLOCK = re.compile(r"(?:(?<=\n\n)|\A)---[ \t]*\n(?P<body>(?:(?!---[ \t]*\n|\.\.\.[ \t]*\n).*\n)+?)"
                         r"(?:---|\.\.\.)[ \t]*(?:\n|\Z)")
_REF_DEFINITION = re.compile(r"^ {0,3}\[([^\]]+)\]:", re.M)
_IMPLICIT = re.compile(r"(?<![\]\\!])\[(?P<text>[^\[\]\n]+)\](?:\[(?P<target>[^\[\]\n]*)\])?(?![(\[{:])")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*(?:\{[^}]*\})?[ \t]*$", re.M)
_TEX_REF = re.compile(r"(?<!\\)\\(?:ref|autoref|eqref|label)\{[\w:.-]+\}")
_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$|\\\[.+?\\\]|\\\(.+?\\\)", re.S)
# Quarto's and pandoc-crossref's references: @fig-x, [@tbl-x], @eq:x, @sec-x ...
_CROSSREF = re.compile(r"\[@(?P<b>(?:fig|tbl|eq|sec|lst|thm|lem)[-:][\w:.-]*\w)\]"
                       r"|(?<![\w@\[])@(?P<k>(?:fig|tbl|eq|sec|lst|thm|lem)[-:][\w:.-]*\w)")
_QUARTO_EQUATION = re.compile(r"\$\$(?P<math>[^$]+?)\$\$[ \t]*\{#(?P<label>eq[-:][\w:.-]+)\}")
_LABELLED_MATH = re.compile(r"\[\s*\$\$(?P<math>.+?)\$\$\s*\]\{\s*(?:label=[\"']?|#)(?P<label>[^\"'}\s]+)[\"']?\s*\}", re.S)


class PandocDialect(AstroDialect):
    name = "pandoc"
    plugins = list(PLUGINS)

    def prepare(self, post: Post, diagnostics: Diagnostics) -> None:
        masked = codeguard.mask(post.body)
        text = _QUARTO_EQUATION.sub(_labelled_math, _LABELLED_MATH.sub(_labelled_math, masked.text))
        text = _YAML_BLOCK.sub(metadata_out, text)
        text = _implicit_references(text)
        text = _outside_math(text, lambda part: _references(part, text))
        post.body = masked.restore(text)
        super().prepare(post, diagnostics)


def _labelled_math(m: re.Match) -> str:
    """``[$$..$$]{label=x}`` or ``$$..$$ {#eq-x}``: the label inside the formula."""
    return f"$${m.group('math')} \\label{{{m.group('label')}}}$$"


def metadata_out(m: re.Match) -> str:
    """A YAML block that is a mapping is metadata (kept as blank lines, so lines still count)."""
    try:
        value = yaml.safe_load(m.group("body"))
    except yaml.YAMLError:
        return m.group(0)
    return "\n" * m.group(0).count("\n") if isinstance(value, dict) else m.group(0)


def _implicit_references(text: str) -> str:
    headings = {slugify(h): h for h in _HEADING.findall(text)}
    defined = {d.strip().lower() for d in _REF_DEFINITION.findall(text)}

    def link(m: re.Match) -> str:
        target = m.group("target") or m.group("text")
        if target.strip().lower() in defined or slugify(target) not in headings or target.startswith("^"):
            return m.group(0)
        return f"[{m.group('text')}](#{slugify(target)})"
    return _IMPLICIT.sub(link, text)


def _references(part: str, text: str) -> str:
    """Raw TeX references pass to LaTeX; Quarto's ``@fig-x`` print as ``\\autoref`` does
    (``text``, the whole post, holds the labels they may name)."""
    part = _TEX_REF.sub(lambda m: f"`{m.group(0)}`{{=latex}}", part)
    return _CROSSREF.sub(lambda m: _crossref(m, text), part)


def _crossref(m: re.Match, text: str) -> str:
    """``@fig-x`` as Quarto prints it ("Figure 1"), when the post labels ``fig-x``; else it
    stays a citation key. A section (its label is the renderer's: ``sec:`` and its anchor)
    is named by its title, sections being unnumbered."""
    key = m.group("b") or m.group("k")
    if not re.search(rf"#{re.escape(key)}\b|label=[\"']?{re.escape(key)}\b|\\label\{{{re.escape(key)}\}}", text):
        return m.group(0)
    if key.startswith("sec"):  # sections are not numbered: the heading's title, linked
        return f"`\\nameref{{sec:{slugify(key)}}}`{{=latex}}"
    return f"`\\autoref{{{key}}}`{{=latex}}"


def _outside_math(text: str, change) -> str:
    out, pos = [], 0
    for m in _MATH.finditer(text):
        out += [change(text[pos:m.start()]), m.group(0)]
        pos = m.end()
    return "".join(out + [change(text[pos:])])
