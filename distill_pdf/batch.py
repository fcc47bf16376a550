"""`distill-pdf batch CONTENT_DIR -o OUT_DIR`: every post of a blog, in parallel, incrementally.

    discover (discover.py) -> select (drafts, --only/--exclude, --shard)
    -> skip the posts whose PDF is up to date (incremental.py)
    -> build the rest in worker processes, each calling pipeline.render
    -> report (summary table, --report JSON) -> --combine (anthology.py)

A post's failure is recorded and the others go on; even a worker that dies
(a crash, the out-of-memory killer) costs only its own post. The Python API is
:func:`run`; the CLI's progress display and summary live in batch_console.py.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from .version import __version__
from . import dialects, incremental
from .config import SiteConfig, find_config, merge_options, post_url
from .discover import PostEntry, detect_layout, discover, read_front_matter
from .errors import DistillError, UsageError

BUILT, UP_TO_DATE, FAILED, DRAFT = "built", "up to date", "failed", "draft"
PENDING = "would build"  # --dry-run


@dataclass
class BatchOptions:
    out_dir: Path
    jobs: int | None = None               # worker processes (default: the CPUs this process may use)
    force: bool = False                   # rebuild even up-to-date posts
    drafts: bool = False                  # build posts marked `draft: true` too
    only: tuple[str, ...] = ()            # globs over the post name (blog/slug) or its source path
    exclude: tuple[str, ...] = ()
    shard: tuple[int, int] | None = None  # (K, N): build only the K-th of N stable parts
    combine: Path | None = None           # anthology PDF of the exported posts
    title: str | None = None              # its title (default: config `title`, else the site)
    report: Path | None = None            # JSON report
    dry_run: bool = False                 # only say what would be built, and why
    render: dict[str, Any] = field(default_factory=dict)  # pipeline.Options keyword arguments


@dataclass
class PostStatus:
    name: str
    source: Path
    output: Path
    status: str                  # built | up to date | failed | draft | would build (dry run)
    pages: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    reason: str | None = None    # why it was (re)built
    title: str | None = None
    date: dt.date | None = None
    collection: str | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(source=str(self.source), output=str(self.output),
                    date=self.date.isoformat() if self.date else None, seconds=round(self.seconds, 2))
        return data


@dataclass
class BatchResult:
    posts: list[PostStatus]
    seconds: float = 0.0
    combined: Path | None = None
    combined_pages: int = 0
    combine_error: str | None = None
    combined_up_to_date: bool = False
    shard: tuple[int, int] | None = None

    def count(self, status: str) -> int:
        return sum(1 for p in self.posts if p.status == status)

    @property
    def failed(self) -> list[PostStatus]:
        return [p for p in self.posts if p.status == FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed and self.combine_error is None

    def as_json(self) -> dict[str, Any]:
        return {
            "tool": f"distill-pdf {__version__}",
            "seconds": round(self.seconds, 2),
            "shard": f"{self.shard[0]}/{self.shard[1]}" if self.shard else None,
            "counts": {status: self.count(status) for status in (BUILT, UP_TO_DATE, FAILED, DRAFT, PENDING)
                       if status != PENDING or self.count(PENDING)},
            "combined": {"pdf": str(self.combined), "pages": self.combined_pages,
                         "up_to_date": self.combined_up_to_date, "error": self.combine_error} if (self.combined or self.combine_error) else None,
            "posts": [p.as_json() for p in self.posts],
        }


class Progress(Protocol):
    """What run() tells its caller as it goes (batch_console implements it for the CLI)."""

    def start(self, to_build: int, up_to_date: int) -> None: ...
    def finished(self, status: PostStatus) -> None: ...
    def stop(self) -> None: ...


@dataclass
class Job:
    """One post to build, everything a worker process needs (picklable)."""

    name: str
    source: Path
    output: Path
    out_dir: Path
    base: Path                         # the site folder: cache records are relative to it
    options: dict[str, Any]            # pipeline.Options keyword arguments, post_url included
    expected: dict[str, str]           # run-wide digests: tool, fonts, template, options
    force: bool = False
    entry: PostEntry | None = None


# --- selection ---------------------------------------------------------------


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` with 1 <= K <= N."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError(f"--shard must look like K/N (e.g. 2/4), not {text!r}") from None
    if n < 1 or not 1 <= k <= n:
        raise UsageError(f"--shard {text}: K must be between 1 and N")
    return k, n


def shard_of(name: str, n: int) -> int:
    """The shard (1..N) a post belongs to: from a hash of its name, so adding posts moves no others."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) % n + 1


