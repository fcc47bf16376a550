"""Figures only a browser draws (Mermaid, chart fences, a site's interactive pages, video
frames) printed through headless Chromium: see renderer.py (cache), browser.py (the
browser and what it may read), pages.py (one page per kind), libraries.py (the pinned
JavaScript libraries). Optional: without Chromium the writer keeps its framed notes.
GeoJSON maps need no browser: geojson.py draws them."""
from __future__ import annotations

from .browser import FigureFailed, find_chromium
from .pages import COLUMN_PX
from .qr import qr_pdf
from .renderer import BROWSERLESS_KINDS, INSTALL_HINT, KINDS, Drawn, FigureRenderer, drawn_kinds
from .thumbnails import vimeo_thumbnail

__all__ = ["BROWSERLESS_KINDS", "COLUMN_PX", "INSTALL_HINT", "KINDS", "Drawn", "FigureFailed", "FigureRenderer",
           "drawn_kinds", "find_chromium", "qr_pdf", "vimeo_thumbnail"]
