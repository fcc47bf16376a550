"""Fonts shipped in the repository's ``fonts/`` folder, and Unicode fallback.

Every font is loaded by *file name* from :data:`FONT_DIR` (fontspec ``Path=``),
never by system name, so a PDF looks the same on every machine.

Roles (see ``fonts/README.md`` for versions, sources and licences):

========  =======================================================
serif     Distill PDF Serif = Source Serif 4, one glyph per character
          (main text: regular/italic/bold/bold italic)
sans      Distill PDF Sans = Source Sans 3, likewise (titles, byline, captions)
mono      JetBrains Mono (code; ligatures off)
math      STIX Two Math (unicode-math; ``\\mathcal`` = chancery,
          ``\\mathscr`` = roundhand via stylistic set 1)
========  =======================================================

Fallback fonts, in priority order (each is a ``\\dpfont<Key>`` switch):

==========  ============================  ==================================
Key         Font                          For
==========  ============================  ==================================
Hebrew      Noto Serif Hebrew  (RTL)      Hebrew
Arabic      Noto Naskh Arabic  (RTL)      Arabic, Persian, Urdu
Devanagari  Noto Serif Devanagari         Hindi, Marathi, Sanskrit, Nepali
Extended    Noto Serif                    IPA, rare Latin/Greek/Cyrillic
Box         JetBrains Mono (U+2500-259F)  box drawing, block elements
Math        STIX Two Math (as text)       operators, arrows, ℕ ℝ, ★ ♥ ⚠ ⌘ ☐
Symbols     Noto Sans Symbols 2           dingbats ✗ ✔ ✘ ➜, other symbols
CJK         Noto Sans CJK SC (.ttc #2)    Chinese, Japanese, Korean
Emoji       Noto Emoji (monochrome)       emoji (XeTeX cannot do colour)
==========  ============================  ==================================

Typical use by a renderer::

    from distill_pdf import fonts
    tex_preamble += fonts.preamble()
    body = fonts.latex_text(text, escape, role="serif")   # escape: str -> LaTeX
    # which is:
    body = fonts.wrap_fallbacks(fonts.fallback_runs(text, "serif", drop_invisible=True),
                                escape)

Use :func:`wrap_fallbacks` rather than wrapping runs one by one: it puts a
right-to-left span (Hebrew words, the commas and digits between them) into
one ``\\dpRTL`` group, which keeps the word order right.

:func:`preamble` loads amsmath, fontspec and unicode-math (amsmath must come
before unicode-math; a template that wants amsmath options should load it
before the preamble).  With hyperref, the font switches and ``\\dpRTL`` drop
out of PDF bookmarks by themselves.

Coverage comes from the fonts' real cmaps, cached in ``fonts/coverage.json``
(regenerate with ``python -m distill_pdf.fonts --rebuild-coverage`` after
changing a font).  Importing this module reads nothing; the JSON is loaded on
first use.
"""

from __future__ import annotations

import bisect
import functools
import json
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .resources import FONTS_DIR

__all__ = [
    "FONT_DIR",
    "COVERAGE_FILE",
    "ROLES",
    "FALLBACKS",
    "FALLBACK_KEYS",
    "RTL_KEYS",
    "preamble",
    "fallback_runs",
    "uncovered",
    "wrap_fallbacks",
    "latex_text",
    "covers",
    "font_files",
    "rebuild_coverage",
]

FONT_DIR: Path = FONTS_DIR
COVERAGE_FILE: Path = FONT_DIR / "coverage.json"
COVERAGE_VERSION = 2


# --------------------------------------------------------------------------
# Font table
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    """A main font family: four style files in ``FONT_DIR/<folder>/``."""

    name: str
    folder: str
    regular: str
    italic: str
    bold: str
    bold_italic: str
    # Script=Default: without it fontspec forces script=latn, and HarfBuzz
    # then applies Latin lookups to Greek/Cyrillic (Source Sans 3 turns
    # α β Γ into the Latin letters ɑ ꞵ Ɣ).  Latin output is unchanged.
    options: str = "Script=Default"

    @property
    def files(self) -> tuple[str, ...]:
        return (self.regular, self.italic, self.bold, self.bold_italic)


