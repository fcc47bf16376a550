r"""Display math that may be wider than the text column: ``\dpdisplay`` (in
latex_templates/layout.tex.j2) measures it and sets it in the column, into the margin,
scaled (not below 80%) or, past that, as the same formula broken at its relations,
which this module writes (``aligned``, a relation or a ``+``/``-`` starting each line).
Numbered environments (``\dpnumbered``) the same way, row by row, keeping their numbers."""
from __future__ import annotations

import re

# a formula that numbers or labels itself, or is already several lines, keeps plain \[ \]
_KEEP = re.compile(r"\\(?:tag|label|notag|nonumber|intertext|shortintertext)\b")
# what only a display environment allows, left out of the copy that is measured
_TAG = r"\\tag\*?\{[^{}]*\}"
_UNMEASURABLE = re.compile(_TAG + r"|\\(?:short)?intertext\{[^{}]*\}")
_TOKEN = re.compile(r"\\[a-zA-Z]+|\\.|.", re.S)
_OPEN = {"{", r"\left", r"\begin"}
_CLOSE = {"}", r"\right", r"\end"}
RELATIONS = {"=", "<", ">", r"\le", r"\leq", r"\ge", r"\geq", r"\leqslant", r"\geqslant", r"\ne", r"\neq",
             r"\approx", r"\equiv", r"\sim", r"\simeq", r"\cong", r"\propto", r"\coloneqq", r"\triangleq",
             r"\doteq", r"\ll", r"\gg", r"\to", r"\mapsto", r"\implies", r"\iff", r"\Rightarrow",
             r"\Leftrightarrow", r"\stackrel", r"\overset"}
_BINARY = {"+", "-", r"\pm", r"\mp", r"\cdot", r"\times"}
LINE = 40  # glyphs a broken line has at least (about half the text column's width)
_UNSEEN = re.compile(r"\\(?:left|right|[bB]igg?[lr]?)\b|\\[,;:! ]|[{}_^&\s]")  # no glyph of their own
_TRAILING_BREAK = re.compile(r"(?:\\\\(?:\[[^\]]*\])?\s*)+$")
_ROW_END_TAIL = re.compile(r"\*?(?:\[[^\]]*\])?")  # after a row's \\: no page break, more space
_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_NEWLINE = r" \\ "
_CONTINUED = r" \nonumber \\ "  # a row's lines but its last: the row's one number is on that
_SPLIT = re.compile(r"\\(begin|end)\{split\}")


def unsplit(tex: str) -> str:
    """``split`` as ``aligned``: MathJax and KaTeX set ``split`` in any math, LaTeX only at the
    top of an equation, and never in the box ``\\dpdisplay`` measures."""
    return _SPLIT.sub(r"\\\1{aligned}", tex)


def display(tex: str, boxed: bool) -> str:
    """The writer's display math: measured and fitted by LaTeX where that is safe."""
    tex = unsplit(tex)
    if _KEEP.search(tex) or "\n\n" in tex:
        return f"\\[\n{tex}\n\\]\n\n"
    tex = lines(tex)
    broken = broken_at_relations(tex) or ""
    return f"\\dpdisplay{{{int(boxed)}}}{{%\n{tex}\n}}{{{broken}}}\n\n"


def numbered(tex: str, boxed: bool) -> str:
    """Numbered environments (``align``, ``equation``..; from :func:`numbered_display`), each
    given to ``\\dpnumbered`` row by row: every row as written, as LaTeX can measure it (in
    ``aligned``/``gathered``, without numbers and labels) and broken at its relations, which LaTeX
    sets in its place when the row is too wide even in 80% type; ``\\[..\\]`` as above."""
    if tex.startswith("\\[") and tex.endswith("\\]"):
        return display(tex[2:-2].strip(), boxed).rstrip("\n")
    return "\n".join(_numbered_environment(m, boxed) for m in _NUMBERED_ENV.finditer(tex))


def _numbered_environment(m: re.Match, boxed: bool) -> str:
    """``\\dpnumbered{boxed}{numbered}{\\begin{env}}{\\end{env}}{\\begin{aligned}}{\\end{aligned}}{rows}``."""
    env, star, arg = m.group(1), m.group(2), m.group(3) or ""
    body = re.sub(r"\n\s*(?=\n)", "", _COMMENT.sub("", m.group(4)).strip())  # a blank line is a \par
    inner = _MATH_ENV_REPLACEMENT[env]
    measure = (f"\\begin{{{inner}}}{arg}", f"\\end{{{inner}}}") if inner else ("", "")
    rows = "%\n".join(_row(text, end, env) for text, end in _rows(body))
    numbers = int(not star or "\\tag" in body)
    return (f"\\dpnumbered{{{int(boxed)}}}{{{numbers}}}{{\\begin{{{env}{star}}}{arg}}}{{\\end{{{env}{star}}}}}"
            f"{{{measure[0]}}}{{{measure[1]}}}{{%\n{rows}}}")


