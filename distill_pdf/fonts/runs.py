"""Text cut into runs of the font that has its glyphs (main font or fallback), and
those runs as LaTeX: ``\\dpfont<Key>`` switches and ``\\dpRTL`` groups."""

from __future__ import annotations

import functools
import unicodedata
from typing import Callable, Iterable

from .catalogue import FALLBACK_BY_KEY, FALLBACK_KEYS, ROLES, RTL_KEYS
from .coverage import covers, shares_glyph


# Emoji-presentation blocks: the emoji font wins there even if a text symbol
# font also has the code point.
_EMOJI_FIRST = (
    (0x1F1E6, 0x1F1FF),  # regional indicators (flags)
    (0x1F300, 0x1F64F),  # misc symbols & pictographs, emoticons
    (0x1F680, 0x1F6FF),  # transport & map
    (0x1F900, 0x1F9FF),  # supplemental symbols & pictographs
    (0x1FA70, 0x1FAFF),  # symbols & pictographs extended-A
)
# CJK blocks: the CJK font wins there over the symbol fonts before it in the
# order (STIX Two Math has U+306E の and U+3012 〒 as symbols; a kana set in it
# would break the CJK run mid-word).
_CJK_FIRST = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x31FF),  # kana, bopomofo, Hangul compatibility jamo, kanbun, strokes
    (0x3200, 0x9FFF),  # enclosed CJK, compatibility, ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFF00, 0xFFEF),  # half- and full-width forms
)
_VS15, _VS16, _ZWJ = "\ufe0e", "\ufe0f", "\u200d"


def _is_ignorable(ch: str) -> bool:
    """Invisible format characters that shaping hides when a font lacks them."""
    cp = ord(ch)
    return (
        cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0000 <= cp <= 0xE0FFF
    )


def _is_extender(ch: str) -> bool:
    """Does ``ch`` belong to the cluster of the character before it?"""
    cp = ord(ch)
    if cp in (0x200C, 0x200D) or 0xFE00 <= cp <= 0xFE0F or 0xE0020 <= cp <= 0xE01EF:
        return True
    if 0x1F3FB <= cp <= 0x1F3FF:  # emoji skin-tone modifiers
        return True
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def _clusters(text: str) -> list[str]:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        if 0x1F1E6 <= ord(text[i]) <= 0x1F1FF and j < n and 0x1F1E6 <= ord(text[j]) <= 0x1F1FF:
            j += 1  # a flag is a pair of regional indicators
        while j < n and _is_extender(text[j]):
            if text[j] == _ZWJ and j + 1 < n and not text[j + 1].isspace():
                j += 2  # ZWJ glues the next character too (emoji sequences)
            else:
                j += 1
        out.append(text[i:j])
        i = j
    return out


def _in(cp: int, ranges) -> bool:
    return any(a <= cp <= b for a, b in ranges)


@functools.lru_cache(maxsize=65536)
def font_of_cluster(cluster: str, role: str) -> tuple[str | None, bool]:
    """(key or None, covered?) for one cluster in ``role``: the first font
    that has every visible character of it."""
    base = cluster[0]
    need = [c for c in cluster if not _is_ignorable(c)]
    if (base in _TEX_SPACES or (base.isspace() and _main_covers(role, base))
            or unicodedata.category(base) == "Cc"):
        # spaces are glue, control characters no glyphs; a mark after one
        # is judged on its own (XeTeX sets other Unicode spaces, U+2028, U+3000 ..., as glyphs)
        return None, len(need) <= 1
    if not need:
        return None, True  # only invisible format characters
    order: list[str] = [role] + list(FALLBACK_KEYS)
    if _VS16 in cluster or _in(ord(base), _EMOJI_FIRST):
        order.remove("Emoji")
        order.insert(0, "Emoji")
    elif _VS15 in cluster:
        order.remove("Emoji")
        order.append("Emoji")
    if _in(ord(base), _CJK_FIRST):
        order.remove("CJK")
        order.insert(1, "CJK")
    for font in order:
        if all(_main_covers(font, c) if font == role else covers(font, c) for c in need):
            return (None if font == role else font), True
    return None, False


_TEX_SPACES = " \t\n\r\f\v"


def _main_covers(role: str, ch: str) -> bool:
    """Serif text is also set in sans (headings, captions, margin notes): both must have ``ch``."""
    return covers(role, ch) and (role != "serif" or covers("sans", ch))


