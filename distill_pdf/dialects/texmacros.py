"""Macro definitions written inside math, moved to the preamble.

MathJax keeps a ``\\newcommand`` (``\\renewcommand``, ``\\def``,
``\\DeclareMathOperator``, ``\\definecolor``) made in any formula for the rest of
the page; posts put a block of them in a hidden ``$$..$$`` at the top. LaTeX
forgets a definition at the end of its formula, and ``\\DeclareMathOperator``
only works in the preamble, so :class:`MacroSet` takes them out of the math
and writes them, checked, before ``\\begin{document}``:

* a name may be (re)defined, as in MathJax, unless the document's own markup
  needs it (``\\begin``, ``\\href``, our ``\\dp...`` macros, ...): that is a warning;
* a body passes :func:`~distill_pdf.writer.mathcheck.check_math` (no file access,
  balanced braces) or the definition is dropped with a warning;
* MathJax's ``\\require{...}`` is dropped.
"""
from __future__ import annotations

import re
from typing import Callable

from ..colors import css_hex
from ..writer.mathcheck import MathError, check_math, group_end

PROTECTED = {
    "begin", "end", "par", "item", "section", "subsection", "subsubsection", "paragraph", "subparagraph",
    "label", "ref", "eqref", "tag", "href", "url", "hyperref", "hyperlink", "hypertarget", "texorpdfstring",
    "caption", "captionof", "footnote", "marginpar", "includegraphics", "textbf", "textit", "emph", "texttt",
    "textsuperscript", "textsubscript", "textbackslash", "textasciicircum", "textasciitilde", "sout", "uline",
    "color", "textcolor", "definecolor", "centering", "raggedright", "raggedleft", "hfil", "hfill", "break",
    "relax", "def", "edef", "gdef", "xdef", "let", "newcommand", "renewcommand", "providecommand",
    "DeclareMathOperator", "DeclareRobustCommand", "operatorname", "the", "csname", "endcsname",
    "expandafter", "noexpand", "protect", "allowbreak", "small", "footnotesize", "large", "Large",
    "normalsize", "bfseries", "sffamily", "ttfamily", "rmfamily", "selectfont", "fontsize", "smallskip",
    "medskip", "bigskip", "vspace", "hspace", "noindent", "newline", "linebreak", "ensuremath", "left",
    "right", "middle", "multicolumn", "toprule", "midrule", "bottomrule", "endhead", "endlastfoot", "fi",
    "else", "ifx", "ifhmode", "ifmmode", "leavevmode", "space", "textbullet", "textquoteleft",
    "textquoteright", "textquotedblleft", "textquotedblright", "nocite", "cite", "textcite", "autocite",
    "printbibliography", "MakeUppercase", "thefootnote", "refstepcounter", "makebox", "raisebox",
    "parbox", "fbox", "rule", "linewidth", "textwidth", "documentclass", "usepackage", "input", "include",
    "newenvironment", "renewenvironment", "catcode", "begingroup", "endgroup", "bgroup", "egroup",
    "nonumber", "notag", "text", "mbox", "hbox", "vbox", "llap", "rlap", "smash", "phantom",
}
_PROTECTED_PREFIXES = ("dp", "tcb", "pgf", "PY", "blx", "Hy")
_COLOR_MODELS = {"rgb", "RGB", "HTML", "gray", "cmyk", "Gray", "HSB", "hsb", "wave", "named"}

_DEFINER = re.compile(
    r"\\(?P<cmd>(?:re)?newcommand|providecommand|DeclareMathOperator|def|gdef|definecolor|require|let)"
    r"(?![A-Za-z])(?P<star>\*?)")
_CONTROL_WORD = re.compile(r"\s*(?:\{\s*\\([A-Za-z]+)\s*\}|\\([A-Za-z]+))")
_OPTIONAL = re.compile(r"\s*\[([^\[\]]*)\]")
_DEF_PARAMS = re.compile(r"((?:#\d)*)\s*\{")
_LET = re.compile(r"\s*\\([A-Za-z]+)\s*=?\s*(\\[A-Za-z]+|\\.)")

