"""What pandoc's Markdown shows of a post, for the source side of the audit (source.py): the
posts the converter's pandoc dialect reads (JOSS papers, Quarto, R Markdown), which
``distill_pdf.dialects.detect`` names, as pandoc's manual has it, not as our parser reads it:

* a YAML metadata block after the front matter (a mapping between ``---`` and ``---`` or
  ``...``, after a blank line) is metadata: no text of the page;
* a raw block or span (```` ```{=comment} ````, `` `\\vspace{1pt}`{=latex} ``) is no text
  of the page: another format's is left out, LaTeX is typeset (what it prints, if
  anything, is no word the source spells); HTML is HTML, read as the page shows it;
* an implicit header reference ``[text][Heading]`` shows ``text``: ``Heading`` names the
  section it links to (CommonMark, with no definition of ``Heading``, prints both).
"""
from __future__ import annotations

import re
from pathlib import Path


from distill_pdf import dialects
from distill_pdf.dialects.pandoc import metadata_out
from distill_pdf.errors import Diagnostics, DistillError
from distill_pdf.load import load_post

_YAML_BLOCK = re.compile(r"(?:(?<=\n\n)|\A)---[ \t]*\n(?=\S)(?P<body>.*?)\n(?:---|\.\.\.)[ \t]*(?=\n|\Z)", re.S)
_RAW_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})[ \t]*\{=(?P<format>[\w-]+)\}[ \t]*\n(?P<raw>.*?)"
                        r"^ {0,3}(?P=fence)[`~]*[ \t]*$", re.S | re.M)
_RAW_SPAN = re.compile(r"(?P<ticks>`+)(?P<raw>[^`].*?)(?P=ticks)\{=(?P<format>[\w-]+)\}", re.S)
_REFERENCE = re.compile(r"(?<![\]\\!])\[(?P<text>[^\[\]\n]+)\]\[(?P<name>[^\[\]\n]+)\]")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*(?:\{[^}\n]*\})?[ \t]*$", re.M)
_DEFINITION = re.compile(r"^ {0,3}\[([^\]\n]+)\]:", re.M)


def is_pandoc(path: Path) -> bool:
    """Whether the converter reads ``path`` as pandoc's Markdown (its own decision, not a copy)."""
    try:
        return dialects.detect(load_post(path, Diagnostics())) == "pandoc"
    except DistillError:
        return False


def shown(body: str) -> str:
    """``body`` (no front matter) without what pandoc leaves out (see the module docstring);
    what goes out leaves its line breaks."""
    body = _YAML_BLOCK.sub(metadata_out, body)  # the converter's test of a mapping
    body = _RAW_FENCE.sub(lambda m: _raw(m, "\n" * m.group(0).count("\n")), body)
    body = _RAW_SPAN.sub(lambda m: _raw(m, ""), body)
    headings = {_label(h) for h in _HEADING.findall(body)}
    defined = {_label(d) for d in _DEFINITION.findall(body)}
    return _REFERENCE.sub(lambda m: m.group("text") if _label(m.group("name")) in headings - defined
                          else m.group(0), body)


def _raw(m: re.Match, blank: str) -> str:
    return m.group("raw") if m.group("format").lower() == "html" else blank


def _label(text: str) -> str:
    """A reference label as pandoc matches it: case and runs of spaces do not count."""
    return " ".join(text.split()).casefold()
