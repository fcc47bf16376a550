"""The PDF's glyphs (pdfplumber, on pdfminer.six): overlapping glyphs, text outside the page,
and the prose text (no code, no math fonts) that the leak check reads.

A glyph's box is an estimate of its ink from the baseline (x-height, ascender, descender by
character), not the font's full em box: em boxes of neighbouring lines overlap in any normally
leaded text. Two glyphs collide when their boxes overlap and they belong to different text runs
(a run: glyphs set one after the other on one baseline, as the content stream draws them);
kerned neighbours, a base with its accent, sub- or superscript (drawn one after the other) are
not collisions. Nor are two labels of one included figure (a plot, a diagram): the program that
drew it placed them, not the typesetter; a figure's label on the page's text still counts.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

CODE_FONTS = ("JetBrainsMono", "Mono", "Courier", "Typewriter")
MATH_FONTS = ("Math", "STIX", "LatinModern", "CMMI", "CMSY", "CMEX")
_X_HEIGHT = set("acemnorsuvwxz")
_DESCENDERS = set("gjpqy(),;[]{}|/\\_§")
# pieces of horizontal braces, parentheses and brackets (\underbrace, \overbrace, ...): drawn
# wholly below or above their baseline, close under or over the formula they span; their ink
# as (height above, depth below) the baseline in ems, as STIX Two Math draws them
_BRACE_INK = {**dict.fromkeys("⏟⏝⎵⏡", (-0.06, 0.30)), **dict.fromkeys("⏞⏜⎴⏠", (0.83, -0.58))}
_CELL = 24.0          # grid cell (pt) for finding neighbours
_FIGURE_GAP = 12.0    # a caption (or what is set with a figure) starts within this of it, pt
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_NO_GLYPH = re.compile(r"\[U\+[0-9A-F]{4,6}\]")   # the code a character no font has prints as


@dataclass
class Glyphs:
    overlaps: int = 0                 # pairs of colliding glyphs
    outside: int = 0                  # glyphs past the page edge
    prose_text: str = ""              # text in neither a code nor a math font
    samples: list[str] = field(default_factory=list)   # "p3: 'ab' over 'cd'"
    blank_before_figure: list[int] = field(default_factory=list)  # pages: see _blanks_before_figures


def _font_is(fontname: str, kinds: tuple[str, ...]) -> bool:
    name = fontname.split("+", 1)[-1]
    return any(kind.lower() in name.lower() for kind in kinds)


def _ink(char: dict, page_height: float) -> tuple[float, float, float, float] | None:
    """(x0, top, x1, bottom) of the glyph's likely ink, or None for a glyph not set upright."""
    a, b, c, d, e, f = char["matrix"]
    if abs(b) > 1e-3 or abs(c) > 1e-3 or a <= 0 or d <= 0:
        return None
    text = char["text"]
    size = char["size"]
    base = page_height - f
    up, down = _BRACE_INK.get(text) or (0.5 if text in _X_HEIGHT else 0.7, 0.2 if text in _DESCENDERS else 0.0)
    trim = 0.12 * (char["x1"] - char["x0"])
    return char["x0"] + trim, base - up * size, char["x1"] - trim, base + down * size


def _skip(text: str) -> bool:
    return not text.strip() or any(unicodedata.category(ch) in ("Mn", "Me", "Sk", "Lm", "Cf") for ch in text)


def _runs(chars: list[dict]) -> list[int]:
    """Run number of every glyph: a new run where the baseline changes or the pen moves back."""
    out, run, prev = [], 0, None
    for char in chars:
        if prev is not None:
            same_line = abs(char["matrix"][5] - prev["matrix"][5]) < 0.3
            if not same_line or char["x0"] < prev["x1"] - 0.35 * prev["size"] or char["x0"] > prev["x1"] + 0.6 * prev["size"]:
                run += 1
        out.append(run)
        prev = char
    return out


def _overlap(a, b) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0.5 or height <= 0.5:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height / smaller if smaller > 0 else 0.0


def _figures(layout) -> list[int | None]:
    """For every glyph of the page, in pdfplumber's order of ``page.chars``: the number of the
    included graphic (a Form XObject, pdfminer's LTFigure) that draws it, None for typeset text."""
    from pdfminer.layout import LTChar, LTContainer, LTFigure

    out: list[int | None] = []

    def walk(objects, figure):
        for obj in objects:
            if isinstance(obj, LTChar):
                out.append(figure)
            elif isinstance(obj, LTContainer):
                walk(obj, id(obj) if figure is None and isinstance(obj, LTFigure) else figure)

    walk(layout, None)
    return out


