r"""Display math that may be wider than the text column: ``\dpdisplay`` (in
latex_templates/layout.tex.j2) measures it and sets it in the column, into the margin,
scaled (not below 80%) or, past that, as the same formula broken at its relations,
which this module writes (``aligned``, a relation or a ``+``/``-`` starting each line)."""
from __future__ import annotations

import re

# a formula that numbers or labels itself, or is already several lines, keeps plain \[ \]
_KEEP = re.compile(r"\\(?:tag|label|notag|nonumber|intertext|shortintertext)\b")
# what only a display environment allows, left out of the copy that is measured
_UNMEASURABLE = re.compile(r"\\tag\*?\{[^{}]*\}|\\(?:short)?intertext\{[^{}]*\}")
_TOKEN = re.compile(r"\\[a-zA-Z]+|\\.|.", re.S)
_OPEN = {"{", r"\left", r"\begin"}
_CLOSE = {"}", r"\right", r"\end"}
RELATIONS = {"=", "<", ">", r"\le", r"\leq", r"\ge", r"\geq", r"\leqslant", r"\geqslant", r"\ne", r"\neq",
             r"\approx", r"\equiv", r"\sim", r"\simeq", r"\cong", r"\propto", r"\coloneqq", r"\triangleq",
             r"\doteq", r"\ll", r"\gg", r"\to", r"\mapsto", r"\implies", r"\iff", r"\Rightarrow",
             r"\Leftrightarrow", r"\stackrel", r"\overset"}
_BINARY = {"+", "-", r"\pm", r"\mp", r"\cdot", r"\times"}
LINE = 60  # characters of source a broken line aims at
_TRAILING_BREAK = re.compile(r"(?:\\\\(?:\[[^\]]*\])?\s*)+$")
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


def numbered(tex: str, inner: str, boxed: bool) -> str:
    """A numbered environment (``align``, ``equation``..; ``inner`` is the same as
    ``aligned``/``gathered``, which LaTeX can measure) in ``dpwidemath``; ``\\[..\\]`` as above."""
    if tex.startswith("\\[") and tex.endswith("\\]"):
        return display(tex[2:-2].strip(), boxed).rstrip("\n")
    measure = _UNMEASURABLE.sub("", inner).replace("{split}", "{aligned}")
    measure = re.sub(r"\n\s*(?=\n)", "", measure.strip())  # a blank line is a \par
    return f"\\begin{{dpwidemath}}{{{int(boxed)}}}{{{measure}}}\n{tex}\n\\end{{dpwidemath}}"


def lines(tex: str) -> str:
    """A top-level ``\\\\`` is a line break in MathJax's and KaTeX's display math; LaTeX's needs
    ``gathered`` (``aligned`` when the lines hold ``&``). A last ``\\\\`` ends no line: dropped."""
    tex = _TRAILING_BREAK.sub("", tex)
    top = _top_level(tex)
    if (r"\\", True) not in top:
        return tex
    env = "aligned" if ("&", True) in top else "gathered"
    return f"\\begin{{{env}}}\n{tex}\n\\end{{{env}}}"


def _top_level(tex: str) -> list[tuple[str, bool]]:
    """The tokens of ``tex``, each with whether it sits outside every group."""
    depth, out = 0, []
    for m in _TOKEN.finditer(tex):
        tok = m.group(0)
        if tok in _CLOSE:
            depth = max(depth - 1, 0)
        out.append((tok, depth == 0 and tok not in _CLOSE))
        if tok in _OPEN:
            depth += 1
    return out


def broken_at_relations(tex: str) -> str | None:
    """``a = b + c = d`` as ``\\begin{aligned} a &= b + c \\\\ &= d \\end{aligned}``, long
    right-hand sides broken again before a top-level ``+`` or ``-``; None if nothing breaks."""
    tokens = _top_level(" ".join(tex.split()))
    pieces: list[list[str]] = [[]]
    for i, (tok, top) in enumerate(tokens):
        prev = next((t for t, _ in reversed(tokens[:i]) if t.strip()), "")
        if top and tok in RELATIONS and pieces[-1] and prev not in RELATIONS and prev != ":":
            pieces.append([])
        elif top and tok == ":" and i + 1 < len(tokens) and tokens[i + 1][0] == "=" and pieces[-1]:
            pieces.append([])
        pieces[-1].append(tok)
    related = len(pieces) > 1
    if related:  # the left-hand side and the first relation make the first line
        pieces[:2] = [pieces[0] + pieces[1]]
    lines: list[str] = []
    for n, piece in enumerate(pieces):
        lines.extend(_wrap(piece, first=n == 0))
    if len(lines) < 2:
        return None
    first, rest = lines[0], lines[1:]
    if related:  # align on the first relation: `lhs &= ...`
        lhs, rhs = _split_first_relation(first)
        first = f"{lhs} &{rhs}"
    else:
        first = f"&{first}"
    return r"\begin{aligned} " + r" \\ ".join([first] + [f"&{line}" for line in rest]) + r" \end{aligned}"


def _split_first_relation(line: str) -> tuple[str, str]:
    tokens = _top_level(line)
    for i, (tok, top) in enumerate(tokens):
        if i and top and (tok in RELATIONS or (tok == ":" and i + 1 < len(tokens) and tokens[i + 1][0] == "=")):
            return "".join(t for t, _ in tokens[:i]).rstrip(), "".join(t for t, _ in tokens[i:])
    return "", line


def _wrap(piece: list[str], first: bool) -> list[str]:
    """One relation's side, cut before top-level ``+``/``-`` into lines of about LINE characters;
    continuation lines are indented (``\\quad``)."""
    tokens = _top_level("".join(piece))
    lines, current = [], ""
    for i, (tok, top) in enumerate(tokens):
        prev = "".join(t for t, _ in tokens[:i]).strip()
        binary = top and tok in _BINARY and prev and not prev.endswith(("=", "(", "{", "&")) and prev[-1] not in "+-"
        if binary and len(current) >= LINE:
            lines.append(current.strip())
            current = r"\quad "
        current += tok
    lines.append(current.strip())
    return [line for line in lines if line]


MATH_ENVS = re.compile(r"\\(begin|end)\{(equation|align|gather|multline|flalign|alignat|eqnarray)(\*?)\}")
_MATH_ENV_REPLACEMENT = {"equation": None, "align": "aligned", "gather": "gathered", "multline": "multlined",
                         "flalign": "aligned", "alignat": "alignedat", "eqnarray": "aligned"}
_NUMBERING = re.compile(r"\\(nonumber|notag)\b|\\label\{[^{}]*\}")


def as_inner_math(tex: str) -> str:
    """KaTeX allows `align` inside `$$`; LaTeX wants `aligned` inside \\[ \\]."""
    def swap(m):
        inner = _MATH_ENV_REPLACEMENT[m.group(2)]
        if inner is None:
            return ""
        return f"\\{m.group(1)}{{{inner}}}"
    return _NUMBERING.sub("", MATH_ENVS.sub(swap, tex))


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
