"""GFM tables -> longtable (breaks across pages) with widths that fit the column."""
from __future__ import annotations

from dataclasses import dataclass

NATURAL_LIMIT = 70  # characters a \small row holds in the text column
CAPACITY = 80       # characters of \small text across the column, for proportional widths
ALIGN = {"left": "l", "center": "c", "right": "r", None: "l"}
RAGGED = {"left": r"\raggedright", "center": r"\centering", "right": r"\raggedleft", None: r"\raggedright"}


@dataclass
class Row:
    cells: list[str]
    widths: list[int]   # visible characters per cell
    words: list[int]    # longest word per cell: a column may not be narrower
    aligns: list[str | None]
    head: bool


def collect_rows(token, render_cell, plain) -> list[Row]:
    rows = []
    for part in token["children"]:
        part_rows = [part] if part["type"] == "table_head" else part["children"]
        for row in part_rows:
            cells = row["children"]
            texts = [plain(c) for c in cells]
            rows.append(Row([render_cell(c) for c in cells], [len(t) for t in texts],
                            [max((len(w) for w in t.split()), default=0) for t in texts],
                            [c["attrs"].get("align") for c in cells], part["type"] == "table_head"))
    return rows


def _column_spec(rows: list[Row]) -> str:
    ncols = max(len(r.cells) for r in rows)
    aligns = next((r.aligns for r in rows if r.head), rows[0].aligns) + [None] * ncols
    widest = [max((r.widths[i] for r in rows if i < len(r.widths)), default=1) for i in range(ncols)]
    if sum(widest) + 2 * ncols <= NATURAL_LIMIT:
        return "".join(ALIGN[aligns[i]] for i in range(ncols))
    # p-columns: each at least as wide as its longest word (bold headers need a little more),
    # the rest of the line shared out by how much text each column holds.
    least = [max((r.words[i] * (1.15 if r.head else 1) for r in rows if i < len(r.words)), default=1) + 2
             for i in range(ncols)]
    room = CAPACITY - sum(least)
    if room <= 0:
        shares = least
    else:
        wants = [max(min(widest[i], 120) - least[i], 0) for i in range(ncols)]
        total_wants = sum(wants) or 1
        shares = [least[i] + room * wants[i] / total_wants for i in range(ncols)]
    total = sum(shares)
    return "".join(
        rf">{{{RAGGED[aligns[i]]}\arraybackslash}}p{{\dimexpr {shares[i] / total:.3f}\linewidth-2\tabcolsep\relax}}"
        for i in range(ncols))


def render_table(rows: list[Row], in_box: bool = False) -> str:
    if not rows:
        return ""
    ncols = max(len(r.cells) for r in rows)
    spec = _column_spec(rows)

    def line(row: Row) -> str:
        cells = row.cells + [""] * (ncols - len(row.cells))
        if row.head:
            cells = [rf"\textbf{{{c}}}" if c else c for c in cells]
        # `{}`: a row that starts with `[` or `*` would be read as `\\[<space>]` or `\\*` after the last one
        cells = ["{}" + c if c.startswith(("[", "*")) else c for c in cells]
        return " & ".join(cells) + r" \\"

    head = [line(r) for r in rows if r.head]
    body = [line(r) for r in rows if not r.head]
    if in_box:  # longtable cannot live inside a box
        return "\n".join([r"{\dptablefont", rf"\begin{{tabular}}{{{spec}}}", r"\toprule", *head,
                          r"\midrule", *body, r"\bottomrule", r"\end{tabular}}"]) + "\n"
    header = [r"\toprule", *head, r"\midrule"] if head else [r"\toprule"]
    return "\n".join([r"{\dptablefont", rf"\begin{{longtable}}{{{spec}}}", *header, r"\endhead",
                      r"\bottomrule", r"\endlastfoot", *body, r"\end{longtable}}"]) + "\n"
