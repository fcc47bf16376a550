"""Headless Chromium, driven over the DevTools pipe: loads a figure's page and prints it.

Why this shape: one browser per process (started on the first figure the cache lacks, so a
batch worker starts it once and an unchanged post never), one tab per figure (a figure
that hangs is closed with its tab, not the browser). Every request a page makes is answered
here (``Fetch`` interception): our page, the pinned libraries (also for their CDN URLs),
files under the site's folders; anything else is refused unless remote
access is allowed. A vector figure is printed to a PDF whose page is the figure's box; one
holding a canvas or video is a 2x PNG screenshot instead.
"""
from __future__ import annotations

import atexit
import base64
import math
import mimetypes
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import cdp, libraries, pages

ORIGIN = "https://figure.distill-pdf.invalid"
PAGE_URL = ORIGIN + "/__distill_pdf__/page.html"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class FigureFailed(Exception):
    """The page threw, asked for something it may not have, or did not finish in time."""


def find_chromium() -> str | None:
    """``$DISTILL_PDF_CHROMIUM``, else the first Chromium or Chrome on PATH."""
    configured = os.environ.get("DISTILL_PDF_CHROMIUM")
    if configured:
        return shutil.which(configured)
    return next((found for name in BROWSER_NAMES if (found := shutil.which(name))), None)


@dataclass
class Printed:
    data: bytes
    kind: str        # "pdf" or "png"
    width_px: float  # the figure's width in CSS pixels


@dataclass
class _Route:
    """What one tab may read: its page, and the folders of the site it comes from."""
    page: str
    roots: tuple[Path, ...]
    allow_remote: bool
    blocked: list[str] = field(default_factory=list)  # refused: remote access not allowed
    failed: list[str] = field(default_factory=list)   # allowed, but the fetch failed (offline, 404)
    loaded: bool = False


class Browser:
    def __init__(self, executable: str, allow_remote: bool):
        self.allow_remote = allow_remote
        self.profile = tempfile.mkdtemp(prefix="distill-pdf-chromium-")
        flags = ["--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                 "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
                 "--force-color-profile=srgb", "--font-render-hinting=none",
                 # every frame in its page's process, so interception sees its requests too
                 "--disable-features=IsolateOrigins,site-per-process,Translate,MediaRouter",
                 f"--user-data-dir={self.profile}"]
        if not allow_remote:  # and should a request slip past interception, it has nowhere to go
            flags += ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
        self.connection = cdp.Connection([executable, *flags, "about:blank"])
        self.routes: dict[str, _Route] = {}
        self.connection.handlers["Fetch.requestPaused"] = self._answer
        self.connection.handlers["Page.loadEventFired"] = self._loaded
        self.connection.call("Browser.getVersion", timeout=30)

    def print_page(self, page: str, roots: tuple[Path, ...], timeout: float) -> Printed:
        """Load ``page`` (HTML with ``window.__dpDone``) in a new tab and print its figure."""
        call = self.connection.call
        target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        route = self.routes[session] = _Route(page, roots, self.allow_remote)
        try:
            call("Page.enable", session=session)
            call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=session)
            call("Emulation.setDeviceMetricsOverride", {"width": pages.COLUMN_PX + 80, "height": 1200,
                                                         "deviceScaleFactor": 2, "mobile": False}, session=session)
            call("Emulation.setEmulatedMedia", {"media": "screen"}, session=session)
            call("Page.navigate", {"url": PAGE_URL}, session=session)
            self.connection.wait_for(lambda: route.loaded, timeout, "the figure's page")
            box = self._settle(session, route, timeout)
            return self._capture(session, box)
        except cdp.Timeout:
            raise FigureFailed(_with_missing(f"not drawn within {timeout:g} s", route)) from None
        finally:
            del self.routes[session]
            try:
                call("Target.closeTarget", {"targetId": target}, timeout=10)
            except cdp.CdpError:
                pass

    def _settle(self, session: str, route: _Route, timeout: float) -> dict:
        answer = self.connection.call("Runtime.evaluate", {
            "expression": f"window.__dpDone.then(() => {pages.MEASURE})",
            "awaitPromise": True, "returnByValue": True}, session=session, timeout=timeout)
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            message = (details.get("exception") or {}).get("description") or details.get("text", "script error")
            raise FigureFailed(_with_missing(message.split("\n")[0], route))
        box = answer["result"]["value"]
        if route.blocked or route.failed:  # drawn without its data: an empty chart is no figure
            raise FigureFailed(_missing(route))
        if box["width"] < 1 or box["height"] < 1:
            raise FigureFailed("the figure drew nothing")
        return box

    def _capture(self, session: str, box: dict) -> Printed:
        call = self.connection.call
        width, height = math.ceil(box["width"]), math.ceil(box["height"])
        if box["raster"]:
            shot = call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
                "x": box["x"], "y": box["y"], "width": width, "height": height, "scale": 1}}, session=session)
            return Printed(base64.b64decode(shot["data"]), "png", box["width"])
        # the page no wider than the figure: printing would otherwise shrink wide content to fit
        call("Runtime.evaluate", {"expression": _PIN % (width, height)}, session=session)
        pdf = call("Page.printToPDF", {"paperWidth": width / 96, "paperHeight": height / 96, "marginTop": 0,
                                       "marginBottom": 0, "marginLeft": 0, "marginRight": 0, "pageRanges": "1",
                                       "printBackground": True, "preferCSSPageSize": False}, session=session,
                   timeout=60)
        return Printed(base64.b64decode(pdf["data"]), "pdf", box["width"])

    # -- events ---------------------------------------------------------------
    def _loaded(self, session: str | None, params: dict) -> None:
        if session in self.routes:
            self.routes[session].loaded = True

    def _answer(self, session: str | None, params: dict) -> None:
        route = self.routes.get(session or "")
        request_id, url = params["requestId"], params["request"]["url"]
        if route is not None and ("responseStatusCode" in params or "responseErrorReason" in params):
            self._answered(session, route, params)
            return
        if route is None:
            self.connection.send("Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"}, session)
            return
        found = _local_answer(url, route)
        if found is not None:
            body, mime = found
            status, body, extra = _ranged(body, params["request"].get("headers", {}))
            headers = [{"name": "Content-Type", "value": mime}, {"name": "Access-Control-Allow-Origin", "value": "*"},
                       {"name": "Accept-Ranges", "value": "bytes"}, *extra]
            self.connection.send("Fetch.fulfillRequest", {"requestId": request_id, "responseCode": status,
                                                          "responseHeaders": headers,
                                                          "body": base64.b64encode(body).decode()}, session)
        elif url.startswith(ORIGIN):
            self.connection.send("Fetch.fulfillRequest", {"requestId": request_id, "responseCode": 404,
                                                          "body": ""}, session)
        elif route.allow_remote:  # its answer is seen too: a failed fetch leaves a figure without its data
            self.connection.send("Fetch.continueRequest", {"requestId": request_id, "interceptResponse": True},
                                 session)
        else:
            if params.get("resourceType") in _ESSENTIAL:
                route.blocked.append(url)
            self.connection.send("Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"},
                                 session)

    def _answered(self, session: str, route: _Route, params: dict) -> None:
        """A remote request's answer: passed on, and remembered when it failed."""
        error, status = params.get("responseErrorReason"), params.get("responseStatusCode", 200)
        if (error or status >= 400) and params.get("resourceType") in _ESSENTIAL:
            route.failed.append(f"{params['request']['url']} ({error or f'HTTP {status}'})")
        if error:
            self.connection.send("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": error}, session)
        else:
            self.connection.send("Fetch.continueResponse", {"requestId": params["requestId"]}, session)

    def close(self) -> None:
        self.connection.close()
        shutil.rmtree(self.profile, ignore_errors=True)


