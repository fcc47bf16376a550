"""The bundle's own test: unpack the tarball into a fresh empty folder and compile
it there as arXiv would -- the bundle's engine run directly, twice, with no shell
escape, no writes outside the folder, and nothing but the bundle and TeX Live
(no TEXINPUTS of ours)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..compile import LatexIssue, parse_log
from ..errors import CompileTimeout, EngineMissing
from .tarball import extract

PASSES = 2
_KEEP_OUT = ("TEXINPUTS", "BIBINPUTS", "BSTINPUTS", "TEXFONTS", "OSFONTDIR", "TEXMFOUTPUT", "TEXMFHOME")


@dataclass
class Verification:
    pdf: Path | None
    log: str
    errors: list[LatexIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing_chars: list[str] = field(default_factory=list)
    command: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and self.pdf is not None


def compile_bundle(tarball: Path, engine: str, workdir: Path, timeout: float = 300,
                   keep_going: bool = False) -> Verification:
    """Unpack ``tarball`` into ``workdir/bundle`` (created empty) and compile main.tex there.
    ``keep_going``: on past errors, to list every one (see :mod:`distill_pdf.isolation`)."""
    exe = shutil.which(engine)
    if exe is None:
        raise EngineMissing(f"{engine} is not installed (apt-get install texlive-latex-base"
                            f"{' texlive-xetex' if engine == 'xelatex' else ''})")
    folder = workdir / "bundle"
    folder.mkdir(parents=True)
    extract(tarball, folder)
    env = {k: v for k, v in os.environ.items() if k not in _KEEP_OUT}
    env.update({"openout_any": "p", "shell_escape": "f", "max_print_line": "100000",
                "error_line": "254", "half_error_line": "238"})
    cmd = [exe, "-no-shell-escape", "-interaction=nonstopmode", *([] if keep_going else ["-halt-on-error"]),
           "main.tex"]
    log = ""
    for _ in range(PASSES):
        try:
            subprocess.run(cmd, cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CompileTimeout(f"{engine} timed out after {timeout:g} s", tarball) from None
        log_path = folder / "main.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
        parsed = parse_log(log, 0)
        if parsed.errors or not log:
            break
    parsed = parse_log(log, 0)
    errors = parsed.errors or ([] if log else [LatexIssue(None, f"{engine} wrote no log", "")])
    pdf = folder / "main.pdf"
    return Verification(pdf if pdf.exists() else None, log, errors, parsed.warnings, parsed.missing_chars,
                        " ".join(["cd <fresh folder> &&", engine, *cmd[1:]]) + f"  (x{PASSES})")


def fresh_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="distill-pdf-arxiv-"))
