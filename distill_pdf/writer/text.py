"""Prose -> LaTeX that prints exactly as written.

Every character of user text passes through ``escape``: the ten specials become
their text commands, so prose can never inject TeX, and characters the main
font lacks are set in a fallback font (CJK, emoji, RTL scripts, symbols).
"""
from __future__ import annotations

import re
from pylatexenc.latex2text import LatexNodes2Text

from .. import fonts

SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
    "#": r"\#", "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
}
_SPECIAL_RE = re.compile(r"[\\{}$&#^_~%]")
_LONG_WORD = re.compile(r"\S{30,}")
_BREAK_AFTER = re.compile(r"(?<=[/.\-_?&=:,;|\\])|(?<=\w{16})(?=\w)")
BREAK = r"\allowbreak{}"


def escape_specials(text: str) -> str:
    return _SPECIAL_RE.sub(lambda m: SPECIALS[m.group(0)], text)


def escape(text: str, role: str = "serif") -> str:
    """User text -> LaTeX; long unbroken words (paths, hashes, URLs) may break."""
    if not text:
        return ""
    if len(text) < 30 or not _LONG_WORD.search(text):
        return _escape_runs(text, role)
    out, pos = [], 0
    for m in _LONG_WORD.finditer(text):
        out.append(_escape_runs(text[pos:m.start()], role))
        pieces = [p for p in _BREAK_AFTER.split(m.group(0)) if p]
        out.append(BREAK.join(_escape_runs(p, role) for p in pieces))
        pos = m.end()
    out.append(_escape_runs(text[pos:], role))
    return "".join(out)


def _escape_runs(text: str, role: str) -> str:
    if text.isascii():
        return escape_specials(text)
    return fonts.latex_text(text, escape_specials, role)


def escape_pdf_string(text: str) -> str:
    """For PDF metadata and bookmarks: specials escaped, no font switches."""
    return escape_specials(" ".join(text.split()))


_URL_UNSAFE = re.compile(r"[^A-Za-z0-9\-.:/?#\[\]@!$&'()*+,;=%]")


def escape_url(url: str) -> str:
    """A URL for \\href/\\url: percent-encode what TeX cannot carry, escape the rest."""
    url = _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), url.strip())
    return url.replace("%", r"\%").replace("#", r"\#").replace("&", r"\&").replace("$", r"\$")


_LATEX2TEXT = LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def plain_text(text: str) -> str:
    """Title-like strings that may hold $math$ or LaTeX -> plain Unicode for PDF metadata."""
    if not any(ch in text for ch in "\\$"):
        return " ".join(text.split())
    try:
        return " ".join(_LATEX2TEXT.latex_to_text(text).replace("$", "").split())
    except Exception:  # pylatexenc raises assorted errors on broken input; keep the raw text then
        return " ".join(text.split())