@dataclass(frozen=True)
class Fallback:
    """A fallback font, selected with ``{\\dpfont<key> ...}``."""

    key: str
    folder: str
    regular: str
    bold: str | None = None
    index: int | None = None  # FontIndex inside a .ttc
    options: str = ""
    rtl: bool = False
    only: tuple[tuple[int, int], ...] | None = None  # restrict to these ranges
    absorb: bool = False  # pull spaces/punctuation between two runs into one
    upright_italic: bool = False  # italic text uses the upright face (no slant)
    family_name: str = ""  # for humans only

    @property
    def files(self) -> tuple[str, ...]:
        return (self.regular,) + ((self.bold,) if self.bold else ())


ROLES: dict[str, Role] = {
    "serif": Role(
        "serif", "DistillPDFSerif",
        "DistillPDFSerif-Regular.otf", "DistillPDFSerif-It.otf",
        "DistillPDFSerif-Bold.otf", "DistillPDFSerif-BoldIt.otf",
    ),
    "sans": Role(
        "sans", "DistillPDFSans",
        "DistillPDFSans-Regular.otf", "DistillPDFSans-It.otf",
        "DistillPDFSans-Bold.otf", "DistillPDFSans-BoldIt.otf",
    ),
    # JetBrains Mono: all four styles cover Greek, Cyrillic and box drawing
    # (Source Code Pro's italics have no Greek/Cyrillic).  calt is off: its
    # programming ligatures (-> != ===) would misquote code.
    "mono": Role(
        "mono", "JetBrainsMono",
        "JetBrainsMono-Regular.ttf", "JetBrainsMono-Italic.ttf",
        "JetBrainsMono-Bold.ttf", "JetBrainsMono-BoldItalic.ttf",
        options="Script=Default, Scale=MatchLowercase, RawFeature=-calt",
    ),
}

MATH_FOLDER = "STIXTwoMath"
MATH_FILE = "STIXTwoMath-Regular.otf"

_FAKE = "Script=Default, AutoFakeBold=2, AutoFakeSlant=0.2"

FALLBACKS: tuple[Fallback, ...] = (
    Fallback("Hebrew", "NotoSerifHebrew", "NotoSerifHebrew-Regular.ttf",
             "NotoSerifHebrew-Bold.ttf", options="Script=Hebrew", rtl=True, absorb=True,
             family_name="Noto Serif Hebrew"),
    Fallback("Arabic", "NotoNaskhArabic", "NotoNaskhArabic-Regular.ttf",
             "NotoNaskhArabic-Bold.ttf", options="Script=Arabic", rtl=True, absorb=True,
             family_name="Noto Naskh Arabic"),
    Fallback("Devanagari", "NotoSerifDevanagari", "NotoSerifDevanagari-Regular.ttf",
             "NotoSerifDevanagari-Bold.ttf", options="Script=Devanagari", absorb=True,
             family_name="Noto Serif Devanagari"),
    Fallback("Extended", "NotoSerif", "NotoSerif-Regular.ttf",
             options=_FAKE + ", Scale=MatchLowercase", family_name="Noto Serif",
             only=(
                 (0x0000, 0x052F),  # Latin-1, Latin Ext-A/B, IPA, marks, Greek, Cyrillic
                 (0x1AB0, 0x1AFF),  # combining diacritical marks extended
                 (0x1C80, 0x1C8F),  # Cyrillic Ext-C
                 (0x1D00, 0x1FFF),  # phonetic ext., Latin Ext. Additional, Greek Ext.
                 (0x2000, 0x20CF),  # punctuation, super/subscripts, currency
                 (0x2C60, 0x2C7F),  # Latin Ext-C
                 (0x2DE0, 0x2DFF),  # Cyrillic Ext-A
                 (0xA640, 0xA69F),  # Cyrillic Ext-B
                 (0xA720, 0xA7FF),  # Latin Ext-D
                 (0xAB30, 0xAB6F),  # Latin Ext-E
                 (0xFB00, 0xFB06),  # Latin ligatures
             )),
    Fallback("Box", "JetBrainsMono", "JetBrainsMono-Regular.ttf",
             "JetBrainsMono-Bold.ttf", options="Script=Default, Scale=MatchLowercase",
             only=((0x2500, 0x259F),), family_name="JetBrains Mono (box drawing, blocks)"),
    Fallback("Math", MATH_FOLDER, MATH_FILE, options=_FAKE,
             family_name="STIX Two Math (as a text font)"),
    Fallback("Symbols", "NotoSansSymbols2", "NotoSansSymbols2-Regular.ttf",
             options=_FAKE, family_name="Noto Sans Symbols 2"),
    Fallback("CJK", "NotoSansCJK", "NotoSansCJK-Regular.ttc", index=2,
             options=_FAKE, absorb=True, family_name="Noto Sans CJK SC"),
    Fallback("Emoji", "NotoEmoji", "NotoEmoji-Regular.ttf", options="Script=Default, AutoFakeBold=1.5", upright_italic=True,
             family_name="Noto Emoji (monochrome)"),
)

