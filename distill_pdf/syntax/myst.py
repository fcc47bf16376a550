"""MyST Markdown (Jupyter Book, MyST-based research sites): directives written as fences with
a ``{name}``, and roles written as ``{name}`content```.

* admonitions (```` ```{note} ````, ``{tip}``, ``{warning}``, ``{admonition} Title``, ...) are
  alert boxes with their Markdown body;
* ``{math}`` is display math (numbered when it has a ``:label:``); ``{figure} path`` a figure
  captioned by its body (``:name:`` its label); ``{image} path`` an image; ``{code-block} lang``,
  ``{code} lang``, ``{code-cell} lang`` code in that language;
* a ``{name}`` that names a language is a Quarto/R Markdown chunk (```` ```{python} ````,
  ```` ```{r, echo=FALSE} ````): code in that language, its ``#|`` option lines left out;
* any other directive keeps its body as Markdown, with a warning;
* roles: ``{math}`x``` is math, ``{eq}`label``` the equation's number, ``{ref}`text <target>```
  and ``{numref}``, ``{doc}``, ``{term}``, ``{abbr}`` their text.

Options (``:key: value`` lines, or a YAML block between ``---`` lines) open the body.
"""
from __future__ import annotations

import re

from . import block_children, markdown_image, register_block
from .alerts import alert_kind, alert_token

DIRECTIVE = (r"^ {0,3}(?P<myst_fence>`{3,}|~{3,})\{(?P<myst_name>[A-Za-z][\w:-]*)\}"
             r"(?P<myst_arg>[^\n`]*)(?:\n|$)")
ROLE = r"\{(?P<role_name>[A-Za-z][\w:-]*)\}(?P<role_ticks>`+)(?P<role_text>.+?)(?P=role_ticks)"
_CODE = {"code-block", "code", "code-cell", "sourcecode"}
_OPTION = re.compile(r"^:([\w-]+):[ \t]*(.*)$")
_LABEL = re.compile(r"^[\w:.-]+$")
_CHUNK_OPTION = re.compile(r"^[ \t]*#\|.*\n?", re.M)  # Quarto's cell options
_TEXT_ROLES = {"ref", "numref", "doc", "term", "abbr", "download", "any", "sub-ref", "code", "command"}


def _options(body: str) -> tuple[dict[str, str], str]:
    """The directive's options and the rest of its body."""
    lines = body.split("\n")
    options: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        if end is not None:
            for line in lines[1:end]:
                key, _, value = line.partition(":")
                options[key.strip()] = value.strip().strip("\"'")
            return options, "\n".join(lines[end + 1:])
    while lines and _OPTION.match(lines[0]):
        m = _OPTION.match(lines.pop(0))
        options[m.group(1)] = m.group(2).strip()
    return options, "\n".join(lines)


def parse_directive(block, m, state):
    fence, name, arg = m.group("myst_fence"), m.group("myst_name").lower(), m.group("myst_arg").strip()
    close = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$", re.M)
    end = close.search(state.src, m.end())
    body_end, stop = (end.start(), end.end()) if end else (len(state.src), len(state.src))
    options, body = _options(state.src[m.end():body_end])
    body_start = m.end()
    if name in _CODE:
        state.append_token({"type": "block_code", "raw": body.strip("\n") + "\n", "attrs": {"info": arg}})
    elif name == "math":
        label = options.get("label", "")
        tex = body.strip() + (f" \\label{{{label}}}" if _LABEL.match(label) else "")
        state.append_token({"type": "math_environment" if label else "block_math", "raw": tex})
    elif name in ("figure", "image"):
        caption = " ".join(body.split()) if name == "figure" else options.get("alt", "")
        label = options.get("name", "")
        text = markdown_image(arg, caption) + (f"{{#{label}}}" if _LABEL.match(label) else "")
        state.append_token({"type": "paragraph", "text": text})
    elif alert_kind(name) or name == "admonition":
        title = arg if name == "admonition" else (arg or None)
        state.append_token(alert_token(name if alert_kind(name) else "note", title,
                                       block_children(block, state, body, body_start)))
    elif _is_language(name):  # a Quarto/R Markdown chunk ({python}, {r, echo=FALSE}): its code
        code = _CHUNK_OPTION.sub("", state.src[m.end():body_end])
        state.append_token({"type": "block_code", "raw": code.strip("\n") + "\n", "attrs": {"info": name}})
    else:
        state.append_token({"type": "dropped", "attrs": {"message": f"MyST directive {{{name}}}: its body printed"}})
        for child in block_children(block, state, body, body_start):
            state.append_token(child)
    return stop


def _is_language(name: str) -> bool:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound
    try:
        get_lexer_by_name(name)
    except ClassNotFound:
        return False
    return True


def parse_role(inline, m, state):
    name, text = m.group("role_name").lower(), m.group("role_text")
    if name == "math":
        state.append_token({"type": "inline_math", "raw": text})
    elif name == "eq":
        state.append_token({"type": "raw_latex", "raw": f"\\eqref{{{text}}}"} if _LABEL.match(text)
                           else {"type": "text", "raw": text})
    elif name in _TEXT_ROLES:
        shown = re.sub(r"\s*<[^<>]*>\s*$", "", text) or text  # `text <target>`: the text
        state.append_token({"type": "codespan" if name in ("code", "command") else "text", "raw": shown})
    else:
        return None
    return m.end()


def myst(md) -> None:
    register_block(md, "myst_directive", DIRECTIVE, parse_directive, before="fenced_code")
    md.inline.register("myst_role", ROLE, parse_role, before="codespan")
