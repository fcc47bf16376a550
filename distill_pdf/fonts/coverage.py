"""Which font has which character: the cmap data cached in ``fonts/coverage.json``.

Importing this module reads nothing; the JSON is loaded on first use.
"""

from __future__ import annotations

import bisect
import functools
import json
from pathlib import Path

from .catalogue import FONT_DIR, ROLES

COVERAGE_FILE: Path = FONT_DIR / "coverage.json"
COVERAGE_VERSION = 2


@functools.lru_cache(maxsize=None)
def coverage_data() -> dict:
    """The JSON, read once: a stale version must be rebuilt, not half-used."""
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
    data = coverage_data()
    return _Ranges(data[{"role": "roles", "fallback": "fallbacks"}.get(kind, kind)][name])


def covers(font: str, ch: str) -> bool:
    """Does ``font`` (a role name or a fallback key) have a glyph for ``ch``?"""
    if font in ROLES:
        return ord(ch) in _ranges("role", font)
    return ord(ch) in _ranges("fallback", font)


def shares_glyph(key: str, ch: str) -> bool:
    """Does fallback ``key`` draw ``ch`` with a glyph other characters use too?"""
    return ord(ch) in _ranges("shared", key)


def forget() -> None:
    """Drop what was read, once coverage.json has been rewritten."""
    coverage_data.cache_clear()
    _ranges.cache_clear()
