"""The engine step: run tectonic or xelatex on a generated .tex file and read its log.

Public API (used by the renderer and the CLI)::

    engine = find_engine("auto")          # or "tectonic" / "xelatex"; EngineMissing if none runs
    result = compile_tex(tex_path, engine, timeout=300, bibliography=False,
                         format_cache=None)  # a folder: precompiled preambles (xelatex)
    result.pdf, result.errors, result.overfull, result.missing_chars, result.warnings, result.pages

Passes are decided here for both engines (tectonic runs with ``--reruns 0``; only with
biblatex does tectonic decide, as it runs biber itself): another pass only when one would
typeset differently (see :func:`_rerun_reason`); a table of contents is predicted from the
headings before the first pass (:func:`_predict_toc`).

Shell escape is never enabled: xelatex gets ``-no-shell-escape`` (and ``shell_escape=f``,
``openout_any=p`` in its environment), tectonic gets ``--untrusted`` and never ``-Z shell-escape``.
Tectonic runs fully offline against a local bundle (see :mod:`distill_pdf.bundle`).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from distill_pdf.bundle import default_bundle_dir, is_bundle
from distill_pdf.errors import CompileTimeout, DistillError, EngineMissing, UsageError
from distill_pdf.writer.mathcheck import group_end

ENGINES = ("tectonic", "xelatex")
MAX_PASSES = 5  # TeX passes (tectonic with biber decides its own reruns, at most 6)
TECTONIC_ENV = "DISTILL_PDF_TECTONIC"  # explicit path to a tectonic (wrapper) to use
TECTONIC_FALLBACKS = ("/usr/local/bin/tectonic",)
TEX_WRAP = 79  # tectonic's logs wrap lines at max_print_line = 79 characters

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


@dataclass
class LatexIssue:
    tex_line: int | None
    message: str              # one line, e.g. "Undefined control sequence."
    context: str              # the LaTeX source shown on the log's l.NNN line, stripped
    file: str | None = None   # the file tex_line refers to, relative to the build folder
                              # ("main.tex", "chapter.tex", or an absolute path to a .sty)


@dataclass
class CompileResult:
    pdf: Path
    log: str                  # full log text of the last pass
    passes: int
    errors: list[LatexIssue] = field(default_factory=list)
    overfull: list[tuple[int | None, float]] = field(default_factory=list)
    missing_chars: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pages: int = 0            # as the log says ("Output written on main.pdf (3 pages)"); 0: unknown

    @property
    def ok(self) -> bool:
        return not self.errors and self.pdf.exists()


# --------------------------------------------------------------------------- engines


_works_cache: dict[tuple[str, ...], str | None] = {}


def _probe(cmd: list[str], expect: str) -> str | None:
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


def _find_tectonic() -> str | None:
    for exe in _tectonic_candidates():
        if _probe([exe, "--version"], "tectonic"):
            return exe
    return None


def _find_xelatex() -> tuple[str | None, str | None]:
    """(executable, problem): the xelatex that runs, or why none does."""
    exe = shutil.which("xelatex")
    if not exe:
        return None, "xelatex is not installed"
    if not _probe([exe, "--version"], "xetex"):
        return None, f"{exe} does not run"
    kpse = shutil.which("kpsewhich")
    if kpse:
        fmt = _XELATEX_FMT.get(exe)
        if fmt is None:
            try:
                fmt = subprocess.run([kpse, "-engine=xetex", "xelatex.fmt"], capture_output=True,
                                     text=True, timeout=30).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                fmt = "?"
            _XELATEX_FMT[exe] = fmt
        if not fmt:
            return None, "xelatex.fmt is missing (run `fmtutil-sys --byfmt xelatex`)"
    return exe, None


_XELATEX_FMT: dict[str, str] = {}  # xelatex executable -> its xelatex.fmt (kpsewhich, once)


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
        exe = _find_tectonic()
        if exe and bdir:
            return Engine("tectonic", exe, bdir)
        if not exe:
            problems.append("tectonic does not run here")
        if not bdir:
            problems.append("no offline tectonic bundle (set $DISTILL_PDF_BUNDLE, or build "
                            "one with `distill-pdf bundle build ~/.cache/distill-pdf/bundle`)")
        if name == "tectonic":
            raise EngineMissing("cannot use tectonic: " + "; ".join(problems) + "; " + INSTALL_HINT)
    exe, problem = _find_xelatex()
    if exe:
        return Engine("xelatex", exe, None)
    problems.append(problem or "xelatex does not run")
    raise EngineMissing("no TeX engine runs here (" + "; ".join(problems) + "); " + INSTALL_HINT)


# --------------------------------------------------------------------------- log parsing

_FILE_LINE_ERR = re.compile(r"^(?P<file>[^\s:(][^:()]*\.[A-Za-z0-9]+):(?P<line>\d+): (?P<msg>.*)$")
_CONTEXT = re.compile(r"^l\.(?P<line>\d+) ?(?P<ctx>.*)$")
_OVERFULL = re.compile(
    r"^Overfull \\hbox \((?P<pt>-?[\d.]+)pt too wide\) "
    r"(?:in paragraph at lines (?P<a>\d+)--\d+|in alignment at lines (?P<b>\d+)--\d+"
    r"|detected at line (?P<c>\d+)|has occurred while \\output is active)")
_MISSING = re.compile(r"^Missing character: There is no .*")
_WARNING = re.compile(r"^(?P<who>LaTeX(?: Font)?|Package(?: [^\s:]+)?|Class(?: [^\s:]+)?)"
                      r" Warning: (?P<msg>.*)$")
_FOLLOW_UPS = ("Emergency stop.", "==> Fatal error occurred, no output PDF file produced!",
               "Job aborted, no legal \\end found")


def _unwrap(lines: list[str], width: int) -> list[str]:
    """Undo TeX's hard wrapping of log lines at ``width`` characters."""
    out: list[str] = []
    buf: str | None = None
    for line in lines:
        buf = line if buf is None else buf + line
        if len(line) != width:
            out.append(buf)
            buf = None
    if buf is not None:
        out.append(buf)
    return out


