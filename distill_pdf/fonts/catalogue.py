"""The shipped fonts: the main roles and the fallbacks in priority order, by file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..resources import FONTS_DIR

FONT_DIR: Path = FONTS_DIR

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
FALLBACK_BY_KEY: dict[str, Fallback] = {f.key: f for f in FALLBACKS}


def font_files() -> list[Path]:
    """Every font file the preamble (:mod:`.tex_preamble`) loads (absolute paths)."""
    seen: dict[Path, None] = {}
    for role in ROLES.values():
        for f in role.files:
            seen[FONT_DIR / role.folder / f] = None
    seen[FONT_DIR / MATH_FOLDER / MATH_FILE] = None
    for fb in FALLBACKS:
        for f in fb.files:
            seen[FONT_DIR / fb.folder / f] = None
    return list(seen)

