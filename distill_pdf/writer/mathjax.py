"""Math as MathJax 3 and KaTeX read it, rewritten into LaTeX that XeLaTeX accepts.

Blogs hand their formulas to MathJax or KaTeX, which accept things LaTeX rejects.
:func:`translate` rewrites those habits (the reference is the two projects' public
lists of supported commands); what is only a missing definition (``\\R``, ``\\lt``,
``\\blacksquare`` under unicode-math) is defined in ``latex_templates/mathcompat.tex.j2``:

* text arguments (``\\text``, ``\\mbox``, ``\\textit``, ...) print ``_ # % & ^ ~`` literally;
* CSS colours (``#5DADEC``, ``#abc``, ``darkgreen``, ``rgb(1,2,3)``) in ``\\color``,
  ``\\textcolor``, ``\\colorbox``, ``\\fcolorbox``; ``\\color{c}{x}`` colours ``x`` only (MathJax 2);
* ``\\bbox``, ``\\enclose``, ``\\unicode``, ``\\require`` (dropped), ``\\style``/``\\class``/``\\cssId``
  and KaTeX's ``\\htmlClass``/``\\htmlId``/``\\htmlStyle``/``\\htmlData`` (content kept), ``\\bm``;
* definitions inside a formula redefine freely (``\\newcommand``, ``\\DeclareMathOperator``);
* ``px`` lengths, ``alignat`` column counts, ``split`` rows with several ``&``, a ``\\label`` or
  ``\\tag`` written after the environment it numbers, plain TeX ``\\matrix{..}``/``\\cases{..}``.
"""
from __future__ import annotations

import re
from typing import Callable


from ..colors import xcolor_argument
from .mathcheck import group_end
from .text import escape

TEXT_COMMANDS = {"text", "textrm", "textit", "textbf", "textsf", "texttt", "textnormal", "textup", "textmd",
                 "textsl", "textsc", "mbox", "hbox", "emph", "fbox"}
_TEXT_SPECIAL = {"_": r"\_", "#": r"\#", "%": r"\%", "&": r"\&", "^": r"\textasciicircum{}",
                 "~": r"\textasciitilde{}"}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_DEFINERS = {"newcommand", "renewcommand", "def", "gdef", "edef", "xdef", "providecommand", "DeclareMathOperator"}
_CONTENT_ONLY = {"style": 1, "class": 1, "cssId": 1, "htmlClass": 1, "htmlId": 1, "htmlStyle": 1, "htmlData": 1,
                 "mathtip": -1, "texttip": -1}
_ENCLOSE = {"box": "\\boxed", "roundedbox": "\\boxed", "circle": "\\boxed", "updiagonalstrike": "\\cancel",
            "downdiagonalstrike": "\\bcancel", "horizontalstrike": "\\xcancel"}
_PX = re.compile(r"(-?\d*\.?\d+)\s*px\b")
_DIMENSION_COMMANDS = {"hspace", "vspace", "kern", "mkern", "hskip", "vskip", "raise", "lower", "mspace",
                       "rule", "Space", "moveleft", "moveright", "mskip"}
_PLAIN_ENVS = {"matrix": "matrix", "pmatrix": "pmatrix", "cases": "cases", "bordermatrix": "matrix"}
_RENAMED = {"bm": "boldsymbol", "empty": "emptyset", "Bbb": "mathbb", "bold": "mathbf", "pmb": "boldsymbol"}

Warn = Callable[[str], None]


def translate(tex: str, display: bool = False) -> str:
    """``tex`` as MathJax/KaTeX reads it, in LaTeX that XeLaTeX accepts. ``display``: the
    formula is display math (where ``\\tag``/``\\label`` belong)."""
    if "\\" in tex:
        tex = _Rewriter(tex).run()
    tex = _escape_hashes(tex)
    if display and "\\begin" in tex:
        tex = _fix_environments(tex)
    elif not display:
        tex = re.sub(r"\\tag\*?\s*\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}", "", tex)  # \tag numbers display math only
    return tex


