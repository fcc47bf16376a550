"""`distill-pdf watch POST|DIR`: rebuild a post's PDF whenever one of its inputs changes.

Inputs are what batch's build cache tracks (batch.asset_paths, batch.bibliography_paths):
the post, every local image it uses, its bibliography, the template's files and the site
config. Their folders are watched (watchfiles, not recursively: a site's node_modules is never
walked); an event only wakes the watcher, which then builds the posts whose inputs' times or
sizes changed since their last build, so the PDF itself or an editor's swap file builds
nothing, and an edit made while the watcher was not yet listening is still seen.

Why a long-lived process is fast: the modules stay imported, and each build reuses what the
last one left on disk: the precompiled preamble (formats.py), the converted images
(images.py's cache) and the engine's aux files (pipeline._CarriedAux), so a one-word edit
costs one engine pass. Parsing the bibliography again takes under a millisecond, so it is
not kept in memory.

A failed build keeps the last good PDF: the post is rendered into a private temp folder and
published over the output only when it succeeded (pipeline.render alone deletes the output
on failure, which suits a one-shot command, not an open PDF viewer).
"""
from __future__ import annotations

import datetime as dt
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batch import asset_paths, bibliography_paths
from .config import find_config, options_for, post_url
from .discover import POST_SUFFIXES, discover, name_for
from .errors import DistillError
from .site import find_site_root
from .template import BUILTIN, TEMPLATES_DIR

CONFIG_NAMES = ("distill-pdf.toml", "pyproject.toml")


@dataclass
class Build:
    """One build of one post, as the one line printed for it says."""

    post: Path
    output: Path
    seconds: float
    pages: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    at: dt.datetime = field(default_factory=dt.datetime.now)

    def line(self) -> str:
        clock = self.at.strftime("%H:%M:%S")
        if self.error:
            kept = "kept the last good PDF" if self.output.exists() else "no PDF yet"
            return f"{clock}  failed  {self.error}  ({kept}: {_shown(self.output)})"
        count = len(self.warnings)
        return (f"{clock}  built   {_shown(self.output)}  {self.seconds:.2f} s, {self.pages} page"
                f"{'s' if self.pages != 1 else ''}, {count} warning{'s' if count != 1 else ''}")


