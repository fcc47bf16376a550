"""Code is never preprocessed: Liquid, kramdown and HTML passes see it masked.

The text passes that run before parsing (Liquid outputs and tags, kramdown's
comments and attribute lists, ``<d-footnote>`` and HTML rewrites) work on the
whole post with regular expressions; inside code their syntax is just text.
:func:`mask` finds the code of a Markdown text, as CommonMark delimits it,

* fenced blocks (also inside block quotes and list items; unclosed: to the end),
* indented blocks (after a blank line, not continuing a list item or raw HTML),
* code spans (a backtick run closed by one of the same length in the same paragraph),
* ``<pre>..</pre>`` and, for Jekyll, ``{% highlight %}..{% endhighlight %}`` bodies,

and swaps the characters those passes look for (``{ } < > $ % [ ] \\ &``) for
private-use stand-ins of the same length, so lines and offsets stay where they
were; :meth:`Masked.restore` swaps them back once the passes are done. Jekyll
runs Liquid inside code too, which is why posts wrap ``{{ }}`` in code in
``{% raw %}``: with ``liquid=True`` those two tags are dropped from code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_SPECIAL = "{}<>$%[]\\&"
_STAND_INS = "".join(chr(0xE040 + i) for i in range(len(_SPECIAL)))
_HIDE = str.maketrans(_SPECIAL, _STAND_INS)
_SHOW = str.maketrans(_STAND_INS, _SPECIAL)

_FENCE_OPEN = re.compile(r"^(?P<prefix>(?:[ \t]*>)*[ \t]*)(?P<fence>`{3,}(?=[^`\n]*$)|~{3,})")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_RAW_TAGS = re.compile(r"\{%-?\s*(?:raw|endraw)\s*-?%\}")
_PRE = re.compile(r"(<pre\b[^>]*>)(.*?)(</pre\s*>)", re.S | re.I)
_HIGHLIGHT = re.compile(r"(\{%-?\s*highlight\b[^%]*%\})(.*?)(\{%-?\s*endhighlight\s*-?%\})", re.S)
_BACKTICKS = re.compile(r"(?<![`\\])`+")
_INCLUDE = re.compile(r"\{%-?\s*include\s[^%]*%\}")


@dataclass
class Masked:
    text: str
    active: bool = True

    def restore(self, text: str) -> str:
        """Put the code's characters back (in any text the passes made from :attr:`text`)."""
        return text.translate(_SHOW) if self.active else text


def mask(text: str, liquid: bool = False) -> Masked:
    """The text with its code masked (see the module doc). Text that already holds one of
    the stand-ins (never in practice) is left as it is."""
    if any(ch in text for ch in _STAND_INS):
        return Masked(text, active=False)
    if liquid:
        text = _drop_raw_tags(text)
    spans = code_ranges(text, liquid)
    if liquid:  # `{% include file %}` in a fence is how Jekyll posts show a file's code
        spans = _without(spans, [m.span() for m in _INCLUDE.finditer(text)])
    if not spans:
        return Masked(text)
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(text[start:end].translate(_HIDE))
        last = end
    out.append(text[last:])
    return Masked("".join(out))


def hide(text: str) -> str:
    """Code made by a pass (a file a Liquid include pastes in), masked like the rest."""
    return text.translate(_HIDE)


def code_ranges(text: str, liquid: bool = False) -> list[tuple[int, int]]:
    """Sorted, disjoint (start, end) offsets of the code in ``text``."""
    blocks = _block_ranges(text, liquid)
    spans = list(blocks)
    for start, end in _gaps(blocks, len(text)):
        spans += _code_spans(text, start, end)
    return _merged(spans)


def _drop_raw_tags(text: str) -> str:
    regions = _block_ranges(text, True)
    regions = _merged(regions + [r for a, b in _gaps(regions, len(text)) for r in _code_spans(text, a, b)])
    for start, end in reversed(regions):
        inner = text[start:end]
        if _RAW_TAGS.search(inner):
            text = text[:start] + _RAW_TAGS.sub("", inner) + text[end:]
    return text


def _block_ranges(text: str, liquid: bool) -> list[tuple[int, int]]:
    """Fenced and indented code, ``<pre>`` and ``{% highlight %}`` bodies."""
    spans: list[tuple[int, int]] = []
    lines = text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i, blank_before, in_list, in_html = 0, True, False, False
    while i < len(lines):
        line = lines[i]
        m = _FENCE_OPEN.match(line)
        if m:
            depth = m.group("prefix").count(">")
            fence = m.group("fence")
            j = i + 1
            while j < len(lines):
                rest = _after_quotes(lines[j], depth)
                if rest is None:
                    break
                close = rest.lstrip(" \t")
                if close.startswith(fence[0] * len(fence)) and not close.lstrip(fence[0]).strip():
                    break
                start = offsets[j] + len(lines[j]) - len(rest)
                spans.append((start, offsets[j] + len(lines[j])))
                j += 1
            i, blank_before = j + 1, False
            continue
        if not line.strip():
            blank_before = True
            i += 1
            continue
        indented = line.startswith(("    ", "\t")) or line.startswith(" \t")
        if indented and blank_before and not in_list and not in_html \
                and not line.lstrip().startswith(("<", "{%", "{{")):
            j = i
            while j < len(lines) and (not lines[j].strip() or lines[j].startswith(("    ", "\t"))):
                j += 1
            while j > i and not lines[j - 1].strip():
                j -= 1
            spans.append((offsets[i], offsets[j - 1] + len(lines[j - 1])))
            i, blank_before = j, False
            continue
        if not indented:
            in_list = bool(_LIST_ITEM.match(line))
            in_html = line.lstrip().startswith("<") or (in_html and not blank_before)
        blank_before = False
        i += 1
    for pattern in (_PRE, _HIGHLIGHT) if liquid else (_PRE,):
        for m in pattern.finditer(text):
            if not any(a <= m.start() < b for a, b in spans):
                spans.append((m.start(2), m.end(2)))
    return _merged(spans)


def _after_quotes(line: str, depth: int) -> str | None:
    """The line without its ``depth`` block-quote markers; None when it has fewer (the quote ended)."""
    rest = line
    for _ in range(depth):
        stripped = rest.lstrip(" \t")
        if not stripped.startswith(">"):
            return None
        rest = stripped[1:]
        if rest.startswith(" "):
            rest = rest[1:]
    return rest


def _code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Code span contents between ``start`` and ``end``, paragraph by paragraph."""
    spans = []
    for para in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", text[start:end]):
        chunk, base = para.group(0), start + para.start()
        pos = 0
        while True:
            m = _BACKTICKS.search(chunk, pos)
            if m is None:
                break
            close = re.compile(r"(?<!`)" + m.group(0) + r"(?!`)").search(chunk, m.end())
            if close is None:
                pos = m.end()
                continue
            spans.append((base + m.end(), base + close.start()))
            pos = close.end()
    return spans


def _without(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    for lo, hi in holes:
        spans = [piece for start, end in spans
                 for piece in ((start, min(end, lo)), (max(start, hi), end)) if piece[0] < piece[1]]
    return spans


def _gaps(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    gaps, last = [], 0
    for start, end in spans:
        if start > last:
            gaps.append((last, start))
        last = max(last, end)
    if last < length:
        gaps.append((last, length))
    return gaps


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