def _rows(body: str) -> list[tuple[str, str]]:
    """The rows of an environment's body, each with the ``\\\\`` (and its ``*``, ``[skip]``) ending it."""
    rows, start, pos = [], 0, 0
    for tok, top in _top_level(body):
        pos += len(tok)
        if top and tok == "\\\\":
            end = _ROW_END_TAIL.match(body, pos).end()
            rows.append((body[start:pos - 2].strip(), body[pos - 2:end]))
            start = end
    return rows + [(body[start:].strip(), "")] if body[start:].strip() else rows


def _row(text: str, end: str, env: str) -> str:
    broken = _broken_row(text, env)
    alternative = f"{{{_measured(broken)}}}{{{broken}{end}}}" if broken else "{}{}"
    return f"\\dprow{{{_measured(text)}}}{{{text}{end}}}{alternative}"


def _measured(tex: str) -> str:
    """What ``aligned``/``gathered`` allow of a row: no numbers, labels, interjected text or split;
    not a leading ``&`` either (mathtools' ``aligned`` looks past it, which breaks an ``array``
    after it), but ``{}&``."""
    tex = _NUMBERING.sub("", _UNMEASURABLE.sub("", tex)).replace("{split}", "{aligned}").strip()
    return "{}" + tex if tex.startswith("&") else tex


def _broken_row(text: str, env: str) -> str | None:
    """One row broken at its relations (and long sides before a ``+``/``-``), its number and
    label on its last line: in ``align`` continuation rows aligned at the row's own alignment
    point (one number for the row: the others ``\\nonumber``), in ``equation`` and ``gather``
    a ``split``. None where nothing breaks: a row of several alignment points, a formula inside
    one ``\\left..\\right``, an environment that is lines already (multline, eqnarray)."""
    marks = " ".join(m.group() for m in _MARKS.finditer(text))
    rest = _MARKS.sub("", text).strip()
    amps = [i for i, (tok, top) in enumerate(_top_level(rest)) if top and tok == "&"]
    if env in ("equation", "gather") and not amps and ("\\\\", True) not in _top_level(rest):
        lines = _aligned_lines(rest)
        return f"{marks} \\begin{{split}} {_NEWLINE.join(lines)} \\end{{split}}".strip() if lines else None
    if env not in ("align", "flalign", "alignat") or len(amps) > 1:
        return None
    if amps:
        tokens = [tok for tok, _ in _top_level(rest)]
        lhs, rhs = "".join(tokens[:amps[0]]).strip(), "".join(tokens[amps[0] + 1:])
        cut = _cut(rhs, lhs_first=False)
        lines = [f"{lhs} &{cut[0]}"] + [f"&{line}" for line in cut[1:]] if len(cut) > 1 else None
    else:
        lines = _aligned_lines(rest)
    return f"{_CONTINUED.join(lines)} {marks}".strip() if lines else None


def lines(tex: str) -> str:
    """A top-level ``\\\\`` is a line break in MathJax's and KaTeX's display math; LaTeX's needs
    ``gathered`` (``aligned`` when the lines hold ``&``). A last ``\\\\`` ends no line: dropped."""
    tex = _TRAILING_BREAK.sub("", tex)
    top = _top_level(tex)
    if (r"\\", True) not in top:
        return tex
    env = "aligned" if ("&", True) in top else "gathered"
    return f"\\begin{{{env}}}\n{tex}\n\\end{{{env}}}"


def _top_level(tex: str, brackets: bool = False) -> list[tuple[str, bool]]:
    """The tokens of ``tex``, each with whether it sits outside every group (with ``brackets``,
    outside every ``( )`` and ``[ ]`` too: a line does not break inside them)."""
    opening, closing = (_OPEN | {"(", "["}, _CLOSE | {")", "]"}) if brackets else (_OPEN, _CLOSE)
    depth, out, prev = 0, [], ""
    for m in _TOKEN.finditer(tex):
        tok = m.group(0)
        delimiter = prev in (r"\left", r"\right")  # `\right(` closes its \left as `\right)` does
        if tok in closing and not delimiter:
            depth = max(depth - 1, 0)
        out.append((tok, depth == 0 and tok not in closing))
        if tok in opening and not delimiter:
            depth += 1
        prev = tok if tok.strip() else prev
    return out


def broken_at_relations(tex: str) -> str | None:
    """``a = b + c = d`` as ``\\begin{aligned} a &= b + c \\\\ &= d \\end{aligned}``, long
    right-hand sides broken again before a top-level ``+`` or ``-``; None if nothing breaks."""
    lines = _aligned_lines(tex)
    return r"\begin{aligned} " + _NEWLINE.join(lines) + r" \end{aligned}" if lines else None


def _aligned_lines(tex: str) -> list[str] | None:
    """The lines of ``tex`` broken at relations, aligned on the first (``lhs &= ...``), then
    ``&= ...``, ``&\\quad + ...``; None if nothing breaks."""
    lines = _cut(tex, lhs_first=True)
    if len(lines) < 2:
        return None
    lhs, rhs = _split_first_relation(lines[0])
    return [f"{lhs} &{rhs}"] + [f"&{line}" for line in lines[1:]]


