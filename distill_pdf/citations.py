"""The pipeline's citation step: the post's bibliography, the parser plugin for its
citations and the back end that typesets them, tied together for one post.

``setup(post, options, diagnostics)`` returns None (the post cites nothing) or a
:class:`Citations` with

* ``plugins``: the mistune plugin for pandoc's citation syntax and ``<d-cite>``
  (:mod:`distill_pdf.syntax.citations`);
* ``render_citation(token, renderer)``: the LaTeX of one citation;
* ``bibliography_latex()`` / ``preamble_latex()`` / ``build_files()``: the
  reference list, preamble code and extra build files of the chosen back end
  (:mod:`distill_pdf.writer.citations`);
* ``needs_biber``: whether the engine step must run biber.

A CSL style (``--csl``, front matter ``csl:``) picks the CSL back end (csl/), which also
reads pandoc's ``link-citations``, ``suppress-bibliography``, ``reference-section-title``
and a ``::: {#refs}`` div that places the list in the body (csl/refs.py).

Data flows one way: this module uses bibliography.py (reading), syntax/ (parsing) and
writer/ (typesetting); none of them uses this one.
"""
from __future__ import annotations

import re
import shutil

from pathlib import Path

from .bibliography import Library, load_library, looks_like_key
from .errors import Diagnostics, UsageError
from .load import Post
from .syntax.citations import citations_plugin
from .writer.citations import make_backend

BACKENDS = ("auto", "biblatex", "pybtex")
STYLES = ("author-year", "numeric")


class Citations:
    """What the pipeline needs for one post's citations (see the module docstring)."""

    def __init__(self, post: Post, library: Library, backend, nocite: set[str] | bool,
                 suppress: bool = False, refs_in_body: bool = False):
        self.post = post
        self.suppress = suppress            # pandoc's suppress-bibliography
        self.refs_in_body = refs_in_body    # the list goes where csl/refs.py put its marker
        self.library = library
        self.backend = backend
        self.nocite = nocite
        self.cited: dict[str, None] = {}   # keys met while parsing, in order
        self.plugins = [citations_plugin(self)]
        if refs_in_body:
            from .csl.refs import refs_plugin
            self.plugins.append(refs_plugin)
        backend.owner = self

    # -- called by the parser plugin -------------------------------------------
    def resolve(self, key: str) -> str | None:
        return self.library.lookup(key)

    def note_cited(self, key: str) -> None:
        self.cited.setdefault(key, None)

    # -- called by the renderer ------------------------------------------------
    def render_citation(self, token, renderer) -> str:
        return self.backend.render(token, renderer)

    # -- called by the pipeline after the body is rendered ------------------------
    def nocite_keys(self) -> list[str]:
        if self.nocite is True:
            return list(self.library.works)
        return [k for k in sorted(self.nocite) if k in self.library.works]

    def listed_keys(self) -> list[str]:
        """The works the reference list shows: those cited (in order) plus nocite."""
        keys = [k for k in self.backend.cited_order if k in self.library.works]
        return keys + [k for k in self.nocite_keys() if k not in keys]

    def bibliography_latex(self) -> str:
        if self.suppress or self.refs_in_body:
            return ""
        return self.backend.bibliography(self.listed_keys())

    def preamble_latex(self) -> str:
        return self.backend.preamble(self.listed_keys())

    def build_files(self) -> dict[str, str]:
        return self.backend.files(self.listed_keys())

    @property
    def needs_biber(self) -> bool:
        return self.backend.needs_biber and bool(self.listed_keys())


def choose_backend(options, csl: str | None = None) -> str:
    wanted = (getattr(options, "citations", None) or "auto").lower()
    if wanted not in BACKENDS:
        raise UsageError(f"unknown citations back end {wanted!r} (choose auto, biblatex or pybtex)")
    if csl:
        if wanted == "biblatex":
            raise UsageError(f"--csl {csl} formats citations in Python; it cannot be combined with "
                             "--citations biblatex")
        return "csl"
    if str(getattr(options, "template", "")) == "arxiv":
        return "pybtex"  # arXiv runs no biber of ours: the document carries its reference list
    if wanted == "biblatex":
        if not shutil.which("biber"):
            raise UsageError("--citations biblatex needs biber, which is not installed "
                             "(apt-get install biber), or use --citations pybtex")
        return "biblatex"
    # auto: one engine pass, no external tool; the same citations and entries as biblatex
    # + biber (README, "Two back ends, one look"), which is there when asked for by name
    return "pybtex"


