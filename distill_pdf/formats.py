"""Precompiled preambles: the class, packages and macros of a generated .tex, loaded from
a format made once instead of read on every run.

XeLaTeX: mylatexformat dumps the state at the FORMAT_MARK line into a format in our cache.
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


class XelatexPreamble:
    """The preamble of a .tex up to its FORMAT_MARK line, precompiled into a XeTeX format
    (packages, class, macros; no fonts) that loads in a fraction of the time the packages
    take. Made once per distinct preamble text and TeX installation, the first time in the
    background while that run's own first pass goes on; cached in ``folder``."""

    def __init__(self, folder: Path, key: str, mark_line: int, prefix: str):
        self.folder, self.key, self.mark_line, self.prefix = folder, key, mark_line, prefix
        self.fmt = folder / f"{key}.fmt"
        self.failed = folder / f"{key}.failed"
        self._build: subprocess.Popen | None = None
        self._build_dir: Path | None = None
        self._lock = None

    @classmethod
    def find(cls, tex: Path, engine: Engine, folder: Path) -> XelatexPreamble | None:
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
        if engine.executable not in XELATEX_FMT:
            find_xelatex()
        for part in (_FORMAT_VERSION, _FORMAT_HEAD, _identity(engine.executable),
                     _identity(XELATEX_FMT.get(engine.executable) or ""), prefix):
            digest.update(part.encode("utf-8") + b"\0")
        return cls(Path(folder), digest.hexdigest()[:32], mark + 1, prefix)

    def start(self, runner: Runner, executable: str) -> Path | None:
        """The format to run with (a path without .fmt, for -fmt=), or None: then, unless
        it failed before or another process is making it, start making it."""
        if self.fmt.is_file():
            try:
                os.utime(self.fmt)  # recently used
            except OSError:
                pass
            return self.fmt.with_suffix("")
        if self.failed.exists():
            return None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.folder / f"{self.key}.lock", "w")
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another build holds it, or the folder is not writable
            self._release()
            return None
        if self.fmt.is_file():  # made while we waited for the lock
            self._release()
            return self.fmt.with_suffix("")
        try:
            self._build_dir = Path(tempfile.mkdtemp(prefix=".build-", dir=self.folder))
            (self._build_dir / "dp-format.tex").write_text(_FORMAT_HEAD + self.prefix,
                                                         encoding="utf-8")
            self._build = subprocess.Popen(
                [executable, "-ini", "-no-shell-escape", "-interaction=batchmode",
                 "-halt-on-error", "-jobname=dp", "&xelatex", "mylatexformat.ltx", "dp-format.tex"],
                cwd=self._build_dir, env=runner.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
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
        made = self._build_dir / "dp.fmt"
        if rc == 0 and made.is_file() and not re.search(r"^! ", log, re.M):
            os.replace(made, self.fmt)
            self._prune()
        else:
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
        errors = parse_errors(log_lines(log, 0))
        return not errors or errors[0].tex_line is None or errors[0].tex_line <= self.mark_line

    def discard(self) -> None:
        self.fmt.unlink(missing_ok=True)
        try:
            self.failed.touch()
        except OSError:
            pass

    def _prune(self) -> None:
        try:
            made = sorted(self.folder.glob("*.fmt"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in made[FORMAT_KEEP:]:
                old.unlink(missing_ok=True)
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


def _identity(path: str) -> str:
    """A file by its real path, size and modification time (the TeX installation: xelatex and
    xelatex.fmt change whenever TeX Live or one of its packages is updated)."""
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
        return f"{real}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        return path

