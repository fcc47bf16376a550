"""Math is passed to TeX verbatim, so it is checked first: balanced, and harmless.

A formula may not read or write files, change catcodes or build control
sequence names, and its braces and environments must balance, so an error
is reported at the Markdown line rather than as a TeX error pages later.
"""
from __future__ import annotations

import re

FORBIDDEN = {
    "input", "include", "InputIfFileExists", "IfFileExists", "openin", "openout", "read", "readline",
    "write", "write18", "immediate", "special", "catcode", "uccode", "lccode", "mathcode", "csname",
    "scantokens", "everyeof", "endinput", "newwrite", "newread", "closeout", "closein", "usepackage",
    "RequirePackage", "documentclass", "makeatletter", "makeatother", "directlua", "pdfshellescape",
    "ShellEscape", "output", "everypar", "everymath", "everydisplay",
    "shipout", "jobname", "batchmode", "nonstopmode", "scrollmode", "errorstopmode",
    "includegraphics", "verbatiminput", "lstinputlisting", "hypersetup", "font",
    "XeTeXinterchartoks", "pdfobj", "pdfliteral", "openinput",
}
_CONTROL_WORD = re.compile(r"\\([A-Za-z@]+|.)", re.S)
_ENV = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}")


class MathError(ValueError):
    pass


def group_end(tex: str, opening: int) -> int | None:
    """The index just past the ``}`` that closes the ``{`` at ``opening`` (escaped braces
    skipped), or None when it is never closed."""
    depth, i = 0, opening
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def check_math(tex: str) -> None:
    """Raise MathError (a one-line reason) if ``tex`` is unsafe or unbalanced."""
    if "^^" in tex:
        raise MathError("`^^` character codes are not allowed in math")
    for m in _CONTROL_WORD.finditer(tex):
        if m.group(1) in FORBIDDEN:
            raise MathError(f"`\\{m.group(1)}` is not allowed in math")
    _check_braces(tex)
    _check_environments(tex)


def _check_braces(tex: str) -> None:
    depth = 0
    skip = False
    for ch in tex:
        if skip:
            skip = False
        elif ch == "\\":
            skip = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise MathError("unbalanced braces in math: `}` without `{`")
    if depth:
        raise MathError(f"unbalanced braces in math: {depth} `{{` not closed")


def _check_environments(tex: str) -> None:
    stack: list[str] = []
    for m in _ENV.finditer(tex):
        kind, name = m.group(1), m.group(2).strip()
        if kind == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            raise MathError(f"`\\end{{{name}}}` does not match an open `\\begin`")
    if stack:
        raise MathError(f"`\\begin{{{stack[-1]}}}` without `\\end{{{stack[-1]}}}`")


_TEXT_LOGOS = re.compile(r"(?<!\\)\\(LaTeXe|LaTeX|TeX|KaTeX)(?![A-Za-z])")
_LOGO_TEXT = {"LaTeXe": r"\LaTeXe", "LaTeX": r"\LaTeX", "TeX": r"\TeX", "KaTeX": r"Ka\TeX"}


def katex_compatible(tex: str) -> str:
    """What KaTeX accepts and LaTeX's math mode does not, made acceptable: a blank line (a
    \\par, an error in math mode) is dropped, and the text-mode logos \\LaTeX, \\TeX get \\text{}."""
    tex = re.sub(r"\n[ \t]*(?=\n)", "", tex)
    return _TEXT_LOGOS.sub(lambda m: rf"\text{{{_LOGO_TEXT[m.group(1)]}}}", tex)