FALLBACK_KEYS: tuple[str, ...] = tuple(f.key for f in FALLBACKS)
RTL_KEYS: frozenset[str] = frozenset(f.key for f in FALLBACKS if f.rtl)
_BY_KEY: dict[str, Fallback] = {f.key: f for f in FALLBACKS}

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


def font_files() -> list[Path]:
    """Every font file :func:`preamble` loads (absolute paths)."""
    seen: dict[Path, None] = {}
    for role in ROLES.values():
        for f in role.files:
            seen[FONT_DIR / role.folder / f] = None
    seen[FONT_DIR / MATH_FOLDER / MATH_FILE] = None
    for fb in FALLBACKS:
        for f in fb.files:
            seen[FONT_DIR / fb.folder / f] = None
    return list(seen)


# --------------------------------------------------------------------------
# LaTeX preamble
# --------------------------------------------------------------------------

_BAD_PATH_CHARS = set("%#{}\\~^$&")


def _tex_dir(font_dir: Path | str | None, folder: str) -> str:
    base = FONT_DIR if font_dir is None else font_dir
    s = base.as_posix() if isinstance(base, Path) else str(base).replace("\\", "/")
    if s and not s.endswith("/"):
        s += "/"
    bad = _BAD_PATH_CHARS.intersection(s)
    if bad:
        raise ValueError(f"font directory {s!r} contains characters TeX cannot take in "
                         f"Path=: {''.join(sorted(bad))}")
    return f"{s}{folder}/"


def _role_font(cmd: str, role: Role, font_dir) -> str:
    opts = [
        f"Path={_tex_dir(font_dir, role.folder)}",
        # (no UprightFont=: fontspec takes the upright file from the name
        # argument; repeating it with its extension makes it look for .otf.otf)
        f"ItalicFont={role.italic}",
        f"BoldFont={role.bold}",
        f"BoldItalicFont={role.bold_italic}",
    ]
    if role.options:
        opts.append(role.options)
    return f"\\{cmd}{{{role.regular}}}[\n  " + ",\n  ".join(opts) + "]\n"


def _fallback_font(fb: Fallback, font_dir) -> str:
    name = f"dpfont{fb.key}" + ("face" if fb.key == "CJK" else "")
    opts = [f"Path={_tex_dir(font_dir, fb.folder)}"]
    if fb.index is not None:
        opts.append(f"FontIndex={fb.index}")
    if fb.bold:
        opts.append(f"BoldFont={fb.bold}")
    if fb.bold or fb.upright_italic:
        # No italics: use the upright faces for italic text (slanting Hebrew,
        # Arabic, Devanagari or emoji is wrong, and this avoids shape warnings).
        opts.append(f"ItalicFont={fb.regular}")
        if fb.bold:
            opts.append(f"BoldItalicFont={fb.bold}")
    if fb.options:
        opts.append(fb.options)
    return f"\\newfontfamily\\{name}{{{fb.regular}}}[{', '.join(opts)}]\n"


