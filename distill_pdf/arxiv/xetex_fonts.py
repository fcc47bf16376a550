r"""Fonts for a XeLaTeX arXiv bundle: the repository's OFL fonts, only those the
document uses, shipped under ``fonts/`` and loaded by file name from there.

arXiv's XeLaTeX has no system fonts to find by name, so :func:`distill_pdf.fonts.preamble`
is asked for a relative font folder; fallback families the document never
switches to (``\dpfont<Key>``) are dropped from it, and so is the sans family
when nothing sets sans text. Each shipped folder keeps its ``OFL.txt``, which
the licence requires to travel with the fonts.
"""
from __future__ import annotations

import re
from pathlib import Path

from .. import fonts

FONT_FOLDER = "fonts"
_SANS = re.compile(r"\\(?:sffamily|textsf)\b")


def used_fallbacks(tex: str) -> list[str]:
    used = set(re.findall(r"\\dpfont([A-Za-z]+?)(?:face)?(?![A-Za-z])", tex))
    return [key for key in fonts.FALLBACK_KEYS if key in used]


def uses_sans(tex: str) -> bool:
    return bool(_SANS.search(tex))


def preamble(tex: str) -> str:
    """fonts.preamble() with ``Path=fonts/...``, less the families ``tex`` does not use."""
    text = fonts.preamble(font_dir=f"{FONT_FOLDER}/")
    used = set(used_fallbacks(tex))
    for key in fonts.FALLBACK_KEYS:
        if key in used:
            continue
        name = f"dpfont{key}" + ("face" if key == "CJK" else "")
        text = re.sub(r"\\newfontfamily\\" + name + r"\{[^}]*\}\[[^\]]*\]\n",
                      lambda _: f"\\newcommand\\{name}{{}}\n", text)
    if not uses_sans(tex):
        text = re.sub(r"\\setsansfont\{[^}]*\}\[[^\]]*\]\n", "", text)
    return text


def font_files(tex: str) -> dict[str, Path]:
    """``tex``: the document (not the preamble, which names every family). Bundle name (``fonts/SourceSerif4/SourceSerif4-Regular.otf``) -> repository file."""
    wanted: list[tuple[str, str]] = []
    roles = ["serif", "mono"] + (["sans"] if uses_sans(tex) else [])
    for role in roles:
        spec = fonts.ROLES[role]
        wanted += [(spec.folder, name) for name in spec.files]
    wanted.append((fonts.MATH_FOLDER, fonts.MATH_FILE))
    by_key = {fb.key: fb for fb in fonts.FALLBACKS}
    for key in used_fallbacks(tex):
        fb = by_key[key]
        wanted += [(fb.folder, name) for name in fb.files]
    files: dict[str, Path] = {}
    for folder, name in wanted:
        files[f"{FONT_FOLDER}/{folder}/{name}"] = fonts.FONT_DIR / folder / name
        licence = fonts.FONT_DIR / folder / "OFL.txt"
        if licence.is_file():
            files[f"{FONT_FOLDER}/{folder}/OFL.txt"] = licence
    return files
