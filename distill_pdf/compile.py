"""The engine step: run tectonic or xelatex on a generated .tex file and read its log.

Public API (used by the renderer and the CLI)::

    engine = find_engine("auto")          # or "tectonic" / "xelatex"; EngineMissing if none runs
    result = compile_tex(tex_path, engine, timeout=300, bibliography=False,
                         format_cache=None)  # a folder: precompiled preambles (xelatex)
    result.pdf, result.errors, result.overfull, result.missing_chars, result.warnings, result.pages

Passes are decided here for both engines (tectonic runs with ``--reruns 0``; only with
biblatex does tectonic decide, as it runs biber itself): another pass only when one would
typeset differently (see :func:`rerun_reason`); a table of contents is predicted from the
headings before the first pass (:func:`predict_toc`).

Shell escape is never enabled: xelatex gets ``-no-shell-escape`` (and ``shell_escape=f``,
``openout_any=p`` in its environment), tectonic gets ``--untrusted`` and never ``-Z shell-escape``.
Tectonic runs fully offline against a local bundle (see :mod:`distill_pdf.bundle`).
"""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .engines import ENGINES, INSTALL_HINT, Engine, find_engine
from .errors import DistillError, EngineMissing, UsageError
from .formats import FORMAT_MARK, Preamble, TectonicPreamble, XelatexPreamble
from .reruns import TEX_WRITES, aux_state, drop_false_rerun_hints, predict_toc, rerun_reason
from .tex_process import Runner, engine_env, read_log, tail
from .texlog import TEX_WRAP, LatexIssue, ParsedLog, log_lines, parse_errors, parse_log, parse_missing_chars, \
    parse_overfull, parse_warnings

__all__ = ["ENGINES", "FORMAT_MARK", "CompileResult", "Engine", "LatexIssue", "compile_tex", "find_engine",
           "parse_log"]
MAX_PASSES = 5  # TeX passes (tectonic with biber decides its own reruns, at most 6)


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




def compile_tex(tex_path: Path, engine: Engine, *, timeout: float = 300,
                bibliography: bool = False, format_cache: Path | None = None,
                figures_ready: Callable[[], None] | None = None, keep_going: bool = False) -> CompileResult:
    """Typeset ``tex_path`` in its own directory into ``<stem>.pdf``.

    Returns a CompileResult also when LaTeX reports errors (then ``errors`` is non-empty
    and the PDF may be missing); raises CompileTimeout when the engine runs past
    ``timeout`` seconds (all passes together), EngineMissing when it cannot be started,
    DistillError when it fails without writing a log.

    ``format_cache``: a folder for precompiled preambles (see :mod:`distill_pdf.formats`):
    the part of the .tex before a ``\\csname endofdump\\endcsname`` line is loaded from a
    format made once, instead of being read on every run.

    ``figures_ready``: called (maybe more than once) before the engine first reads the
    figures' pixels, which may still be in the making until then (the .tex folder holds
    same-sized stand-ins). The engine typesets its first pass meanwhile (xelatex ``-no-pdf``,
    tectonic ``--outfmt xdv``) and the PDF is made from the .xdv after, by TeX Live's
    xdvipdfmx; tectonic without it waits for the figures first.

    ``keep_going``: the engine goes on past errors (xelatex without ``-halt-on-error``,
    tectonic with ``-Z continue-on-errors``), so ``errors`` lists every one, not the first
    only: what :mod:`distill_pdf.isolation` needs to find every failing block in one run."""
    tex_path = Path(tex_path).absolute()
    if not tex_path.is_file():
        raise UsageError("no such file", tex_path)
    cwd, stem = tex_path.parent, tex_path.stem
    pdf, log_path = cwd / f"{stem}.pdf", cwd / f"{stem}.log"
    pdf.unlink(missing_ok=True)  # so pdf.exists() means this run made it
    if engine.name not in ENGINES:
        raise UsageError(f"unknown engine {engine.name!r}")
    runner = Runner(cwd, engine_env(engine), timeout, engine.name, tex_path)
    predict_toc(tex_path)
    # what TeX itself wrote in an earlier run (never a .bbl: it may be shipped, arXiv style)
    leftovers = [k for k in aux_state(cwd, stem) if Path(k).suffix.lower() in TEX_WRITES]
    for attempt in (1, 2):
        if engine.name == "tectonic":
            result = _compile_tectonic(tex_path, engine, runner, pdf, log_path, bibliography,
                                       format_cache, figures_ready, keep_going)
        else:
            result = _compile_xelatex(tex_path, engine, runner, pdf, log_path, bibliography,
                                      format_cache, figures_ready, keep_going)
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
    warnings = drop_false_rerun_hints(parsed.warnings, pdf.parent, pdf.stem)
    pages = _OUTPUT_PAGES.findall(log)
    return CompileResult(pdf, log, passes, parsed.errors, parsed.overfull,
                         parsed.missing_chars, warnings, int(pages[-1]) if pages else 0)