def _pieces(text: str, role: str) -> Iterable[tuple[str | None, str, bool]]:
    """(key, cluster, covered?) for each cluster of ``text``.  A cluster no
    single font has whole (a base with a mark from another script) is split
    into its characters, each placed on its own."""
    for cl in _clusters(text):
        key, ok = font_of_cluster(cl, role)
        if ok or len(cl) == 1:
            yield key, cl, ok
        else:
            for c in cl:
                key, ok = font_of_cluster(c, role)
                yield key, c, ok


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {sorted(ROLES)}, not {role!r}")


def _is_neutral(ch: str, rtl: bool) -> bool:
    cat = unicodedata.category(ch)
    if cat[0] in "ZP" or ch.isspace():
        return True
    return rtl and cat == "Nd"  # numbers inside RTL text stay in it


_RTL_NUMBER_SEPARATORS = frozenset(".,:/\u00a0\u202f\u066b\u066c")


def _trailing_number(s: str) -> int:
    """Length of the ``[spaces]digits[sep digits]...`` prefix of ``s`` (0 if none).

    Per the Unicode bidi algorithm a number right after right-to-left text
    belongs to that text (it is shown to its left)."""
    i = 0
    while i < len(s) and s[i] in " \u00a0":
        i += 1
    j = i
    while j < len(s) and unicodedata.category(s[j]) == "Nd":
        j += 1
        if j + 1 < len(s) and s[j] in _RTL_NUMBER_SEPARATORS and unicodedata.category(s[j + 1]) == "Nd":
            j += 1
    return j if j > i else 0


def _is_all_main(text: str, role: str) -> bool:
    return text.isascii() and all(covers(role, c) or c.isspace() or ord(c) < 0x20 for c in set(text))


def fallback_runs(
    text: str, role: str = "serif", *, drop_invisible: bool = False
) -> list[tuple[str | None, str]]:
    r"""Split ``text`` into maximal ``(key, run)`` pieces.

    ``key`` is ``None`` where the main font of ``role`` ("serif", "sans" or
    "mono") has the glyphs, else the first fallback key (priority order of
    :data:`FALLBACKS`) whose font has them; a ``(key, run)`` run only holds
    characters that font has.

    * Combining marks, variation selectors, ZWJ sequences, skin tones and
      flags stay with their base character; U+FE0F (emoji presentation) and
      the emoji blocks prefer the Emoji font, U+FE0E (text presentation)
      avoids it.
    * Spaces and punctuation between two runs of the same CJK, Hebrew,
      Arabic or Devanagari fallback stay in that run when its font has them
      (``中文 日本語`` and ``שלום עולם`` are one run each); a blank-line
      paragraph break never does.
    * Characters no font covers come back as ``(None, ch)`` (inside a
      ``None`` run) and are listed by :func:`uncovered`.
    * Right-to-left order is not decided here: a Hebrew sentence with a
      comma comes back as ``Hebrew, None(", "), Hebrew`` because Noto's
      Hebrew font has no comma; :func:`wrap_fallbacks` puts such a sequence
      into one ``\dpRTL`` group.

    Joining the runs gives back ``text`` exactly, unless ``drop_invisible``
    is true: then zero-width format characters (ZWJ, ZWNJ, variation
    selectors, word joiner, tags) that the run's font lacks are removed,
    because XeTeX logs them as "Missing character" (:func:`latex_text` does
    this).
    """
    _check_role(role)
    if not text:
        return []
    if _is_all_main(text, role):
        return [(None, text)]
    runs: list[list] = []  # [key, text]
    for key, cl, _ in _pieces(text, role):
        if runs and runs[-1][0] == key:
            runs[-1][1] += cl
        else:
            runs.append([key, cl])

    # Pull neutral runs sitting between two runs of the same fallback into it.
    i = 1
    while i + 1 < len(runs):
        key, mid = runs[i - 1][0], runs[i][1]
        fb = FALLBACK_BY_KEY.get(key) if key else None
        if (
            fb is not None
            and fb.absorb
            and runs[i][0] is None
            and runs[i + 1][0] == key
            and "\n\n" not in mid
            and all(_is_neutral(c, fb.rtl) and (c.isspace() or _absorbable(key, c)) for c in mid)
        ):
            runs[i - 1][1] += mid + runs[i + 1][1]
            del runs[i : i + 2]
        else:
            i += 1
    out = [(k, t) for k, t in runs]

    if drop_invisible:
        cleaned = []
        for k, t in out:
            font = role if k is None else k
            t = "".join(c for c in t if not (_is_ignorable(c) and not covers(font, c)))
            if t:
                cleaned.append((k, t))
        out = cleaned
    return out


