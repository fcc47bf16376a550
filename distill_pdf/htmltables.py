"""Raw HTML tables read as tables: pandas DataFrames exported from notebooks, tables written
by hand in Markdown posts, MDX and kramdown pages.

:func:`split` cuts a raw HTML block into the HTML around its tables and the tables
themselves (outermost ``<table>`` .. ``</table>``, nesting counted); :func:`parse` reads one
table as a browser lays it out: rows of cells (``<th>``/``<td>``, their inner HTML),
``colspan`` and ``rowspan`` as empty cells where the spanned cell stands, header rows
(``<thead>``, or a row of ``<th>`` only before any body row), alignment (``align``,
``style="text-align: .."``) and the ``<caption>``. The HTML translator sets the cells'
HTML and hands the rows to the table writer, as it does for GFM tables.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_TABLE_TAG = re.compile(r"<(/?)table\b[^>]*>", re.I)
_ALIGN = re.compile(r"text-align\s*:\s*(left|right|center)", re.I)
MAX_SPAN = 50  # a colspan/rowspan beyond this is a typo, not a layout


@dataclass
class Cell:
    html: str
    head: bool
    align: str | None = None


@dataclass
class Table:
    rows: list[list[Cell]] = field(default_factory=list)
    head_rows: int = 0   # how many of the first rows are the header
    caption: str = ""


def split(raw: str) -> list[tuple[str, str]]:
    """``raw`` as ``("html", text)`` and ``("table", text)`` pieces, in order; a table left
    open (its end in a later HTML block) stays HTML."""
    pieces, pos, depth, start = [], 0, 0, 0
    for m in _TABLE_TAG.finditer(raw):
        if not m.group(1):
            if depth == 0:
                start = m.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                if start > pos:
                    pieces.append(("html", raw[pos:start]))
                pieces.append(("table", raw[start:m.end()]))
                pos = m.end()
    if pos < len(raw):
        pieces.append(("html", raw[pos:]))
    return pieces


def _span(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), MAX_SPAN)
    except ValueError:
        return 1


def _align(attrs: dict) -> str | None:
    if attrs.get("align", "").lower() in ("left", "right", "center"):
        return attrs["align"].lower()
    m = _ALIGN.search(attrs.get("style", ""))
    return m.group(1).lower() if m else None


class _Reader(HTMLParser):
    """Collects the outer table's cells as inner HTML; a nested table stays in its cell."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.table = Table()
        self.depth = 0
        self.in_head = False
        self.body_seen = False
        self.row: list[tuple[Cell, int, int]] | None = None  # cell, colspan, rowspan
        self.rows: list[tuple[list[tuple[Cell, int, int]], bool]] = []
        self.cell: tuple[Cell, int, int, int] | None = None  # cell, colspan, rowspan, start offset
        self.caption_start: int | None = None
        self.row_align: str | None = None  # <tr style="text-align: right"> (pandas) for its cells

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def read(self) -> Table:
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.source)]
        self.feed(self.source)
        self.close()
        self._end_row()
        return self._layout()

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "table":
            self.depth += 1
            return
        if self.depth != 1:
            return
        if tag == "thead":
            self.in_head = True
        elif tag in ("tbody", "tfoot"):
            self.in_head = False
            self.body_seen = True
        elif tag == "tr":
            self._end_row()
            self.row = []
            self.row_align = _align(attrs)
        elif tag in ("td", "th"):
            self._end_cell()
            if self.row is None:
                self.row = []
            end = self._offset() + len(self.get_starttag_text() or "")
            self.cell = (Cell("", tag == "th", _align(attrs) or self.row_align), _span(attrs.get("colspan")),
                         _span(attrs.get("rowspan")), end)
        elif tag == "caption":
            self.caption_start = self._offset() + len(self.get_starttag_text() or "")

    def handle_endtag(self, tag):
        if tag == "table":
            if self.depth == 1:
                self._end_row()
            self.depth -= 1
            return
        if self.depth != 1:
            return
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "thead":
            self._end_row()
            self.in_head = False
        elif tag == "caption" and self.caption_start is not None:
            self.table.caption = self.source[self.caption_start:self._offset()].strip()
            self.caption_start = None

    def _end_cell(self, end: int | None = None) -> None:
        if self.cell is None:
            return
        cell, colspan, rowspan, start = self.cell
        cell.html = self.source[start:end if end is not None else self._offset()].strip()
        self.row.append((cell, colspan, rowspan))
        self.cell = None

    def _end_row(self) -> None:
        if self.cell is not None:
            self._end_cell()
        if self.row:
            head = self.in_head or (not self.body_seen and all(c.head for c, _, _ in self.row)
                                    and all(h for _, h in self.rows))
            self.rows.append((self.row, head))
        self.row = None

    def _layout(self) -> Table:
        """Spanned cells become empty cells where the span covers, as a browser's grid."""
        pending: dict[int, int] = {}  # column -> rows still covered by a rowspan above
        for cells, head in self.rows:
            out: list[Cell] = []
            for cell, colspan, rowspan in cells:
                while pending.get(len(out), 0):
                    pending[len(out)] -= 1
                    out.append(Cell("", head))
                for i in range(colspan):
                    if rowspan > 1:
                        pending[len(out)] = rowspan - 1
                    out.append(cell if i == 0 else Cell("", cell.head))
            while pending.get(len(out), 0):
                pending[len(out)] -= 1
                out.append(Cell("", head))
            self.table.rows.append(out)
        heads = [head for _, head in self.rows]
        self.table.head_rows = next((i for i, h in enumerate(heads) if not h), len(heads))
        if self.table.head_rows == len(heads):  # a table of header cells only: all body
            self.table.head_rows = 0
        return self.table


def parse(table_html: str) -> Table:
    return _Reader(table_html).read()