# --------------------------------------------------------------------------- commands


class _Rewriter:
    """One left-to-right pass over a formula; each handled command consumes its arguments."""

    def __init__(self, tex: str):
        self.tex = tex

    def run(self) -> str:
        tex, out, pos = self.tex, [], 0
        for m in _COMMAND.finditer(tex):
            if m.start() < pos:
                continue
            name = m.group(1)
            result = self.command(name, m.end()) if name.isalpha() else None
            if result is None:
                continue
            out.append(tex[pos:m.start()])
            out.append(result[0])
            pos = result[1]
        out.append(tex[pos:])
        return "".join(out)

    # argument helpers
    def group(self, pos: int) -> tuple[str, int] | None:
        tex = self.tex
        while pos < len(tex) and tex[pos] in " \t\n":
            pos += 1
        if pos < len(tex) and tex[pos] == "{":
            end = group_end(tex, pos)
            return None if end is None else (tex[pos + 1:end - 1], end)
        return None

    def optional(self, pos: int) -> tuple[str | None, int]:
        m = re.compile(r"\s*\[([^\[\]]*)\]").match(self.tex, pos)
        return (m.group(1), m.end()) if m else (None, pos)

    def token(self, pos: int) -> tuple[str, int] | None:
        """A braced group, a control word or one character: a TeX argument."""
        group = self.group(pos)
        if group is not None:
            return group
        m = re.compile(r"\s*(\\[A-Za-z]+|\\.|[^\s{}])").match(self.tex, pos)
        return (m.group(1), m.end()) if m else None

    @staticmethod
    def inner(tex: str) -> str:
        return _Rewriter(tex).run() if "\\" in tex else tex

    def command(self, name: str, pos: int) -> tuple[str, int] | None:
        star = pos < len(self.tex) and self.tex[pos] == "*"
        if name in TEXT_COMMANDS:
            group = self.group(pos)
            return None if group is None else (f"\\{name}{{{_text_argument(group[0])}}}", group[1])
        if name == "require":
            group = self.group(pos)
            return None if group is None else ("", group[1])
        if name in ("color", "textcolor", "colorbox", "fcolorbox", "pagecolor"):
            return self.color(name, pos)
        if name in _CONTENT_ONLY:
            return self.content_only(name, pos)
        if name == "bbox":
            return self.bbox(pos)
        if name == "enclose":
            return self.enclose(pos)
        if name == "unicode":
            return self.unicode(pos)
        if name in _RENAMED and not self.defined_here(name):
            return f"\\{_RENAMED[name]}", pos
        if name in ("newcommand", "renewcommand", "DeclareMathOperator"):
            return self.definition(name, pos + star, star)
        if name in _DIMENSION_COMMANDS:
            return self.dimension(name, pos)
        if name in _PLAIN_ENVS:
            group = self.group(pos)
            if group is None:
                return None
            env, body = _PLAIN_ENVS[name], self.inner(group[0]).replace("\\cr", "\\\\")
            return f"\\begin{{{env}}}{body}\\end{{{env}}}", group[1]
        if name == "url":
            group = self.group(pos)
            return None if group is None else (f"\\text{{\\url{{{group[0]}}}}}", group[1])
        return None

    def defined_here(self, name: str) -> bool:
        return bool(re.search(r"\\(?:re)?newcommand\s*\{?\s*\\" + name + r"(?![A-Za-z])|\\def\s*\\" + name
                              + r"(?![A-Za-z])", self.tex))

    def color(self, name: str, pos: int):
        model, pos = self.optional(pos)
        first = self.group(pos)
        if first is None:
            return None
        spec = f"[{model}]{{{first[0]}}}" if model else xcolor_argument(first[0]) or f"{{{first[0]}}}"
        pos = first[1]
        if name == "fcolorbox":
            second = self.group(pos)
            if second is None:
                return None
            spec += xcolor_argument(second[0]) or f"{{{second[0]}}}"
            pos = second[1]
        if name in ("colorbox", "fcolorbox"):
            body = self.group(pos)
            if body is None:
                return None
            return f"\\{name}{spec}{{{_text_argument(body[0])}}}", body[1]
        if name in ("textcolor", "color"):
            body = self.group(pos)
            if body is not None:  # `\color{c}{x}`: MathJax 2 colours x only
                return f"\\textcolor{spec}{{{self.inner(body[0])}}}", body[1]
        return f"\\{name}{spec}", pos

    def content_only(self, name: str, pos: int):
        first = self.group(pos)
        if first is None:
            return None
        second = self.group(first[1])
        if second is None:
            return None
        kept = second[0] if _CONTENT_ONLY[name] == 1 else first[0]
        return f"{{{self.inner(kept)}}}", second[1]

    def bbox(self, pos: int):
        options, pos = self.optional(pos)
        body = self.group(pos)
        if body is None:
            return None
        content = self.inner(body[0])
        background = border = None
        for option in (options or "").split(","):
            option = option.strip()
            if re.match(r"^[-a-z]+\s*:", option, re.I):
                if option.lower().startswith("border"):
                    colour = next((xcolor_argument(word) for word in option.split()[1:] if xcolor_argument(word)), None)
                    border = colour or "{black}"
            elif option and not re.fullmatch(r"[\d.]+\s*(?:pt|em|ex|mu|px|in|cm|mm)", option):
                background = xcolor_argument(option) or f"{{{option}}}"
        math = f"$\\displaystyle {content}$"
        if border and background:
            return f"\\fcolorbox{border}{background}{{{math}}}", body[1]
        if border:
            return f"\\fcolorbox{border}[HTML]{{FFFFFF}}{{{math}}}", body[1]
        if background:
            return f"\\colorbox{background}{{{math}}}", body[1]
        return f"{{{content}}}", body[1]

    def enclose(self, pos: int):
        notation = self.group(pos)
        if notation is None:
            return None
        _, pos = self.optional(notation[1])
        body = self.group(pos)
        if body is None:
            return None
        kinds = notation[0].replace(",", " ").split()
        command = next((_ENCLOSE[k] for k in kinds if k in _ENCLOSE), "")
        if "updiagonalstrike" in kinds and "downdiagonalstrike" in kinds:
            command = "\\xcancel"
        return f"{command}{{{self.inner(body[0])}}}", body[1]

    def unicode(self, pos: int):
        _, pos = self.optional(pos)
        group = self.group(pos)
        if group is None:
            return None
        code = group[0].strip()
        m = re.fullmatch(r"(?:x|0x|U\+|#x)([0-9A-Fa-f]+)|(\d+)", code, re.I)
        if not m:
            return None
        value = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        if not 0x20 <= value <= 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            return "", group[1]
        return f"\\text{{{escape(chr(value))}}}", group[1]

    def definition(self, name: str, pos: int, star: bool):
        """MathJax redefines freely: a name already defined (by LaTeX, or an earlier formula)
        is overwritten, never an error."""
        m = re.compile(r"\s*(?:\{\s*(\\[A-Za-z]+)\s*\}|(\\[A-Za-z]+))").match(self.tex, pos)
        if not m:
            return None
        macro = m.group(1) or m.group(2)
        if name != "DeclareMathOperator":
            return f"\\providecommand{{{macro}}}{{}}\\renewcommand{{{macro}}}", m.end()
        body = self.group(m.end())
        if body is None:
            return None
        operator = "\\operatorname*" if star else "\\operatorname"
        return f"\\providecommand{{{macro}}}{{}}\\renewcommand{{{macro}}}{{{operator}{{{body[0]}}}}}", body[1]

    def dimension(self, name: str, pos: int):
        """CSS pixels (MathJax reads them; TeX does not): 1px = 0.75pt."""
        m = re.compile(r"\*?\s*\{?\s*-?\d*\.?\d+\s*px\b").match(self.tex, pos)
        if not m:
            return None
        return f"\\{name}" + _PX.sub(_points, m.group(0)), m.end()


