"""The PDF's side of the audit: its words as ``pdftotext`` extracts them (what a reader copies
and searches), and the leaked markup in its prose.

Lines are joined as a reader would join them, never hiding a defect: a word broken at a line end
by TeX's hyphenation is joined without its hyphen, a compound the source spells with a hyphen
("black-box") keeps the hyphen *character the PDF has* (so U+2011 still fails to match), and a
CJK run broken across lines is joined without a space (a space inside a line stays a defect).
A path or identifier in prose (``lm_human_preferences/rewards.py``), which breaks anywhere as
``\\url`` breaks, is joined without a space where its halves make a source word. So is a word
whose halves poppler set around a formula's pieces (see ``_across_fragments``).
"""
from __future__ import annotations

import re
import subprocess
from itertools import combinations
from pathlib import Path

from .words import CJK_CHAR, tokens

_HYPHENS = "-\u2010\u2011\u00ad"
_LAST_WORD = re.compile(r"([^\W_]+)[" + _HYPHENS + r"]$")
_FIRST_WORD = re.compile(r"^([^\W_]+)")
_MATH_CHARS = "\U0001d400-\U0001d7ff"
_HEAD = re.compile(r"([^\W\d_" + _MATH_CHARS + r"]+)((?:[^\s\w]|[\d" + _MATH_CHARS + r"])*)$")
_FIRST_LETTERS = re.compile(r"^([^\W\d_]+)")  # a word's second half: "ponent", never "1"
_FRAGMENT = re.compile(r"^(?:[\d\W_" + _MATH_CHARS + r"]){0,12}$")
_PATH_END = re.compile(r"\S*[_/.]\S*?([^\W_]+)$")   # a line ending inside a path-like run
_FURNITURE = re.compile(r"^\d*$")

RAW = False       # pdftotext's reading order (default) or the content stream's (-raw)

# Markup that a reader should never see in prose (issue 12): name -> pattern
LEAKS = {
    "$": re.compile(r"\$"),
    "\\cmd": re.compile(r"\\[A-Za-z]+"),
    ":::": re.compile(r":::"),
    "{%": re.compile(r"\{%"),
    "{{": re.compile(r"\{\{"),
    "import-from": re.compile(r"\bimport\s+[\w{}*,\s]{1,60}?\s+from\s+['\"]"),
    "**": re.compile(r"\*\*"),
    "<tag": re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>"),
    "[^": re.compile(r"\[\^"),
    "{:": re.compile(r"\{:"),
    "+--+": re.compile(r"\+[-=:]{3,}\+"),          # a grid table's rule (pandoc)
    "{=fmt}": re.compile(r"\{=[A-Za-z]+\}"),       # pandoc's raw attribute
    "]{.attr}": re.compile(r"\]\{[.#][\w-]"),      # a bracketed span's attributes
    # a private-use character: our preprocessing's markers (distill_pdf/dialects/kramdown.py), or
    # the code it prints as where no font has it (layout.py keeps both in the prose text)
    "private-use": re.compile(r"[\ue000-\uf8ff]|\[U\+(?:E[0-9A-F]{3}|F[0-8][0-9A-F]{2})\]"),
}


