"""Raw HTML as al-folio styles it, for the Jekyll dialect.

The shared :class:`~distill_pdf.writer.html.HtmlTranslator` prints the text of
the tags blogs use; al-folio's posts add a few classes that mean something:

* ``<aside class="box-note">`` (``box-important``, ``box-warning``, ``box-error``),
  also on a ``<div>``: a note box like a GitHub alert;
* ``class="caption"``/``"legend"`` (and ``l-gutter`` side notes): a small grey paragraph;
* ``<summary>`` streams into ``\\dpdetailstitle{}`` so math and citations in it stay in place;
* a ``{% twitter %}`` embed is labelled a tweet.

Boxes (and ``<details>``) raise the renderer's ``boxed`` count while open, so
notes and figures inside them are set as footnotes and non-floating figures.
"""
from __future__ import annotations

from ..writer.html import EMBEDS, HIDDEN, HtmlTranslator

BOX_KINDS = {"box-note": "note", "box-important": "important", "box-warning": "warning",
             "box-error": "caution", "box-danger": "caution", "box-tip": "tip", "box-success": "tip"}
SMALL_CLASSES = {"caption", "legend", "l-gutter", "figcaption"}
# Distill's layout classes wider than the text: tables and display math may use the margin column
WIDE_CLASSES = {"l-body-outset", "l-page", "l-page-outset", "l-screen", "l-screen-inset"}
_STACKED = {"div", "aside", "p", "section", "blockquote", "details", "center", "figure", "footer", "header"}


class KramdownHtml(HtmlTranslator):
    def __init__(self, renderer):
        super().__init__(renderer)
        self.elements: list[tuple[str, str, bool]] = []  # open block elements: (tag, closing LaTeX, boxed)

    def handle_starttag(self, tag, attrs):
        values = {k: (v or "") for k, v in attrs}
        if self.hidden or tag in HIDDEN:
            return super().handle_starttag(tag, attrs)
        classes = set(values.get("class", "").split())
        box = next((BOX_KINDS[c] for c in sorted(classes) if c in BOX_KINDS), None)
        if tag in ("aside", "div") and box:
            self._push(tag, "\n\\end{dpalert}\n", boxed=True)
            self.emit(f"\n\\begin{{dpalert}}{{{box}}}{{}}\n")
        elif tag == "details":
            self._push(tag, "", boxed=False)  # the base class counts the box
            super().handle_starttag(tag, attrs)
        elif tag == "summary":
            self._open(r"\dpdetailstitle{", "}\n")
        elif tag in _STACKED and classes & SMALL_CLASSES:
            self._push(tag, "\\endgraf}", boxed=False)
            self.emit("\n\\endgraf{\\small\\color{dpgrey}")
        elif tag in _STACKED and classes & WIDE_CLASSES:
            self._push(tag, "\\dpwideoff{}", boxed=False)
            self.emit("\\dpwideon{}")
            super().handle_starttag(tag, attrs)
        elif tag in EMBEDS and values.get("data-kind") == "tweet":
            self.emit(self.r.embed("tweet", values.get("src", "")))
        else:
            if tag in _STACKED:
                self._push(tag, "", boxed=False)
            super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self.hidden or tag in HIDDEN:
            return super().handle_endtag(tag)
        if tag == "summary":
            if len(self.inline_stack) > self.floor:
                self.emit(self.inline_stack.pop())
            return
        if tag not in _STACKED or not any(t == tag for t, _, _ in self.elements):
            return super().handle_endtag(tag)
        while self.elements:
            open_tag, closer, boxed = self.elements.pop()
            if boxed:
                self.r.boxed = max(0, self.r.boxed - 1)
            if closer:
                self.emit(self.close_above(self.floor) + closer)
            if open_tag == tag:
                break
        super().handle_endtag(tag)

    def _push(self, tag: str, closer: str, boxed: bool) -> None:
        self.elements.append((tag, closer, boxed))
        if boxed:
            self.r.boxed += 1

    def close_all(self) -> str:
        tail = self.close_inline()
        while self.elements:
            _, closer, boxed = self.elements.pop()
            if boxed:
                self.r.boxed = max(0, self.r.boxed - 1)
            tail += closer
        return tail + "".join(reversed(self.block_stack))