def matches(entry: PostEntry, patterns: tuple[str, ...], content_root: Path) -> bool:
    try:
        rel = entry.source.relative_to(content_root).as_posix()
    except ValueError:
        rel = entry.source.name
    return any(fnmatch.fnmatchcase(candidate, pattern) for pattern in patterns
               for candidate in (entry.name, f"{entry.name}.pdf", rel))


def select(entries: list[PostEntry], options: BatchOptions, content_root: Path) -> list[PostEntry]:
    chosen = []
    for entry in entries:
        if options.only and not matches(entry, options.only, content_root):
            continue
        if options.exclude and matches(entry, options.exclude, content_root):
            continue
        if options.shard and shard_of(entry.name, options.shard[1]) != options.shard[0]:
            continue
        chosen.append(entry)
    return chosen


# --- the run -----------------------------------------------------------------


def default_jobs() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:
        return os.cpu_count() or 1


def run(content_dir: str | Path, options: BatchOptions, *, config: SiteConfig | None = None,
        progress: Progress | None = None) -> BatchResult:
    """Export every selected post of CONTENT_DIR to OUT_DIR/<name>.pdf; see the module doc.

    ``config`` is the site config the caller read (the CLI does, to merge its flags); without
    it the config above CONTENT_DIR is read here, ``options.render`` overriding it.
    """
    started = time.monotonic()
    content_dir = Path(content_dir)
    if not content_dir.is_dir():
        raise UsageError("not a folder", content_dir)
    layout = detect_layout(content_dir)
    out_dir = Path(options.out_dir).resolve()
    if out_dir == layout.content_root or (layout.kind != "folder" and out_dir.is_relative_to(layout.content_root)):
        raise UsageError("the output folder is inside the content folder; choose another", out_dir)
    if config is None:
        config = find_config(content_dir)
        options = replace(options, render=merge_options(config, options.render, set(options.render)))
    entries = select(discover(content_dir), options, layout.content_root)

    statuses: dict[str, PostStatus] = {}
    jobs: list[Job] = []
    expected = _run_digests(options.render)
    taken: dict[str, Path] = {}
    for entry in entries:
        output = out_dir / entry.output
        if entry.draft and not options.drafts:
            statuses[entry.name] = _status(entry, output, DRAFT)
            continue
        if entry.name in taken:
            statuses[f"{entry.name}\0{entry.source}"] = _status(
                entry, output, FAILED, error=f"same output as {taken[entry.name]} ({entry.output})")
            continue
        taken[entry.name] = entry.source
        render = dict(options.render, post_url=post_url(options.render.get("site_url"), entry.url_path))
        jobs.append(Job(entry.name, entry.source, output, out_dir, layout.site_root, render,
                        dict(expected, options=incremental.options_digest(render)), options.force, entry))

    cache = incremental.BuildCache(out_dir)
    stale, memo = [], incremental.HashMemo()
    for job in jobs:
        reason = "forced" if options.force else _fresh(job, cache, memo)
        if reason is None:
            statuses[job.name] = _up_to_date(job, cache.load(job.name) or {})
        elif options.dry_run:
            statuses[job.name] = _status(job.entry, job.output, PENDING, reason=reason)
        else:
            stale.append(job)

    if progress and not options.dry_run:
        progress.start(len(stale), sum(1 for st in statuses.values() if st.status == UP_TO_DATE))
    try:
        if stale:
            _check_engine(options.render)
            workers = min(options.jobs or default_jobs(), len(stale))
            for status in _execute(stale, workers):
                statuses[status.name] = status
                if progress:
                    progress.finished(status)
    finally:
        if progress:
            progress.stop()

    order = {entry.name: i for i, entry in enumerate(entries)}
    posts = sorted(statuses.values(), key=lambda s: (order.get(s.name, len(order)), str(s.source)))
    result = BatchResult(posts, shard=options.shard)
    if options.combine and not options.dry_run:
        _combine(result, options, config)
    result.seconds = time.monotonic() - started
    if options.report:
        write_report(result, options.report)
    return result