_COLOR_USE = re.compile(r"\\(?:textcolor|color|colorbox|fcolorbox)\s*\{\s*([A-Za-z][\w-]*)\s*\}")
# xcolor's own names (always defined); other CSS names MathJax knows are defined from colors.css_hex
XCOLOR_BASE = {"red", "green", "blue", "cyan", "magenta", "yellow", "black", "gray", "white", "darkgray",
               "lightgray", "brown", "lime", "olive", "orange", "pink", "purple", "teal", "violet"}
# a body that is one command applied to its arguments (\boldsymbol{x}, \mathbb{R}) is braced, so that
# `\hat\x` works in LaTeX as it does in MathJax; commands that set an atom's class are not
_ONE_COMMAND = re.compile(r"^\s*\\([A-Za-z]+)\s*(?:\{.*\})?\s*$", re.S)
_CLASS_COMMANDS = {"mathop", "mathrel", "mathbin", "mathopen", "mathclose", "mathpunct", "mathinner",
                   "operatorname", "left", "right", "big", "Big", "bigg", "Bigg", "middle"}

# MathJax's own commands that LaTeX lacks, defined when a post uses them
MATHJAX_COMPAT = {
    "lt": r"\providecommand{\lt}{<}", "gt": r"\providecommand{\gt}{>}",
    "bbox": r"\providecommand{\bbox}[2][]{#2}", "class": r"\providecommand{\class}[2]{#2}",
    "cssId": r"\providecommand{\cssId}[2]{#2}", "style": r"\providecommand{\style}[2]{#2}",
    "unicode": r"\providecommand{\unicode}[1]{}", "toggle": r"\providecommand{\toggle}[1]{#1}",
    "cancel": r"\providecommand{\cancel}[1]{\not{#1}}", "bcancel": r"\providecommand{\bcancel}[1]{\not{#1}}",
    "xcancel": r"\providecommand{\xcancel}[1]{\not{#1}}", "cancelto": r"\providecommand{\cancelto}[2]{#2}",
    "enclose": r"\providecommand{\enclose}[3][]{#3}", "mathstrut": r"\providecommand{\mathstrut}{\vphantom{(}}",
    "R": r"\providecommand{\R}{\mathbb{R}}", "Z": r"\providecommand{\Z}{\mathbb{Z}}",
    "N": r"\providecommand{\N}{\mathbb{N}}", "Q": r"\providecommand{\Q}{\mathbb{Q}}",
    "C": r"\providecommand{\C}{\mathbb{C}}", "Reals": r"\providecommand{\Reals}{\mathbb{R}}",
    "argmax": r"\providecommand{\argmax}{\operatorname*{arg\,max}}",
    "argmin": r"\providecommand{\argmin}{\operatorname*{arg\,min}}",
    "Tr": r"\providecommand{\Tr}{\operatorname{Tr}}", "tr": r"\providecommand{\tr}{\operatorname{tr}}",
    "diag": r"\providecommand{\diag}{\operatorname{diag}}", "sign": r"\providecommand{\sign}{\operatorname{sign}}",
    "E": r"\providecommand{\E}{\mathbb{E}}", "Var": r"\providecommand{\Var}{\operatorname{Var}}",
    "Cov": r"\providecommand{\Cov}{\operatorname{Cov}}", "KL": r"\providecommand{\KL}{\mathrm{KL}}",
}
_WORD = re.compile(r"\\([A-Za-z]+)")

Warn = Callable[[str], None]


def _group(tex: str, pos: int) -> tuple[str, int] | None:
    """The balanced ``{...}`` group starting at ``pos`` (after spaces): (inside, end)."""
    while pos < len(tex) and tex[pos] in " \t\n":
        pos += 1
    if pos >= len(tex) or tex[pos] != "{":
        return None
    end = group_end(tex, pos)
    return None if end is None else (tex[pos + 1:end - 1], end)


