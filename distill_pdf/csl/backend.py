"""The CSL citation back end: citations and the reference list formatted by a CSL style
(citeproc-py, engine.py) and written into the document as LaTeX, hyperlinked both ways,
so the engine needs one pass and no biber, as the pybtex back end.

It has the back-end interface the pipeline's citation step uses (``render``,
``bibliography``, ``preamble``, ``files``, ``cited_order``, ``needs_biber``). Note styles
(Chicago notes) put each citation in a footnote: a margin note in the ``distill``
template, a page-bottom footnote elsewhere and in boxes; a citation already inside a
note stays in its text.
"""
from __future__ import annotations

import re

from ..bibliography import Library
from ..writer.citations.backends import backlinks
from ..writer.text import escape
from .engine import Cite, Engine, split_locator
from .items import csl_item
from .markup import MARK, mark, to_latex

PREAMBLE = ("\\makeatletter\n"
            "\\DeclareRobustCommand{\\dpcitetarget}[1]{\\Hy@raisedlink{\\hypertarget{#1}{}}}\n"
            "\\DeclareRobustCommand{\\dpcitelink}[2]{\\hyperlink{#1}{#2}}\n"
            "\\makeatother")


def _plain_tokens(tokens: list) -> str:
    """The text of inline tokens, markup dropped (a suffix as pandoc reads its locator)."""
    out = []
    for token in tokens:
        if token.get("children"):
            out.append(_plain_tokens(token["children"]))
        else:
            out.append(token.get("raw") or token.get("text") or "")
    return "".join(out)


def _commas(raw: str) -> list[bool]:
    """Per item of a bracketed citation, whether a comma follows its key: the parser
    drops it from the suffix, pandoc prints it before a suffix that is no locator."""
    return [bool(m and m.group(1)) for m in (re.search(r"@(?:\{[^{}]*\}|[\w:./+-]*\w)\s*(,)?", part)
                                             for part in raw.strip().strip("[]").split(";"))]


def _capitalized(text: str) -> str:
    """The first letter of citeproc-py's HTML upper case (tags and placeholders skipped)."""
    return re.sub(r"^((?:<[^>]+>|\ue0f0\d+\ue0f1|\s)*)(\w)", lambda m: m.group(1) + m.group(2).upper(), text)


def _capitalized_tokens(tokens: list) -> list:
    """Inline tokens starting with a capital when they start with text (a note's prefix)."""
    if not tokens or tokens[0].get("type") != "text":
        return tokens
    return [{**tokens[0], "raw": tokens[0]["raw"][:1].upper() + tokens[0]["raw"][1:]}] + tokens[1:]


def text_order(document, tokens=None, seen=None):
    """The known keys of the document's citations in reading order; a footnote's are
    read at its reference, as pandoc numbers them (the parser meets the note at its
    definition, usually the end of the post)."""
    seen = set() if seen is None else seen
    for token in document.tokens if tokens is None else tokens:
        if token.get("type") == "citation":
            yield from (item["key"] for item in token["attrs"].get("items", []) if item.get("known"))
        elif token.get("type") == "footnote_ref" and token["attrs"]["index"] not in seen:
            seen.add(token["attrs"]["index"])
            yield from text_order(document, document.footnotes.get(token["attrs"]["index"], []), seen)
        yield from text_order(document, token.get("children") or [], seen)


