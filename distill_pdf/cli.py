"""The `distill-pdf` command: a thin layer over the Python API.

`distill-pdf post.md -o post.pdf` is short for `distill-pdf render post.md -o post.pdf`.
Errors print one line (`post.md:12: unclosed math`) and exit 1 (content) or 2
(usage/environment); warnings are grouped and counted at the end.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from .version import __version__
from .errors import EXIT_USAGE, DistillError

# emoji=False: a warning at `post.md:100:` must not print as `post.md💯` (rich's :100: code)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


class DefaultRender(click.Group):
    """Route `distill-pdf FILE ...` to the `render` subcommand."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["render", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultRender, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="distill-pdf")
def main():
    """Typeset Markdown blog posts as Distill-style PDFs.

    \b
      distill-pdf post.md -o post.pdf
      distill-pdf bundle build ~/.cache/distill-pdf/bundle
    """


def engine_options(f):
    for option in reversed([
        click.option("--engine", type=click.Choice(["auto", "tectonic", "xelatex"]), default="auto",
                     show_default=True, help="TeX engine: tectonic when it runs, else XeLaTeX."),
        click.option("--bundle", type=click.Path(path_type=Path, file_okay=False),
                     help="Offline tectonic bundle folder (see `distill-pdf bundle build`)."),
        click.option("--template", default="distill", show_default=True,
                     help="Built-in template (distill, article) or a folder with template.tex.j2."),
        click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True),
        click.option("--strict", is_flag=True, help="Treat every warning as an error."),
        click.option("--site-root", type=click.Path(path_type=Path, file_okay=False),
                     help="Site folder (public/, src/); default: found from the post."),
        click.option("--site-url", help="The blog's URL, for relative links and citations."),
        click.option("--no-remote", is_flag=True, help="Do not download remote images."),
        click.option("--bib", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
                     help="A bibliography (.bib or CSL-JSON) for citations (repeatable)."),
        click.option("--citations", type=click.Choice(["auto", "biblatex", "pybtex"]), default="auto",
                     show_default=True, help="Citation back end: biblatex+biber, or pybtex (no biber)."),
        click.option("--citation-style", type=click.Choice(["author-year", "numeric"]),
                     default="author-year", show_default=True),
        click.option("--csl", metavar="NAME|FILE",
                     help="A CSL citation style: apa, chicago-author-date, ieee, nature, acm-sig-proceedings, "
                          "vancouver, harvard-cite-them-right, modern-language-association, or a .csl file."),
        click.option("--timeout", type=float, default=300, show_default=True,
                     help="Seconds the engine may run before it is killed."),
        click.option("--dialect", type=click.Choice(["auto", "astro", "jekyll", "pandoc"]), default="auto",
                     show_default=True,
                     help="Markdown flavour: jekyll (al-folio/kramdown, Liquid), pandoc (JOSS, Quarto, R Markdown), "
                          "astro; auto: by layout/_posts/, file suffix and front matter."),
    ]):
        f = option(f)
    return f


def _options(**kw) -> dict:
    return {"engine": kw["engine"], "bundle": kw["bundle"], "template": kw["template"], "paper": kw["paper"],
            "strict": kw["strict"], "site_root": kw["site_root"], "site_url": kw["site_url"],
            "allow_remote": not kw["no_remote"], "timeout": kw["timeout"], "bib": tuple(kw["bib"]),
            "citations": kw["citations"], "citation_style": kw["citation_style"], "csl": kw.get("csl"),
            "dialect": kw.get("dialect", "auto")}


@main.command()
@click.argument("post", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="PDF to write (default: beside the post).")
@click.option("--tex-only", is_flag=True, help="Write the LaTeX project (main.tex, figures/) to -o DIR instead.")
@click.option("--keep-build", type=click.Path(path_type=Path, file_okay=False),
              help="Keep the build folder (main.tex, main.log) here.")
@engine_options
def render(post, output, tex_only, keep_build, **kw):
    """Typeset one post to a PDF."""
    from .pipeline import render as render_pdf, write_tex_project
    with _reporting():
        options = _site_options(post, kw)
        if tex_only:
            result = write_tex_project(post, output or post.with_suffix(""), **options)
            where = result.tex
        else:
            result = render_pdf(post, output, keep_build=keep_build, **options)
            where = f"{result.pdf} ({result.pages} page{'s' if result.pages != 1 else ''})"
        _print_warnings(result.warnings)
        err.print(f"[green]wrote[/green] {where}")


def _given(kw) -> set[str]:
    """The Options keys set on the command line: they beat the site config."""
    from click.core import ParameterSource
    ctx = click.get_current_context()
    names = {name for name in kw
             if ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)}
    return {"allow_remote" if name == "no_remote" else name for name in names}