def pdftotext(pdf: Path, raw: bool = RAW) -> str:
    mode = ["-raw"] if raw else []
    return subprocess.run(["pdftotext", *mode, "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


# a code line fvextra broke: "⌋" ends the piece, "↪" starts the next (pdftotext puts each on
# a line of its own); the code reads on where it stopped (see _code_join)
_CODE_BREAK = re.compile(r"[ \t]*⌋?[ \t]*\n(?:[ \t]*\n)*[ \t]*↪[ \t]*\n(?:[ \t]*\n)*|[ \t]*⌋[ \t]*\n(?:[ \t]*\n)*")


def _code_join(m: re.Match, source_words: set[str]) -> str:
    """No space where the break split a word of the source's code, else the space it took."""
    before = re.search(r"[^\W_]+(?:[-'][^\W_]+)*-?$", m.string[max(0, m.start() - 200):m.start()])
    after = re.match(r"-?[^\W_]+(?:[-'][^\W_]+)*", m.string[m.end():m.end() + 200])
    if before and after and (before.group(0) + after.group(0)).casefold() in source_words:
        return ""
    return " "


def join_lines(text: str, source_words: set[str]) -> str:
    """The text with line ends joined (see the module docstring); ``source_words``, normalized,
    tell a compound from a TeX hyphenation and a broken path from two words."""
    # the source's hyphenated words and their leading parts ("rehype-expressive" of
    # "rehype-expressive-code"): a line end after one of their hyphens keeps the hyphen
    hyphenated = {"-".join(parts[:k]) for word in source_words if "-" in word
                  for parts in [word.split("-")] for k in range(2, len(parts) + 1)}
    text = _CODE_BREAK.sub(lambda m: _code_join(m, source_words), text)
    lines = _across_fragments([line.rstrip() for line in text.replace("\f", "\n").split("\n")],
                              source_words)
    out: list[str] = []
    for line in lines:
        if out and out[-1] and _FURNITURE.match(line) and _LAST_WORD.search(out[-1]):
            continue   # a page number or page break inside a word hyphenated across pages
        if out and out[-1]:
            prev = out[-1]
            last, first = _LAST_WORD.search(prev), _FIRST_WORD.match(line)
            if last and first:
                compound = (last.group(1) + "-" + first.group(1)).casefold()
                keep = prev[-1] if compound in hyphenated else ""
                out[-1] = prev[:-1] + keep + line
                continue
            if CJK_CHAR.match(prev[-1]) and line[:1] and CJK_CHAR.match(line[0]):
                out[-1] = prev + line
                continue
            tail = _PATH_END.search(prev)
            if tail and first and _broken_word(tail.group(1), first.group(1), source_words):
                out[-1] = prev + line
                continue
        out.append(line)
    return "\n".join(out)


def _across_fragments(lines: list[str], source_words: set[str]) -> list[str]:
    """poppler reads an inline fraction or index of a line apart from it, and where the line
    above ends in a hyphenated word it drops the hyphen and glues or sets the formula's
    pieces between the halves ("Com1", "1", "ponent"; "con2", "vex."; "Wood−1", "bury").
    The halves are joined and the pieces (math, no prose) dropped, where they make a source
    word."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = _continuation(lines, i, source_words)
        if j is None:
            out.append(lines[i])
            i += 1
        else:
            lines[j] = lines[i][:_HEAD.search(lines[i]).end(1)] + lines[j]
            i = j
    return out


def _continuation(lines: list[str], i: int, source_words: set[str]) -> int | None:
    """The line that ends the word line ``i`` ends with, past formula pieces, or None."""
    head = _HEAD.search(lines[i])
    if not head:
        return None
    j = i + 1
    while j < min(len(lines), i + 5) and _FRAGMENT.match(lines[j]):
        j += 1
    first = _FIRST_LETTERS.match(lines[j]) if j < len(lines) else None
    if first and (head.group(2) or j > i + 1) and _broken_word(head.group(1), first.group(1), source_words):
        return j
    return None


def _broken_word(head: str, rest: str, source_words: set[str]) -> bool:
    word = (head + rest).casefold()
    return word in source_words and not {head.casefold(), rest.casefold()} <= source_words


def _joined(compound: str) -> list[str]:
    """``compound`` with one or two of its hyphens dropped (a word spans three lines at most)."""
    parts = compound.split("-")
    out = []
    for dropped in (*combinations(range(1, len(parts)), 1), *combinations(range(1, len(parts)), 2)):
        out.append("".join(("" if i in dropped or not i else "-") + part for i, part in enumerate(parts)))
    return out


def pdf_words(pdf: Path, source_words: set[str]) -> list[str]:
    """The PDF's words. pdftotext (poppler, not -raw) itself joins the lines of a paragraph, and
    where a line ends in "-" it drops the hyphen, compound or not ("non-" + "linearities" reads
    "nonlinearities"): a source compound read so, at any of its hyphens, is counted as the
    compound, unless the source (its prose or its code) also spells it that way."""
    solid = {joined: word for word in source_words if "-" in word for joined in _joined(word)}
    words = tokens(join_lines(pdftotext(pdf), source_words))
    return [solid[word] if word in solid and word not in source_words else word for word in words]


def count_leaks(prose_text: str, legit_text: str) -> dict[str, int]:
    """Occurrences of each leak pattern in the PDF's prose beyond those the source's own prose
    legitimately has (an escaped ``\\$5``, a literal ``<tag>`` written as text)."""
    out = {}
    for name, pattern in LEAKS.items():
        extra = len(pattern.findall(prose_text)) - len(pattern.findall(legit_text))
        if extra > 0:
            out[name] = extra
    return out