def preamble(font_dir: Path | str | None = None) -> str:
    """fontspec + unicode-math code for the LaTeX preamble (XeTeX engines).

    Loads the serif/sans/mono/math fonts and one ``\\dpfont<Key>`` font
    switch per fallback (use as ``{\\dpfontCJK 中文}``), and defines
    ``\\dpRTL{...}`` which sets its argument right-to-left (TeX--XeT, no
    package needed): ``\\dpRTL{{\\dpfontHebrew שלום עולם}}``.
    ``\\dpfontCJK`` also lets lines break between ideographs (XeTeX's
    ``\\XeTeXlinebreaklocale``), locally to the group it is used in.

    ``font_dir`` overrides :data:`FONT_DIR` (e.g. ``"fonts/"`` for a
    self-contained bundle that ships the folder next to the .tex file).
    Loads amsmath first, as unicode-math requires.
    """
    out = [
        "% --- distill_pdf.fonts: fonts loaded by file from the repo's fonts/ ---\n",
        "\\usepackage{amsmath}\n",
        "\\usepackage{fontspec}\n",
        "\\usepackage{unicode-math}\n",
        _role_font("setmainfont", ROLES["serif"], font_dir),
        _role_font("setsansfont", ROLES["sans"], font_dir),
        _role_font("setmonofont", ROLES["mono"], font_dir),
        f"\\setmathfont{{{MATH_FILE}}}[Path={_tex_dir(font_dir, MATH_FOLDER)}]\n",
        # STIX Two Math: default script alphabet is chancery (\mathcal);
        # stylistic set 1 gives the roundhand shapes wanted for \mathscr.
        f"\\setmathfont{{{MATH_FILE}}}[Path={_tex_dir(font_dir, MATH_FOLDER)}, "
        "range={\\mathscr,\\mathbfscr}, StylisticSet=1]\n",
    ]
    out += [_fallback_font(fb, font_dir) for fb in FALLBACKS]
    out += [
        # CJK has no spaces: let XeTeX break lines between ideographs, but
        # only inside CJK runs (local to the group the switch is used in).  The glue
        # between ideographs stretches little: a gap of 0.1em reads as a word space
        # to text extraction (pdftotext: "日 本 語" in a loose line).
        "\\newcommand\\dpfontCJK{\\dpfontCJKface"
        "\\XeTeXlinebreaklocale \"zh\"\\XeTeXlinebreakskip=0pt plus 0.02em\\relax}\n",
        "\\TeXXeTstate=1\n",
        # the group keeps a font switch given in the argument inside the span
        "\\newcommand\\dpRTL[1]{\\leavevmode\\beginR{#1}\\endR}\n",
        # in PDF bookmarks (hyperref), keep the text and drop the switches
        "\\AtBeginDocument{\\ifdefined\\pdfstringdefDisableCommands"
        "\\pdfstringdefDisableCommands{"
        "\\expandafter\\let\\expandafter\\dpRTL\\csname @firstofone\\endcsname"
        + "".join(f"\\def\\dpfont{fb.key}{{}}" for fb in FALLBACKS)
        + "}\\fi}\n",
        "% --- end distill_pdf.fonts ---\n",
    ]
    return "".join(out)


# --------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------


def _cmap(path: Path, index: int | None) -> dict[int, str]:
    from fontTools.ttLib import TTFont  # heavy: only when rebuilding

    kw = {"fontNumber": index} if index is not None else {}
    with TTFont(str(path), lazy=True, **kw) as font:
        return dict(font.getBestCmap())


def _cmap_codepoints(path: Path, index: int | None) -> set[int]:
    return set(_cmap(path, index))


def _shared_glyph_codepoints(cmap: dict[int, str]) -> set[int]:
    """Code points drawn with a glyph that other code points use too: the PDF maps
    that glyph back to only one of them, so copied text may change character."""
    seen: dict[str, int] = {}
    for glyph in cmap.values():
        seen[glyph] = seen.get(glyph, 0) + 1
    return {cp for cp, glyph in cmap.items() if seen[glyph] > 1}


def _to_ranges(cps: Iterable[int]) -> list[int]:
    flat: list[int] = []
    for cp in sorted(cps):
        if flat and cp == flat[-1] + 1:
            flat[-1] = cp
        else:
            flat += [cp, cp]
    return flat


