"""Hugo shortcodes: ``{{< name args >}}`` and ``{{% name args %}}``.

* admonition shortcodes (hugo-notice ``{{< notice tip >}}``, LoveIt/DoIt ``{{< admonition
  type=tip title="x" >}}``, Docsy ``{{% alert title="x" color="warning" %}}``, hugo-book
  ``{{< hint info >}}``, Hextra ``{{< callout type="info" >}}``, Relearn ``{{% notice style="tip"
  title="x" %}}``) ... ``{{< /name >}}`` become ``alert`` tokens; the body is Markdown;
* ``{{< highlight go >}}`` ... ``{{< /highlight >}}`` is a code block;
* the built-in ``figure`` is a figure (its caption Markdown), ``youtube``/``vimeo`` an embedded
  video (printed as embeds are), ``gist``/``tweet``/``x``/``instagram`` a link to it;
* ``ref``/``relref`` are the page's path (a link's destination), ``param`` the front matter value;
* any other shortcode is dropped with a warning; a paired one keeps its body.
"""
from __future__ import annotations

import re
import shlex

from . import block_children, markdown_image, register_block
from .alerts import alert_kind, alert_token

ADMONITION_NAMES = {"notice", "admonition", "alert", "callout", "hint", "note", "tip", "warning",
                    "info", "important", "caution", "danger", "attention"}
_ARGS = r"(?:\"[^\"]*\"|'[^']*'|`[^`]*`|[^\"'`<>%}])*?"
INLINE = r"\{\{(?P<sc_delim>[<%])\s*(?P<sc_close>/?)(?P<sc_name>[\w./-]+)(?P<sc_args>" + _ARGS + r")\s*/?[>%]\}\}"
BLOCK = r"^ {0,3}" + INLINE.replace("(?P<sc_", "(?P<scb_").replace("(?P=sc_", "(?P=scb_") + r"[ \t]*(?:\n|$)"
_KIND_KEYS = ("type", "style", "color", "level", "context", "theme")


def _args(text: str) -> tuple[list[str], dict[str, str]]:
    try:
        words = shlex.split(text.replace("`", '"'))
    except ValueError:
        words = text.split()
    named = dict(w.split("=", 1) for w in words if re.match(r"^[\w-]+=", w))
    return [w for w in words if not re.match(r"^[\w-]+=", w)], named


def _closing(src: str, name: str, start: int) -> re.Match | None:
    """The ``{{< /name >}}`` that closes the shortcode opened before ``start`` (nesting counted)."""
    tag = re.compile(r"\{\{[<%]\s*(/?)" + re.escape(name) + r"(?=[\s/>%])" + _ARGS + r"\s*/?[>%]\}\}")
    depth = 1
    for m in tag.finditer(src, start):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m
    return None


def dropped(name: str) -> dict:
    return {"type": "dropped", "attrs": {"message": f"Hugo shortcode `{{{{< {name} >}}}}` dropped"}}


def _figure(positional: list[str], named: dict[str, str]) -> dict | None:
    """Hugo's ``figure``: its image, captioned (Markdown) by ``caption`` (else ``title``, ``alt``)."""
    src = named.get("src") or (positional[0] if positional else "")
    if not src:
        return None
    caption = named.get("caption") or named.get("title") or named.get("alt") or ""
    return {"type": "paragraph", "text": markdown_image(src, caption) + "\n"}


def _embed(url: str):
    def token(positional: list[str], named: dict[str, str]) -> dict | None:
        ident = named.get("id") or (positional[0] if positional else "")
        return {"type": "block_html", "raw": f'<iframe src="{url.format(ident)}"></iframe>\n'} if ident else None
    return token


def _link(label: str, url: str, keys: tuple[str, ...]):
    def token(positional: list[str], named: dict[str, str]) -> dict | None:
        values = [named.get(k) or (positional[i] if i < len(positional) else "") for i, k in enumerate(keys)]
        if not all(values):
            return None
        target = url.format(*values)
        return {"type": "paragraph", "text": f"{label}: <{target}>\n"}
    return token


# Hugo's built-in shortcodes that show something: printed as their image, video or link
EMBEDDED = {
    "figure": _figure,
    "youtube": _embed("https://www.youtube.com/embed/{}"),
    "vimeo": _embed("https://player.vimeo.com/video/{}"),
    "gist": _link("Gist", "https://gist.github.com/{}/{}", ("user", "id")),
    "tweet": _link("Post on X", "https://x.com/{}/status/{}", ("user", "id")),
    "x": _link("Post on X", "https://x.com/{}/status/{}", ("user", "id")),
    "instagram": _link("Instagram post", "https://www.instagram.com/p/{}/", ("id",)),
}


def parse_block(block, m, state):
    name = m.group("scb_name")
    if m.group("scb_close"):
        return None
    if name.lower() in EMBEDDED:
        token = EMBEDDED[name.lower()](*_args(m.group("scb_args")))
        if token is not None:
            state.append_token(token)
            return m.end()
    close = _closing(state.src, name, m.end())
    if close is None:
        state.append_token(dropped(name))
        return m.end()
    body = state.src[m.end():close.start()]
    positional, named = _args(m.group("scb_args"))
    end = state.find_line_end_at(close.end()) if not state.src[close.end():state.find_line_end_at(close.end())].strip() \
        else close.end()
    if name == "highlight":
        lang = positional[0] if positional else ""
        state.append_token({"type": "block_code", "raw": body.strip("\n") + "\n",
                            "attrs": {"info": lang} if lang else {}})
        return end
    children = block_children(block, state, body, m.end())
    word = next((named[k] for k in _KIND_KEYS if k in named), None) or (positional[0] if positional else name)
    if name.lower() in ADMONITION_NAMES and (alert_kind(word) or alert_kind(name)):
        title = named.get("title") or (positional[1] if len(positional) > 1 else None)
        state.append_token(alert_token(word if alert_kind(word) else name, title, children))
        return end
    state.append_token(dropped(name))
    for child in children:
        state.append_token(child)
    return end


def parse_inline(inline, m, state):
    if not m.group("sc_close"):
        state.append_token(dropped(m.group("sc_name")))
    return m.end()


_VALUE_CODES = re.compile(r"\{\{[<%]\s*(ref|relref|param)\s+(" + _ARGS + r")\s*[>%]\}\}")


def _values(md, state) -> None:
    """Shortcodes that stand for a value, replaced before parsing (Hugo expands them first,
    so a link's destination may be one): ``ref``/``relref`` the page's path, ``param`` the
    post's front matter value."""
    post = state.env.get("post")

    def value(m: re.Match) -> str:
        positional, named = _args(m.group(2))
        arg = named.get("path") or (positional[0] if positional else "")
        if m.group(1) == "param":
            found = post.meta.get(arg) if post is not None else None
            return str(found) if isinstance(found, (str, int, float)) else ""
        return f"<{arg}>" if " " in arg else arg
    if "{{" in state.src:
        state.src = _VALUE_CODES.sub(value, state.src)


def shortcodes(md):
    md.before_parse_hooks.append(_values)
    register_block(md, "hugo_shortcode", BLOCK, parse_block, before="list")
    md.inline.register("hugo_shortcode", INLINE, parse_inline, before="link", start_chars="{")