class MacroSet:
    """The definitions of one post, in order (a later one wins, as in MathJax)."""

    def __init__(self) -> None:
        self.definitions: list[str] = []
        self.names: set[str] = set()
        self.colors: set[str] = set()
        self.used_colors: set[str] = set()
        self.used_words: set[str] = set()

    def extract(self, tex: str, warn: Warn) -> str:
        """``tex`` without its definitions; each one is recorded (or warned about)."""
        if "\\" not in tex:
            return tex
        self.used_colors.update(_COLOR_USE.findall(tex))
        self.used_words.update(_WORD.findall(tex))
        out: list[str] = []
        pos = 0
        for m in _DEFINER.finditer(tex):
            if m.start() < pos:
                continue
            end = self._definition(tex, m, warn)
            if end is None:
                continue
            out.append(tex[pos:m.start()])
            pos = end
        out.append(tex[pos:])
        return "".join(out)

    # -- one definition ------------------------------------------------------------
    def _definition(self, tex: str, m: re.Match, warn: Warn) -> int | None:
        cmd, star, pos = m.group("cmd"), m.group("star"), m.end()
        if cmd == "require":
            group = _group(tex, pos)
            return group[1] if group else None
        if cmd == "definecolor":
            return self._color(tex, pos, warn)
        if cmd == "let":
            lm = _LET.match(tex, pos)
            if not lm:
                return None
            if self._allowed(lm.group(1), warn):
                self._add(lm.group(1), f"\\let\\{lm.group(1)}{lm.group(2)}", lm.group(2), warn)
            return lm.end()
        name_m = _CONTROL_WORD.match(tex, pos)
        if not name_m:
            return None
        name = name_m.group(1) or name_m.group(2)
        pos = name_m.end()
        if cmd in ("def", "gdef"):
            params = _DEF_PARAMS.match(tex, pos)
            if not params:
                return None
            body = _group(tex, params.end() - 1)
            if body is None:
                return None
            if self._allowed(name, warn):
                text = _braced(body[0]) if not params.group(1) else body[0]
                self._add(name, f"\\def\\{name}{params.group(1)}{{{text}}}", body[0], warn)
            return body[1]
        if cmd == "DeclareMathOperator":
            body = _group(tex, pos)
            if body is None:
                return None
            # braced (an ordinary atom), so that `\hat\opp` works as in MathJax; starred ones keep limits
            operator = f"\\operatorname*{{{body[0]}}}" if star else f"{{\\operatorname{{{body[0]}}}}}"
            if self._allowed(name, warn):
                self._add(name, f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{{{operator}}}",
                          body[0], warn)
            return body[1]
        # \newcommand, \renewcommand, \providecommand
        args = ""
        count = _OPTIONAL.match(tex, pos)
        if count:
            if not count.group(1).strip().isdigit():
                return None
            args += f"[{count.group(1).strip()}]"
            pos = count.end()
            default = _OPTIONAL.match(tex, pos)
            if default:
                args += f"[{default.group(1)}]"
                pos = default.end()
        body = _group(tex, pos)
        if body is None:
            return None
        if self._allowed(name, warn):
            body = (_braced(body[0]) if not args else body[0], body[1])
            if cmd == "providecommand":
                definition = f"\\providecommand{{\\{name}}}{args}{{{body[0]}}}"
            else:
                definition = f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{args}{{{body[0]}}}"
            self._add(name, definition, body[0], warn)
        return body[1]

    def _color(self, tex: str, pos: int, warn: Warn) -> int | None:
        parts = []
        for _ in range(3):
            group = _group(tex, pos)
            if group is None:
                return None
            parts.append(group[0].strip())
            pos = group[1]
        name, model, spec = parts
        if not re.fullmatch(r"[A-Za-z][\w-]*", name) or model not in _COLOR_MODELS \
                or not re.fullmatch(r"[\w.,\s-]*", spec):
            warn(f"color definition `{name}` ignored (model {model!r} or value not understood)")
            return pos
        self.colors.add(name)
        self.definitions.append(f"\\definecolor{{{name}}}{{{model}}}{{{spec}}}")
        return pos

    def _allowed(self, name: str, warn: Warn) -> bool:
        if name in PROTECTED or name.startswith(_PROTECTED_PREFIXES):
            warn(f"math macro \\{name} not redefined: the document's own markup uses it")
            return False
        return True

    def _add(self, name: str, definition: str, body: str, warn: Warn) -> None:
        try:
            check_math(body.replace("#", " "))
        except MathError as exc:
            warn(f"math macro \\{name} dropped: {exc}")
            return
        self.names.add(name)
        self.definitions.append(brace_scripts(definition))

    def missing_colors(self) -> list[str]:
        return sorted(self.used_colors - self.colors - XCOLOR_BASE)

    def latex(self, warn: Warn | None = None) -> str:
        lines = [MATHJAX_COMPAT[name] for name in sorted(self.used_words & MATHJAX_COMPAT.keys() - self.names)]
        lines += self.definitions
        for name in self.missing_colors():
            value = css_hex(name)
            if value is None and warn is not None:
                warn(f"color `{name}` is used in math but defined nowhere; printed black")
            lines.append(f"\\providecolor{{{name}}}{{HTML}}{{{value or '000000'}}}")
        if "mathbf" in self.used_words:
            # MathJax bolds Greek in \mathbf too; unicode-math's text-font \mathbf has no Greek
            lines.insert(0, r"\ifdefined\unimathsetup\unimathsetup{mathbf=sym}\fi")
        if not lines:
            return ""
        return "\n% math macros and colors defined in the post\n" + "\n".join(lines) + "\n"


