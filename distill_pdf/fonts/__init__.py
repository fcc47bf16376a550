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

The package, by job: :mod:`.catalogue` (which files, which roles and fallbacks),
:mod:`.tex_preamble` (the fontspec code that loads them), :mod:`.coverage` (who has
which character, from ``coverage.json``), :mod:`.cmaps` (rebuilding that file
from the fonts), :mod:`.runs` (text cut into fallback runs, and its LaTeX).
"""

from __future__ import annotations

from .catalogue import FALLBACK_KEYS, FALLBACKS, FONT_DIR, MATH_FILE, MATH_FOLDER, RTL_KEYS, ROLES, font_files
from .cmaps import rebuild_coverage
from .coverage import COVERAGE_FILE, covers
from .runs import fallback_runs, latex_text, uncovered, wrap_fallbacks
from .tex_preamble import preamble

__all__ = [
    "FONT_DIR",
    "COVERAGE_FILE",
    "ROLES",
    "MATH_FOLDER",
    "MATH_FILE",
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