_TEC_PASS = re.compile(r"^note: (?:Running|Rerunning) TeX\b", re.M)
# tectonic's own summary, e.g. "error: sub:2: Undefined control sequence" (the file as the
# document named it, extension optional)
_TEC_ERROR = re.compile(r"^error: (?:(?P<file>[^\s:][^:]*?):(?P<line>\d+): )?(?P<msg>.+)$", re.M)


def _tectonic_pass(tex: Path, engine: Engine, runner: Runner, pdf: Path, log_path: Path,
                   single: bool, fmt: _FormatUse, xdv: bool = False,
                   keep_going: bool = False) -> tuple[int, str, ParsedLog, int]:
    """One tectonic run: (passes it made, its log, the parsed log, exit code). ``single``:
    exactly one TeX pass (``-r 0``), reruns being ours to decide; else tectonic's own logic
    (which also runs biber for biblatex). ``xdv``: stop at the .xdv (no PDF). ``keep_going``:
    past errors (see :func:`compile_tex`)."""
    if engine.bundle is None:
        raise EngineMissing("tectonic needs an offline bundle (Engine.bundle); " + INSTALL_HINT)
    log_path.unlink(missing_ok=True)
    with_fmt = bool(fmt.args)
    cmd = [engine.executable, *(fmt.args or ["--bundle", str(engine.bundle)]), "--only-cached",
           "--untrusted", "--keep-logs", "--keep-intermediates", "--color", "never",
           *(["--reruns", "0"] if single else []), *(["--outfmt", "xdv"] if xdv else []),
           *(["-Z", "continue-on-errors"] if keep_going else []), tex.name]
    rc, out, err = runner.run(cmd, env=fmt.env if with_fmt else None)
    passes = len(_TEC_PASS.findall(out + "\n" + err))
    log = read_log(log_path)
    if with_fmt and fmt.failed(rc, log, out + err):
        return _tectonic_pass(tex, engine, runner, pdf, log_path, single, fmt, xdv, keep_going)
    if log is None:
        if rc == 0 and pdf.exists():
            log = ""
        else:
            raise DistillError(f"tectonic failed (exit {rc}) without writing a log: "
                               f"{tail(err or out)}", tex)
    parsed = parse_log(log, TEX_WRAP)
    tec_errors = list(_TEC_ERROR.finditer(out + "\n" + err))
    # the log does not say which file an error line is in; tectonic's own messages do, in
    # the log's order (each message is used once: the same one may come from two files)
    located = [m for m in tec_errors if m["file"]]
    for issue in parsed.errors:
        for m in located:
            if m["msg"].rstrip(".") == issue.message.rstrip(".") and issue.file is None:
                issue.file = m["file"]
                if issue.tex_line is None:
                    issue.tex_line = int(m["line"])
                located.remove(m)
                break
    if rc != 0 and not parsed.errors:
        generic = ("something bad happened", "the XeTeX engine had", "halted on")
        for m in tec_errors:
            if not m["msg"].startswith(generic):
                parsed.errors.append(LatexIssue(int(m["line"]) if m["line"] else None,
                                                m["msg"].strip(), "", m["file"]))
        if not parsed.errors:
            parsed.errors.append(LatexIssue(None, f"tectonic failed (exit {rc}): {tail(err)}", ""))
    return max(passes, 1), log, parsed, rc


