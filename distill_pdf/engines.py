"""Which TeX engine runs here: tectonic (with its offline bundle) or XeLaTeX.

``find_engine("auto")`` prefers tectonic when it runs and a bundle is found, else xelatex;
EngineMissing (exit 2) says how to install one when neither runs.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .bundle import default_bundle_dir, is_bundle
from .errors import EngineMissing, UsageError

ENGINES = ("tectonic", "xelatex")
TECTONIC_ENV = "DISTILL_PDF_TECTONIC"  # explicit path to a tectonic (wrapper) to use
TECTONIC_FALLBACKS = ("/usr/local/bin/tectonic",)

INSTALL_HINT = (
    "install an engine: `make setup`, or `apt-get install texlive-xetex texlive-latex-extra "
    "texlive-fonts-recommended biber` for xelatex, or `sudo tools/install-tectonic` for "
    "tectonic with its offline bundle"
)


# --------------------------------------------------------------------------- data


@dataclass
class Engine:
    name: str                 # "tectonic" | "xelatex"
    executable: str
    bundle: Path | None = None  # tectonic only: the offline bundle directory



_works_cache: dict[tuple[str, ...], str | None] = {}


def probe_version(cmd: list[str], expect: str) -> str | None:
    """Run a quick version command; the first output line if it ran and looks right."""
    key = tuple(cmd)
    if key in _works_cache:
        return _works_cache[key]
    result = None
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           errors="replace", timeout=30)
        out = (p.stdout or "") + (p.stderr or "")
        if p.returncode == 0 and expect.lower() in out.lower():
            result = out.strip().splitlines()[0] if out.strip() else expect
    except (OSError, subprocess.SubprocessError):
        result = None
    _works_cache[key] = result
    return result


def _tectonic_candidates() -> list[str]:
    """Every tectonic we might run, in order: $DISTILL_PDF_TECTONIC, each one on PATH
    (the first on PATH may be a raw binary this glibc cannot run, e.g. a pyenv shim,
    while the install script's wrapper sits later on PATH), /usr/local/bin/tectonic."""
    out: list[str] = []
    env = os.environ.get(TECTONIC_ENV)
    if env:
        out.append(env)
    for d in os.environ.get("PATH", os.defpath).split(os.pathsep):
        if d:
            out.append(os.path.join(d, "tectonic"))
    out.extend(TECTONIC_FALLBACKS)
    seen, result = set(), []
    for c in out:
        if c in seen or not (os.path.isfile(c) and os.access(c, os.X_OK)):
            continue
        seen.add(c)
        result.append(c)
    return result


def find_tectonic() -> str | None:
    for exe in _tectonic_candidates():
        if probe_version([exe, "--version"], "tectonic"):
            return exe
    return None


def find_xelatex() -> tuple[str | None, str | None]:
    """(executable, problem): the xelatex that runs, or why none does."""
    exe = shutil.which("xelatex")
    if not exe:
        return None, "xelatex is not installed"
    if not probe_version([exe, "--version"], "xetex"):
        return None, f"{exe} does not run"
    kpse = shutil.which("kpsewhich")
    if kpse:
        fmt = XELATEX_FMT.get(exe)
        if fmt is None:
            try:
                fmt = subprocess.run([kpse, "-engine=xetex", "xelatex.fmt"], capture_output=True,
                                     text=True, timeout=30).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                fmt = "?"
            XELATEX_FMT[exe] = fmt
        if not fmt:
            return None, "xelatex.fmt is missing (run `fmtutil-sys --byfmt xelatex`)"
    return exe, None


XELATEX_FMT: dict[str, str] = {}  # xelatex executable -> its xelatex.fmt (kpsewhich, once)


def _resolve_bundle(bundle: Path | None) -> Path | None:
    if bundle is not None:
        bundle = Path(bundle).expanduser()
        if not is_bundle(bundle):
            raise UsageError("not a tectonic bundle (no SHA256SUM); build one with "
                             "`distill-pdf bundle build DIR`", bundle)
        return bundle
    return default_bundle_dir()


def find_engine(name: str = "auto", bundle: Path | None = None) -> Engine:
    """The engine to use. ``auto``: tectonic when it runs here and a bundle is available
    (``bundle``, else :func:`distill_pdf.bundle.default_bundle_dir`), else xelatex.
    Raises EngineMissing (exit 2) with install instructions when no engine runs."""
    name = (name or "auto").lower()
    if name not in ("auto", *ENGINES):
        raise UsageError(f"unknown engine {name!r} (choose auto, tectonic or xelatex)")
    problems = []
    if name in ("auto", "tectonic"):
        bdir = _resolve_bundle(bundle)
        exe = find_tectonic()
        if exe and bdir:
            return Engine("tectonic", exe, bdir)
        if not exe:
            problems.append("tectonic does not run here")
        if not bdir:
            problems.append("no offline tectonic bundle (set $DISTILL_PDF_BUNDLE, or build "
                            "one with `distill-pdf bundle build ~/.cache/distill-pdf/bundle`)")
        if name == "tectonic":
            raise EngineMissing("cannot use tectonic: " + "; ".join(problems) + "; " + INSTALL_HINT)
    exe, problem = find_xelatex()
    if exe:
        return Engine("xelatex", exe, None)
    problems.append(problem or "xelatex does not run")
    raise EngineMissing("no TeX engine runs here (" + "; ".join(problems) + "); " + INSTALL_HINT)

