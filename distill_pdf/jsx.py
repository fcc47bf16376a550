"""JSX tags and JavaScript in MDX source: where a tag, bracket, string or statement ends,
and what a tag holds, read without running anything."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_NAME = re.compile(r"[A-Za-z_$][\w$.:-]*")
_ATTR_NAME = re.compile(r"[^\s=/>{}\"'<]+")


@dataclass
class Tag:
    """One JSX/HTML tag as written: where it stands, its name, its attributes."""

    start: int
    end: int                       # index after the closing `>`
    name: str                      # "" for fragments
    closing: bool = False
    self_closing: bool = False
    attrs: dict[str, object] = field(default_factory=dict)  # str value, True, or Expr
    has_expressions: bool = False

    @property
    def component(self) -> bool:
        return not self.name or self.name[0].isupper() or "." in self.name


@dataclass
class Expr:
    """An attribute written as {expression}."""

    code: str


def parse_tag(s: str, i: int) -> Tag | None:
    """A JSX/HTML tag starting at s[i] == '<', or None when it is not one."""
    j = i + 1
    closing = s.startswith("/", j)
    if closing:
        j += 1
    m = _NAME.match(s, j)
    name = m.group(0) if m else ""
    if not name and not s.startswith(">", j):
        return None
    j = m.end() if m else j
    tag = Tag(i, -1, name, closing)
    while j < len(s):
        ws = re.compile(r"\s*").match(s, j)
        j = ws.end()
        if s.startswith("/>", j):
            tag.self_closing, tag.end = True, j + 2
            return tag if name else None
        if s.startswith(">", j):
            tag.end = j + 1
            return tag
        if closing:
            return None
        if s.startswith("{", j):  # {...spread}
            end = js_group_end(s, j)
            if end < 0:
                return None
            tag.has_expressions, j = True, end
            continue
        am = _ATTR_NAME.match(s, j)
        if not am or not name:
            return None
        key, j = am.group(0), am.end()
        eq = re.compile(r"\s*=\s*").match(s, j)
        if not eq:
            tag.attrs[key] = True
            continue
        j = eq.end()
        if j < len(s) and s[j] in "\"'":
            close = s.find(s[j], j + 1)
            if close < 0:
                return None
            tag.attrs[key], j = s[j + 1:close], close + 1
        elif s.startswith("{", j):
            end = js_group_end(s, j)
            if end < 0:
                return None
            code = s[j + 1:end - 1]
            literal = js_string_literal(code.strip())
            tag.attrs[key] = literal if literal is not None else Expr(code)
            tag.has_expressions = tag.has_expressions or literal is None
            j = end
        else:
            vm = re.compile(r"[^\s>\"'=<`]+").match(s, j)
            if not vm:
                return None
            tag.attrs[key], j = vm.group(0), vm.end()
    return None


def js_group_end(s: str, i: int) -> int:
    """Index after the bracket closing the one at s[i], skipping strings and comments; -1 if none."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    stack = [pairs[s[i]]]
    j = i + 1
    while j < len(s):
        skipped = _past_string_or_comment(s, j)
        if skipped is not None:
            if skipped < 0:
                return -1
            j = skipped
            continue
        ch = s[j]
        if ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]}":
            if ch != stack[-1]:
                return -1
            stack.pop()
            if not stack:
                return j + 1
        j += 1
    return -1


def _past_string_or_comment(s: str, j: int) -> int | None:
    """Index after the string, template or comment starting at s[j] (-1 if it never ends),
    None if none starts there: brackets inside those do not count."""
    ch = s[j]
    if ch in "\"'":
        return _string_end(s, j, ch)
    if ch == "`":
        return _template_end(s, j)
    if s.startswith("//", j):
        nl = s.find("\n", j)
        return len(s) if nl < 0 else nl
    if s.startswith("/*", j):
        close = s.find("*/", j + 2)
        return -1 if close < 0 else close + 2
    return None


def _string_end(s: str, j: int, quote: str) -> int:
    k = j + 1
    while k < len(s):
        if s[k] == "\\":
            k += 2
            continue
        if s[k] == quote:
            return k + 1
        if s[k] == "\n":
            return -1
        k += 1
    return -1


def _template_end(s: str, j: int) -> int:
    k = j + 1
    while k < len(s):
        if s[k] == "\\":
            k += 2
            continue
        if s[k] == "`":
            return k + 1
        if s.startswith("${", k):
            end = js_group_end(s, k + 1)
            if end < 0:
                return -1
            k = end
            continue
        k += 1
    return -1


def js_balanced(code: str) -> bool:
    """Whether every bracket opened in this JavaScript is closed (strings and comments aside)."""
    depth, j = 0, 0
    while j < len(code):
        skipped = _past_string_or_comment(code, j)
        if skipped is not None:
            if skipped < 0:
                return False
            j = skipped
            continue
        ch = code[j]
        depth += ch in "{[("
        depth -= ch in "}])"
        j += 1
    return depth <= 0


def js_statement_done(code: str) -> bool:
    """Could the statement end here: its last line ends a value, not an operator."""
    last = code.rstrip().split("\n")[-1].rstrip()
    return last.endswith((";", "'", '"', "`", "}", ")", "]")) or bool(re.search(r"\w$", last)) \
        and not re.search(r"(=|=>|\+|-|\*|/|,|\|\||&&|\?|:)$", last)


def js_statement_continues(s: str, j: int) -> bool:
    """The next line goes on with the same statement (`.then()`, `+ x`, ...)."""
    stop = s.find("\n", j)
    nxt = s[j: len(s) if stop < 0 else stop].strip()
    return bool(nxt) and nxt[0] in ".+-*/?:=&|,)]}" and not nxt.startswith(("---", "***", "- ", "* ", "+ "))


def js_string_literal(code: str) -> str | None:
    """The text of a string literal (or a template without ``${}``): printable as it is."""
    m = re.fullmatch(r"""(["'])((?:\\.|(?!\1).)*)\1|`([^`$\\]*)`""", code, re.S)
    if not m:
        return None
    text = m.group(2) if m.group(2) is not None else m.group(3)
    return re.sub(r"\\(.)", r"\1", text)