class CslBackend:
    """Citations in a CSL style (see the module docstring)."""

    needs_biber = False

    def __init__(self, library: Library, style, diagnostics, link_citations: bool = True):
        self.library = library
        self.style = style
        self.diagnostics = diagnostics
        self.links = link_citations
        self.cited_order: dict[str, None] = {}
        self.owner = None   # the Citations object, set by it
        self.engine: Engine | None = None
        self.ids: dict[str, int] = {}
        self.occurrences: dict[str, list[int]] = {}
        self.count = 0

    def _engine(self, document=None) -> Engine:
        """The engine, its works registered in the order the text first cites them (a
        numeric style's numbers), notes read where they are referenced, then nocite."""
        if self.engine is None:
            keys = list(dict.fromkeys(text_order(document))) if document is not None else []
            if self.owner is not None:
                keys += [k for k in self.owner.cited if k not in keys]
                keys += [k for k in self.owner.nocite_keys() if k not in keys]
            self.engine = Engine(self.style, [csl_item(self.library.works[k]) for k in keys])
            self.engine.start(keys)
        return self.engine

    def _id(self, key: str) -> int:
        return self.ids.setdefault(key, len(self.ids) + 1)

    # -- citations ---------------------------------------------------------------
    def render(self, token, renderer) -> str:
        attrs = token["attrs"]
        if attrs["mode"] == "refs":
            return r"\dprefslist{}"  # csl/refs.py: the list placed in the body
        line = renderer._line_of(token.get("raw", "")) if hasattr(renderer, "_line_of") else None
        known = [i for i in attrs["items"] if i["known"]]
        for item in attrs["items"]:
            if not item["known"]:
                renderer.warn(f"unknown citation key {item['key']}", line)
        out = self._cite(attrs["mode"], known, renderer, token.get("raw", "")) if known else ""
        missing = " ".join(rf"\dpunknowncite{{{escape(i['key'])}}}" for i in attrs["items"] if not i["known"])
        out += (" " if out and missing else "") + missing
        return ("~" if attrs.get("tie") and out else "") + out

    def _cite(self, mode: str, items: list, renderer, token_raw: str = "") -> str:
        engine = self._engine(getattr(renderer, "document", None))
        self.count += 1
        cites, marks = [], {}
        commas = _commas(token_raw) if mode == "parenthetical" else []
        for n, item in enumerate(items):
            key = item["key"]
            if n == 0 and engine.is_note and item["prefix"] and not renderer.in_note:
                item = {**item, "prefix": _capitalized_tokens(item["prefix"])}
            self.cited_order.setdefault(key, None)
            self.occurrences.setdefault(key, []).append(self.count)
            prefix = renderer.render_tokens(item["prefix"], None).strip()
            locator, rest = split_locator(_plain_tokens(item["suffix"]), engine.locator_terms)
            suffix = escape(rest.rstrip()) if locator else renderer.render_tokens(item["suffix"], None).strip()
            if suffix and not locator and n < len(commas) and commas[n]:
                suffix = ", " + suffix  # `[@a, and more]`: (A 2003, and more), as pandoc
            if suffix and not suffix.startswith((",", ";", ".", ":", ")")):
                suffix = " " + suffix
            marks[4 * n] = prefix + " " if prefix else ""
            marks[4 * n + 1] = rf"\dpcitelink{{dpbib.{self._id(key)}}}{{" if self.links else ""
            marks[4 * n + 2] = "}" if self.links else ""
            marks[4 * n + 3] = suffix
            cites.append(Cite(key, mark(4 * n) + mark(4 * n + 1), mark(4 * n + 2) + mark(4 * n + 3),
                              locator, item["suppress"]))
        authors, text = engine.cite(cites, narrative=mode == "narrative")
        present = {int(m.group(1)) for m in MARK.finditer(text)}
        for n in range(len(items)):  # a link whose end a style dropped (collapsed numbers): none
            if (4 * n + 1 in present) != (4 * n + 2 in present):
                marks[4 * n + 1] = marks[4 * n + 2] = ""
        if engine.is_note and not authors and not renderer.in_note:
            text = _capitalized(text)  # a note starts a sentence: "N.d.", "Ibid.", "See"
        latex = to_latex(text, marks, links=False)
        target = rf"\dpcitetarget{{dpcite.{self.count}}}"
        if engine.is_note and latex:
            # no space before the note mark ("Test [@a]." prints "Test¹."), as pandoc
            latex = ("" if authors else "\\unskip") + self._note(latex, renderer)
        elif authors:
            latex = " " + latex
        return target + to_latex(authors) + latex

    @staticmethod
    def _note(latex: str, renderer) -> str:
        if renderer.in_note:
            return latex
        if renderer.boxed or renderer.html.inline_stack:
            return f"\\footnote{{{latex}}}"
        return f"\\dpnote{{{latex}}}"

    # -- the document around them ---------------------------------------------------
    def preamble(self, keys: list[str]) -> str:
        out = PREAMBLE if keys else ""
        if self.owner is not None and self.owner.refs_in_body:
            listed = "" if self.owner.suppress else self.bibliography(keys)
            out += "\n\\newcommand{\\dprefslist}{" + listed.replace("#", "##").rstrip() + "}"
        return out

    def files(self, keys: list[str]) -> dict[str, str]:
        return {}

    def bibliography(self, keys: list[str]) -> str:
        if not keys:
            return ""
        entries = self._engine().entries()
        if not entries:
            return ""
        widest = max((to_latex(label, links=False) for _, label, _ in entries), key=len)
        if widest:
            head = (r"\begin{list}{}{\settowidth{\labelwidth}{" + widest + r"}"
                    r"\setlength{\labelsep}{0.6em}\setlength{\leftmargin}{\labelwidth}"
                    r"\addtolength{\leftmargin}{\labelsep}\setlength{\parsep}{0pt}"
                    r"\renewcommand*{\makelabel}[1]{#1\hfil}\frenchspacing}")
        else:
            head = (r"\begin{list}{}{\setlength{\leftmargin}{1.5em}\setlength{\itemindent}{-\leftmargin}"
                    r"\setlength{\labelwidth}{0pt}\setlength{\labelsep}{0pt}\setlength{\parsep}{0pt}\frenchspacing}")
        lines = [r"\begingroup\raggedright", head]
        for key, label, text in entries:
            shown = f"[{{{to_latex(label, links=False)}}}]" if widest else ""
            lines.append(rf"\item{shown} \dpcitetarget{{dpbib.{self._id(key)}}}{to_latex(text)}"
                         + backlinks(self.occurrences.get(key, []) if self.links else []))
        lines.append(r"\end{list}\endgroup")
        return "\n".join(lines) + "\n"
