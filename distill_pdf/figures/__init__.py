"""Figures only a browser draws (Mermaid, chart fences, a site's interactive pages, video
frames) printed through headless Chromium: see renderer.py (cache), browser.py (the
browser and what it may read), pages.py (one page per kind), libraries.py (the pinned
JavaScript libraries). Optional: without Chromium the writer keeps its framed notes."""
from __future__ import annotations

from .browser import FigureFailed, find_chromium
from .pages import COLUMN_PX, KINDS
from .qr import qr_pdf
from .renderer import INSTALL_HINT, Drawn, FigureRenderer
from .thumbnails import vimeo_thumbnail

__all__ = ["FigureFailed", "find_chromium", "COLUMN_PX", "KINDS", "vimeo_thumbnail", "qr_pdf", "INSTALL_HINT", "Drawn", "FigureRenderer"]
