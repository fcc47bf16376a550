"""Distill HTML that scripts finish on the page, rewritten as Markdown before parsing.

* ``<d-footnote>..</d-footnote>`` (distill.js makes it a numbered note) becomes a
  Markdown footnote: a ``[^dpfn-N]`` reference where it stood and its definition
  at the end, so that the note's content is Markdown with its paragraphs, display
  math, citations and emphasis (kramdown's ``<span markdown="1">`` wrapper inside
  it is dropped). Newlines it took stay in the text after its paragraph, so the
  post's later lines keep their numbers.
* An empty reference a script fills with a figure number (``<a href="#fig-1"></a>``,
  ``<span class="ref-fig-1"></span>``, ``<span data-ref="fig-1"></span>``) becomes
  ``<dp-ref target="fig-1"/>``, which the HTML translator numbers or drops.
* The fallback text of ``<video>``, ``<audio>``, ``<iframe>`` ("Your browser does not
  support the video tag.") is dropped; their ``<source>`` elements stay.

Works on text whose code is masked (:mod:`distill_pdf.codeguard`).
"""
from __future__ import annotations

import re
import textwrap

_FOOTNOTE = re.compile(r"<d-footnote\b[^>]*>(.*?)</d-footnote\s*>", re.S | re.I)
_MARKDOWN_WRAPPER = re.compile(r"^\s*<(span|div|p)\b[^>]*\bmarkdown\s*=\s*[\"']?(?:1|span|block)[\"']?[^>]*>"
                               r"(.*)</\1\s*>\s*$", re.S | re.I)
_EMPTY_REF = re.compile(r"<(a|span)\b((?:\"[^\"]*\"|'[^']*'|[^'\">])*)>\s*</\1\s*>", re.I)
_MEDIA = re.compile(r"(<(video|audio|iframe|canvas)\b(?:\"[^\"]*\"|'[^']*'|[^'\">])*>)(.*?)(</\2\s*>)",
                    re.S | re.I)
_SOURCE = re.compile(r"<source\b(?:\"[^\"]*\"|'[^']*'|[^'\">])*>", re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def prepare(text: str) -> str:
    """The rewrites of the module doc."""
    return _MEDIA.sub(_without_fallback, _EMPTY_REF.sub(_reference, _footnotes(text)))


def _without_fallback(m: re.Match) -> str:
    sources = "".join(s.group(0) for s in _SOURCE.finditer(m.group(3)))
    return m.group(1) + sources + "\n" * m.group(3).count("\n") + m.group(4)


def _footnotes(text: str) -> str:
    notes: list[str] = []
    out: list[str] = []
    pending = 0  # newlines owed to the text after the current paragraph
    pos = 0
    for m in _FOOTNOTE.finditer(text):
        chunk, pending = _pay(text[pos:m.start()], pending)
        out.append(chunk)
        notes.append(_content(m.group(1)))
        out.append(f"[^dpfn-{len(notes)}]")
        pending += m.group(0).count("\n")
        pos = m.end()
    if not notes:
        return text
    chunk, pending = _pay(text[pos:], pending)
    out.append(chunk + "\n" * pending)
    definitions = "\n\n".join(f"[^dpfn-{i}]: " + textwrap.indent(note, "    ").lstrip()
                              for i, note in enumerate(notes, 1))
    return "".join(out).rstrip("\n") + "\n\n" + definitions + "\n"


def _pay(chunk: str, newlines: int) -> tuple[str, int]:
    """Put ``newlines`` back where the paragraph ``chunk`` continues ends (its first blank line);
    what cannot be put back yet is still owed."""
    m = re.search(r"\n[ \t]*\n", chunk) if newlines else None
    if m is None:
        return chunk, newlines
    return chunk[:m.start()] + "\n" * newlines + chunk[m.start():], 0


def _content(note: str) -> str:
    wrapped = _MARKDOWN_WRAPPER.match(note)
    if wrapped:
        note = wrapped.group(2)
    lines = note.strip("\n").split("\n")
    first, rest = lines[0].strip(), textwrap.dedent("\n".join(lines[1:]))
    return (first + "\n" + rest).strip() if rest.strip() else first


def _reference(m: re.Match) -> str:
    attrs = {a.group(1).lower(): next(v for v in a.groups()[1:] if v is not None) for a in _ATTR.finditer(m.group(2))}
    target = attrs.get("data-ref") or attrs.get("data-target") or ""
    href = attrs.get("href", "")
    if not target and m.group(1).lower() == "a" and href.startswith("#"):
        target = href[1:]
    if not target:
        ref_class = next((c for c in attrs.get("class", "").split() if c.startswith("ref-")), None)
        target = ref_class[4:] if ref_class else ""
    if not target:
        return m.group(0)
    return f'<dp-ref target="{target}"/>' + "\n" * m.group(0).count("\n")