def _run_digests(render: dict[str, Any]) -> dict[str, str]:
    return {"tool": incremental.tool_digest(), "fonts": incremental.fonts_digest(),
            "template": incremental.template_digest(render.get("template"))}


def _fresh(job: Job, cache: incremental.BuildCache, memo: incremental.HashMemo | None = None) -> str | None:
    return incremental.why_stale(cache.load(job.name), expected=job.expected, base=job.base,
                                 output=job.output, memo=memo)


def _check_engine(render: dict[str, Any]) -> None:
    """No engine: one usage error now, not the same failure for every post."""
    from .compile import find_engine
    find_engine(render.get("engine", "auto"), render.get("bundle"))
    import distill_pdf.pipeline  # noqa: F401  loaded once here, inherited by forked workers


def _execute(jobs: list[Job], workers: int):
    """Build in worker processes; yield each post's status as it finishes.

    A worker that dies breaks the whole pool, so the posts it took down with it
    are tried again: together once more, then one by one, where only the post
    that kills its worker fails.
    """
    suspects = yield from _pool_round(jobs, workers)
    if suspects:
        suspects = yield from _pool_round(suspects, min(workers, len(suspects)))
    for job in suspects:
        again = yield from _pool_round([job], 1)
        if again:
            yield _failed(job, "the worker process died while building this post (crash or out of memory)")


