"""Running TeX and its helpers as child processes: one deadline for a whole build, the
process group killed on timeout or Ctrl-C, an environment that forbids shell escape and
writes outside the build folder.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from .engines import INSTALL_HINT, Engine
from .errors import CompileTimeout, EngineMissing


class Runner:
    def __init__(self, cwd: Path, env: dict[str, str], timeout: float, what: str, tex: Path):
        self.cwd, self.env, self.timeout, self.what, self.tex = cwd, env, timeout, what, tex
        self.deadline = time.monotonic() + timeout

    def run(self, cmd: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self._timeout()
        try:
            p = subprocess.Popen(cmd, cwd=self.cwd, env=env or self.env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 start_new_session=True)
        except FileNotFoundError as e:
            raise EngineMissing(f"cannot run {cmd[0]}: {e.strerror}; {INSTALL_HINT}") from None
        try:
            out, err = p.communicate(timeout=remaining)
        except subprocess.TimeoutExpired:
            kill_group(p)
            self._timeout()
        except BaseException:
            kill_group(p)
            raise
        return (p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    def _timeout(self):
        raise CompileTimeout(f"{self.what} timed out after {self.timeout:g} s", self.tex)


def kill_group(p: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(p.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            p.communicate(timeout=2)
            return
        except subprocess.TimeoutExpired:
            continue
    p.wait()


def engine_env(engine: Engine) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TEXMFOUTPUT", None)
    env["openout_any"] = "p"      # TeX may write only below the current directory
    env["shell_escape"] = "f"
    if engine.name == "xelatex":
        # unwrapped log lines and longer error context; tectonic ignores these
        env["max_print_line"] = "100000"
        env["error_line"] = "254"
        env["half_error_line"] = "238"
    return env


def read_log(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def tail(text: str, n: int = 6) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:])

