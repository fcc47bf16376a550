"""Make the body fonts' text extractable: one glyph per character, renamed per the OFL.

Why: a PDF maps each glyph back to ONE character (its ToUnicode map), and XeTeX's
xdvipdfmx picks the last code point of a glyph the font shares between several.
Source Serif 4 and Source Sans 3 draw U+002D, U+00AD, U+2010 and U+2011 with one
``hyphen`` glyph, so every ASCII hyphen copied out of the PDF came back as U+2011
(likewise Delta -> U+2206 INCREMENT, Omega -> U+2126 OHM SIGN, phi -> U+03D5).
This script gives every further code point of a shared glyph its own copy of the
outline (the lowest code point keeps the original, with its kerning and features).

The fonts are under the SIL OFL 1.1 with the Reserved Font Name "Source": a
modified version must not use it, so the family is renamed ("Source Serif 4" ->
"Distill PDF Serif", "Source Sans 3" -> "Distill PDF Sans"); copyright, trademark
and licence records stay as they are.  Run once per upstream release::

    python fonts/split_shared_glyphs.py UPSTREAM.otf fonts/DistillPDFSerif/DistillPDFSerif-Regular.otf
"""
from __future__ import annotations

import copy
import sys
from collections import defaultdict

from fontTools.ttLib import TTFont

RENAMES = (("Source Serif 4", "Distill PDF Serif"), ("SourceSerif4", "DistillPDFSerif"),
           ("Source Sans 3", "Distill PDF Sans"), ("SourceSans3", "DistillPDFSans"))
KEEP_NAME_IDS = {0, 7, 8, 9, 11, 12, 13, 14}  # copyright, trademark, maker, designer, URLs, licence
NOTE = ("Modified by distill-pdf: each code point of a shared glyph has its own glyph "
        "(correct text extraction); renamed per the OFL's Reserved Font Name clause.")


def _rename(text: str) -> str:
    for old, new in RENAMES:
        text = text.replace(old, new)
    return text


def _new_name(cp: int, taken: set[str]) -> str:
    name = f"uni{cp:04X}" if cp <= 0xFFFF else f"u{cp:05X}"
    while name in taken:
        name += ".dp"
    return name


def split_shared_glyphs(font: TTFont) -> dict[int, str]:
    """Give every code point after the first of a shared glyph its own copy; returns them."""
    cmap = font.getBestCmap()
    by_glyph: dict[str, list[int]] = defaultdict(list)
    for cp, glyph in cmap.items():
        by_glyph[glyph].append(cp)
    order = list(font.getGlyphOrder())
    taken = set(order)
    cff = font["CFF "].cff
    top = cff.topDictIndex[0]
    strings = top.CharStrings
    hmtx = font["hmtx"].metrics
    gdef = font["GDEF"].table.GlyphClassDef.classDefs if "GDEF" in font and font["GDEF"].table.GlyphClassDef else {}
    added: dict[int, str] = {}
    for glyph, cps in by_glyph.items():
        for cp in sorted(cps)[1:]:
            new = _new_name(cp, taken)
            taken.add(new)
            order.append(new)
            strings.charStringsIndex.append(copy.deepcopy(strings[glyph]))
            strings.charStrings[new] = len(strings.charStringsIndex) - 1
            hmtx[new] = hmtx[glyph]
            if glyph in gdef:
                gdef[new] = gdef[glyph]
            added[cp] = new
    top.charset = order
    font.setGlyphOrder(order)
    for table in font["cmap"].tables:
        for cp, new in added.items():
            if cp in table.cmap:
                table.cmap[cp] = new
    return added


def rename(font: TTFont) -> None:
    for record in font["name"].names:
        if record.nameID not in KEEP_NAME_IDS:
            record.string = _rename(record.toUnicode())
    font["name"].setName(NOTE, 10, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [_rename(n) for n in cff.fontNames]
    top = cff.topDictIndex[0]
    for key in ("FamilyName", "FullName"):
        if getattr(top, key, None):
            setattr(top, key, _rename(getattr(top, key)))
    if "DSIG" in font:
        del font["DSIG"]  # the signature no longer matches


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    font = TTFont(argv[0])
    added = split_shared_glyphs(font)
    rename(font)
    font.save(argv[1])
    print(f"{argv[1]}: {len(added)} glyphs split:", " ".join(f"U+{cp:04X}" for cp in sorted(added)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