def _log_lines(log: str, wrap_width: int | None) -> list[str]:
    lines = log.splitlines()
    if wrap_width is None:  # auto: TeX's default max_print_line is 79
        wrap_width = TEX_WRAP if all(len(x) <= TEX_WRAP for x in lines[1:]) else 0
    return _unwrap(lines, wrap_width) if wrap_width else lines


def parse_errors(lines: list[str]) -> list[LatexIssue]:
    starts: list[tuple[int, str | None, int | None, str]] = []
    for i, line in enumerate(lines):
        if line.startswith("! "):
            starts.append((i, None, None, line[2:].strip()))
            continue
        m = _FILE_LINE_ERR.match(line)
        if m:
            starts.append((i, m["file"], int(m["line"]), m["msg"].strip()))
    issues = []
    for k, (i, file, line_no, msg) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        ctx_line, ctx = None, ""
        for j in range(i + 1, min(end, i + 40)):
            m = _CONTEXT.match(lines[j])
            if m:
                ctx_line, ctx = int(m["line"]), m["ctx"].strip()
                break
        issues.append(LatexIssue(line_no if line_no is not None else ctx_line, msg, ctx, file))
    real = [x for x in issues if not x.message.startswith(_FOLLOW_UPS)]
    return real or issues


def parse_overfull(lines: list[str]) -> list[tuple[int | None, float]]:
    out = []
    for line in lines:
        m = _OVERFULL.match(line)
        if m:
            n = m["a"] or m["b"] or m["c"]
            out.append((int(n) if n else None, float(m["pt"])))
    return out


