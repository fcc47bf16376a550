"""Precompiled preambles: the class, packages and macros of a generated .tex, loaded from
a format made once instead of read on every run, for both engines.

mylatexformat dumps the state at the FORMAT_MARK line; the runs that load the format skip
the .tex up to it. XeLaTeX keeps the format in our cache; tectonic in its own cache,
pointed into ours, made from an overlay of its bundle (:class:`TectonicPreamble`).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .engines import Engine, XELATEX_FMT, find_xelatex
from .tex_process import Runner, kill_group, read_log
from .texlog import log_lines, parse_errors


FORMAT_MARK = "\\csname endofdump\\endcsname"  # a line of its own; \relax in any other run
FORMAT_KEEP = 8      # formats kept per cache folder (about 10 MB each), least recently used go
_FORMAT_VERSION = "distill-pdf-format/1"
# mylatexformat dumps the state at the mark and, in the runs that load the format, skips the
# .tex up to it. XeTeX cannot dump an OpenType font, and the class selects its default font
# (Latin Modern, TU encoding) while it loads: while the format is made, TU fonts are loaded
# from their metric twin cmr10 (a TFM, so dumpable; the same metrics for anything a package
# measures while it loads), and every job that loads the format forgets them again first, so
# Latin Modern itself is loaded if anything ever uses it. mylatexformat's font preloading
# (useless for XeTeX) is replaced by putting NFSS back as it was.
_FORMAT_HEAD = r"""\makeatletter
\let\dp@extract@font\extract@font \def\dp@fakefonts{}
\def\extract@font{\ifnum\strcmp{\f@encoding}{TU}=0
  \global\expandafter\font\font@name=cmr10 at \f@size pt\relax
  \xdef\dp@fakefonts{\dp@fakefonts\global\let\expandafter\noexpand\font@name\relax}%
  \font@name\relax\csname\f@encoding+\f@family\endcsname\csname\curr@fontshape\endcsname\relax
  \else\expandafter\dp@extract@font\fi}
\def\MYLATEX@fontpreloading{\let\extract@font\dp@extract@font
  \everyjob\expandafter{\the\expandafter\everyjob\dp@fakefonts}}