def _pool_round(jobs: list[Job], workers: int):
    suspects = []
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = {pool.submit(build, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                status = future.result()
            except BrokenProcessPool:
                suspects.append(job)
                continue
            except Exception as exc:  # e.g. a result that cannot be unpickled
                status = _failed(job, f"internal error: {type(exc).__name__}: {exc}")
            yield status
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return suspects


# --- one post (runs in a worker process) -----------------------------------


def build(job: Job) -> PostStatus:
    """Build one post unless it is up to date; never raises for a problem with the post."""
    cache = incremental.BuildCache(job.out_dir)
    with cache.lock(job.name):
        reason = "forced" if job.force else _fresh(job, cache)
        if reason is None:  # another run built it while we waited for the lock
            return _up_to_date(job, cache.load(job.name) or {})
        source = incremental.hash_inputs([job.source], job.base)  # before the build starts
        started = time.monotonic()
        try:
            from .pipeline import render
            result = render(job.source, job.output, **job.options)
        except DistillError as exc:
            cache.forget(job.name)
            return _failed(job, str(exc), time.monotonic() - started, reason)
        except Exception as exc:
            cache.forget(job.name)
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return _failed(job, f"internal error: {type(exc).__name__}: {exc} "
                                f"({Path(where.filename).name}:{where.lineno})", time.monotonic() - started,
                           reason)
        seconds = time.monotonic() - started
        warnings = [str(w) for w in result.warnings]
        cache.save(job.name, {
            "source": source,
            "assets": incremental.hash_inputs(asset_paths(job.source, job.options, result.image_sources),
                                              job.base),
            "bibliography": incremental.hash_inputs(bibliography_paths(job.source, job.options, job.base),
                                                    job.base),
            "bib_folders": {incremental.relative(job.source.parent, job.base):
                            incremental.bib_names(job.source.parent)},
            "image_sources": result.image_sources,
            "code": incremental.hash_inputs(incremental.typesetting_code(), incremental.PACKAGE_DIR),
            **job.expected,
            "output": incremental.relative(job.output, job.out_dir),
            "pdf": {"sha256": incremental.sha256_file(job.output), "size": job.output.stat().st_size},
            "pages": result.pages, "seconds": round(seconds, 2), "warnings": warnings,
            "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        })
        return _status(job.entry, job.output, BUILT, pages=result.pages, seconds=seconds,
                       warnings=warnings, reason=reason, source=job.source, name=job.name)


def asset_paths(source: Path, options: dict[str, Any], image_sources: list[str]) -> list[Path]:
    """Every local file an image `src` of the post at ``source`` may resolve to, as images.py
    looks for it (batch hashes them; watch watches them)."""
    from urllib.parse import unquote, urlsplit

    from .site import find_site_root
    site_root = Path(options["site_root"]).resolve() if options.get("site_root") else find_site_root(source)
    public = Path(options["public_dir"]).resolve() if options.get("public_dir") else site_root / "public"
    aliases = {"~/": site_root / "src", "@/": site_root / "src",
               **{k: Path(v) for k, v in (options.get("aliases") or {}).items()}}
    paths = []
    for src in image_sources:
        parts = urlsplit(src.strip())
        if parts.scheme or parts.netloc or not parts.path:
            continue  # remote: its URL is in the post's source, its download is cached by URL
        path = unquote(parts.path)
        prefix = next((p for p in sorted(aliases, key=len, reverse=True) if path.startswith(p)), None)
        if prefix is not None:
            paths.append(aliases[prefix] / path[len(prefix):])
        elif path.startswith("/"):
            paths += [public / path.lstrip("/"), site_root / path.lstrip("/")]
        else:
            paths.append(source.parent / path)
    return [Path(os.path.normpath(p)) for p in paths]


def bibliography_paths(source: Path, options: dict[str, Any], base: Path) -> list[Path]:
    """--bib / config files, and the post's own `bibliography:` front matter."""
    paths = [Path(p).resolve() for p in options.get("bib") or ()]
    meta = read_front_matter(source)
    value = meta.get("bibliography", meta.get("bib"))
    names = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
        if isinstance(value, list) else []
    for name in names:
        beside = source.parent / name
        paths.append(beside if beside.exists() or name.startswith(".") else base / name.lstrip("/"))
    dialect = options.get("dialect") or "auto"
    if dialect == "jekyll" or (dialect == "auto" and dialects.is_jekyll(meta, source)):
        # al-folio keeps them in assets/bibliography/
        from .dialects import jekyll
        paths += jekyll.bibliography_paths(meta, source)
    return paths + sorted(source.parent.glob("*.bib"))  # used when nothing names a bibliography


def _status(entry: PostEntry | None, output: Path, status: str, *, source: Path | None = None,
            name: str | None = None, **fields) -> PostStatus:
    return PostStatus(name=name or entry.name, source=source or entry.source, output=output, status=status,
                      title=entry.title if entry else None, date=entry.date if entry else None,
                      collection=entry.collection if entry else None, **fields)


def _up_to_date(job: Job, record: dict) -> PostStatus:
    return _status(job.entry, job.output, UP_TO_DATE, pages=record.get("pages", 0),
                   warnings=list(record.get("warnings", [])), source=job.source, name=job.name)


def _failed(job: Job, error: str, seconds: float = 0.0, reason: str | None = None) -> PostStatus:
    return _status(job.entry, job.output, FAILED, error=error, seconds=seconds, reason=reason,
                   source=job.source, name=job.name)


# --- after the builds ----------------------------------------------------------


def _combine(result: BatchResult, options: BatchOptions, config: SiteConfig) -> None:
    """The anthology of every exported post; rebuilt only when a post's PDF or its settings changed."""
    import json

    from .anthology import Article, combine
    posts = [p for p in result.posts if p.status in (BUILT, UP_TO_DATE) and p.output.is_file()]
    site = options.render.get("site_url")
    title = options.title or config.title or (_host(site) if site else None) or "Archive"
    output = Path(options.combine).resolve()
    settings = {"title": title, "site": site, "paper": options.render.get("paper", "a4"),
                "engine": options.render.get("engine", "auto"), **_run_digests(options.render),
                "posts": [(p.name, p.title, str(p.date), p.collection, incremental.sha256_file(p.output))
                          for p in posts]}
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    cache, name = incremental.BuildCache(options.out_dir), f"anthology:{output}"
    with cache.lock(name):
        record = cache.load(name)
        if (not options.force and record and record.get("key") == key and output.is_file()
                and incremental.sha256_file(output) == record.get("pdf")):
            result.combined, result.combined_pages, result.combined_up_to_date = output, record["pages"], True
            return
        articles = [Article(title=p.title or p.name, pdf=p.output, name=p.name, date=p.date,
                            collection=p.collection, pages=p.pages) for p in posts]
        try:
            pages = combine(articles, output, title=title, subtitle=site, engine=settings["engine"],
                            bundle=options.render.get("bundle"), paper=settings["paper"])
        except DistillError as exc:
            result.combine_error = str(exc)
            cache.forget(name)
            return
        cache.save(name, {"key": key, "pdf": incremental.sha256_file(output), "pages": pages})
        result.combined, result.combined_pages = output, pages


def _host(url: str) -> str:
    from urllib.parse import urlsplit
    return urlsplit(url).netloc or url


def write_report(result: BatchResult, path: Path) -> None:
    import json
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)