def _cut(tex: str, lhs_first: bool) -> list[str]:
    """``tex`` cut before its top-level relations (``lhs_first``: the part before the first
    relation keeps it, ``f(x) = a`` then ``= b``), long pieces again before ``+``/``-``."""
    tokens = _top_level(" ".join(tex.split()), brackets=True)
    pieces: list[list[str]] = [[]]
    for i, (tok, top) in enumerate(tokens):
        prev = next((t for t, _ in reversed(tokens[:i]) if t.strip()), "")
        if top and tok in RELATIONS and pieces[-1] and prev not in RELATIONS and prev != ":":
            pieces.append([])
        elif top and tok == ":" and i + 1 < len(tokens) and tokens[i + 1][0] == "=" and pieces[-1]:
            pieces.append([])
        pieces[-1].append(tok)
    if lhs_first and len(pieces) > 1:
        pieces[:2] = [pieces[0] + pieces[1]]
    return [line for piece in pieces for line in _wrap(piece)]


def _split_first_relation(line: str) -> tuple[str, str]:
    tokens = _top_level(line, brackets=True)
    for i, (tok, top) in enumerate(tokens):
        if i and top and (tok in RELATIONS or (tok == ":" and i + 1 < len(tokens) and tokens[i + 1][0] == "=")):
            return "".join(t for t, _ in tokens[:i]).rstrip(), "".join(t for t, _ in tokens[i:])
    return "", line


def _glyphs(tex: str) -> int:
    """About how many glyphs ``tex`` draws: a command (``\\alpha``) one, braces and scripts' marks none."""
    return len(re.sub(r"\\[a-zA-Z]+", "x", _UNSEEN.sub("", tex)))


def _wrap(piece: list[str]) -> list[str]:
    """One relation's side, cut before top-level ``+``/``-`` into lines of at least LINE glyphs;
    continuation lines are indented (``\\quad``)."""
    tokens = _top_level("".join(piece), brackets=True)
    glyphs = _glyphs("".join(piece))  # a side of one to two lines breaks once, a shorter one never
    least = min(LINE, 0.4 * glyphs) if glyphs >= LINE else float("inf")
    lines, current = [], ""
    for i, (tok, top) in enumerate(tokens):
        prev = "".join(t for t, _ in tokens[:i]).strip()
        binary = top and tok in _BINARY and prev and not prev.endswith(("=", "(", "{", "&")) and prev[-1] not in "+-"
        if binary and _glyphs(current) >= least:
            lines.append(current.strip())
            current = r"\quad "
        current += tok
    lines.append(current.strip())
    return [line for line in lines if line]


MATH_ENVS = re.compile(r"\\(begin|end)\{(equation|align|gather|multline|flalign|alignat|eqnarray)(\*?)\}")
_MATH_ENV_REPLACEMENT = {"equation": None, "align": "aligned", "gather": "gathered", "multline": "multlined",
                         "flalign": "aligned", "alignat": "alignedat", "eqnarray": "aligned"}
_NUMBERING = re.compile(r"\\(nonumber|notag)\b|\\label\{[^{}]*\}")
_MARKS = re.compile(f"{_TAG}|{_NUMBERING.pattern}")  # what numbers a row, moved to its last line


def as_inner_math(tex: str) -> str:
    """KaTeX allows `align` inside `$$`; LaTeX wants `aligned` inside \\[ \\]."""
    def swap(m):
        inner = _MATH_ENV_REPLACEMENT[m.group(2)]
        if inner is None:
            return ""
        return f"\\{m.group(1)}{{{inner}}}"
    return _NUMBERING.sub("", MATH_ENVS.sub(swap, tex))


_NUMBERED_ENV = re.compile(r"\\begin\{(equation|align|gather|multline|flalign|alignat|eqnarray)(\*?)\}(\{\d+\})?"
                           r"(.*?)\\end\{\1\2\}", re.S)
_DISPLAY_ENV = re.compile(r"\\begin\{(equation|align|gather|multline|flalign|alignat|eqnarray)(\*?)\}.*?"
                          r"\\end\{\1\2\}", re.S)


def numbered_display(tex: str) -> str:
    """Display math for the dialects whose pages number equations (MathJax ``tags: 'ams'``):
    math that is only environments stays those environments, labels and all; a lone
    ``\\label`` numbers its formula; anything else is ``\\[..\\]``."""
    stripped = tex.strip()
    if _DISPLAY_ENV.search(stripped) and not _DISPLAY_ENV.sub("", stripped).strip():
        return stripped
    if not MATH_ENVS.search(stripped):
        labels = re.findall(r"\\label\{[^{}]*\}", stripped)
        if labels:
            for extra in labels[1:]:
                stripped = stripped.replace(extra, "", 1) if stripped.count(extra) else stripped
            return f"\\begin{{equation}}\n{stripped}\n\\end{{equation}}"
        return f"\\[\n{stripped}\n\\]"
    return f"\\[\n{as_inner_math(stripped)}\n\\]"