def _nocite(post: Post, library: Library, diagnostics: Diagnostics) -> set[str] | bool:
    value = post.meta.get("nocite")
    if value is None:
        return set()
    text = " ".join(value) if isinstance(value, list) else str(value)
    keys = re.findall(r"@(\*|\w(?:[\w:./+-]*\w)?)", text)
    if "*" in keys:
        return True
    found = set()
    for key in keys:
        real = library.lookup(key)
        if real:
            found.add(real)
        else:
            diagnostics.warn(f"unknown citation key {key} in nocite", post.path, post.meta_line("nocite"))
    return found


_MAYBE_CITES = re.compile(r"(?<![\w.+\-@/\\])-?@[\w{]|<d-cite\b", re.I)


_CODE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[ \t]*$|`+[^`\n]*`+", re.M | re.S)
_BRACKET_CITE = re.compile(r"\[(?:[^\[\]]*\s)?-?@(?P<key>\w[\w:./+-]*)[^\[\]]*\](?![(\[:])"
                           r"|<d-cite\s+key\s*=", re.I)


def _warn_no_bibliography(post: Post, diagnostics: Diagnostics) -> None:
    """``[@name2020word]`` or ``<d-cite>`` in a post without any bibliography: say so, once."""
    body = _CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), post.body)
    m = next((m for m in _BRACKET_CITE.finditer(body)
              if m.group("key") is None or looks_like_key(m.group("key").rstrip(".:/+-"))), None)
    if m:
        line = post.body_line + body.count("\n", 0, m.start())
        diagnostics.warn(f"citation {m.group(0)[:40]} but no bibliography (front matter `bibliography:`, "
                         "--bib, or a .bib file beside the post)", post.path, line)


def csl_name(post: Post, options) -> tuple[str, Path | None] | None:
    """The CSL style asked for, and the folder a relative path is read from: ``--csl`` (or
    ``csl`` in the site config) over front matter ``csl:``."""
    if getattr(options, "csl", None):
        return str(options.csl), Path.cwd()
    value = post.meta.get("csl") or post.meta.get("citation-style")
    if value:
        return str(value), post.path.resolve().parent
    return None


def _flag(post: Post, name: str, default: bool) -> bool:
    value = post.meta.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "off", "0", "")
    return bool(value)


def setup(post: Post, options, diagnostics: Diagnostics) -> Citations | None:
    """None when the post cites nothing and lists no bibliography; else a Citations."""
    style = (getattr(options, "citation_style", None) or "author-year").lower()
    if style not in STYLES:
        raise UsageError(f"unknown citation style {style!r} (choose author-year or numeric)")
    csl = csl_name(post, options)
    kind = choose_backend(options, csl[0] if csl else None)
    csl_style = None
    if csl:  # CSL (citeproc-py and our patches) is imported only for a post that asks for it
        from .csl.styles import load_style, style_path
        csl_style = load_style(style_path(*csl), post.meta.get("lang"))
    if not (_MAYBE_CITES.search(post.body) or post.meta.get("nocite") or post.meta.get("bibliography")):
        return None
    library = load_library(post, options, diagnostics)
    if not library.works and not library.files:
        _warn_no_bibliography(post, diagnostics)
        return None  # nothing to cite from: every `@word` stays text
    nocite = _nocite(post, library, diagnostics)
    if kind != "csl":
        return Citations(post, library, make_backend(kind, style, library, diagnostics), nocite)
    from .csl.backend import CslBackend
    from .csl.refs import place_references
    backend = CslBackend(library, csl_style, diagnostics, link_citations=_flag(post, "link-citations", True))
    return Citations(post, library, backend, nocite, suppress=_flag(post, "suppress-bibliography", False),
                     refs_in_body=place_references(post))
