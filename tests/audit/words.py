"""Words as both sides of the audit count them: the post's prose and the PDF's text.

One tokenizer for both, so the comparison is fair: case-folded, NFC, the typographic apostrophe
equal to the ASCII one (the blog itself curls quotes). Nothing else is folded: a hyphen that
extracts as U+2011, a ligature that extracts as U+FB01 or CJK text with a space between every
character are defects of the PDF's text, and a word spelt so does not match its source.
Math letters (the Mathematical Alphanumeric Symbols and the letterlike ones unicode-math uses
in their holes, as in "𝑖") are no word: the source side drops math, so "$i$-th" counts "th",
and the PDF's "𝑖-th" must too.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

# Letters and digits, joined inside a word by apostrophes and hyphens (any of the hyphen
# characters: the PDF side must keep U+2010/U+2011 distinct from "-" to detect them).
_WORD = re.compile(r"[^\W_]+(?:['’\-\u2010\u2011][^\W_]+)*")
_CJK = ("\u2e80-\u2fff\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3040-\u30ff\u3100-\u312f\u3130-\u318f"
        "\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
        "\U00020000-\U0003134f")
CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_SPLIT = re.compile(f"([{_CJK}]+)")
_MATH_LETTER = re.compile("[\U0001d400-\U0001d7ff\u210e\u212c\u2130\u2131\u210b\u2110\u2112\u2133"
                          "\u211b\u212d\u210c\u2111\u211c\u2128\u2102\u2115\u2119\u211a\u211d\u2124"
                          "\u212f\u210a\u2134]")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("’", "'").casefold()


def tokens(text: str) -> list[str]:
    """The words of ``text`` in order. A CJK run (no spaces, as CJK is written) is one word, and
    a CJK run beside Latin letters is a word of its own."""
    out = []
    for match in _WORD.finditer(_MATH_LETTER.sub(" ", normalize(text))):
        word = match.group()
        if CJK_CHAR.search(word):
            out.extend(part for part in _CJK_SPLIT.split(word) if part and part not in "-'\u2010\u2011")
        else:
            out.append(word)
    return out


_DIGITS_AFTER = re.compile(r"^(\D+?)\d+$")


def pdf_counts(words: list[str]) -> Counter:
    """The PDF's words; a word with a footnote or citation number glued to it ("momentum1")
    also counts as the word itself, and a possessive ("ratio's") as its stem and "s": the
    source side reads `` `ratio`'s `` as the code word and the prose "s"."""
    counts = Counter(words)
    for word in words:
        glued = _DIGITS_AFTER.match(word)
        if glued and glued.group(1)[-1].isalpha():
            counts[glued.group(1)] += 1
        if word.endswith("'s"):
            counts.update((word[:-2], "s"))
    return counts


def compare(source: list[str], pdf: Counter) -> tuple[int, int, list[str]]:
    """(words found, words in the source, missing words in source order, each once)."""
    wanted = Counter(source)
    found = sum(min(n, pdf.get(word, 0)) for word, n in wanted.items())
    short = {word for word, n in wanted.items() if pdf.get(word, 0) < n}
    missing = list(dict.fromkeys(word for word in source if word in short))
    return found, len(source), missing
