"""Conformance: every CommonMark 0.31 example and every GFM extension example, parsed by our
parser (``parse_post``: mistune 3 with our plugins, the token tree the LaTeX writer gets),
rendered to HTML by mistune's HTMLRenderer and compared with the spec's HTML as a tree:
elements, text (HTML's whitespace collapsing applied), link and image targets, alt text,
titles, list starts, checkboxes and cell alignment. Not compared: whitespace a browser
does not show, attribute spelling (`align="center"` / `style="text-align:center"`), classes.

Each spec test asserts that the failing examples are exactly the listed exceptions, so
a new regression and a new pass both show.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import mistune
import pytest
from mistune.plugins.formatting import render_strikethrough
from mistune.plugins.table import (
    render_table,
    render_table_body,
    render_table_cell,
    render_table_head,
    render_table_row,
)
from mistune.plugins.task_lists import render_task_list_item

from distill_pdf.load import Post
from distill_pdf.parse import parse_post

from .conftest import SHARED

CM_SPEC = SHARED / "commonmark__commonmark-spec" / "spec.json"
GFM_SPEC = SHARED / "github__cmark-gfm" / "test" / "spec.json"

_AUTOLINK_EXTENSION = ("GFM extended autolink (bare URL / e-mail linked), on by design as on GitHub and in "
                       "remark-gfm; the GFM extension examples require it; the text is the same")
CM_EXCEPTIONS = {
    604: _AUTOLINK_EXTENSION,   # `<https://foo.bar/baz bim>`
    610: _AUTOLINK_EXTENSION,   # `< https://foo.bar >`
    613: _AUTOLINK_EXTENSION,   # `https://example.com`
    614: _AUTOLINK_EXTENSION,   # `foo@bar.example.com`
}
GFM_EXCEPTIONS = {
    653: ("tagfilter (`<title>`, `<style>`, `<xmp>`... escaped) is GitHub's sanitiser of its own pages; "
          "remark-gfm and the blogs we print keep raw HTML, and our writer translates raw HTML "
          "to LaTeX rather than passing it on"),
}


# --------------------------------------------------------------------------- our parse as HTML


class SpecHTML(mistune.HTMLRenderer):
    """mistune's HTML renderer for our token tree: raw HTML and every URL passed through, as
    the spec's reference renderer does; our own tokens (math, alerts) in a visible form."""

    def __init__(self) -> None:
        super().__init__(escape=False, allow_harmful_protocols=True)
        for name, method in (("table", render_table), ("table_head", render_table_head),
                             ("table_body", render_table_body), ("table_row", render_table_row),
                             ("table_cell", render_table_cell), ("strikethrough", render_strikethrough),
                             ("task_list_item", render_task_list_item)):
            self.register(name, method)

    def block_html(self, html: str) -> str:
        return html  # verbatim, like the spec's renderer (mistune adds a newline)

    def inline_math(self, text: str) -> str:
        return "$" + text + "$"

    def block_math(self, text: str) -> str:
        return "<p>$$" + text + "$$</p>\n"

    def alert(self, text: str, kind: str, title: str = "") -> str:
        return f'<blockquote class="{kind}">{title}\n{text}</blockquote>\n'


def our_html(markdown: str) -> str:
    document = parse_post(Post(path=Path("example.md"), body=markdown, body_line=1, meta={}, title=""))
    state = mistune.BlockState()
    state.env = document.env
    return SpecHTML()(document.tokens, state)


# --------------------------------------------------------------------------- HTML as a tree

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BLOCK = {"#root", "#comment", "address", "article", "aside", "blockquote", "body", "dd", "details", "div",
         "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
         "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
         "tfoot", "th", "thead", "tr", "ul"}
KEPT = ("href", "src", "alt", "title", "start", "checked", "type", "align")
_SPACE = "[ \t\n\r\f]+"