# what a figure cannot be drawn without (a blocked web font or image is only a lesser figure)
_ESSENTIAL = {"Document", "Script", "XHR", "Fetch"}

_PIN = """(() => { for (const el of [document.documentElement, document.body, document.getElementById('dp-box')]) {
  if (el) { el.style.width = '%dpx'; el.style.height = '%dpx'; el.style.overflow = 'hidden'; } } })()"""


def _local_answer(url: str, route: _Route) -> tuple[bytes, str] | None:
    """The bytes and type that answer ``url`` from here, or None."""
    if url == PAGE_URL:
        return route.page.encode(), "text/html; charset=utf-8"
    if url.startswith(ORIGIN + "/__distill_pdf__/lib/"):
        name = url.rsplit("/", 1)[1]
        path = libraries.bundle(name) if name in libraries.PINNED else None
    elif url.startswith(ORIGIN + "/"):
        path = _site_file(unquote(urlsplit(url).path).lstrip("/"), route.roots)
    else:
        path = libraries.cdn_file(url)
    if path is None or not path.is_file():
        return None
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix in (".js", ".mjs"):
        mime = "text/javascript"
    return path.read_bytes(), mime


def _ranged(body: bytes, headers: dict) -> tuple[int, bytes, list[dict]]:
    """The part of ``body`` a ``Range: bytes=a-b`` header asks for, as a 206 answer. Why: a
    video answered whole, without ranges, is not seekable, and its frame is then always the first."""
    asked = next((value for name, value in headers.items() if name.lower() == "range"), "")
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", asked)
    if not m or not (m.group(1) or m.group(2)) or not body:
        return 200, body, []
    if m.group(1):
        first, last = int(m.group(1)), min(int(m.group(2) or len(body) - 1), len(body) - 1)
    else:  # the last N bytes
        first, last = max(0, len(body) - int(m.group(2))), len(body) - 1
    if first > last:
        return 200, body, []
    return 206, body[first:last + 1], [{"name": "Content-Range", "value": f"bytes {first}-{last}/{len(body)}"}]


def _site_file(relative: str, roots: tuple[Path, ...]) -> Path | None:
    """A file under one of the site's folders; nothing outside them is readable."""
    for root in roots:
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root.resolve()) and candidate.is_file():
            return candidate
    return None


def _missing(route: _Route) -> str:
    """What the figure went without: refused requests, then failed ones ("" when nothing)."""
    notes = []
    for urls, why in ((route.blocked, "network access refused for {}; allow remote access to fetch it"),
                      (route.failed, "could not fetch {}")):
        if urls:
            more = f" and {len(urls) - 1} more" if len(urls) > 1 else ""
            notes.append(why.format(urls[0] + more))
    return "; ".join(notes)


def _with_missing(message: str, route: _Route) -> str:
    return f"{message} ({_missing(route)})" if route.blocked or route.failed else message


_shared: Browser | None = None


def shared(allow_remote: bool) -> Browser:
    """This process's browser, started on first use (a batch worker starts it once)."""
    global _shared
    if _shared is not None and (_shared.allow_remote != allow_remote or _shared.connection.process.poll() is not None):
        _shared.close()
        _shared = None
    if _shared is None:
        executable = find_chromium()
        if executable is None:
            raise FigureFailed("no Chromium found")
        _shared = Browser(executable, allow_remote)
    return _shared


def discard() -> None:
    """Close this process's browser (a figure left it in a state we cannot trust)."""
    global _shared
    if _shared is not None:
        _shared.close()
        _shared = None


atexit.register(discard)