\makeatother
"""


class Preamble:
    """The preamble of a .tex up to its FORMAT_MARK line, precompiled into a format
    (packages, class, macros; no fonts) that loads in a fraction of the time the packages
    take. Made once per distinct preamble text and TeX installation, the first time in the
    background while that run's own first pass goes on. One subclass per engine says where
    the format lives and how it is made."""

    def __init__(self, folder: Path, key: str, mark_line: int, prefix: str, engine: Engine):
        self.folder, self.key, self.mark_line, self.prefix = folder, key, mark_line, prefix
        self.engine = engine
        self.failed = folder / f"{key}.failed"
        self._build: subprocess.Popen | None = None
        self._build_dir: Path | None = None
        self._lock = None

    @classmethod
    def find(cls, tex: Path, engine: Engine, folder: Path) -> Preamble | None:
        try:
            text = tex.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        lines = text.split("\n")
        try:
            mark = lines.index(FORMAT_MARK)
        except ValueError:
            return None
        prefix = "\n".join(lines[:mark + 1]) + "\n"
        digest = hashlib.sha256()
        for part in (_FORMAT_VERSION, _FORMAT_HEAD, *cls.installation(engine), prefix):
            digest.update(part.encode("utf-8") + b"\0")
        return cls(Path(folder), digest.hexdigest()[:32], mark + 1, prefix, engine)

    # -- what each engine says ------------------------------------------------------
    @staticmethod
    def installation(engine: Engine) -> tuple[str, ...]:
        """What a format depends on besides the preamble text (the TeX installation)."""
        raise NotImplementedError

    def made(self) -> bool:
        raise NotImplementedError

    def arguments(self) -> list[str]:
        """Engine arguments that load the format."""
        raise NotImplementedError

    def launch(self, runner: Runner) -> subprocess.Popen:
        """Start making the format in ``self._build_dir``."""
        raise NotImplementedError

    def keep(self) -> bool:
        """After a successful build: put the format in place; False if there is none."""
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    def environment(self, env: dict[str, str]) -> dict[str, str]:
        """The environment of the runs that make or load the format."""
        return env

    # -- shared -------------------------------------------------------------------------
    def start(self, runner: Runner) -> list[str] | None:
        """The arguments to run with, or None: then, unless it failed before or another
        process is making it, start making the format."""
        if self.made():
            return self.arguments()
        if self.failed.exists():
            return None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.folder / f"{self.key}.lock", "w")
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another build holds it, or the folder is not writable
            self._release()
            return None
        if self.made():  # made while we waited for the lock
            self._release()
            return self.arguments()
        try:
            self._build_dir = Path(tempfile.mkdtemp(prefix=".build-", dir=self.folder))
            self._build = self.launch(runner)
        except OSError:
            self._cleanup()
        return None

    def finish(self, runner: Runner) -> None:
        """Wait for a format being made (within the run's time limit) and keep it if good."""
        if self._build is None:
            return
        try:
            rc = self._build.wait(timeout=max(runner.deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            self.abort()
            return
        log = read_log(self._build_dir / "dp.log") or ""
        if not (rc == 0 and not re.search(r"^! ", log, re.M) and self.keep()):
            self.failed.touch()
        self._cleanup()

    def abort(self) -> None:
        if self._build is not None and self._build.poll() is None:
            kill_group(self._build)
        self._cleanup()

    def suspect(self, log: str | None, output: str) -> bool:
        """Whether a failed run may be the format's fault, rather than the document's."""
        if log is None or "undump" in output or "format file" in output:
            return True
        errors = parse_errors(log_lines(log, None))
        return not errors or errors[0].tex_line is None or errors[0].tex_line <= self.mark_line

    def discard(self) -> None:
        """A format that does not work here: never again."""
        self.remove()
        try:
            self.failed.touch()
        except OSError:
            pass

    def _cleanup(self) -> None:
        self._build = None
        if self._build_dir is not None:
            shutil.rmtree(self._build_dir, ignore_errors=True)
            self._build_dir = None
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing releases the flock
            self._lock = None


def _prune(formats: list[Path]) -> None:
    """Keep the FORMAT_KEEP most recently used formats."""
    try:
        made = sorted(formats, key=lambda p: p.stat().st_mtime, reverse=True)
        for old in made[FORMAT_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def _touch(path: Path) -> None:
    try:
        os.utime(path)  # recently used
    except OSError:
        pass


class XelatexPreamble(Preamble):
    """XeLaTeX: mylatexformat over ``&xelatex`` into ``FOLDER/KEY.fmt``, loaded with -fmt=."""

    @property
    def fmt(self) -> Path:
        return self.folder / f"{self.key}.fmt"

    @staticmethod
    def installation(engine: Engine) -> tuple[str, ...]:
        if engine.executable not in XELATEX_FMT:
            find_xelatex()
        return _identity(engine.executable), _identity(XELATEX_FMT.get(engine.executable) or "")

    def made(self) -> bool:
        if self.fmt.is_file():
            _touch(self.fmt)
            return True
        return False

    def arguments(self) -> list[str]:
        return [f"-fmt={self.fmt.with_suffix('')}"]

    def launch(self, runner: Runner) -> subprocess.Popen:
        (self._build_dir / "dp-format.tex").write_text(_FORMAT_HEAD + self.prefix, encoding="utf-8")
        return subprocess.Popen(
            [self.engine.executable, "-ini", "-no-shell-escape", "-interaction=batchmode",
             "-halt-on-error", "-jobname=dp", "&xelatex", "mylatexformat.ltx", "dp-format.tex"],
            cwd=self._build_dir, env=self.environment(runner.env), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def keep(self) -> bool:
        made = self._build_dir / "dp.fmt"
        if not made.is_file():
            return False
        os.replace(made, self.fmt)
        _prune(list(self.folder.glob("*.fmt")))
        return True

    def remove(self) -> None:
        self.fmt.unlink(missing_ok=True)


class TectonicPreamble(Preamble):
    """tectonic makes a format only from a ``tectonic-format-NAME.tex`` of its bundle, and
    keeps it in its own cache (``$TECTONIC_CACHE_DIR/formats/DIGEST-NAME-VERSION.fmt``). So
    the format's source goes into an overlay bundle in our cache (links to every file of
    the installed bundle, plus our sources; made once, about a second), tectonic's cache is
    pointed into ours (:func:`tectonic_cache`), and runs that load the format use the
    overlay with ``--format NAME``."""

    @property
    def name(self) -> str:
        return f"dp{self.key[:24]}"

    @staticmethod
    def installation(engine: Engine) -> tuple[str, ...]:
        return _identity(engine.executable), _bundle_digest(engine.bundle)

    def _formats(self) -> list[Path]:
        return list((tectonic_cache(self.folder) / "formats").glob(f"*-{self.name}-*.fmt"))

    @property
    def overlay(self) -> Path:
        return self.folder / "tectonic-bundles" / _bundle_digest(self.engine.bundle)[:16]

    def environment(self, env: dict[str, str]) -> dict[str, str]:
        return {**env, "TECTONIC_CACHE_DIR": str(tectonic_cache(self.folder))}

    def made(self) -> bool:
        found = self._formats()
        for fmt in found:
            _touch(fmt)
        return bool(found) and (self.overlay / f"tectonic-format-{self.name}.tex").is_file()

    def arguments(self) -> list[str]:
        return ["--bundle", str(self.overlay), "--format", self.name]

    def launch(self, runner: Runner) -> subprocess.Popen:
        overlay = _overlay_bundle(Path(self.engine.bundle), self.overlay)
        (overlay / f"{self.name}-preamble.tex").write_text(_FORMAT_HEAD + self.prefix, encoding="utf-8")
        # latex.ltx ends with \dump: held back until mylatexformat has read the preamble
        (overlay / f"tectonic-format-{self.name}.tex").write_text(
            "\\let\\dporigdump\\dump \\let\\dump\\relax\n\\input xelatex.ini\n"
            "\\let\\dump\\dporigdump\n"
            f"\\input mylatexformat.ltx {self.name}-preamble.tex\n", encoding="utf-8")
        # tectonic makes a format when a run asks for it: a stub document, no PDF
        (self._build_dir / "dp.tex").write_text(
            "\\documentclass{article}\n\\begin{document}\n\\end{document}\n", encoding="utf-8")
        return subprocess.Popen(
            [self.engine.executable, "--bundle", str(overlay), "--only-cached", "--untrusted", "--keep-logs",
             "--color", "never", "--reruns", "0", "--outfmt", "aux", "--format", self.name, "dp.tex"],
            cwd=self._build_dir, env=self.environment(runner.env), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def keep(self) -> bool:
        found = self._formats()
        _prune([f for f in (tectonic_cache(self.folder) / "formats").glob("*.fmt")
                if "-latex-" not in f.name])
        return bool(found)

    def remove(self) -> None:
        for fmt in self._formats():
            fmt.unlink(missing_ok=True)


def tectonic_cache(folder: Path) -> Path:
    """tectonic's cache (its formats), kept beside ours: ``$TECTONIC_CACHE_DIR`` of every run."""
    return Path(folder) / "tectonic"


def _bundle_digest(bundle: Path | None) -> str:
    try:
        return (Path(bundle) / "SHA256SUM").read_text(encoding="utf-8").strip()[:64]
    except (OSError, TypeError):
        return "none"


def _overlay_bundle(base: Path, overlay: Path) -> Path:
    """``overlay``: links to every file of the flat bundle ``base`` (same digest), made once."""
    if (overlay / "SHA256SUM").is_file():
        return overlay
    overlay.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".overlay-", dir=overlay.parent))
    try:
        for entry in os.scandir(base):
            if entry.name != "SHA256SUM":
                os.symlink(os.path.realpath(entry.path), building / entry.name)
        shutil.copyfile(base / "SHA256SUM", building / "SHA256SUM")
        try:
            os.rename(building, overlay)
        except OSError:  # another process made it first
            pass
    finally:
        shutil.rmtree(building, ignore_errors=True)
    for old in overlay.parent.iterdir():  # bundles of a TeX installation since replaced
        if old != overlay and not old.name.startswith(".") and old.stat().st_mtime < overlay.stat().st_mtime:
            shutil.rmtree(old, ignore_errors=True)
    return overlay


def _identity(path: str) -> str:
    """A file by its real path, size and modification time (the TeX installation: xelatex and
    xelatex.fmt change whenever TeX Live or one of its packages is updated)."""
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
        return f"{real}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        return path

