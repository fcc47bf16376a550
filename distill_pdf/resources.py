"""Where the shipped fonts and LaTeX templates are.

They live in the repository's top-level ``fonts/`` and ``latex_templates/``; the package
holds links to them (``distill_pdf/_fonts``, ``distill_pdf/_templates``) so that a wheel
carries real copies (pyproject.toml's package-data) and an installed package finds them
inside itself. A checkout whose links were lost (some Windows clones) reads the folders
beside the package.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(installed: str, checkout: str) -> Path:
    inside = PACKAGE_DIR / installed
    return inside if inside.is_dir() else PACKAGE_DIR.parent / checkout


FONTS_DIR = _shipped("_fonts", "fonts")
TEMPLATES_DIR = _shipped("_templates", "latex_templates")


def user_cache_dir() -> Path:
    """Our cache folder: ``$DISTILL_PDF_CACHE``, else ``$XDG_CACHE_HOME/distill-pdf``
    (``~/.cache/distill-pdf``). Everything in it can be deleted at any time."""
    base = os.environ.get("DISTILL_PDF_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "distill-pdf")
    return Path(base)