class _FormatUse:
    """The precompiled preamble a build's passes load (its engine arguments, none while it is
    being made), dropped for good when a pass shows it does not work here."""

    def __init__(self, preamble: Preamble | None, runner: Runner):
        self.preamble = preamble
        self.args = (preamble.start(runner) if preamble else None) or []
        self.env = preamble.environment(runner.env) if preamble else None

    def failed(self, rc: int, log: str | None, output: str) -> bool:
        """After a pass with the format: whether it failed by the format's fault (then the
        format is discarded and the pass must be run again without it)."""
        if rc == 0 and log is not None or not self.preamble.suspect(log, output):
            return False
        self.preamble.discard()
        self.args = []
        return True


def _with_format(kind: type[Preamble], tex: Path, engine: Engine, runner: Runner,
                 format_cache: Path | None, passes: Callable[[_FormatUse], CompileResult]) -> CompileResult:
    preamble = kind.find(tex, engine, format_cache) if format_cache else None
    fmt = _FormatUse(preamble, runner)
    try:
        result = passes(fmt)
    except BaseException:
        if preamble:
            preamble.abort()
        raise
    if preamble:
        preamble.finish(runner)
    return result


def _compile_tectonic(tex: Path, engine: Engine, runner: Runner, pdf: Path, log_path: Path,
                      bibliography: bool = False, format_cache: Path | None = None,
                      figures_ready: Callable[[], None] | None = None,
                      keep_going: bool = False) -> CompileResult:
    # split like xelatex's -no-pdf when TeX Live's driver is there to finish the .xdv
    waiting = [figures_ready] if figures_ready else []
    split = bool(waiting) and not bibliography and shutil.which("xdvipdfmx") is not None
    if waiting and not split:
        waiting.pop()()

    def passes(fmt: _FormatUse) -> CompileResult:
        if bibliography:
            # biblatex: tectonic runs biber itself, between the passes it decides on
            made, log, parsed, _ = _tectonic_pass(tex, engine, runner, pdf, log_path, False, fmt,
                                                  keep_going=keep_going)
            return _result(pdf, log, made, parsed)

        def one_pass():
            xdv = bool(waiting)
            made, log, parsed, _ = _tectonic_pass(tex, engine, runner, pdf, log_path, True, fmt, xdv,
                                                  keep_going)
            if xdv and not parsed.errors:
                waiting.pop()()
                _xdv_to_pdf(tex, engine, runner, parsed)
            return made, log, log_lines(log, TEX_WRAP), parsed
        return _pass_loop(tex, runner, pdf, one_pass, bibliography=False)
    return _with_format(TectonicPreamble, tex, engine, runner, format_cache, passes)


def _compile_xelatex(tex: Path, engine: Engine, runner: Runner, pdf: Path, log_path: Path,
                     bibliography: bool, format_cache: Path | None = None,
                     figures_ready: Callable[[], None] | None = None, keep_going: bool = False) -> CompileResult:
    return _with_format(XelatexPreamble, tex, engine, runner, format_cache,
                        lambda fmt: _xelatex_passes(tex, engine, runner, pdf, log_path, bibliography, fmt,
                                                    figures_ready, keep_going))