def _points(m: re.Match) -> str:
    return f"{float(m.group(1)) * 0.75:g}pt"


def _text_argument(text: str) -> str:
    """MathJax prints a text argument's characters as they are; `$..$` inside is math."""
    out, pos, math = [], 0, False
    while pos < len(text):
        c = text[pos]
        if c == "\\" and pos + 1 < len(text):
            m = _COMMAND.match(text, pos)
            out.append(m.group(0))
            pos = m.end()
            continue
        if c == "$":
            math = not math
        elif not math and c in _TEXT_SPECIAL:
            c = _TEXT_SPECIAL[c]
        out.append(c)
        pos += 1
    return "".join(out)


def _escape_hashes(tex: str) -> str:
    """A `#` is a character (`\\#`) unless it is a parameter of a definition in the formula."""
    if "#" not in tex:
        return tex
    keep_params = bool(re.search(r"\\(?:re)?newcommand|\\providecommand|\\def\b|\\gdef\b", tex))
    pattern = r"(?<!\\)#(?!\d)" if keep_params else r"(?<!\\)#"
    return re.sub(pattern, r"\\#", tex)


# --------------------------------------------------------------------------- display environments

_ENV = re.compile(r"\\begin\{(alignat|alignedat|split)(\*?)\}")
_ALONE = re.compile(r"^\s*(\\begin\{([a-z]+\*?)\}.*\\end\{\2\})((?:\s*\\(?:label|tag\*?)\s*\{[^{}]*"
                    r"(?:\{[^{}]*\}[^{}]*)*\})+)\s*$", re.S)