_SCRIPT_COMMAND = re.compile(r"(?<!\\)([_^])\s*\\([A-Za-z]+)(?=\s*\{)")


def brace_scripts(tex: str) -> str:
    """``x_\\mathbf{w}`` -> ``x_{\\mathbf{w}}``: MathJax reads a command and its arguments as
    the script; LaTeX takes one token, which breaks for protected commands."""
    if "_" not in tex and "^" not in tex:
        return tex
    out, pos = [], 0
    for m in _SCRIPT_COMMAND.finditer(tex):
        if m.start() < pos:
            continue
        end = m.end()
        groups = 0
        while True:
            group = _group(tex, end)
            if group is None:
                break
            end, groups = group[1], groups + 1
            if m.group(2) not in _TWO_ARGUMENTS or groups == 2:
                break
        if not groups:
            continue
        out.append(tex[pos:m.start()] + m.group(1) + "{" + tex[m.start() + 1:end].lstrip() + "}")
        pos = end
    out.append(tex[pos:])
    return "".join(out)


_TWO_ARGUMENTS = {"frac", "dfrac", "tfrac", "binom", "dbinom", "tbinom", "textcolor", "overset", "underset",
                  "stackrel"}


def _braced(body: str) -> str:
    m = _ONE_COMMAND.match(body)
    if m and m.group(1) not in _CLASS_COMMANDS and _group_closes_at_end(body):
        return "{" + body.strip() + "}"
    return body


def _group_closes_at_end(body: str) -> bool:
    """``\\cmd{a}{b}``: the braces after the command are whole groups (not ``{a} x {b}``)."""
    text = body.strip()
    pos = len(re.match(r"\\[A-Za-z]+\s*", text).group(0))
    while pos < len(text):
        group = _group(text, pos)
        if group is None:
            return False
        pos = group[1]
        while pos < len(text) and text[pos] in " \t\n":
            pos += 1
    return True