class _Tree(HTMLParser):
    """Elements, text and comments as nested lists; an end tag closes its open element
    (and what is open inside it), a stray end tag is ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list = ["#root", (), []]
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        style = re.search(r"text-align:\s*(\w+)", values.get("style", ""))
        if style:
            values["align"] = style.group(1)
        kept = tuple((name, "" if name == "checked" else unquote(values[name]) if name in ("href", "src")
                      else values[name]) for name in KEPT if name in values)
        node = [tag, kept, []]
        self.stack[-1][2].append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1][2].append(data)

    def handle_comment(self, data):
        self.stack[-1][2].append(["#comment", (), [data]])


def _flatten(node, out: list, literal: bool = False) -> list:
    for child in node[2]:
        if isinstance(child, str):
            if literal:
                out.append(("text", child))
                continue
            for part in re.split(f"({_SPACE})", child):
                if part:
                    out.append(("space",) if re.fullmatch(_SPACE, part) else ("text", part))
        else:
            tag, attrs, _ = child
            out.append(("open", tag, attrs))
            _flatten(child, out, literal or tag in ("pre", "code", "#comment"))
            if tag not in VOID:
                out.append(("close", tag))
    return out


def _is_tag(item, tags) -> bool:
    return item[0] in ("open", "close") and item[1] in tags


def html_tree(html: str) -> list:
    """The document as open/close/text items after HTML's whitespace collapsing: one space
    between words, none at block edges or around `<br>`, a space at an inline element's edge
    moved outside it (`a<em> b</em>` prints as `a <em>b</em>`); a code block's final newlines
    dropped. Text inside `<pre>` and `<code>` is kept exactly."""
    parser = _Tree()
    parser.feed(html)
    parser.close()
    items = _flatten(parser.root, [])
    moved = True
    while moved:
        moved = False
        for i in range(len(items) - 1):
            a, b = items[i], items[i + 1]
            if (a[0] == "open" and a[1] not in BLOCK and b == ("space",)) or \
                    (a == ("space",) and b[0] == "close" and b[1] not in BLOCK):
                items[i], items[i + 1] = b, a
                moved = True
    out: list = []
    for item in items:
        if item == ("space",):
            if not out or out[-1] == ("space",) or _is_tag(out[-1], BLOCK | {"br", "input"}):
                continue
        elif _is_tag(item, BLOCK | {"br"}) and out and out[-1] == ("space",):
            out.pop()
        if item[0] == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + item[1])
            continue
        out.append(item)
    if out and out[-1] == ("space",):
        out.pop()
    for i in range(len(out) - 2):
        if out[i][0] == "text" and out[i + 1] == ("close", "code") and out[i + 2] == ("close", "pre"):
            out[i] = ("text", out[i][1].rstrip("\n"))
    return [item for item in out if item != ("text", "")]


# --------------------------------------------------------------------------- the specs


def load_spec(path: Path, extensions_only: bool = False) -> list[dict]:
    examples = json.loads(path.read_text(encoding="utf-8"))
    return [x for x in examples if x.get("extensions")] if extensions_only else examples


def failures(examples: list[dict]) -> dict[int, str]:
    """Example number -> what differs, for every example whose tree is not the spec's."""
    out = {}
    for example in examples:
        try:
            got = our_html(example["markdown"])
        except Exception as exc:  # noqa: BLE001 - a crash is a failure of that example
            got = f"<p>crashed: {type(exc).__name__}: {exc}</p>"
        if html_tree(got) != html_tree(example["html"]):
            out[example["example"]] = (f"{example['section']}: {example['markdown']!r}\n"
                                       f"   spec: {example['html']!r}\n   ours: {got!r}")
    return out


def _check(examples: list[dict], exceptions: dict[int, str]) -> None:
    failed = failures(examples)
    regressions = {n: why for n, why in failed.items() if n not in exceptions}
    passing_now = sorted(set(exceptions) - set(failed))
    assert not regressions, "examples that differ from the spec:\n" + "\n".join(
        f"#{n} {why}" for n, why in sorted(regressions.items()))
    assert not passing_now, f"examples listed as exceptions now pass, remove them: {passing_now}"
    print(f"{len(examples) - len(failed)}/{len(examples)} pass, {len(failed)} listed exceptions")


@pytest.mark.skipif(not CM_SPEC.exists(), reason="CommonMark spec not in the shared corpus")
def test_commonmark_spec():
    examples = load_spec(CM_SPEC)
    assert len(examples) == 655
    _check(examples, CM_EXCEPTIONS)


@pytest.mark.skipif(not GFM_SPEC.exists(), reason="GFM spec not in the shared corpus")
def test_gfm_extension_examples():
    examples = load_spec(GFM_SPEC, extensions_only=True)
    assert {x["section"] for x in examples} >= {"Tables (extension)", "Strikethrough (extension)",
                                                "Autolinks (extension)", "Task list items (extension)"}
    _check(examples, GFM_EXCEPTIONS)


# --------------------------------------------------------------------------- the comparison itself


@pytest.mark.parametrize("a, b", [
    ("<p>a\n  <em>b</em></p>\n", "<p>a <em>b</em></p>"),                 # whitespace between words
    ("<p>a<em> b</em></p>", "<p>a <em>b</em></p>"),                       # space at an inline edge
    ("<ul>\n<li>\nfoo\n</li>\n</ul>", "<ul><li>foo</li></ul>"),           # whitespace at block edges
    ('<th align="center">x</th>', '<th style="text-align:center">x</th>'),  # attribute spelling
    ('<a href="/f%C3%B6%C3%B6">x</a>', '<a href="/föö">x</a>'),           # URL escaping
    ("<pre><code>x\n</code></pre>", "<pre><code>x</code></pre>"),         # a code block's last newline
    ('<li class="task-list-item"><input type="checkbox" disabled/>x</li>',
     '<li><input disabled="" type="checkbox"> x</li>'),
])
def test_the_comparison_ignores_what_a_reader_does_not_see(a, b):
    assert html_tree(a) == html_tree(b)


@pytest.mark.parametrize("a, b", [
    ("<p>a b</p>", "<p>a</p>"),                                           # lost text
    ("<p>ab</p>", "<p>a b</p>"),                                          # words joined
    ("<ul><li>a<ul><li>b</li></ul></li></ul>", "<ul><li>a</li><li>b</li></ul>"),  # wrong nesting
    ("<p><em>a</em></p>", "<p>*a*</p>"),                                  # markup printed as text
    ('<a href="/a">x</a>', '<a href="/b">x</a>'),                          # link target
    ('<img src="a.png" alt="x"/>', '<img src="a.png" alt="y"/>'),         # alt text
    ('<ol start="3"><li>a</li></ol>', "<ol><li>a</li></ol>"),             # list numbering
    ("<pre><code>a  b</code></pre>", "<pre><code>a b</code></pre>"),      # spaces in code
    ("<p><code> a </code></p>", "<p><code>a</code></p>"),
    ('<input type="checkbox" checked/>', '<input type="checkbox"/>'),
    ('<td align="right">x</td>', "<td>x</td>"),
])
def test_the_comparison_sees_what_a_reader_sees(a, b):
    assert html_tree(a) != html_tree(b)
