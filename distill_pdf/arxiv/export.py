"""``distill-pdf arxiv POST.md -o OUT_DIR``: a source bundle arXiv compiles, and its PDF.

1. build main.tex with the ``arxiv`` template and the pybtex back end (the
   reference list is typeset into the document: no .bib, no biber, no .bbl);
   for pdfLaTeX the writer's text escaping runs in its pdfLaTeX mode and the
   leftover Unicode (math, code) is converted afterwards;
2. gather exactly the files it needs: main.tex, ``figures/`` (already PDF/PNG/JPEG,
   print-sized by :mod:`distill_pdf.images`), and for XeLaTeX the used fonts and a
   ``00README.json`` naming the compiler;
3. run the named checks (:mod:`distill_pdf.arxiv.checks`); a failed one stops the
   export unless ``allow_incomplete``;
4. pack a reproducible tarball, unpack it into a fresh empty folder and compile it
   there with the bundle's engine, twice; an error there is an error here, but for
   blocks of the post the engine rejects: unless ``strict``, those are boxed
   (:mod:`distill_pdf.isolation`), with a warning, and the bundle packed and compiled
   once more;
5. publish ``<slug>-arxiv.tar.gz`` and ``<slug>-arxiv.pdf`` (the PDF of that very
   compile) into the output folder, each by an atomic rename.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .. import fonts
from ..errors import DistillError, Diagnostic, Diagnostics, UsageError
from ..pipeline import Options, Project, build_project, publish
from ..writer.text import pdflatex_text
from . import checks as named_checks
from . import xetex_fonts
from .table_floats import float_short_tables
from .tarball import member_names, write_tarball
from .title_block import title_values
from .unicode_sweep import convert_leftover_unicode
from .verify import compile_bundle, fresh_workdir

ENGINES = ("pdflatex", "xelatex")
README_NAME = "00README.json"
MAX_CHAR_WARNINGS = 20


@dataclass
class ArxivResult:
    tarball: Path | None
    pdf: Path | None
    engine: str
    checks: list[named_checks.Check] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    size: int = 0            # bytes of the tarball
    pages: int = 0
    log: str = ""


def export_arxiv(post: str | Path, out_dir: str | Path, *, engine: str = "pdflatex",
                 allow_incomplete: bool = False, keep_build: str | Path | None = None,
                 today: dt.date | None = None, **kwargs) -> ArxivResult:
    """Write ``OUT_DIR/<slug>-arxiv.tar.gz`` and ``OUT_DIR/<slug>-arxiv.pdf`` for one post.
    ``kwargs`` are :class:`distill_pdf.pipeline.Options` fields (``template``,
    ``citations`` and ``engine`` are set here)."""
    engine = (engine or "pdflatex").lower()
    if engine not in ENGINES:
        raise UsageError(f"unknown arXiv engine {engine!r} (choose pdflatex or xelatex)")
    kwargs = {k: v for k, v in kwargs.items() if k not in ("template", "citations", "engine", "bundle")}
    options = Options(template="arxiv", citations="pybtex", **kwargs)
    post_path = Path(post)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError("output must be a folder", out_dir)
    diagnostics = Diagnostics(strict=options.strict)
    project, tex, unsupported = _build(post_path, options, diagnostics, engine, today)
    slug = _safe_slug(project.post.slug)
    targets = (out_dir / f"{slug}-arxiv.tar.gz", out_dir / f"{slug}-arxiv.pdf")
    try:
        return _package(project, tex, unsupported, engine, diagnostics, targets, allow_incomplete,
                        options.timeout, keep_build, options.strict)
    except (DistillError, KeyboardInterrupt):
        for target in targets:  # a failed export leaves no stale bundle behind
            target.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- 1. main.tex


def _build(post_path: Path, options: Options, diagnostics: Diagnostics, engine: str,
           today: dt.date | None) -> tuple[Project, str, dict[str, int]]:
    xetex = engine == "xelatex"

    def values(post, base: dict) -> dict:
        extra = {"arxiv": title_values(post, today), "xetex": xetex, "fallback_keys": fonts.FALLBACK_KEYS,
                 "body": float_short_tables(base["body"])}
        if xetex:
            probe = "\n".join(str(base[k]) for k in ("body", "bibliography", "title", "description"))
            probe += "\n".join(str(v) for v in extra["arxiv"].values())
            extra["fonts_preamble"] = xetex_fonts.preamble(probe)
        return extra

    mode = contextlib.nullcontext() if xetex else pdflatex_text()
    with mode as state:
        project = build_project(post_path, options, diagnostics, extra_values=values, png_as_pdf=False)
    unsupported = dict(state.unsupported) if state is not None else {}
    tex = project.tex if xetex else convert_leftover_unicode(project.tex, unsupported)
    if unsupported:
        _warn_unsupported(project, unsupported, diagnostics)
    return project, tex, unsupported


def _warn_unsupported(project: Project, unsupported: dict[str, int], diagnostics: Diagnostics) -> None:
    """One warning per post line holding characters pdfLaTeX cannot set."""
    try:
        lines = project.post.path.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        lines = []
    found: dict[int, list[str]] = {}
    for number, text in enumerate(lines, start=1):
        chars = [ch for ch in dict.fromkeys(unicodedata.normalize("NFC", text)) if ch in unsupported]
        if chars:
            found[number] = chars
    for number, chars in list(found.items())[:MAX_CHAR_WARNINGS]:
        shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in chars[:6]) + (" ..." if len(chars) > 6 else "")
        diagnostics.warn(f"pdfLaTeX cannot set {shown}; printed as a code box (use --engine xelatex)",
                         project.post.path, number)
    if len(found) > MAX_CHAR_WARNINGS:
        diagnostics.warn(f"... and {len(found) - MAX_CHAR_WARNINGS} more lines with such characters",
                         project.post.path)
    if not found:
        shown = " ".join(f"U+{ord(ch):04X}" for ch in unsupported)
        diagnostics.warn(f"pdfLaTeX cannot set {shown}; printed as a code box (use --engine xelatex)",
                         project.post.path)


# --------------------------------------------------------------------------- 2.-5.


def _bundle_files(project: Project, tex: str, engine: str) -> dict[str, bytes | Path]:
    files: dict[str, bytes | Path] = {"main.tex": tex.encode("utf-8")}
    for figure in project.body.figures:
        files[figure.name] = Path(figure.source)
    for name, text in project.extra_files.items():
        if name.endswith((".bbl", ".sty", ".cls")):
            files[name] = text.encode("utf-8")
    if engine == "xelatex":
        files.update(xetex_fonts.font_files(tex.partition("\\begin{document}")[2]))
        files[README_NAME] = (json.dumps(readme(engine), indent=2) + "\n").encode()
    return files


def readme(engine: str) -> dict:
    """arXiv's 00README (JSON form): the compiler and the top-level file."""
    return {"process": {"compiler": engine}, "sources": [{"filename": "main.tex", "usage": "toplevel"}]}


