"""What `distill-pdf batch` prints: a live progress bar on a terminal, plain lines in CI logs,
and a summary table at the end (post, status, pages, seconds, warnings)."""
from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .batch import BUILT, DRAFT, FAILED, PENDING, UP_TO_DATE, BatchResult, PostStatus

STYLES = {BUILT: "green", UP_TO_DATE: "dim", FAILED: "bold red", DRAFT: "yellow", PENDING: "cyan"}
LABELS = {DRAFT: "skipped (draft)"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


class ConsoleProgress:
    """batch.Progress for a terminal (a rich bar) or a log (one line per finished post)."""

    def __init__(self, console: Console):
        self.console = console
        self.live = console.is_terminal and not console.is_dumb_terminal
        self.bar: Progress | None = None
        self.task = None
        self.done = 0
        self.total = 0
        self.started = time.monotonic()

    def start(self, to_build: int, up_to_date: int) -> None:
        self.total = to_build
        self.console.print(f"{_plural(to_build, 'post')} to build, {up_to_date} up to date", highlight=False)
        if self.live and to_build:
            self.bar = Progress(TextColumn("[bold]building"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("{task.description}"),
                                console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("", total=to_build)

    def finished(self, status: PostStatus) -> None:
        self.done += 1
        line = _line(status)
        if self.bar is not None:
            self.bar.console.print(line, highlight=False)
            self.bar.update(self.task, advance=1, description=status.name)
        else:
            self.console.print(f"[{self.done}/{self.total}] {line}", highlight=False, markup=False,
                               soft_wrap=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _line(status: PostStatus) -> str:
    if status.status == FAILED:
        return f"failed  {status.name}: {status.error}"
    extra = f", {_plural(len(status.warnings), 'warning')}" if status.warnings else ""
    return f"{status.status}  {status.name} ({_plural(status.pages, 'page')}, {status.seconds:.1f} s{extra})"


def summary(console: Console, result: BatchResult, *, show_up_to_date: bool = True) -> None:
    """The table, the failures one per line, and a closing count."""
    dry_run = any(p.status == PENDING for p in result.posts)
    if not console.is_terminal:  # a log has no width: never fold a post's name
        longest = max((len(p.name) for p in result.posts), default=10)
        why = max((len(p.reason or "") for p in result.posts), default=0) + 2 if dry_run else 0
        console.width = max(console.width, longest + 45 + why)
    table = Table(show_edge=False, pad_edge=False, box=None)
    table.add_column("post", overflow="fold")
    table.add_column("status")
    table.add_column("pages", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("warnings", justify="right")
    if dry_run:
        table.add_column("why")
    for post in result.posts:
        if post.status == UP_TO_DATE and not show_up_to_date:
            continue
        style = STYLES.get(post.status, "")
        row = [post.name, f"[{style}]{LABELS.get(post.status, post.status)}[/]",
               str(post.pages) if post.pages else "", f"{post.seconds:.1f}" if post.seconds else "",
               str(len(post.warnings)) if post.warnings else ""]
        table.add_row(*row, *([post.reason or ""] if dry_run else []))
    console.print(table)
    for post in result.failed:
        console.print(f"[bold red]error[/] {post.name}: {post.error}", highlight=False)
    counts = [f"{result.count(BUILT)} built", f"{result.count(UP_TO_DATE)} up to date",
              f"{result.count(FAILED)} failed"]
    if dry_run:
        counts.insert(0, f"{result.count(PENDING)} would build")
    if result.count(DRAFT):
        counts.append(f"{_plural(result.count(DRAFT), 'draft')} skipped")
    warnings = sum(len(p.warnings) for p in result.posts if p.status == BUILT)
    if warnings:
        counts.append(_plural(warnings, "warning"))
    shard = f" (shard {result.shard[0]}/{result.shard[1]})" if result.shard else ""
    console.print(f"{', '.join(counts)} in {result.seconds:.1f} s{shard}", highlight=False)
    if result.combined:
        fresh = ", up to date" if result.combined_up_to_date else ""
        console.print(f"[green]combined[/] {result.combined} ({_plural(result.combined_pages, 'page')}{fresh})",
                      highlight=False)
    if result.combine_error:
        console.print(f"[bold red]error[/] --combine: {result.combine_error}", highlight=False)


def run_cli(content_dir, options, *, cli_render: dict, explicit: set[str], console: Console) -> int:
    """`distill-pdf batch`: site config + flags, the run, the summary; returns the exit code."""
    from . import config as site_config
    from .batch import run

    render, config = site_config.options_for(content_dir, cli_render, explicit)
    for warning in config.warnings:
        console.print(f"[yellow]warning[/] {warning}", highlight=False)
    if config.site_url and "site_url" not in explicit:
        where = config.site_url_from or config.source
        console.print(f"site {config.site_url}" + (f" (from {where.name})" if where else ""), highlight=False)
    options.render = render
    result = run(content_dir, options, config=config, progress=ConsoleProgress(console))
    summary(console, result)
    if options.report:
        console.print(f"report {options.report}", highlight=False)
    return 0 if result.ok else 1