def _site_options(post: Path, kw) -> dict:
    """The site config found above the post (distill-pdf.toml, astro.config.*), flags overriding it."""
    from .config import options_for, post_url
    from .discover import name_for
    options, config = options_for(post, _options(**kw), _given(kw))
    for warning in config.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", markup=True, highlight=False)
    if options.get("site_url") and post.is_file():
        options["post_url"] = post_url(options["site_url"], name_for(post).url_path)
    return options


@main.command()
@click.argument("content_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the PDFs: OUT_DIR/<collection>/<slug>.pdf.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Posts built at once [default: CPU count].")
@click.option("--force", is_flag=True, help="Rebuild every post, even those that are up to date.")
@click.option("--drafts", is_flag=True, help="Also build posts marked `draft: true`.")
@click.option("--only", multiple=True, metavar="GLOB", help="Only posts whose name (blog/my-post) or path matches; repeatable.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip posts whose name or path matches; repeatable.")
@click.option("--shard", metavar="K/N", help="Build only part K of N (a stable split, for CI matrices).")
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False), help="Write a JSON report here.")
@click.option("--combine", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write one anthology PDF: title page, contents, bookmarks.")
@click.option("--title", help="Title of the --combine anthology [default: config `title`, else the site].")
@click.option("--dry-run", is_flag=True, help="Only list the posts that would be built, and why.")
@engine_options
def batch(content_dir, out_dir, jobs, force, drafts, only, exclude, shard, report, combine, title, dry_run, **kw):
    """Export every post of a blog (Astro, Jekyll, Hugo, or a folder of .md) to OUT_DIR, incrementally."""
    from .batch import BatchOptions, parse_shard
    from .batch_console import run_cli
    with _reporting():
        options = BatchOptions(out_dir=out_dir, jobs=jobs, force=force, drafts=drafts, only=only,
                               exclude=exclude, shard=parse_shard(shard) if shard else None,
                               combine=combine, title=title, report=report, dry_run=dry_run)
        code = run_cli(content_dir, options, cli_render=_options(**kw), explicit=_given(kw),
                       console=Console(stderr=True, highlight=False, soft_wrap=True, emoji=False))
    sys.exit(code)


@main.command()
@click.argument("target", metavar="POST|DIR", type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The PDF (for a post) or the folder for <name>.pdf (for a folder); default: beside each post.")
@engine_options
def watch(target, output, **kw):
    """Build, then rebuild whenever the post, an image, the bibliography, the template or the
    config changes; the last good PDF stays while a build fails."""
    from .watch import Build, Watcher

    def report(item) -> None:
        if isinstance(item, Build):
            style = "red" if item.error else "green"
            err.print(f"[{style}]{item.line()}[/{style}]", markup=True, highlight=False)
        else:
            err.print(item, markup=False)
    with _reporting():
        try:
            Watcher(target, output, _options(**kw), _given(kw), report).run()
        except KeyboardInterrupt:
            err.print("stopped")


@main.command()
@click.argument("post", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for <slug>-arxiv.tar.gz (the sources) and <slug>-arxiv.pdf.")
@click.option("--engine", type=click.Choice(["pdflatex", "xelatex"]), default="pdflatex", show_default=True,
              help="The compiler arXiv runs: pdflatex (most portable) or xelatex (ships its fonts; CJK, emoji).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--citation-style", type=click.Choice(["author-year", "numeric"]), default="author-year",
              show_default=True, help="References numbered or author-year.")
@click.option("--csl", metavar="NAME|FILE", help="A CSL citation style (bundled name or .csl file).")
@click.option("--bib", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A bibliography (.bib or CSL-JSON) for citations (repeatable).")
@click.option("--site-root", type=click.Path(path_type=Path, file_okay=False),
              help="Site folder (public/, src/); default: found from the post.")
@click.option("--site-url", help="The blog's URL, for relative links.")
@click.option("--no-remote", is_flag=True, help="Do not download remote images.")
@click.option("--strict", is_flag=True, help="Treat every warning as an error.")
@click.option("--allow-incomplete", is_flag=True,
              help="Pack the bundle even when a check fails (missing image, unresolved citation).")
@click.option("--keep-build", type=click.Path(path_type=Path, file_okay=False),
              help="Keep the folder the bundle was test-compiled in (main.log) here.")
@click.option("--timeout", type=float, default=300, show_default=True,
              help="Seconds the engine may run before it is killed.")
def arxiv(post, out_dir, allow_incomplete, keep_build, **kw):
    """Make an arXiv submission: a checked source tarball that compiles, and its PDF."""
    from .arxiv import export_arxiv
    from .arxiv.checks import FAILED, WARNING, human
    with _reporting():
        kw.update(bundle=None, template="arxiv", citations="pybtex")
        options = _site_options(post, kw)
        options["engine"] = kw["engine"]  # a site config's engine is for render, not for arXiv
        result = export_arxiv(post, out_dir, allow_incomplete=allow_incomplete, keep_build=keep_build,
                              **options)
        colour = {FAILED: "red", WARNING: "yellow"}
        for check in result.checks:
            style = colour.get(check.status, "green")
            err.print(f"  [{style}]{check.status:>7}[/{style}]  {check.name}: {check.detail}", highlight=False)
        _print_warnings(result.warnings)
        err.print(f"[green]wrote[/green] {result.tarball} ({human(result.size)}, {len(result.files)} files, "
                  f"{result.engine})")
        err.print(f"[green]wrote[/green] {result.pdf} ({result.pages} page{'s' if result.pages != 1 else ''})")


@main.group()
def bundle():
    """Offline tectonic bundles built from an installed TeX Live."""


@bundle.command("build")
@click.argument("dest", type=click.Path(path_type=Path, file_okay=False))
@click.option("--root", "roots", multiple=True, type=click.Path(path_type=Path, file_okay=False),
              help="A texmf tree to include (repeatable; default: TeX Live's trees).")
def bundle_build(dest, roots):
    """Build a flat tectonic bundle in DEST from TeX Live's files."""
    from .bundle import build_bundle
    with _reporting():
        count = build_bundle(dest, list(roots) or None)
        err.print(f"[green]bundle[/green] {dest}: {count} files")


@main.group("figures")
def figures_group():
    """Diagrams and interactive figures drawn by headless Chromium."""


@figures_group.command("install")
def figures_install():
    """Fetch the pinned JavaScript libraries (mermaid, plotly, vega, chart.js, echarts) with npm."""
    from .figures import libraries
    problems = libraries.install(log=lambda line: err.print(f"[green]figures[/green] {line}"))
    for problem in problems:
        err.print(f"[red]error[/red] {problem}")
    if problems:
        sys.exit(2)
    err.print(f"[green]figures[/green] libraries in {libraries.library_dir()}")


@main.command()
@click.option("--no-test-page", is_flag=True, help="Only look; do not typeset the test page.")
def doctor(no_test_page):
    """What is installed, what is missing, and the command that fixes each; exit 1 when
    nothing can typeset."""
    from .doctor import diagnose, header
    with _reporting():
        report = diagnose(trial=not no_test_page)
    out = Console(highlight=False, soft_wrap=True, emoji=False)
    out.print(header(), markup=False)
    for check in report.checks:
        mark = "[green]ok[/green]     " if check.ok else ("[red]missing[/red]" if check.needed
                                                         else "[yellow]optional[/yellow]")
        out.print(f"  {mark}  {check.name:<15}", end="")
        out.print(check.detail, markup=False)
        if check.fix:
            out.print(f"{'':<29}fix: {check.fix}", markup=False)
    if report.can_typeset:
        out.print(f"distill-pdf post.md typesets with {report.engine}.", markup=False)
    else:
        out.print("[red]Nothing here can typeset a post[/red]: apply a fix above.")
        sys.exit(1)


def _print_warnings(warnings) -> None:
    if not warnings:
        return
    err.print(f"[yellow]{len(warnings)} warning{'s' if len(warnings) != 1 else ''}:[/yellow]")
    for line in group_warnings(warnings):
        err.print(f"  {line}", markup=False)


def group_warnings(warnings, shown_lines: int = 8) -> list[str]:
    """One line per distinct message: `post.md:3,9,14: dropped <span> (3x)`, in first-seen order."""
    groups: dict[tuple, list] = {}
    for w in warnings:
        path, line, message = getattr(w, "path", None), getattr(w, "line", None), getattr(w, "message", str(w))
        groups.setdefault((str(path) if path else "", message), []).append(line)
    out = []
    for (path, message), lines in groups.items():
        numbers = sorted({n for n in lines if n})
        where = ",".join(map(str, numbers[:shown_lines])) + (",..." if len(numbers) > shown_lines else "")
        prefix = f"{path}:{where}: " if path and where else (f"{path}: " if path else "")
        out.append(f"{prefix}{message}" + (f" ({len(lines)}x)" if len(lines) > 1 else ""))
    return out


class _reporting:
    """One line per error, the right exit code, never a traceback."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None:
            return False
        if isinstance(exc, DistillError):
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(exc.exit_code)
        if isinstance(exc, KeyboardInterrupt):
            print("interrupted", file=sys.stderr)
            sys.exit(130)
        if isinstance(exc, OSError):
            print(f"error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
            sys.exit(EXIT_USAGE)
        return False


if __name__ == "__main__":
    main()