def _xelatex_passes(tex: Path, engine: Engine, runner: Runner, pdf: Path, log_path: Path,
                    bibliography: bool, fmt: _FormatUse,
                    figures_ready: Callable[[], None] | None, keep_going: bool) -> CompileResult:
    base = [engine.executable, "-no-shell-escape", "-interaction=nonstopmode",
            *([] if keep_going else ["-halt-on-error"]), "-file-line-error"]
    waiting = [figures_ready] if figures_ready else []  # until the first pass has typeset

    def one_pass():
        log_path.unlink(missing_ok=True)
        with_fmt = bool(fmt.args)
        split = bool(waiting)  # typeset to .xdv now, PDF once the figures are made
        rc, out, err = runner.run(base + (["-no-pdf"] if split else []) + fmt.args + [tex.name])
        log = read_log(log_path)
        if with_fmt and fmt.failed(rc, log, out + err):
            return one_pass()
        if log is None:
            text = out + err
            if "format file" in text and "xelatex.fmt" in text:
                raise EngineMissing("xelatex cannot find its format xelatex.fmt (run "
                                    "`fmtutil-sys --byfmt xelatex`)")
            raise DistillError(f"xelatex failed (exit {rc}) without writing a log: {tail(text)}",
                               tex)
        lines = log_lines(log, 0)
        parsed = ParsedLog(parse_errors(lines), parse_overfull(lines), parse_missing_chars(lines),
                           parse_warnings(lines))
        if rc != 0 and not parsed.errors:
            parsed.errors.append(LatexIssue(None, f"xelatex failed (exit {rc}): {tail(out)}", ""))
        if split and not parsed.errors:
            waiting.pop()()
            _xdv_to_pdf(tex, engine, runner, parsed)
        return 1, log, lines, parsed
    return _pass_loop(tex, runner, pdf, one_pass, bibliography)


def _xdv_to_pdf(tex: Path, engine: Engine, runner: Runner, parsed: ParsedLog) -> None:
    """The PDF from a pass's .xdv, made by the driver as xelatex calls it without ``-no-pdf``."""
    driver = str(Path(engine.executable).with_name("xdvipdfmx"))
    if not Path(driver).exists():
        driver = shutil.which("xdvipdfmx") or "xdvipdfmx"
    rc, out, err = runner.run([driver, "-q", "-E", "-o", f"{tex.stem}.pdf", f"{tex.stem}.xdv"])
    if rc != 0:
        parsed.errors.append(LatexIssue(None, f"xdvipdfmx failed (exit {rc}): {tail(err or out)}", ""))


def _pass_loop(tex: Path, runner: Runner, pdf: Path, one_pass, bibliography: bool) -> CompileResult:
    """Run TeX passes until another would change nothing (see rerun_reason), with biber or
    bibtex between them when ``bibliography``; at most MAX_PASSES."""
    cwd, stem = tex.parent, tex.stem
    passes = 0
    biber_runs = 0
    extra_errors: list[LatexIssue] = []
    extra_warnings: list[str] = []
    while True:
        before = aux_state(cwd, stem)
        made, log, lines, parsed = one_pass()
        passes += made
        if parsed.errors or passes >= MAX_PASSES:
            break
        after = aux_state(cwd, stem)
        ran_bib = False
        if bibliography and biber_runs < 2 and (biber_runs == 0 or _wants_biber(parsed.warnings)):
            ok, issues, warns = _run_bibliography(runner, cwd, stem)
            if ok is not None:
                biber_runs += 1
                ran_bib = True
                extra_errors, extra_warnings = issues, warns
        if not (ran_bib or rerun_reason(before, after, "\n".join(lines), parsed.warnings)):
            # settled: the kernel's "Label(s) may have changed" only meant new labels
            parsed.warnings = [w for w in parsed.warnings if "Label(s) may have changed" not in w]
            break
    parsed.errors[:0] = extra_errors
    parsed.warnings.extend(extra_warnings)
    return _result(pdf, log, passes, parsed)


def _wants_biber(warnings: list[str]) -> bool:
    return any(re.search(r"Please \(?re\)?run Biber", w) for w in warnings)


def _run_bibliography(runner: Runner, cwd: Path, stem: str
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
        errors.append(LatexIssue(None, f"{tool} failed (exit {rc}): {tail(out + err)}", ""))
    return rc == 0, errors, warnings
