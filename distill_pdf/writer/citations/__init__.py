"""The two citation back ends: biblatex (biber) and pybtex (pure Python), one look.

Both print the same author-year look by default ("Molnar (2020)", "(Ribeiro et
al., 2016)") or a numeric one ("[1]"), and list only the cited works.

* :class:`.backends.BiblatexBackend` writes ``\\textcite`` / ``\\autocite(s)`` and
  ``\\printbibliography``, plus a generated ``.bib`` whose fields went through
  the same LaTeX->Unicode->LaTeX conversion as the pybtex path; the engine step
  runs biber.
* :class:`.backends.PybtexBackend` resolves every key in Python, formats the entries with a
  pybtex style into rich text, and writes the citation text and the reference
  list into the document, hyperlinked both ways with ``\\hyperlink`` /
  ``\\hypertarget`` (no ``.aux`` round trip), so the engine needs a single pass.

By job: :mod:`.works` (what a citation or an entry reads off a work: names, year, labels,
titles as LaTeX), :mod:`.reference_style` (the pybtex style of the reference list),
:mod:`.backends` (the two back ends), :mod:`.bibfile` (the ``.bib`` biber reads).
"""
from __future__ import annotations

from .backends import make_backend
from .bibfile import BIB_FILE

__all__ = ["BIB_FILE", "make_backend"]