def _package(project: Project, tex: str, unsupported: dict[str, int], engine: str,
             diagnostics: Diagnostics, targets: tuple[Path, Path], allow_incomplete: bool,
             timeout: float, keep_build, strict: bool = False) -> ArxivResult:
    files = _bundle_files(project, tex, engine)
    names = sorted(files)
    placeholders = [d.message.removeprefix("image ").split(": ")[0] for d in diagnostics
                    if d.message.startswith("image ")]
    if not placeholders and "\\dpplaceholder{" in project.body.latex:
        placeholders = ["an image"]
    listed = tex.count("\\dpcitetarget{dpbib.")
    report = [
        named_checks.check_graphics(tex, files, placeholders),
        named_checks.check_citations(tex, _prose(project.post.body), listed or None, listed),
        named_checks.check_paths(tex, names),
        named_checks.check_file_names(names),
        named_checks.check_characters(unsupported, engine),
    ]
    failed = [c for c in report if c.status == named_checks.FAILED]
    if failed and not allow_incomplete:
        raise DistillError("arXiv bundle not made: " + "; ".join(str(c) for c in failed)
                           + " (--allow-incomplete packs it anyway)", project.post.path)
    for check in failed:
        diagnostics.warn(f"check {check}")
    workdir = fresh_workdir()
    try:
        packed, size, result = _pack_and_verify(files, project, engine, workdir, timeout, not strict)
        boxed = None if result.ok or strict else _isolated(project, engine, result.errors, diagnostics)
        if boxed is not None:  # once more, with the blocks the engine rejected boxed
            project, tex = boxed
            files = _bundle_files(project, tex, engine)
            names = sorted(files)
            shutil.rmtree(workdir / "bundle")
            packed, size, result = _pack_and_verify(files, project, engine, workdir, timeout, False)
        report.append(named_checks.check_size(files, size))
        if keep_build:
            shutil.copytree(workdir / "bundle", Path(keep_build), dirs_exist_ok=True)
        if not result.ok:
            first = result.errors[0]
            line = project.markdown_line(first.tex_line) if first.file in (None, "main.tex") else None
            context = f" [LaTeX: {first.context[:80]}]" if first.context else ""
            report.append(named_checks.Check("compile", named_checks.FAILED, first.message))
            raise DistillError(f"the bundle does not compile with {engine}: {first.message}{context}",
                               project.post.path, line)
        report.append(named_checks.Check("compile", named_checks.OK,
                                         f"{engine} x2 in an empty folder, no shell escape"))
        for missing in sorted(set(result.missing_chars)):
            diagnostics.warn(missing, project.post.path)
        for warning in result.warnings:
            if re.search(r"(Reference|Citation) .* undefined|There were undefined", warning):
                diagnostics.warn(f"LaTeX: {warning}", project.post.path)
        tarball, pdf = targets
        publish(packed, tarball)
        publish(result.pdf, pdf)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return ArxivResult(tarball, pdf, engine, report, list(diagnostics), names, size, _page_count(pdf),
                       result.log)


