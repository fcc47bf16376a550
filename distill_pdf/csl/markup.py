"""citeproc-py's HTML output -> LaTeX (the document) or plain text (the conformance harness).

citeproc-py formats with HTML tags (``<i>``, ``<b>``, ``<sup>``, small caps as a styled
``<span>``); reading them back here is safer than formatting LaTeX inside citeproc-py,
whose text-case rules (uppercase, capitalize) would also change command names. Text goes
through the writer's :func:`escape`, ``$math$`` from a .bib stays checked math, URLs and
DOIs become links. Private-use placeholders (:data:`MARK`) carry what the caller puts in
later: a citation's own prefix and suffix, or the start and end of its link.
"""
from __future__ import annotations

import html
import re

from ..writer.citations.works import latex_text, url_latex
from ..writer.text import escape_url

MARK = re.compile("\ue0f0(\\d+)\ue0f1")
_TAG = re.compile(r"<(/?)([a-z]+)([^>]*)>", re.I)
_COMMANDS = {"i": r"\emph", "b": r"\textbf", "sup": r"\textsuperscript", "sub": r"\textsubscript",
             "u": r"\underline", "l": r"\textmd", "sc": r"\textsc"}
_LINK = re.compile(r"(?P<url>https?://[^\s<>\"]+[^\s<>\".,;:)\]])"
                   r"|(?<=doi:)(?P<space>\s*)(?P<doi>10\.\d{4,9}/[^\s<>\"]+[^\s<>\".,;:)\]])", re.I)


def mark(number: int) -> str:
    """A placeholder the formatted text keeps, for :func:`to_latex`'s ``marks``."""
    return f"\ue0f0{number}\ue0f1"


def _pieces(text: str):
    """(kind, value): ("open"/"close", command) for tags, ("text", unescaped text)."""
    pos = 0
    for m in _TAG.finditer(text):
        if m.start() > pos:
            yield "text", html.unescape(text[pos:m.start()])
        name = m.group(2).lower()
        if name == "span":
            name = "sc" if "small-caps" in m.group(3) else "span"
        yield ("close" if m.group(1) else "open"), name
        pos = m.end()
    if pos < len(text):
        yield "text", html.unescape(text[pos:])


def nested_quotes(text: str) -> str:
    """“A “B” C” -> “A ‘B’ C”: quotes inside quotes alternate, as citeproc-js and pandoc print."""
    out, depth = [], 0
    for ch in text:
        if ch == "\u201c":
            out.append("\u2018" if depth % 2 else ch)
            depth += 1
        elif ch == "\u201d" and depth:
            depth -= 1
            out.append("\u2019" if depth % 2 else ch)
        else:
            out.append(ch)
    return "".join(out)


def to_latex(text: str, marks: dict[int, str] | None = None, links: bool = True) -> str:
    """LaTeX of citeproc-py's HTML; each placeholder becomes ``marks[n]`` (LaTeX)."""
    out, stack = [], []
    for kind, value in _pieces(nested_quotes(text)):
        if kind == "open":
            command = _COMMANDS.get(value)
            stack.append(command)
            if command:
                out.append(command + "{")
        elif kind == "close":
            if stack and stack.pop():
                out.append("}")
        else:
            out.append(_text(value, marks or {}, links))
    out.extend("}" for command in stack if command)
    return "".join(out)


def to_plain(text: str, marks: dict[int, str] | None = None) -> str:
    """Plain text of citeproc-py's HTML; each placeholder becomes ``marks[n]``."""
    plain = "".join(value for kind, value in _pieces(nested_quotes(text)) if kind == "text")
    return MARK.sub(lambda m: (marks or {}).get(int(m.group(1)), ""), plain)


def _text(text: str, marks: dict[int, str], links: bool) -> str:
    out, pos = [], 0
    for m in MARK.finditer(text):
        out.append(_linked(text[pos:m.start()], links))
        out.append(marks.get(int(m.group(1)), ""))
        pos = m.end()
    out.append(_linked(text[pos:], links))
    return "".join(out)


def _linked(text: str, links: bool) -> str:
    if not links:
        return latex_text(text)
    out, pos = [], 0
    for m in _LINK.finditer(text):
        out.append(latex_text(text[pos:m.start()]))
        if m.group("url"):
            out.append(rf"\href{{{escape_url(m.group('url'))}}}{{{url_latex(m.group('url'))}}}")
        else:
            doi = m.group("doi")
            out.append(m.group("space"))
            out.append(rf"\href{{{escape_url('https://doi.org/' + doi)}}}{{{url_latex(doi)}}}")
        pos = m.end()
    out.append(latex_text(text[pos:]))
    return "".join(out)