def parse_missing_chars(lines: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for line in lines:
        if _MISSING.match(line):
            seen.setdefault(line.strip(), None)
    return list(seen)


def parse_warnings(lines: list[str]) -> list[str]:
    """One line per ``LaTeX/Package/Class ... Warning:``, continuation lines joined."""
    out = []
    i = 0
    while i < len(lines):
        m = _WARNING.match(lines[i])
        i += 1
        if not m:
            continue
        who = m["who"]
        # packages continue with "(name)   ...", fonts with "(Font)   ...", the kernel
        # with an indented line
        prefix = "(Font)" if who == "LaTeX Font" else (
            f"({who.split(' ', 1)[1]})" if " " in who else None)
        parts = [m["msg"].strip()]
        while i < len(lines) and lines[i].strip():
            nxt = lines[i]
            if prefix and nxt.startswith(prefix):
                parts.append(nxt[len(prefix):].strip())
            elif prefix is None and nxt.startswith("    "):
                parts.append(nxt.strip())
            else:
                break
            i += 1
        out.append(f"{who} Warning: " + " ".join(p for p in parts if p))
    return out


@dataclass
class ParsedLog:
    errors: list[LatexIssue]
    overfull: list[tuple[int | None, float]]
    missing_chars: list[str]
    warnings: list[str]


def parse_log(log: str, wrap_width: int | None = None) -> ParsedLog:
    """Errors, overfull boxes, missing characters and warnings of a xelatex or tectonic log.
    ``wrap_width``: the log's max_print_line (tectonic: 79), 0 if unwrapped, None to guess."""
    lines = _log_lines(log, wrap_width)
    return ParsedLog(parse_errors(lines), parse_overfull(lines), parse_missing_chars(lines),
                     parse_warnings(lines))


# --------------------------------------------------------------------------- running


class _Runner:
    def __init__(self, cwd: Path, env: dict[str, str], timeout: float, what: str, tex: Path):
        self.cwd, self.env, self.timeout, self.what, self.tex = cwd, env, timeout, what, tex
        self.deadline = time.monotonic() + timeout

    def run(self, cmd: list[str]) -> tuple[int, str, str]:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self._timeout()
        try:
            p = subprocess.Popen(cmd, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 start_new_session=True)
        except FileNotFoundError as e:
            raise EngineMissing(f"cannot run {cmd[0]}: {e.strerror}; {INSTALL_HINT}") from None
        try:
            out, err = p.communicate(timeout=remaining)
        except subprocess.TimeoutExpired:
            _kill_group(p)
            self._timeout()
        except BaseException:
            _kill_group(p)
            raise
        return (p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    def _timeout(self):
        raise CompileTimeout(f"{self.what} timed out after {self.timeout:g} s", self.tex)


def _kill_group(p: subprocess.Popen) -> None:
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


def _engine_env(engine: Engine) -> dict[str, str]:
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


# files TeX writes for a later pass to read; everything of the job except these is compared
_NOT_TEX_INPUTS = {".log", ".pdf", ".xdv", ".dvi", ".fls", ".fdb_latexmk", ".blg", ".bcf",
                   ".tex", ".bib", ".synctex", ".gz", ".xml"}
_AUX_IGNORE = re.compile(
    r"^(?:\\relax|\\providecommand.*|\\gdef\s*\\@abspage@last\{\d+\}|\\HyPL@Entry\{0<</S/D>>\}"
    r"|\\@writefile\{.*|\\babel@aux\{[^{}]*\}\{\}|)$")
# hyperref's fixed preamble in every .aux
_AUX_BOILERPLATE = frozenset({
    r"\HyperFirstAtBeginDocument{\ifx\hyper@anchor\@undefined",
    r"\global\let\oldnewlabel\newlabel",
    r"\gdef\newlabel#1#2{\newlabelxx{#1}#2}",
    r"\gdef\newlabelxx#1#2#3#4#5#6{\oldnewlabel{#1}{{#2}{#3}}}",
    r"\AtEndDocument{\ifx\hyper@anchor\@undefined",
    r"\let\newlabel\oldnewlabel",
    r"\fi}",
    r"\global\let\hyper@last\relax",
    r"\gdef\HyperFirstAtBeginDocument#1{#1}",
})


def _normalize(path: Path, data: bytes) -> bytes:
    """What of a file can change the next pass. For an .aux, drop what every .aux has
    (so a fresh document without references needs one pass): \\relax, \\providecommand,
    hyperref's preamble, the page count (as latexmk does), hyperref's default page labels,
    and \\@writefile lines (their effect is the .toc/.lof/... file, compared itself)."""
    if path.suffix != ".aux":
        return data.strip()
    keep = []
    for ln in data.decode("utf-8", "replace").splitlines():
        ln = ln.strip()
        if ln in _AUX_BOILERPLATE or _AUX_IGNORE.match(ln):
            continue
        keep.append(ln)
    return "\n".join(keep).encode()


def _aux_state(cwd: Path, stem: str) -> dict[str, bytes]:
    """The normalized content of the files a later pass reads: JOB.* (but outputs) and every
    .aux (\\include'd chapters write their own), at most two folder levels deep."""
    state: dict[str, bytes] = {}
    base = len(str(cwd).rstrip(os.sep).split(os.sep))
    for dirpath, dirnames, filenames in os.walk(cwd):
        depth = len(dirpath.rstrip(os.sep).split(os.sep)) - base
        if depth >= 2:
            dirnames[:] = []
        for fn in filenames:
            p = Path(dirpath, fn)
            suffix = p.suffix.lower()
            if not (suffix == ".aux" or (depth == 0 and fn.startswith(stem + "."))):
                continue
            if suffix in _NOT_TEX_INPUTS or fn.endswith(".synctex.gz"):
                continue
            try:
                data = p.read_bytes()
            except OSError:
                continue
            state[str(p.relative_to(cwd))] = _normalize(p, data)
    return state


_TEX_WRITES = {".aux", ".toc", ".lof", ".lot", ".out", ".nav", ".snm", ".vrb", ".loa", ".lol"}
# .aux lines whose appearance changes nothing unless a reference asked for them in vain
_LABEL_LINE = re.compile(r"^\\(?:newlabel|zref@newlabel|hyper@newdestlabel|bibcite)\{")
# .aux lines LaTeX skips when it reads the file (for BibTeX only)
_BIBTEX_LINE = re.compile(r"^\\(?:citation|bibdata|bibstyle)\{")
# "Reference `x' on page 1 undefined", "Hyper reference ...", "Citation `x' ... undefined"
_UNDEFINED = re.compile(r"(?:[Rr]eference|Citation) [`'][^']*' on page \S+ undefined")


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    # a file that did not exist reads as empty
    return sorted(k for k in set(before) | set(after) if before.get(k, b"") != after.get(k, b""))


def _was_read(name: str, log: str) -> bool:
    """Whether TeX opened (or looked for) ``name`` during the pass, as its log shows:
    ``(./main.toc)``, ``(main.toc)`` (tectonic), or ``No file main.toc.``."""
    return re.search(r"(?:\(|No file )(?:\./)?" + re.escape(name) + r"(?![\w.-]*\w)", log) is not None


def _rerun_reason(before: dict[str, bytes], after: dict[str, bytes], log: str,
                  warnings: list[str]) -> str | None:
    """Why another pass would typeset differently, or None, deciding as latexmk does from the
    files the pass read (their state before it) and wrote (after it), but more precisely:

    - in an .aux, a line that went away or changed (a label with a new value) counts; new
      labels count only when the pass reported an undefined reference or citation (nothing
      else can have asked for them: a fresh document whose headings carry labels nobody
      references needs one pass); any other new line counts;
    - a changed .toc/.lof/.lot/.out/... counts only when the pass read it (a .toc matters only
      with a table of contents; hyperref's .out not at all with the bookmark package);
    - any other changed file counts;
    - then rerun requests in the log, but the ones decided by the comparison above."""
    undefined = any(_UNDEFINED.search(w) for w in warnings)
    for name in _changed(before, after):
        suffix = Path(name).suffix.lower()
        if suffix == ".aux":
            old = Counter(ln for ln in before.get(name, b"").decode("utf-8", "replace").splitlines()
                          if not _BIBTEX_LINE.match(ln))
            new = Counter(ln for ln in after.get(name, b"").decode("utf-8", "replace").splitlines()
                          if not _BIBTEX_LINE.match(ln))
            if old - new:
                return f"{name} changed"
            added = list((new - old).elements())
            if any(not _LABEL_LINE.match(ln) for ln in added):
                return f"{name} changed"
            if added and undefined:
                return f"{name} has labels a reference needed"
            continue
        if suffix in _TEX_WRITES and not _was_read(name, log):
            continue
        return f"{name} changed"
    return _log_asks_rerun(warnings, {Path(k).name for k in set(before) | set(after)})


# "Rerun to get ...", "Please rerun LaTeX", longtable's "Table widths have changed. Rerun
# LaTeX.", "Citation(s) may have changed"; the kernel's "Label(s) may have changed" (any new
# label at all) and hyperref's outline/page-label hints are decided by _rerun_reason
_RERUN = re.compile(r"[Rr]erun|Citation\(s\) may have changed")
_RERUNFILECHECK = re.compile(r"^Package rerunfilecheck Warning: File `(?P<f>[^']+)' has changed")
_DECIDED_BY_FILES = ("Rerun to get /PageLabels entry", "Label(s) may have changed",
                     "Rerun to get outlines right")


def _log_asks_rerun(warnings: list[str], tracked: set[str]) -> str | None:
    for w in warnings:
        if any(d in w for d in _DECIDED_BY_FILES):
            continue  # decided by the .aux/.out comparison instead
        m = _RERUNFILECHECK.match(w)
        if m and m["f"] in tracked:
            continue  # we compare that file ourselves (an empty .out is no change)
        if "Biber" in w or "biber" in w:
            continue  # handled by the biber step
        if _RERUN.search(w):
            return w
    return None


def _read_log(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _tail(text: str, n: int = 6) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:])


def compile_tex(tex_path: Path, engine: Engine, *, timeout: float = 300,
                bibliography: bool = False, format_cache: Path | None = None,
                figures_ready: Callable[[], None] | None = None) -> CompileResult:
    """Typeset ``tex_path`` in its own directory into ``<stem>.pdf``.

    Returns a CompileResult also when LaTeX reports errors (then ``errors`` is non-empty
    and the PDF may be missing); raises CompileTimeout when the engine runs past
    ``timeout`` seconds (all passes together), EngineMissing when it cannot be started,
    DistillError when it fails without writing a log.

    ``format_cache``: a folder for precompiled preambles (xelatex only, see
    :class:`_Preamble`): the part of the .tex before a ``\\csname endofdump\\endcsname``
    line is loaded from a format made once, instead of being read on every run.

    ``figures_ready``: called (maybe more than once) before the engine first reads the
    figures' pixels, which may still be in the making until then (the .tex folder holds
    same-sized stand-ins). XeLaTeX typesets its first pass meanwhile (``-no-pdf``) and makes
    the PDF from its .xdv after; tectonic, which cannot be split so, calls it first."""
    tex_path = Path(tex_path).absolute()
    if not tex_path.is_file():
        raise UsageError("no such file", tex_path)
    cwd, stem = tex_path.parent, tex_path.stem
    pdf, log_path = cwd / f"{stem}.pdf", cwd / f"{stem}.log"
    pdf.unlink(missing_ok=True)  # so pdf.exists() means this run made it
    if engine.name not in ENGINES:
        raise UsageError(f"unknown engine {engine.name!r}")
    runner = _Runner(cwd, _engine_env(engine), timeout, engine.name, tex_path)
    _predict_toc(tex_path)
    # what TeX itself wrote in an earlier run (never a .bbl: it may be shipped, arXiv style)
    leftovers = [k for k in _aux_state(cwd, stem) if Path(k).suffix.lower() in _TEX_WRITES]
    for attempt in (1, 2):
        if engine.name == "tectonic":
            if figures_ready is not None:
                figures_ready()
            result = _compile_tectonic(tex_path, engine, runner, pdf, log_path, bibliography)
        else:
            result = _compile_xelatex(tex_path, engine, runner, pdf, log_path, bibliography,
                                      format_cache, figures_ready)
        # a run killed mid-way can leave a truncated .aux/.toc that breaks every later
        # run; when an error shows up where those are read, retry once from a clean slate
        if attempt == 1 and leftovers and result.errors and _maybe_stale_aux(result.errors[0]):
            for name in leftovers:
                (cwd / name).unlink(missing_ok=True)
            continue
        break
    for issue in result.errors:
        issue.file = _normalize_file(issue.file, cwd)
    return result


_SECTIONING = re.compile(r"\\(section|subsection|subsubsection|paragraph|subparagraph)"
                         r"(\*?)[ \t]*(?:\[([^\[\]{}\n]*)\])?[ \t]*\{")
_TOC_DEPTH = {"section": 1, "subsection": 2, "subsubsection": 3, "paragraph": 4, "subparagraph": 5}


def _predict_toc(tex: Path) -> None:
    """Performance: a fresh document with a table of contents takes three passes: one to
    learn the headings, one to typeset the contents (which moves the text after it), one to
    print the page numbers that move caused. A contents file written beforehand from the
    document's own sectioning commands, with page numbers still unknown, has the right
    size already, so the first pass lays the pages out as the last will: two passes.
    Only when there is no contents file yet; a wrong guess costs no more than none."""
    toc = tex.with_suffix(".toc")
    if toc.exists():
        return
    try:
        text = tex.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    start = text.find("\\begin{document}")
    if start < 0 or "\\tableofcontents" not in text[start:]:
        return
    numbers = [0] * 6
    lines = []
    for m in _SECTIONING.finditer(text, start):
        title = m[3] if m[3] is not None else _braced(text, m.end() - 1)
        if title is None or m[2] or "\\tableofcontents" in title or "\n\n" in title:
            continue
        depth = _TOC_DEPTH[m[1]]
        numbers[depth] += 1
        numbers[depth + 1:] = [0] * (5 - depth)
        number = ".".join(str(n) for n in numbers[1:depth + 1])
        lines.append(f"\\contentsline {{{m[1]}}}{{\\numberline {{{number}}}{title}}}{{1}}{{}}%")
    if lines:
        try:
            toc.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError:
            pass


def _braced(text: str, opening: int) -> str | None:
    """The text inside the brace group opening at ``opening`` (TeX escapes respected)."""
    end = group_end(text, opening)
    return None if end is None else text[opening + 1:end - 1]


def _normalize_file(name: str | None, cwd: Path) -> str | None:
    """The same spelling for both engines: relative to the build folder when inside it,
    with the .tex that TeX adds ("./main.tex", "main" -> "main.tex")."""
    if not name:
        return name
    p = Path(name)
    if not p.suffix and (cwd / p).with_suffix(".tex").is_file():
        p = p.with_suffix(".tex")
    if p.is_absolute():
        try:
            p = p.relative_to(cwd)
        except ValueError:
            return str(p)
    return os.path.normpath(p)


def _maybe_stale_aux(issue: LatexIssue) -> bool:
    if issue.file and issue.file.endswith((".aux", ".toc", ".lof", ".lot", ".out")):
        return True
    return issue.context.startswith(("\\begin{document}", "\\end{document}", "\\tableofcontents",
                                     "\\listoffigures", "\\listoftables"))


_OUTPUT_PAGES = re.compile(r"^Output written on .*?\((\d+) pages?\b", re.M)


def _result(pdf: Path, log: str, passes: int, parsed: ParsedLog) -> CompileResult:
    warnings = _drop_false_rerun_hints(parsed.warnings, pdf.parent, pdf.stem)
    pages = _OUTPUT_PAGES.findall(log)
    return CompileResult(pdf, log, passes, parsed.errors, parsed.overfull,
                         parsed.missing_chars, warnings, int(pages[-1]) if pages else 0)


def _drop_false_rerun_hints(warnings: list[str], cwd: Path, stem: str) -> list[str]:
    """Drop the two rerun requests every fresh hyperref document makes that another pass
    would not act on: page labels when there are only the default ones, and an .out file
    "changed" from absent to empty (no bookmarks)."""
    try:
        aux = (cwd / f"{stem}.aux").read_text(encoding="utf-8", errors="replace")
    except OSError:
        aux = ""
    entries = re.findall(r"^\\HyPL@Entry\{(.*)\}\s*$", aux, re.M)
    default_labels = all(e == "0<</S/D>>" for e in entries)
    out = []
    for w in warnings:
        if "Rerun to get /PageLabels entry" in w and default_labels:
            continue
        m = _RERUNFILECHECK.match(w)
        if m:
            f = cwd / m["f"]
            if not f.exists() or f.stat().st_size == 0:
                continue
        out.append(w)
    return out


_TEC_PASS = re.compile(r"^note: (?:Running|Rerunning) TeX\b", re.M)
# tectonic's own summary, e.g. "error: sub:2: Undefined control sequence" (the file as the
# document named it, extension optional)
_TEC_ERROR = re.compile(r"^error: (?:(?P<file>[^\s:][^:]*?):(?P<line>\d+): )?(?P<msg>.+)$", re.M)


def _tectonic_pass(tex: Path, engine: Engine, runner: _Runner, pdf: Path, log_path: Path,
                   single: bool) -> tuple[int, str, ParsedLog, int]:
    """One tectonic run: (passes it made, its log, the parsed log, exit code). ``single``:
    exactly one TeX pass (``-r 0``), reruns being ours to decide; else tectonic's own logic
    (which also runs biber for biblatex)."""
    if engine.bundle is None:
        raise EngineMissing("tectonic needs an offline bundle (Engine.bundle); " + INSTALL_HINT)
    log_path.unlink(missing_ok=True)
    cmd = [engine.executable, "--bundle", str(engine.bundle), "--only-cached", "--untrusted",
           "--keep-logs", "--keep-intermediates", "--color", "never",
           *(["--reruns", "0"] if single else []), tex.name]
    rc, out, err = runner.run(cmd)
    passes = len(_TEC_PASS.findall(out + "\n" + err))
    log = _read_log(log_path)
    if log is None:
        if rc == 0 and pdf.exists():
            log = ""
        else:
            raise DistillError(f"tectonic failed (exit {rc}) without writing a log: "
                               f"{_tail(err or out)}", tex)
    parsed = parse_log(log, TEX_WRAP)
    tec_errors = list(_TEC_ERROR.finditer(out + "\n" + err))
    # the log does not say which file an error line is in; tectonic's own messages do
    located = [m for m in tec_errors if m["file"]]
    for issue in parsed.errors:
        for m in located:
            if m["msg"].rstrip(".") == issue.message.rstrip(".") and issue.file is None:
                issue.file = m["file"]
                if issue.tex_line is None:
                    issue.tex_line = int(m["line"])
                break
    if rc != 0 and not parsed.errors:
        generic = ("something bad happened", "the XeTeX engine had", "halted on")
        for m in tec_errors:
            if not m["msg"].startswith(generic):
                parsed.errors.append(LatexIssue(int(m["line"]) if m["line"] else None,
                                                m["msg"].strip(), "", m["file"]))
        if not parsed.errors:
            parsed.errors.append(LatexIssue(None, f"tectonic failed (exit {rc}): {_tail(err)}", ""))
    return max(passes, 1), log, parsed, rc


def _compile_tectonic(tex: Path, engine: Engine, runner: _Runner, pdf: Path,
                      log_path: Path, bibliography: bool = False) -> CompileResult:
    if bibliography:
        # biblatex: tectonic runs biber itself, between the passes it decides on
        passes, log, parsed, _ = _tectonic_pass(tex, engine, runner, pdf, log_path, single=False)
        return _result(pdf, log, passes, parsed)

    def one_pass():
        passes, log, parsed, _ = _tectonic_pass(tex, engine, runner, pdf, log_path, single=True)
        return passes, log, _log_lines(log, TEX_WRAP), parsed
    return _pass_loop(tex, runner, pdf, one_pass, bibliography=False)


def _compile_xelatex(tex: Path, engine: Engine, runner: _Runner, pdf: Path, log_path: Path,
                     bibliography: bool, format_cache: Path | None = None,
                     figures_ready: Callable[[], None] | None = None) -> CompileResult:
    preamble = _Preamble.find(tex, engine, format_cache) if format_cache else None
    fmt = preamble.start(runner, engine.executable) if preamble else None
    try:
        result = _xelatex_passes(tex, engine, runner, pdf, log_path, bibliography, fmt, preamble,
                                 figures_ready)
    except BaseException:
        if preamble:
            preamble.abort()
        raise
    if preamble:
        preamble.finish(runner)
    return result


def _xelatex_passes(tex: Path, engine: Engine, runner: _Runner, pdf: Path, log_path: Path,
                    bibliography: bool, fmt: Path | None, preamble,
                    figures_ready: Callable[[], None] | None) -> CompileResult:
    base = [engine.executable, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
            "-file-line-error"]
    formats = [fmt] if fmt else []
    waiting = [figures_ready] if figures_ready else []  # until the first pass has typeset

    def one_pass():
        log_path.unlink(missing_ok=True)
        with_fmt = bool(formats)
        split = bool(waiting)  # typeset to .xdv now, PDF once the figures are made
        rc, out, err = runner.run(base + (["-no-pdf"] if split else [])
                                  + ([f"-fmt={formats[0]}"] if with_fmt else []) + [tex.name])
        log = _read_log(log_path)
        if with_fmt and (rc != 0 or log is None) and preamble.suspect(log, out + err):
            preamble.discard()   # a format that does not work here: never again
            formats.clear()
            return one_pass()
        if log is None:
            text = out + err
            if "format file" in text and "xelatex.fmt" in text:
                raise EngineMissing("xelatex cannot find its format xelatex.fmt (run "
                                    "`fmtutil-sys --byfmt xelatex`)")
            raise DistillError(f"xelatex failed (exit {rc}) without writing a log: {_tail(text)}",
                               tex)
        lines = _log_lines(log, 0)
        parsed = ParsedLog(parse_errors(lines), parse_overfull(lines), parse_missing_chars(lines),
                           parse_warnings(lines))
        if rc != 0 and not parsed.errors:
            parsed.errors.append(LatexIssue(None, f"xelatex failed (exit {rc}): {_tail(out)}", ""))
        if split and not parsed.errors:
            waiting.pop()()
            _xdv_to_pdf(tex, engine, runner, parsed)
        return 1, log, lines, parsed
    return _pass_loop(tex, runner, pdf, one_pass, bibliography)


def _xdv_to_pdf(tex: Path, engine: Engine, runner: _Runner, parsed: ParsedLog) -> None:
    """What xelatex does after a pass unless told ``-no-pdf``: its driver, as it calls it."""
    driver = str(Path(engine.executable).with_name("xdvipdfmx"))
    if not Path(driver).exists():
        driver = shutil.which("xdvipdfmx") or "xdvipdfmx"
    rc, out, err = runner.run([driver, "-q", "-E", "-o", f"{tex.stem}.pdf", f"{tex.stem}.xdv"])
    if rc != 0:
        parsed.errors.append(LatexIssue(None, f"xdvipdfmx failed (exit {rc}): {_tail(err or out)}", ""))


# ---------------------------------------------------------------- precompiled preambles

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


class _Preamble:
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
    def find(cls, tex: Path, engine: Engine, folder: Path) -> _Preamble | None:
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
        if engine.executable not in _XELATEX_FMT:
            _find_xelatex()
        for part in (_FORMAT_VERSION, _FORMAT_HEAD, _identity(engine.executable),
                     _identity(_XELATEX_FMT.get(engine.executable) or ""), prefix):
            digest.update(part.encode("utf-8") + b"\0")
        return cls(Path(folder), digest.hexdigest()[:32], mark + 1, prefix)

    def start(self, runner: _Runner, executable: str) -> Path | None:
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

    def finish(self, runner: _Runner) -> None:
        """Wait for a format being made (within the run's time limit) and keep it if good."""
        if self._build is None:
            return
        try:
            rc = self._build.wait(timeout=max(runner.deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            self.abort()
            return
        log = _read_log(self._build_dir / "dp.log") or ""
        made = self._build_dir / "dp.fmt"
        if rc == 0 and made.is_file() and not re.search(r"^! ", log, re.M):
            os.replace(made, self.fmt)
            self._prune()
        else:
            self.failed.touch()
        self._cleanup()

    def abort(self) -> None:
        if self._build is not None and self._build.poll() is None:
            _kill_group(self._build)
        self._cleanup()

    def suspect(self, log: str | None, output: str) -> bool:
        """Whether a failed run may be the format's fault, rather than the document's."""
        if log is None or "undump" in output or "format file" in output:
            return True
        errors = parse_errors(_log_lines(log, 0))
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


def _pass_loop(tex: Path, runner: _Runner, pdf: Path, one_pass, bibliography: bool) -> CompileResult:
    """Run TeX passes until another would change nothing (see _rerun_reason), with biber or
    bibtex between them when ``bibliography``; at most MAX_PASSES."""
    cwd, stem = tex.parent, tex.stem
    passes = 0
    biber_runs = 0
    extra_errors: list[LatexIssue] = []
    extra_warnings: list[str] = []
    while True:
        before = _aux_state(cwd, stem)
        made, log, lines, parsed = one_pass()
        passes += made
        if parsed.errors or passes >= MAX_PASSES:
            break
        after = _aux_state(cwd, stem)
        ran_bib = False
        if bibliography and biber_runs < 2 and (biber_runs == 0 or _wants_biber(parsed.warnings)):
            ok, issues, warns = _run_bibliography(runner, cwd, stem)
            if ok is not None:
                biber_runs += 1
                ran_bib = True
                extra_errors, extra_warnings = issues, warns
        if not (ran_bib or _rerun_reason(before, after, "\n".join(lines), parsed.warnings)):
            # settled: the kernel's "Label(s) may have changed" only meant new labels
            parsed.warnings = [w for w in parsed.warnings if "Label(s) may have changed" not in w]
            break
    parsed.errors[:0] = extra_errors
    parsed.warnings.extend(extra_warnings)
    return _result(pdf, log, passes, parsed)


def _wants_biber(warnings: list[str]) -> bool:
    return any(re.search(r"Please \(?re\)?run Biber", w) for w in warnings)


def _run_bibliography(runner: _Runner, cwd: Path, stem: str
                      ) -> tuple[bool | None, list[LatexIssue], list[str]]:
    """Run biber (biblatex: JOB.bcf) or bibtex (JOB.aux has \\bibdata).
    Returns (ran ok / None if nothing to do, errors, warnings)."""
    if (cwd / f"{stem}.bcf").is_file():
        tool = "biber"
        cmd = [shutil.which("biber") or "biber", stem]
    else:
        try:
            aux = (cwd / f"{stem}.aux").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None, [], []
        if "\\bibdata" not in aux:
            return None, [], []
        tool = "bibtex"
        cmd = [shutil.which("bibtex") or "bibtex", stem]
    try:
        rc, out, err = runner.run(cmd)
    except EngineMissing:
        return False, [LatexIssue(None, f"{tool} is not installed (apt-get install {tool})", "")], []
    errors, warnings = [], []
    for line in (out + err).splitlines():
        s = line.strip()
        if tool == "biber":
            if s.startswith(("ERROR - ", "FATAL - ")) or " ERROR - " in s or " FATAL - " in s:
                errors.append(LatexIssue(None, f"biber: {s.split(' - ', 1)[-1]}", ""))
            elif s.startswith("WARN - ") or " WARN - " in s:
                warnings.append(f"biber: {s.split(' - ', 1)[-1]}")
        elif s.startswith("Warning--"):
            warnings.append(f"bibtex: {s[9:]}")
        elif "error message" in s or s.startswith("I couldn't open"):
            errors.append(LatexIssue(None, f"bibtex: {s}", ""))
    if rc != 0 and not errors:
        errors.append(LatexIssue(None, f"{tool} failed (exit {rc}): {_tail(out + err)}", ""))
    return rc == 0, errors, warnings