def _shown(path: Path) -> Path:
    """The path as the user would type it: relative to the current folder when inside it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


@dataclass
class _Watched:
    """A post, where its PDF goes, and the files whose change rebuilds it."""

    post: Path
    output: Path
    inputs: set[Path] = field(default_factory=set)
    stamps: dict[Path, tuple | None] = field(default_factory=dict)  # the inputs as the last build read them
    warnings: list[str] | None = None  # of the last good build: printed again only when they change

    def stale(self) -> bool:
        return not self.stamps or _stamps(self.stamps) != self.stamps


def _stamps(paths) -> dict[Path, tuple | None]:
    """What says a file changed: its modification time and size (None: missing)."""
    out = {}
    for path in paths:
        try:
            info = path.stat()
            out[path] = (info.st_mtime_ns, info.st_size)
        except OSError:
            out[path] = None
    return out


class Watcher:
    """Builds every post of ``target`` (a post or a folder of posts), then again on each change.

    ``cli``/``explicit``: the render options and the ones given as flags (they beat the site
    config, as in `distill-pdf post.md`). ``output``: the PDF for a post; for a folder, where
    <name>.pdf go (default: each PDF beside its post). ``report`` gets every Build and every
    warning line.
    """

    def __init__(self, target: Path, output: Path | None, cli: dict[str, Any], explicit: set[str],
                 report: Callable[[Build | str], None]):
        self.target = Path(target).resolve()
        self.output = Path(output).resolve() if output else None
        self.cli, self.explicit, self.report = cli, explicit, report
        self.posts: dict[Path, _Watched] = {}

    # --- what is watched ---------------------------------------------------------------

    def discover(self) -> None:
        """The posts of the target, keeping what is known of those seen before."""
        if self.target.is_file():
            found = {self.target: self.output or self.target.with_suffix(".pdf")}
        else:
            found = {entry.source: (self.output / entry.output if self.output else entry.source.with_suffix(".pdf"))
                     for entry in discover(self.target)}
        self.posts = {post: self.posts.get(post) or _Watched(post, output) for post, output in found.items()}

    def options(self, post: Path) -> dict[str, Any]:
        options, _ = options_for(post, self.cli, self.explicit)
        if options.get("site_url"):
            options["post_url"] = post_url(options["site_url"], name_for(post).url_path)
        return options

    def shared_inputs(self) -> set[Path]:
        """The files every post depends on: the template's, and the site config's (also where
        one may yet be written, from the target's folder up to the site's)."""
        template = str(self.cli.get("template") or "distill")
        folder = TEMPLATES_DIR / template if template in BUILTIN else Path(template).resolve()
        files = {p for folder_ in (folder, TEMPLATES_DIR) if folder_.is_dir()
                 for p in folder_.iterdir() if p.is_file()}
        start = self.target if self.target.is_dir() else self.target.parent
        config = find_config(start)
        files |= {p.resolve() for p in (config.source, config.site_url_from) if p is not None}
        site = find_site_root(start / "post.md")
        above = [start, *(p for p in start.parents if p.is_relative_to(site))]
        return files | {folder_ / name for folder_ in above for name in CONFIG_NAMES}

    def folders(self) -> set[Path]:
        """The folders to watch: those of every input, and the target folder (new posts)."""
        files = set(self.shared_inputs())
        for watched in self.posts.values():
            files |= watched.inputs | {watched.post}
        folders = {f.parent for f in files}
        if self.target.is_dir():
            folders |= {w.post.parent for w in self.posts.values()} | {self.target}
        return {f for f in folders if f.is_dir()}

    # --- building ----------------------------------------------------------------------

    def build(self, watched: _Watched, scratch: Path) -> Build:
        """Render into ``scratch``; publish over the output only on success."""
        from .pipeline import publish, render
        started = time.monotonic()
        options = self.options(watched.post)
        named = {Path(p).resolve() for p in (watched.post, *bibliography_paths(watched.post, options,
                                                                              find_site_root(watched.post)))}
        inputs = named | watched.inputs  # with the images the last build used
        stamps = _stamps(inputs)  # before reading: an edit made during the build builds again
        try:
            result = render(_shown(watched.post), scratch / "build.pdf", **options)
            images = {Path(p).resolve() for p in asset_paths(watched.post, options, result.image_sources)}
            publish(result.pdf, watched.output)
        except DistillError as exc:
            watched.inputs, watched.stamps = inputs, stamps  # kept: a fixed post must build again
            return Build(watched.post, watched.output, time.monotonic() - started, error=str(exc))
        finally:
            (scratch / "build.pdf").unlink(missing_ok=True)
        watched.inputs = named | images
        watched.stamps = {**_stamps(images - inputs), **{p: stamps[p] for p in watched.inputs if p in stamps}}
        return Build(watched.post, watched.output, time.monotonic() - started, result.pages,
                     [str(w) for w in result.warnings])

    def _build_and_report(self, watched: _Watched, scratch: Path) -> None:
        build = self.build(watched, scratch)
        self.report(build)
        if not build.error and build.warnings != watched.warnings:
            for warning in build.warnings:
                self.report(f"  {warning}")
            watched.warnings = build.warnings

    def run(self, stop: threading.Event | None = None) -> None:
        """Build everything, then watch until ``stop`` is set (or Ctrl-C)."""
        import watchfiles
        stop = stop or threading.Event()
        with tempfile.TemporaryDirectory(prefix="distill-pdf-watch-") as scratch:
            self.discover()
            shared = _stamps(self.shared_inputs())
            while not stop.is_set():
                self._build_stale(Path(scratch))
                folders = self.folders()
                self.report(f"watching {len(self.posts)} post{'s' if len(self.posts) != 1 else ''} "
                            f"({len(folders)} folders); Ctrl-C stops")
                # events only wake the loop; what changed is read from the stamps, so an edit made
                # before the watcher started (or between two watches) is not lost: the watcher
                # also wakes every half second without events
                for changes in watchfiles.watch(*folders, stop_event=stop, recursive=False, debounce=400,
                                                step=30, rust_timeout=500, yield_on_timeout=True):
                    if self.target.is_dir() and any(Path(p).suffix in POST_SUFFIXES for _, p in changes):
                        self.discover()  # a post may have been added, renamed or deleted
                    if _stamps(shared) != shared:  # the template or the config: every post
                        shared = _stamps(self.shared_inputs())
                        for watched in self.posts.values():
                            watched.stamps = {}
                    self._build_stale(Path(scratch))
                    if self.folders() != folders:
                        break  # an input in a new folder: watch again with it

    def _build_stale(self, scratch: Path) -> None:
        for watched in list(self.posts.values()):
            if watched.post.is_file() and watched.stale():
                self._build_and_report(watched, scratch)
