"""GFM tables -> longtable (breaks across pages, header repeated) whose column widths
LaTeX measures from the cells themselves (``\\dptablefit`` in latex_templates/layout.tex.j2):
natural widths when they fit, reaching into a margin column, wrapping, then smaller type."""
from __future__ import annotations

from dataclasses import dataclass

RAGGED = {"left": r"\raggedright", "center": r"\centering", "right": r"\raggedleft", None: r"\raggedright"}
KEEP_WHOLE = 3  # a table of this many body rows or fewer never breaks
MEASURE_ALL = 200  # a table with more body rows has only a sample of its cells measured
SAMPLE = 40        # ... the head and, per column, this many of its longest cells


@dataclass
class Row:
    cells: list[str]
    aligns: list[str | None]
    head: bool


def collect_rows(token, render_cell) -> list[Row]:
    rows = []
    for part in token["children"]:
        if part["type"] == "table_caption":
            continue
        part_rows = [part] if part["type"] == "table_head" else part["children"]
        for row in part_rows:
            cells = row["children"]
            rows.append(Row([render_cell(c) for c in cells], [c["attrs"].get("align") for c in cells],
                            part["type"] == "table_head"))
    return rows


def _cells(row: Row, ncols: int) -> list[str]:
    cells = row.cells + [""] * (ncols - len(row.cells))
    if row.head:
        cells = [rf"\textbf{{{c}}}" if c else c for c in cells]
    # `{}`: a row that starts with `[` or `*` would be read as `\\[<space>]` or `\\*` after the last one
    return ["{}" + c if c.startswith(("[", "*")) else c for c in cells]


def _row_ends(count: int) -> list[str]:
    r"""``\\*`` (no page break after) keeps the first two and the last two rows together:
    no row stands alone at a page foot or head; a short table stays whole."""
    if count <= KEEP_WHOLE:
        return [r"\\*"] * (count - 1) + [r"\\"] if count else []
    ends = [r"\\"] * count
    ends[0] = ends[-2] = r"\\*"
    return ends


def _measured(cells: list[tuple[Row, list[str]]], ncols: int) -> list[tuple[int, str]]:
    """The cells LaTeX measures, ``(column, cell)``: all of them in a table of up to MEASURE_ALL
    body rows; in a longer one the head and each column's SAMPLE longest cells (by source), so
    that ten thousand rows are not all boxed (TeX's main memory) before the table is set."""
    every = [(i, c) for _, row in cells for i, c in enumerate(row) if c]
    body = [row for r, row in cells if not r.head]
    if len(body) <= MEASURE_ALL:
        return every
    chosen = {(i, c) for r, row in cells if r.head for i, c in enumerate(row) if c}
    for i in range(ncols):
        column = sorted({row[i] for row in body if row[i]}, key=len, reverse=True)
        chosen.update((i, c) for c in column[:SAMPLE])
    return [item for item in dict.fromkeys(every) if item in chosen]


def render_table(rows: list[Row], in_box: bool = False, caption: str = "") -> str:
    """``caption``: above the table, as pandoc and LaTeX's convention for tables set it."""
    if not rows:
        return ""
    ncols = max(len(r.cells) for r in rows)
    aligns = next((r.aligns for r in rows if r.head), rows[0].aligns) + [None] * ncols
    spec = "".join(rf">{{{RAGGED[aligns[i]]}\arraybackslash}}p{{\dimexpr\dpcolw{{{i + 1}}}\relax}}" for i in range(ncols))
    cells = [(row, _cells(row, ncols)) for row in rows]
    measure = "".join(rf"\dpmeasure{{{i + 1}}}{{{c}}}" + "%\n" for i, c in _measured(cells, ncols))
    fit = rf"\dptablefit{{{ncols}}}{{{int(in_box)}}}{{%" + "\n" + measure + "}"
    head = [" & ".join(c) + r" \\" for row, c in cells if row.head]
    body_cells = [c for row, c in cells if not row.head]
    body = [" & ".join(c) + " " + end for c, end in zip(body_cells, _row_ends(len(body_cells)))]
    if in_box:  # longtable cannot live inside a box
        cap = [rf"\captionof{{table}}{{{caption}}}"] if caption else []
        return "\n".join([fit, r"{\dptablefont\centering", *cap, rf"\begin{{tabular}}{{{spec}}}", r"\toprule", *head,
                          r"\midrule", *body, r"\bottomrule", r"\end{tabular}\par}"]) + "\n"
    header = [r"\toprule", *head, r"\midrule"] if head else [r"\toprule"]
    if caption:  # on the first page only; the pages after repeat the header
        header = [rf"\caption{{{caption}}}\\", *header, r"\endfirsthead", *header]
    return "\n".join([fit + r"\par\dptablewide", r"{\dptablefont", rf"\begin{{longtable}}{{{spec}}}", *header,
                      r"\endhead", r"\bottomrule", r"\endlastfoot", *body, r"\end{longtable}}",
                      r"\dptablenarrow"]) + "\n"
