"""Figures a browser draws, as print-ready files, cached by what they are made from.

Why a cache in front of the browser: drawing a figure costs a browser (a second to start,
a fraction of one per figure), and a post is printed again and again while it is written.
The key is the page the browser is given (the figure's source and the code that draws
it, at its size; for a page or video of the site also its file's bytes), the pinned
library versions and this module's version, so an unchanged post starts no browser at
all; a changed figure, or a change to how its kind is drawn, is drawn again, alone."""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import browser, geojson, libraries, pages

RENDER_VERSION = "4"
KINDS = pages.KINDS | geojson.KINDS   # the fence languages printed as figures
BROWSERLESS_KINDS = geojson.KINDS     # ... of which drawn here without a browser
DEFAULT_TIMEOUT = 30.0
INSTALL_HINT = ("apt-get install chromium fonts-liberation npm, then `distill-pdf figures install`; "
                "`distill-pdf doctor` shows what is missing")


@dataclass
class Drawn:
    """A drawn figure: the file (``.pdf`` vector, ``.png`` at twice the screen's pixels), as
    the writer's images are (``path``, ``width_px`` for rasters)."""
    path: Path
    width_px: int | None


class FigureRenderer:
    """One per post (or batch): draws fences, site pages and video frames, or says why not."""

    def __init__(self, roots: tuple[Path, ...], cache_dir: Path, allow_remote: bool,
                 timeout: float = DEFAULT_TIMEOUT, post_url: str | None = None, site_url: str | None = None):
        self.roots = tuple(root for root in roots if root is not None)
        self.cache_dir = cache_dir
        self.folder = cache_dir / "figures" / "drawn"
        self.notice_given = False  # the one warning a post gets when figures cannot be drawn
        self.allow_remote = allow_remote
        self.timeout = timeout
        self.post_url = post_url
        self.site_url = site_url

    def unavailable(self, needs_libraries: bool) -> str | None:
        return why_unavailable(needs_libraries)

    def fence(self, kind: str, source: str) -> Drawn:
        """A chart, diagram or map fence (``KINDS``): a map drawn here, the others as the
        blog's script draws them."""
        if kind in geojson.KINDS:
            try:
                drawing = geojson.svg(source)
            except geojson.GeoJSONError as exc:
                raise browser.FigureFailed(str(exc)) from None
            return self._drawn(["svg", drawing], lambda: browser.Printed(geojson.to_pdf(drawing), "pdf", geojson.WIDTH))
        return self._page(["fence", kind], pages.fence_page(kind, source))

    def site_page(self, path: Path, url_path: str, width: int, height: int) -> Drawn:
        """An interactive page of the site (an ``<iframe>``'s source) at the frame's size."""
        return self._page(["page", _digest(path)], pages.iframe_page("/" + url_path.lstrip("/"), width, height))

    def video_frame(self, path: Path, url_path: str) -> Drawn:
        return self._page(["video", _digest(path)], pages.video_page("/" + url_path.lstrip("/")))

    def site_file(self, src: str) -> tuple[Path, str] | None:
        """A site-relative source (``/assets/html/plot.html``) as (file, its path in the site)."""
        relative = src.split("#")[0].split("?")[0].lstrip("/")
        for root in self.roots:
            candidate = (root / relative).resolve()
            if relative and candidate.is_relative_to(root.resolve()) and candidate.is_file():
                return candidate, relative
        return None

    def _page(self, what: list, page: str) -> Drawn:
        """A figure the browser draws from ``page`` (which says how: it is in the key)."""
        return self._drawn([libraries.versions(), *what, page], lambda: self._print(page))

    def _print(self, page: str) -> browser.Printed:
        try:
            return browser.shared(self.allow_remote).print_page(page, self.roots, self.timeout)
        except browser.cdp.CdpError as exc:  # the browser itself failed: the next figure gets a new one
            browser.discard()
            raise browser.FigureFailed(f"the browser failed: {exc}") from None

    def _drawn(self, what: list, draw: Callable[[], browser.Printed]) -> Drawn:
        """The cached drawing of ``what``, else ``draw()``'s, kept for next time."""
        key = hashlib.sha256(json.dumps([RENDER_VERSION, *what], ensure_ascii=False).encode()).hexdigest()[:32]
        for suffix in (".pdf", ".png"):
            cached = self.folder / key[:2] / (key + suffix)
            if cached.is_file():
                return Drawn(cached, _png_width(cached) if suffix == ".png" else None)
        printed = draw()
        target = self.folder / key[:2] / f"{key}.{printed.kind}"
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        partial.write_bytes(printed.data)
        partial.replace(target)
        return Drawn(target, _png_width(target) if printed.kind == "png" else None)


def why_unavailable(needs_libraries: bool) -> str | None:
    """Why the browser cannot draw figures here (none found, libraries not installed), or None."""
    if browser.find_chromium() is None:
        return "no Chromium found"
    if needs_libraries and libraries.missing():
        return "the figure libraries are not installed (" + ", ".join(libraries.missing()) + ")"
    return None


def drawn_kinds() -> frozenset[str]:
    """The fence languages this machine prints as figures; the others print as their source."""
    return KINDS if why_unavailable(needs_libraries=True) is None else BROWSERLESS_KINDS


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _png_width(path: Path) -> int:
    with path.open("rb") as handle:
        header = handle.read(24)
    return int.from_bytes(header[16:20], "big")