def rebuild_coverage(write: bool = True) -> dict:
    """Compute coverage from the fonts' cmaps; write ``fonts/coverage.json``."""
    data: dict = {"version": COVERAGE_VERSION, "roles": {}, "fallbacks": {}, "files": {}}
    for name, role in ROLES.items():
        cps: set[int] | None = None
        for f in role.files:  # a character counts only if every style has it
            got = _cmap_codepoints(FONT_DIR / role.folder / f, None)
            cps = got if cps is None else cps & got
        data["roles"][name] = _to_ranges(cps or ())
    data["shared"] = {}
    for fb in FALLBACKS:
        cmap = _cmap(FONT_DIR / fb.folder / fb.regular, fb.index)
        cps = set(cmap)
        if fb.only:
            cps = {c for c in cps if any(a <= c <= b for a, b in fb.only)}
        data["fallbacks"][fb.key] = _to_ranges(cps)
        data["shared"][fb.key] = _to_ranges(_shared_glyph_codepoints(cmap) & cps)
    for p in font_files():
        data["files"][p.relative_to(FONT_DIR).as_posix()] = p.stat().st_size
    if write:
        COVERAGE_FILE.write_text(json.dumps(data, separators=(",", ":")) + "\n")
        _load.cache_clear()
        _lookup.cache_clear()
    return data


@functools.lru_cache(maxsize=None)
def _load() -> dict:
    data = json.loads(COVERAGE_FILE.read_text())
    if data.get("version") != COVERAGE_VERSION:
        raise RuntimeError(f"{COVERAGE_FILE} is stale: run "
                           "`python -m distill_pdf.fonts --rebuild-coverage`")
    return data


class _Ranges:
    __slots__ = ("starts", "ends")

    def __init__(self, flat: list[int]):
        self.starts = flat[0::2]
        self.ends = flat[1::2]

    def __contains__(self, cp: int) -> bool:
        i = bisect.bisect_right(self.starts, cp) - 1
        return i >= 0 and cp <= self.ends[i]


@functools.lru_cache(maxsize=None)
def _ranges(kind: str, name: str) -> _Ranges:
    data = _load()
    return _Ranges(data[{"role": "roles", "fallback": "fallbacks"}.get(kind, kind)][name])


def covers(font: str, ch: str) -> bool:
    """Does ``font`` (a role name or a fallback key) have a glyph for ``ch``?"""
    if font in ROLES:
        return ord(ch) in _ranges("role", font)
    return ord(ch) in _ranges("fallback", font)


# --------------------------------------------------------------------------
# Splitting text into runs
# --------------------------------------------------------------------------


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
def _lookup(cluster: str, role: str) -> tuple[str | None, bool]:
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
        key, ok = _lookup(cl, role)
        if ok or len(cl) == 1:
            yield key, cl, ok
        else:
            for c in cl:
                key, ok = _lookup(c, role)
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
        fb = _BY_KEY.get(key) if key else None
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
    return covers(key, ch) and ord(ch) not in _ranges("shared", key)


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
        if key not in _BY_KEY:
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


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def _main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m distill_pdf.fonts",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--rebuild-coverage", action="store_true",
                    help=f"recompute {COVERAGE_FILE.name} from the font cmaps")
    ap.add_argument("--preamble", action="store_true", help="print the LaTeX preamble")
    ap.add_argument("--check", metavar="TEXT", help="show the runs and uncovered characters")
    ap.add_argument("--role", default="serif", choices=sorted(ROLES))
    args = ap.parse_args(argv)
    if args.rebuild_coverage:
        data = rebuild_coverage()
        for kind in ("roles", "fallbacks"):
            for name, flat in data[kind].items():
                n = sum(b - a + 1 for a, b in zip(flat[0::2], flat[1::2]))
                print(f"{name:12s} {n:6d} code points")
        print(f"wrote {COVERAGE_FILE}")
    if args.preamble:
        print(preamble())
    if args.check is not None:
        for key, run in fallback_runs(args.check, args.role):
            print(f"{key or '-':12s} {run!r}")
        miss = uncovered(args.check, args.role)
        if miss:
            print("uncovered:", " ".join(f"U+{ord(c):04X}" for c in sorted(miss)))
    if not (args.rebuild_coverage or args.preamble or args.check is not None):
        ap.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(_main())
