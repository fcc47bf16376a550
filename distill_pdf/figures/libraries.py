"""The JavaScript libraries figures are drawn with, pinned and kept in our data folder.

Why: printing must not depend on the network (nor on a CDN serving the same bytes next
year). ``distill-pdf figures install`` (run by ``make setup``) fetches each pinned package
with npm (``npm pack``: the package alone, none of its build dependencies) and unpacks it
under ``<data>/figure-libraries/<name>@<version>``, where ``<data>`` is ``$DISTILL_PDF_DATA``,
else ``$XDG_DATA_HOME/distill-pdf`` (``~/.local/share/distill-pdf``): not the cache folder,
whose contents may go at any time. Pages that ask a CDN for one of them
(cdn.plot.ly, cdn.jsdelivr.net, unpkg.com, cdnjs) are answered from there: the version the
page names is not checked, the pinned one stands in.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import urlsplit


# npm name -> (pinned version, the browser bundle pages load)
PINNED = {
    "mermaid": ("11.17.2", "dist/mermaid.min.js"),
    "plotly.js-dist-min": ("2.35.3", "plotly.min.js"),
    "vega": ("6.4.0", "build/vega.min.js"),
    "vega-lite": ("6.4.3", "build/vega-lite.min.js"),
    "vega-embed": ("7.3.0", "build/vega-embed.min.js"),
    "chart.js": ("4.6.2", "dist/chart.umd.min.js"),
    "echarts": ("5.6.0", "dist/echarts.min.js"),
    # MathJax 2, which plot pages (Plotly's LaTeX labels) load from cdnjs; it loads its own
    # config and output files next to itself, which the package holds
    "mathjax": ("2.7.9", "MathJax.js"),
}
# what a package is unpacked without: source maps (a third of mermaid's size), MathJax's
# unminified copy of itself (a third of its size)
_LEFT_OUT = re.compile(r"\.map$|^package/unpacked/")
# names a CDN path may use for a package (cdnjs spells some differently)
_ALIASES = {"plotly.js": "plotly.js-dist-min", "plotly.js-dist": "plotly.js-dist-min", "plotly": "plotly.js-dist-min",
            "Chart.js": "chart.js", "chartjs": "chart.js"}


def library_dir() -> Path:
    base = os.environ.get("DISTILL_PDF_DATA") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "distill-pdf")
    return Path(base) / "figure-libraries"


def package_dir(name: str) -> Path:
    return library_dir() / f"{name}@{PINNED[name][0]}"


def versions() -> str:
    """What goes into every figure's cache key: a new pin draws figures anew."""
    return ",".join(f"{name}@{version}" for name, (version, _) in sorted(PINNED.items()))


def missing() -> list[str]:
    return [name for name, (_, bundle) in PINNED.items() if not (package_dir(name) / bundle).is_file()]


def bundle(name: str) -> Path:
    return package_dir(name) / PINNED[name][1]


def install(log=print) -> list[str]:
    """Fetch the pinned packages that are not here yet with ``npm pack``; the problems."""
    npm = shutil.which("npm")
    if npm is None:
        return ["npm not found (apt-get install npm)"]
    problems = []
    library_dir().mkdir(parents=True, exist_ok=True)
    for name in missing():
        spec = f"{name}@{PINNED[name][0]}"
        log(f"fetching {spec}")
        with tempfile.TemporaryDirectory(dir=library_dir()) as tmp:
            done = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                                  capture_output=True, text=True, cwd=tmp)
            tarballs = list(Path(tmp).glob("*.tgz"))
            if done.returncode or not tarballs:
                problems.append(f"{spec}: npm pack failed: {(done.stderr or done.stdout).strip()[-300:]}")
                continue
            _unpack(tarballs[0], Path(tmp) / "unpacked")
            target = package_dir(name)
            shutil.rmtree(target, ignore_errors=True)
            (Path(tmp) / "unpacked" / "package").rename(target)
    return problems


def _unpack(tarball: Path, folder: Path) -> None:
    """The package without what no page loads (``_LEFT_OUT``)."""
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if (m.isfile() or m.isdir()) and not _LEFT_OUT.search(m.name)]
        archive.extractall(folder, members=members, filter="data")


def cdn_file(url: str) -> Path | None:
    """The local copy that answers a CDN URL, or None when it is not one of our libraries."""
    parts = urlsplit(url)
    host, path = parts.hostname or "", parts.path
    if host == "cdn.plot.ly" and re.match(r"/plotly[\w.-]*\.js$", path):
        return bundle("plotly.js-dist-min")
    if host in ("cdn.jsdelivr.net", "unpkg.com", "fastly.jsdelivr.net"):
        m = re.match(r"(?:/npm)?/((?:@[^/]+/)?[^/@]+)(?:@[^/]*)?(/.*)?$", path)
        return _package_file(m.group(1), (m.group(2) or "").lstrip("/")) if m else None
    if host == "cdnjs.cloudflare.com":
        m = re.match(r"/ajax/libs/([^/]+)/[^/]+/(.+)$", path)
        return _package_file(m.group(1), m.group(2)) if m else None
    return None


def _package_file(name: str, file: str) -> Path | None:
    name = _ALIASES.get(name, name)
    if name not in PINNED:
        return None
    if file:
        exact = package_dir(name) / file
        if exact.is_file() and exact.resolve().is_relative_to(package_dir(name).resolve()):
            return exact
    return bundle(name)
