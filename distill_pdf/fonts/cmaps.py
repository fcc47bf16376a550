"""Rebuild ``fonts/coverage.json`` from the fonts' real cmaps (after changing a font)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from .catalogue import FALLBACKS, FONT_DIR, ROLES, font_files
from .coverage import COVERAGE_FILE, COVERAGE_VERSION, forget
from .runs import font_of_cluster


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
        forget()
        font_of_cluster.cache_clear()
    return data