def _absorbable(key: str, ch: str) -> bool:
    """Can punctuation between two runs of fallback ``key`` join them?  Not when that
    font shares its glyph with other characters (Noto Sans CJK draws ``-`` with its
    U+2011 glyph: a copied hyphen would come back as U+2011)."""
    return covers(key, ch) and not shares_glyph(key, ch)


def uncovered(text: str, role: str = "serif") -> set[str]:
    """Characters of ``text`` that neither the ``role`` font nor any fallback has.

    Invisible format characters (ZWJ, variation selectors, ...) are never
    reported."""
    _check_role(role)
    if _is_all_main(text, role):
        return set()
    missing: set[str] = set()
    for _, cl, ok in _pieces(text, role):
        if not ok:
            missing.update(c for c in cl if not _is_ignorable(c))
    return missing


def wrap_fallbacks(
    runs: Iterable[tuple[str | None, str]],
    escape: Callable[[str], str] | None = None,
) -> str:
    r"""Turn the ``(key, text)`` runs of :func:`fallback_runs` into LaTeX.

    ``(None, s)`` -> ``s`` and ``(key, s)`` -> ``{\dpfont<key>{}s}`` (the
    ``{}`` ends the control word, so ``s`` may start with a space and the
    result survives later space mangling such as ``" " -> "\ "``).

    Right-to-left text (:data:`RTL_KEYS`: Hebrew, Arabic) becomes one
    ``\dpRTL{...}`` group per RTL span: runs of the same RTL key with only
    neutral ``None`` runs between them (spaces, punctuation, digits -- which
    Noto's Hebrew font lacks), plus a number that directly follows the span
    (Unicode bidi puts it on the span's left), e.g.
    ``\dpRTL{{\dpfontHebrew{}שלום}, {\dpfontHebrew{}עולם} 3}``; the neutral
    pieces stay in the surrounding font.

    ``escape`` (your plain-text LaTeX escaper) is applied to every piece.
    With ``escape=None`` the runs must already be escaped; grouping still
    works because escapes such as ``\%`` or ``\{`` are punctuation too.
    """
    esc = escape or (lambda x: x)
    items = [[k, t] for k, t in runs]
    parts: list[str] = []
    i = 0
    while i < len(items):
        key, s = items[i]
        if key is None:
            parts.append(esc(s))
            i += 1
            continue
        if key not in FALLBACK_BY_KEY:
            raise ValueError(f"unknown fallback key {key!r}")
        if key not in RTL_KEYS:
            parts.append(f"{{\\dpfont{key}{{}}{esc(s)}}}")
            i += 1
            continue
        inner = [f"{{\\dpfont{key}{{}}{esc(s)}}}"]
        j = i + 1
        while (
            j + 1 < len(items)
            and items[j][0] is None
            and items[j + 1][0] == key
            and "\n\n" not in items[j][1]
            and all(_is_neutral(c, True) for c in items[j][1])
        ):
            inner += [esc(items[j][1]), f"{{\\dpfont{key}{{}}{esc(items[j + 1][1])}}}"]
            j += 2
        if j < len(items) and items[j][0] is None:
            n = _trailing_number(items[j][1])
            if n:
                inner.append(esc(items[j][1][:n]))
                items[j][1] = items[j][1][n:]
                if not items[j][1]:
                    j += 1
        parts.append(f"\\dpRTL{{{''.join(inner)}}}")
        i = j
    return "".join(parts)


def latex_text(text: str, escape: Callable[[str], str], role: str = "serif") -> str:
    """LaTeX for ``text`` in ``role``: escaped, with fallback fonts and RTL.

    ``wrap_fallbacks(fallback_runs(text, role, drop_invisible=True), escape)``; a character
    that no font has prints as its code, ``[U+0D06]``, rather than as nothing.
    """
    missing = uncovered(text, role)
    if missing:
        inner = escape

        def escape(piece: str) -> str:
            return "".join(rf"\texttt{{[U+{ord(c):04X}]}}" if c in missing else inner(c)
                           for c in _split_missing(piece, missing))
    return wrap_fallbacks(fallback_runs(text, role, drop_invisible=True), escape)


def _split_missing(text: str, missing: set[str]) -> list[str]:
    """``text`` cut into the missing characters and the stretches between them."""
    out, start = [], 0
    for i, c in enumerate(text):
        if c in missing:
            if i > start:
                out.append(text[start:i])
            out.append(c)
            start = i + 1
    if start < len(text):
        out.append(text[start:])
    return out