def _collisions(chars: list[dict], figures: list[int | None], height: float, page_no: int,
                found: Glyphs) -> None:
    runs = _runs(chars)
    boxes = []
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, char in enumerate(chars):
        box = None if _skip(char["text"]) else _ink(char, height)
        boxes.append(box)
        if box is None:
            continue
        for gx in range(int(box[0] // _CELL), int(box[2] // _CELL) + 1):
            for gy in range(int(box[1] // _CELL), int(box[3] // _CELL) + 1):
                grid[gx, gy].append(i)
    seen = set()
    for members in grid.values():
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                if (runs[i] == runs[j] or abs(i - j) == 1 or (i, j) in seen
                        or figures[i] is not None and figures[i] == figures[j]
                        or _smeared(chars[i], chars[j])):
                    continue
                seen.add((i, j))
                if _overlap(boxes[i], boxes[j]) > 0.15:
                    found.overlaps += 1
                    if len(found.samples) < 5:
                        found.samples.append(f"p{page_no} {chars[i]['text']}/{chars[j]['text']}: "
                                             f"{_context(chars, i)!r} x {_context(chars, j)!r}")


def _smeared(a: dict, b: dict) -> bool:
    """The same glyph drawn again a hair away: poor man's bold (\\pmb), not a collision."""
    near = 0.15 * a["size"]
    return (a["text"] == b["text"] and abs(a["x0"] - b["x0"]) < near
            and abs(a["matrix"][5] - b["matrix"][5]) < near)


def _context(chars: list[dict], i: int) -> str:
    return "".join(c["text"] for c in chars[max(0, i - 4):i + 5])


def _prose(chars: list[dict]) -> str:
    """The page's text outside code and math fonts, with a space wherever the pen jumps. Except
    what stands in the prose whatever its font: a private-use character (a fallback font draws
    it, math or mono, so its font says nothing of where it stands) and the code a character no
    font has prints as ("[U+E006]", in the mono font): the leak check looks for both."""
    out, prev, aside = [], None, []
    for char in chars + [None]:
        if char is not None and not _PRIVATE_USE.match(char["text"]) and (
                _font_is(char["fontname"], CODE_FONTS) or _font_is(char["fontname"], MATH_FONTS)):
            prev = None
            aside.append(char["text"])
            continue
        if aside:
            out.append(" " + " ".join(_NO_GLYPH.findall("".join(aside))) + " ")
            aside = []
        if char is None:
            break
        if prev is not None and (abs(char["matrix"][5] - prev["matrix"][5]) > 0.3
                                 or abs(char["x0"] - prev["x1"]) > 0.15 * prev["size"]):
            out.append(" ")
        out.append(char["text"])
        prev = char
    return "".join(out)


def _drawn(page, layout) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """What the page draws, as (top, bottom) from the page's top: everything but the page number
    (a line of digits alone in the bottom eighth), and the included graphics among it."""
    from pdfminer.layout import LTFigure, LTImage

    height = float(page.height)
    lines: dict[int, list[dict]] = defaultdict(list)
    for char in page.chars:
        lines[round(char["bottom"])].append(char)
    spans = [(min(c["top"] for c in line), max(c["bottom"] for c in line)) for line in lines.values()
             if not (line[0]["top"] > 0.875 * height and "".join(c["text"] for c in line).strip().isdigit())]
    spans += [(obj["top"], obj["bottom"]) for obj in page.rects + page.lines + page.curves + page.images]
    figures = [(height - obj.y1, height - obj.y0) for obj in layout if isinstance(obj, (LTFigure, LTImage))]
    return spans + figures, figures


def _blanks_before_figures(pages: list[tuple[list, list]]) -> list[int]:
    """Pages that end more than a quarter of the text area blank before a page that starts with
    a figure (and its caption: what follows it within _FIGURE_GAP) that would have fit in that
    blank: as LaTeX leaves them when a figure does not float (set in place, or held back with
    its caption) or a float's rules keep it off the page. The text area is where the document's
    pages start and end."""
    filled = [(min(t for t, _ in spans), max(b for _, b in spans)) for spans, _ in pages if spans]
    if len(filled) < 2:
        return []
    top, bottom = min(t for t, _ in filled), max(b for _, b in filled)
    out = []
    for number, ((spans, _), (following, figures)) in enumerate(zip(pages, pages[1:]), 1):
        if not spans or not following or not figures:
            continue
        blank = bottom - max(b for _, b in spans)
        start = min(t for t, _ in following)
        first = min((f for f in figures if f[0] - start < 2.0), default=None)
        if blank <= (bottom - top) / 4 or first is None:
            continue
        end = first[1]
        for span_top, span_bottom in sorted(following):
            if span_top <= end + _FIGURE_GAP:
                end = max(end, span_bottom)
        if end - first[0] <= blank:
            out.append(number)
    return out


def read_glyphs(pdf: Path) -> Glyphs:
    import pdfplumber  # the [test] extra; imported here so the word audit runs without it

    found = Glyphs()
    pages, drawn = [], []
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages, 1):
            chars = page.chars
            width, height = float(page.width), float(page.height)
            for char in chars:
                box = _ink(char, height)
                if box and not _skip(char["text"]) and (box[0] < -0.5 or box[2] > width + 0.5
                                                        or box[1] < -0.5 or box[3] > height + 0.5):
                    found.outside += 1
            _collisions(chars, _figures(page.layout), height, number, found)
            pages.append(_prose(chars))
            drawn.append(_drawn(page, page.layout))
    found.prose_text = "\n".join(pages)
    found.blank_before_figure = _blanks_before_figures(drawn)
    return found
