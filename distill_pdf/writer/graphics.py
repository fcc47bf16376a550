"""The renderer's figures and images: Markdown figures, HTML ``<figure>``/``<img>``, image
grids and embeds, each an image file copied into the build folder under a short name.

A mixin of :class:`~distill_pdf.writer.latex.LatexRenderer` (its token methods for
images), apart because deciding how large a graphic is and what stands in for a
missing one is its own job."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .text import escape, protected


@dataclass
class Figure:
    """An image file the document includes, by the name it has in the build folder."""

    name: str
    source: Path


PX_PER_COLUMN = 1100   # a raster this wide (or wider) spans the text column
PT_PER_COLUMN = 342.0  # the distill column, 4.75in: vector art keeps its natural size up to it


def _width(prepared) -> str:
    """Small images stay small; large ones span the column."""
    if prepared.width_px:
        return f"{min(1.0, max(0.2, prepared.width_px / PX_PER_COLUMN)):.2f}"
    points = pdf_width_pt(Path(prepared.path))
    return f"{min(1.0, max(0.2, points / PT_PER_COLUMN)):.2f}" if points else "1"


def pdf_width_pt(path: Path) -> float | None:
    from pypdf import PdfReader
    try:
        return float(PdfReader(path).pages[0].mediabox.width)
    except Exception:  # an unreadable PDF still gets included at column width
        return None


class GraphicsWriter:
    """Needs the renderer's ``warn``, ``children``, ``in_note``, ``boxed``, ``in_title`` and ``prepare_image``."""

    def figure(self, image_token) -> str:
        src = image_token["attrs"]["url"]
        self.in_title += 1
        caption = protected(self.children(image_token).strip())
        self.in_title -= 1
        graphic = self._graphic(src)
        label = image_token["attrs"].get("id")
        if caption and label and not self.in_note and re.fullmatch(r"[\w:.-]+", label):  # `{#fig-x}`: for \ref and \autoref
            caption += f"\\label{{{label}}}"
        if self.in_note or self.boxed:
            return self.figure_in_place(graphic, caption) + "\n\n"
        cap = f"\\caption{{{caption}}}\n" if caption else ""
        return f"\\begin{{figure}}[!htbp]\n\\centering\n{graphic}\n{cap}\\end{{figure}}\n\n"

    def figure_in_place(self, graphic: str, caption: str) -> str:
        """A figure in a note or a box (alert, details, table) cannot float: set it where it is."""
        if self.in_note:  # \endgraf: the note may sit in a \textbf{..}
            return f"\\endgraf{{\\centering {graphic}\\endgraf}}{caption}\\endgraf "
        cap = f"\\captionof{{figure}}{{{caption}}}\n" if caption else ""
        return f"\n\\par\\medskip{{\\centering\n{graphic}\\par\n{cap}}}\\medskip\n"

    def html_figure(self, attrs: dict | None, caption: str) -> str:
        if not attrs:
            return f"\\endgraf {caption}\\endgraf "
        src = attrs.get("src", "")
        graphic = self._graphic(src)
        cap = caption or escape(attrs.get("alt", ""))
        if self.in_note or self.boxed:
            return self.figure_in_place(graphic, cap)
        cap = f"\\caption{{{cap}}}\n" if cap else ""
        return f"\n\\begin{{figure}}[!htbp]\n\\centering\n{graphic}\n{cap}\\end{{figure}}\n"

    def _graphic(self, src: str) -> str:
        prepared = self.prepare_graphic(src)
        if prepared is None:
            return self.placeholder_for(src)
        return f"\\dpgraphic{{{_width(prepared)}}}{{{self.include_name(prepared)}}}"

    def html_image(self, attrs: dict) -> str:
        return self._inline_graphic(attrs.get("src", ""))

    def _inline_graphic(self, src: str) -> str:
        """Icons and badges sit in the line; anything larger gets a line of its own."""
        prepared = self.prepare_graphic(src)
        if prepared is None:
            return self.placeholder_for(src)
        name = self.include_name(prepared)
        if prepared.width_px and prepared.width_px <= 200:
            return f"\\dpinlineimage{{{name}}}"
        return f"\\dpblockimage{{{_width(prepared)}}}{{{name}}}"

    def prepare_graphic(self, src: str):
        if not src:
            self._problem = "no image source given"
            self.warn("image with no source")
            return None
        if self.prepare_image is None:
            self._problem = "images disabled"
            return None
        prepared = self.prepare_image(src)
        if prepared.path is None:
            self._problem = prepared.problem or "not found"
            self.warn(f"image {src}: {self._problem}")
            return None
        return prepared

    def placeholder_for(self, src: str) -> str:
        reason = getattr(self, "_problem", "not found")
        shown = "" if src and src in reason else escape(src, "mono") or "--"  # the reason may name it
        return f"\\dpplaceholder{{{shown}}}{{{escape(reason)}}}"

    def include_name(self, prepared) -> str:
        source = Path(prepared.path)
        figure = self.figures.get(source)
        if figure is None:
            figure = Figure(f"figures/img{len(self.figures) + 1}{source.suffix.lower()}", source)
            self.figures[source] = figure
        return figure.name

    def _lone_image(self, token):
        kids = [c for c in token.get("children", []) if not (c["type"] == "text" and not c["raw"].strip())
                and c["type"] != "softbreak"]
        if len(kids) != 1:
            return None
        only = kids[0]
        if only["type"] == "link" and len(only.get("children", [])) == 1:
            only = only["children"][0]
        return only if only["type"] == "image" else None

    def figure_group(self, token, state):
        """Images in rows (``attrs.rows``: lists of sources) with one caption (the children); or,
        with ``attrs.embed`` (an :class:`~distill_pdf.htmlgrid.Embed`), that embed with it."""
        attrs = token["attrs"]
        rows = [row for row in attrs.get("rows", []) if row]
        self.boxed += 1  # notes in a caption become footnotes
        caption = self.children(token, state).strip() if token.get("children") else ""
        self.boxed -= 1
        if attrs.get("embed") is not None:
            found = attrs["embed"]
            return "\n" + self.embed(found.tag, found.src, found.attrs, caption, attrs.get("numbered", True))
        height = min(0.45, 0.8 / max(len(rows), 1))
        lines = []
        for row in rows:
            if len(row) == 1:
                prepared = self.prepare_graphic(row[0])
                lines.append(self.placeholder_for(row[0]) if prepared is None else
                             f"\\includegraphics[width={_width(prepared)}\\linewidth,height={height:.2f}\\textheight,"
                             f"keepaspectratio]{{{self.include_name(prepared)}}}")
                continue
            cells = []
            for src in row:
                prepared = self.prepare_graphic(src)
                inner = (self.placeholder_for(src) if prepared is None else
                         f"\\includegraphics[width=\\linewidth,height={height:.2f}\\textheight,keepaspectratio]"
                         f"{{{self.include_name(prepared)}}}")
                cells.append(f"\\begin{{minipage}}[b]{{{0.98 / len(row):.3f}\\linewidth}}\\centering\n{inner}\n\\end{{minipage}}")
            lines.append("\\hfill\n".join(cells))
        graphics = "\\par\\medskip\n".join(lines)
        if self.in_note:
            return f"\\par{{\\centering {graphics}\\par}}{caption}\\par "
        star = "" if attrs.get("numbered", True) else "*"
        floating = not self.boxed
        if floating:
            cap = f"\\caption{star}{{{caption}}}\n" if caption else ""
            return f"\n\\begin{{figure}}[!htbp]\n\\centering\n{graphics}\n{cap}\\end{{figure}}\n"
        cap = f"\\captionof{star}{{figure}}{{{caption}}}\n" if caption else ""
        return f"\n\\par\\medskip{{\\centering\n{graphics}\\par\n{cap}}}\\medskip\n"
