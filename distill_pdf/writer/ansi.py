"""Terminal output with ANSI colours (SGR escape sequences), as Expressive Code's ```` ```ansi ````
fences and notebook outputs carry it: set in colour, bold, italic and underlined as the
terminal shows it, on paper (the 16 base colours darkened where a white page would swallow
them: yellow, white). Anywhere else (prose, inline code) the sequences are dropped, their
text kept. The loader keeps ESC only where it opens such a sequence inside code.
"""
from __future__ import annotations

import re

SGR = re.compile(r"\x1b\[([0-9;]*)m")
_OTHER_ESCAPES = re.compile(r"\x1b(?:\[[0-9;?]*[A-Za-z]|[@-Z\\-_])?")
# the 16 colours (30-37, 90-97) for print: a terminal's, darkened where paper is white
BASE = [(0, 0, 0), (205, 49, 49), (0, 135, 0), (150, 120, 0), (4, 81, 165), (188, 5, 188), (5, 152, 188),
        (110, 110, 110)]
BRIGHT = [(102, 102, 102), (230, 60, 60), (20, 160, 20), (180, 150, 0), (30, 110, 220), (210, 50, 210),
          (20, 170, 210), (140, 140, 140)]
# a colour as a \def'd macro of a hex argument: with breakanywhere, fvextra reads an optional
# argument's `[` and a list's commas as text (\textcolor[RGB]{1,2,3} in Verbatim: "Illegal
# unit of measure")
PREAMBLE = "\\def\\dpansi#1#2{\\textcolor[HTML]{#1}{#2}}\n"
_VERBATIM_ESCAPES = {"\\": r"\PYZbs{}", "{": r"\PYZob{}", "}": r"\PYZcb{}"}


def has_colours(code: str) -> bool:
    return "\x1b[" in code


def strip(text: str) -> str:
    """The text without its escape sequences."""
    return _OTHER_ESCAPES.sub("", SGR.sub("", text)) if "\x1b" in text else text


def _cube(n: int) -> tuple[int, int, int]:
    """One of xterm's 256 colours."""
    if n < 8:
        return BASE[n]
    if n < 16:
        return BRIGHT[n - 8]
    if n < 232:
        n -= 16
        return tuple(0 if v == 0 else 55 + 40 * v for v in (n // 36, n // 6 % 6, n % 6))
    return (8 + 10 * (n - 232),) * 3


class _Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.colour: tuple[int, int, int] | None = None
        self.bold = self.dim = self.italic = self.underline = False

    def apply(self, params: str) -> None:
        codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                self.reset()
            elif code in (1, 2, 3, 4):
                setattr(self, {1: "bold", 2: "dim", 3: "italic", 4: "underline"}[code], True)
            elif code == 22:
                self.bold = self.dim = False
            elif code in (23, 24):
                setattr(self, "italic" if code == 23 else "underline", False)
            elif 30 <= code <= 37 or 90 <= code <= 97:
                self.colour = (BASE if code < 90 else BRIGHT)[code % 10]
            elif code == 39:
                self.colour = None
            elif code == 38 and i + 2 < len(codes) and codes[i + 1] == 5:
                self.colour, i = _cube(codes[i + 2] % 256), i + 2
            elif code == 38 and i + 4 < len(codes) and codes[i + 1] == 2:
                self.colour, i = tuple(max(0, min(255, v)) for v in codes[i + 2:i + 5]), i + 4
            i += 1  # backgrounds (40-47, 48;..) and the rest: not printed

    def wrap(self, text: str) -> str:
        if not text:
            return ""
        if self.bold:
            text = rf"\textbf{{{text}}}"
        if self.italic:
            text = rf"\textit{{{text}}}"
        if self.underline:
            text = rf"\underline{{{text}}}"
        colour = self.colour or ((0, 0, 0) if self.dim else None)
        if colour is not None:
            if self.dim:  # half way to the paper
                colour = tuple((v + 255) // 2 for v in colour)
            text = rf"\dpansi{{{colour[0]:02X}{colour[1]:02X}{colour[2]:02X}}}{{{text}}}"
        return text


def _escaped(text: str) -> str:
    return "".join(_VERBATIM_ESCAPES.get(c, c) for c in text)


def to_verbatim(code: str, options: str) -> str:
    """``code`` as a Verbatim environment (commandchars as Pygments' output uses them)."""
    style = _Style()
    lines = []
    for line in code.rstrip("\n").split("\n"):
        out, pos = [], 0
        for m in SGR.finditer(line):
            out.append(style.wrap(_escaped(strip(line[pos:m.start()]))))
            style.apply(m.group(1))
            pos = m.end()
        out.append(style.wrap(_escaped(strip(line[pos:]))))
        lines.append("".join(out))
    body = "\n".join(lines)
    return f"\\begin{{Verbatim}}[commandchars=\\\\\\{{\\}},{options}]\n{body}\n\\end{{Verbatim}}\n"
