"""Audit one post (compile it as a user would, then measure) and every post, two at a time."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from distill_pdf import compile as engines
from distill_pdf.errors import DistillError
from distill_pdf.pipeline import BODY_MARKER, OVERFULL_LIMIT_PT, render

from .layout import read_glyphs
from .pdftext import count_leaks, pdf_words
from .source import is_remote, read_source
from .words import compare, pdf_counts

_PLACED = re.compile(r"\\(?:dpgraphic|dpinlineimage|dpblockimage|includegraphics)\b")
_PLACEHOLDER = re.compile(r"\\dpplaceholder\{")


@dataclass
class Record:
    """One post's measurements; the numbers the baseline ratchets (see baseline.py)."""

    post: str
    error: str = ""                     # a LaTeX or conversion error: no PDF
    words: int = 0                      # prose words of the source
    found: int = 0                      # ... found in the PDF's text
    missing_sample: list[str] = field(default_factory=list)
    code_words: int = 0
    code_found: int = 0
    leaks: dict[str, int] = field(default_factory=dict)
    images_ref: int = 0
    images_remote: int = 0
    images_placed: int = 0
    placeholders: int = 0
    overfull: int = 0                   # lines more than OVERFULL_LIMIT_PT too wide
    overlaps: int = 0
    outside: int = 0
    overlap_sample: list[str] = field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0

    @property
    def fidelity(self) -> float:
        return 100.0 * self.found / self.words if self.words else 100.0

    @property
    def missing(self) -> int:
        return self.words - self.found

    @property
    def code_missing(self) -> int:
        return self.code_words - self.code_found

    @property
    def leak_count(self) -> int:
        return sum(self.leaks.values())

    @property
    def images_unplaced(self) -> int:
        return max(0, self.images_ref - self.images_placed)


def audit_post(post: Path, name: str, engine: str = "xelatex") -> Record:
    """Compile ``post`` (offline, pybtex citations) and measure its PDF against its source."""
    started = time.monotonic()
    record = Record(name)
    source = read_source(post)
    record.words, record.code_words = len(source.prose), len(source.code)
    record.images_ref = len(source.images)
    record.images_remote = sum(is_remote(src) for src in source.images)
    with tempfile.TemporaryDirectory(prefix="distill-audit-") as tmp:
        pdf, build = Path(tmp) / "post.pdf", Path(tmp) / "build"
        try:
            result = render(post, pdf, engine=engine, allow_remote=False, citations="pybtex",
                            keep_build=build)
        except DistillError as exc:
            record.error = str(exc)[:300]
            record.missing_sample = source.prose[:8]
            record.seconds = time.monotonic() - started
            return record
        record.pages = result.pages
        boxed = [str(w) for w in result.warnings if w.message.startswith("could not typeset this block")]
        record.error = boxed[0][:300] if boxed else ""  # a block the engine rejected counts as an error
        body = (build / "main.tex").read_text(encoding="utf-8").split(BODY_MARKER, 1)[-1]
        record.images_placed = len(_PLACED.findall(body))
        record.placeholders = len(_PLACEHOLDER.findall(body))
        record.overfull = sum(points > OVERFULL_LIMIT_PT for _, points in engines.parse_log(result.log).overfull)
        counts = pdf_counts(pdf_words(pdf, {*source.prose, *source.code}))
        record.found, _, missing = compare(source.prose, counts)
        record.missing_sample = missing[:8]
        record.code_found, _, _ = compare(source.code, counts)
        glyphs = read_glyphs(pdf)
        record.overlaps, record.outside, record.overlap_sample = glyphs.overlaps, glyphs.outside, glyphs.samples
        record.leaks = count_leaks(glyphs.prose_text, source.prose_text)
    record.seconds = time.monotonic() - started
    return record


def _audit_job(args: tuple[str, str, str, str]) -> dict:
    post, name, engine, cache = args
    os.environ["DISTILL_PDF_CACHE"] = cache
    try:
        return asdict(audit_post(Path(post), name, engine))
    except Exception as exc:  # noqa: BLE001 - an audit crash is reported as that post's error
        return asdict(Record(name, error=f"audit crashed: {type(exc).__name__}: {exc}"[:300]))


def audit_all(posts: dict[str, Path], engine: str = "xelatex", workers: int = 2,
              cache: Path | None = None) -> list[Record]:
    """Every post, ``workers`` at a time (the longest posts first, so none ends the run alone)."""
    own_cache = cache is None
    cache = cache or Path(tempfile.mkdtemp(prefix="distill-audit-cache-"))
    order = sorted(posts, key=lambda name: -posts[name].stat().st_size)
    jobs = [(str(posts[name]), name, engine, str(cache)) for name in order]
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            done = {row["post"]: row for row in pool.map(_audit_job, jobs)}
    finally:
        if own_cache:
            shutil.rmtree(cache, ignore_errors=True)
    return [_record(done[name]) for name in sorted(posts)]


def _record(row: dict) -> Record:
    return Record(**row)