_LAST_END = re.compile(r"(\\end\{[a-z]+\*?\})\s*$")


def _fix_environments(tex: str) -> str:
    """What MathJax tolerates in display environments: too few ``alignat`` columns, ``split``
    rows with several ``&``, a ``\\label``/``\\tag`` after the environment it numbers."""
    tex = re.sub(r"\\\\\s*\[\s*-?\d*\.?\d+\s*px\s*\]", lambda m: _PX.sub(_points, m.group(0)), tex)
    out, pos = [], 0
    for m in _ENV.finditer(tex):
        if m.start() < pos:
            continue
        end = re.compile(r"\\end\{" + m.group(1) + re.escape(m.group(2)) + r"\}").search(tex, m.end())
        if end is None:
            continue
        body_start = m.end()
        count = None
        if m.group(1) != "split":
            cm = re.compile(r"\s*\{\s*(\d+)\s*\}").match(tex, m.end())
            if cm is None:
                continue
            count, body_start = int(cm.group(1)), cm.end()
        body = tex[body_start:end.start()]
        rows = re.split(r"\\\\", _outside_groups(body))
        most = max((row.count("&") for row in rows), default=0)
        if count is None:
            if most <= 1:
                continue
            out.append(tex[pos:m.start()] + f"\\begin{{aligned}}{body}\\end{{aligned}}")
        else:
            need = max(count, (most + 2) // 2)
            out.append(tex[pos:m.start()] + f"\\begin{{{m.group(1)}{m.group(2)}}}{{{need}}}{body}"
                       + tex[end.start():end.end()])
        pos = end.end()
    out.append(tex[pos:])
    tex = "".join(out)
    alone = _ALONE.match(tex)
    if alone and alone.group(1).count("\\begin{") == alone.group(1).count("\\end{"):
        env = _LAST_END.sub(lambda e: alone.group(3).strip() + "\n" + e.group(1), alone.group(1))
        return env
    return tex


def _outside_groups(body: str) -> str:
    """``body`` with nested environments and braced groups blanked (their `&` are theirs)."""
    body = re.sub(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", " ", body, flags=re.S)
    out, depth = [], 0
    for i, c in enumerate(body):
        if c == "{" and (i == 0 or body[i - 1] != "\\"):
            depth += 1
        elif c == "}" and (i == 0 or body[i - 1] != "\\"):
            depth -= 1
        elif depth == 0:
            out.append(c)
    return "".join(out)
