"""arXiv preprints: a source bundle arXiv compiles (main.tex, figures/, the
references typeset in; fonts and a 00README for XeLaTeX), checked, packed,
compiled once more from the packed files, and its PDF.

Modules: :mod:`.export` (the whole job), :mod:`.title_block` (front matter ->
title, authors, abstract, keywords), :mod:`.unicode_sweep` (non-ASCII left in
main.tex -> LaTeX for pdfLaTeX), :mod:`.table_floats` (short tables as floats),
:mod:`.xetex_fonts` (the fonts a XeLaTeX bundle ships), :mod:`.checks` (the named
checks), :mod:`.tarball` (reproducible .tar.gz), :mod:`.verify` (compile the
unpacked bundle in an empty folder).
"""
from .checks import Check
from .export import ENGINES, ArxivResult, export_arxiv

__all__ = ["export_arxiv", "ArxivResult", "Check", "ENGINES"]