def _pack_and_verify(files: dict[str, bytes | Path], project: Project, engine: str, workdir: Path,
                     timeout: float, keep_going: bool):
    """(the tarball, its size, the compile of its contents in an empty folder)."""
    packed = workdir / "bundle.tar.gz"
    size = write_tarball(files, packed)
    if member_names(packed) != sorted(files):
        raise DistillError("the tarball does not hold the files it should", project.post.path)
    return packed, size, compile_bundle(packed, engine, workdir, timeout=timeout, keep_going=keep_going)


def _isolated(project: Project, engine: str, errors, diagnostics: Diagnostics) -> tuple[Project, str] | None:
    """The project with the blocks ``errors`` come from boxed, and its main.tex for ``engine``
    (made in the same text mode as the first); None when they are not block errors."""
    with contextlib.nullcontext() if engine == "xelatex" else pdflatex_text():
        boxed = project.isolate(errors, diagnostics)
    if boxed is None:
        return None
    return boxed, boxed.tex if engine == "xelatex" else convert_leftover_unicode(boxed.tex, {})


def _prose(markdown: str) -> str:
    """The post without code (where ``@name2020`` is no citation)."""
    text = re.sub(r"^(`{3,}|~{3,}).*?^\1", "", markdown, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def _safe_slug(slug: str) -> str:
    ascii_slug = unicodedata.normalize("NFKD", slug).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_slug).strip("-.") or "post"


def _page_count(pdf: Path) -> int:
    from pypdf import PdfReader
    try:
        return len(PdfReader(pdf).pages)
    except Exception:  # a count is informative only
        return 0
