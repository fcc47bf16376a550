"""Attribute lists: markup for the HTML page, never printed.

* kramdown (Jekyll): block IALs ``{: .class}`` / ``{: #id}`` on their own line after a block,
  span IALs ``*text*{: .class}`` / ``[link](url){:target="_blank"}``, ALDs ``{:ref: .x}``;
* Python-Markdown ``attr_list`` (MkDocs) and pandoc: ``{ .class }`` / ``{#id .class key=val}``
  after a heading, a link, an image or an emphasis.

All are consumed; an ``#id`` on a heading becomes its anchor (``attrs.id``), so
``[see](#id)`` links to it, and on an image its figure's label (pandoc, Quarto); a quote given ``{: .block-tip }`` (``-warning``, ``-danger``:
al-folio's and jekyll-gitbook's boxes) becomes an alert titled by its heading. rehype-pretty-code's language hint at the end of inline code
(`` `bun install{:sh}` ``, `` `<Tabs>{:tsx}` ``, `` `x{:.token}` ``) is dropped as it drops it.
"""
from __future__ import annotations

import re

from .alerts import alert_token

_VALUE = r"(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s}\"']+)"
_ITEM = r"(?:[.#][\w:.-]+|[\w:-]+=" + _VALUE + r")"
_LIST = r"[ \t]*" + _ITEM + r"(?:[ \t]+" + _ITEM + r")*[ \t]*"
# kramdown: `{:` ... `}` with items (may be empty: `{:}`), or an ALD `{:name: items}`
IAL = r"(?<!\\)\{:(?!:)(?:[\w-]+:)?(?:[ \t]*(?:" + _ITEM + r"|[\w-]+))*[ \t]*\}"
BARE = r"(?<!\\)\{" + _LIST + r"\}"
_LINE = re.compile(r"^[ \t]*(?:" + IAL + r"|" + BARE + r")[ \t]*$")
_HEADING_TAIL = re.compile(r"[ \t]*(?:" + IAL + r"|(?<!\\)\{:?" + _LIST + r"\})[ \t]*$")
_PARTS = re.compile(r"([.#])([\w:.-]+)|([\w:-]+)=(" + _VALUE + r")")
_CODE_HINT = re.compile(r"(?<=\S)\{:\.?[\w-]+\}$")
_QUOTE_BOXES = {"block-tip": "tip", "block-warning": "warning", "block-danger": "danger"}
_SPAN_HOSTS = {"link", "image", "emphasis", "strong", "codespan", "strikethrough"}


def parse_attributes(text: str) -> dict:
    """``#id .a .b key="v"`` (braces and a leading `:` already gone) -> id, classes, attrs."""
    out: dict = {"id": None, "classes": [], "attrs": {}}
    for m in _PARTS.finditer(text):
        if m.group(1) == "#":
            out["id"] = m.group(2)
        elif m.group(1) == ".":
            out["classes"].append(m.group(2))
        else:
            out["attrs"][m.group(3)] = m.group(4).strip("\"'")
    return out


def _box_word(lines: list[str]) -> str | None:
    """The admonition a quote's attribute lines (``{: .block-tip }``) make of it, if any."""
    for line in lines:
        if _LINE.match(line):
            for name in parse_attributes(line.strip().strip("{}").lstrip(":"))["classes"]:
                if name in _QUOTE_BOXES:
                    return _QUOTE_BOXES[name]
    return None


def _quote_box(quote: dict, word: str) -> dict:
    children = _strip_blocks(quote["children"])
    title = children.pop(0)["text"] if children and children[0]["type"] == "heading" else None
    return alert_token(word, title, children, line=quote.get("line"))


def _strip_blocks(tokens: list) -> list:
    """Headings lose their trailing list (its id kept); lines that are only a list go."""
    kept: list = []
    for token in tokens:
        if token["type"] == "block_quote" and token.get("children"):
            last = token["children"][-1]
            word = _box_word(last.get("text", "").split("\n")) if last["type"] == "paragraph" else None
            if word:  # `{: .block-tip }` as the quote's lazy last line
                kept.append(_quote_box(token, word))
                continue
        if token.get("children") and "text" not in token:
            token["children"] = _strip_blocks(token["children"])
        text = token.get("text")
        if isinstance(text, str) and token["type"] == "heading":
            m = _HEADING_TAIL.search(text)
            if m and m.start() > 0:
                found = parse_attributes(m.group(0).strip().lstrip("{:").rstrip("}"))
                token["text"] = text[:m.start()]
                if found["id"]:
                    token.setdefault("attrs", {})["id"] = found["id"]
        elif isinstance(text, str) and token["type"] in ("paragraph", "block_text") and "{" in text:
            lines = [line for line in text.split("\n") if not _LINE.match(line)]
            if not "".join(lines).strip():
                word = _box_word(text.split("\n"))
                before = next((i for i in range(len(kept) - 1, -1, -1) if kept[i]["type"] != "blank_line"), None)
                if word and before is not None and kept[before]["type"] == "block_quote":  # after a blank line
                    kept[before] = _quote_box(kept[before], word)
                continue
            token["text"] = "\n".join(lines)
        kept.append(token)
    return kept


def _strip_code_hints(tokens: list) -> list:
    for token in tokens:
        if token["type"] == "codespan":
            token["raw"] = _CODE_HINT.sub("", token["raw"])
        elif token.get("children"):
            _strip_code_hints(token["children"])
    return tokens


def parse_span_ial(inline, m, state):
    return m.end()


def parse_bare(inline, m, state):
    """``{ .class }`` is a list only right after a link, image or emphasis."""
    last = state.tokens[-1] if state.tokens else None
    if last is None or last["type"] not in _SPAN_HOSTS:
        return None
    ident = parse_attributes(m.group(0)[1:-1])["id"]
    if ident and last["type"] == "image":  # `![..](a.png){#fig-x}`: the figure's label
        last["attrs"]["id"] = ident
    return m.end()


def attributes(md):
    def hook(md, state):
        state.tokens[:] = _strip_blocks(state.tokens)
    md.before_render_hooks.append(hook)
    md.after_render_hooks.append(lambda md, tokens, state: _strip_code_hints(tokens))
    md.inline.register("attr_ial", IAL, parse_span_ial, before="link", start_chars="{")
    md.inline.register("attr_bare", BARE, parse_bare, before="link", start_chars="{")
