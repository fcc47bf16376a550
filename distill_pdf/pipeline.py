"""The whole job for one post: load -> parse -> render -> template -> compile -> PDF.

``render()`` is the public API the CLI, batch export and build scripts call.
Work happens in a private temp folder; the PDF reaches its destination by an
atomic rename, so a failure leaves neither a partial nor a stale file.
"""
from __future__ import annotations

import bisect
import dataclasses
import hashlib
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import compile as engines
from . import citations, dialects, figures, images, isolation, mdx, template
from .errors import CompileTimeout, DistillError, Diagnostic, Diagnostics, UsageError
from .load import Post, load_post
from .metadata import Author
from .parse import parse_post
from .syntax import typography
from .resources import user_cache_dir
from .site import find_site_root
from .writer.latex import RenderedBody

BODY_MARKER = "%%% distill-pdf body"
OVERFULL_LIMIT_PT = 10.0


@dataclass
class Options:
    template: str | Path = "distill"
    engine: str = "auto"
    bundle: Path | None = None
    paper: str = "a4"
    strict: bool = False
    site_root: Path | None = None
    site_url: str | None = None
    cache_dir: Path | None = None
    bib: tuple[Path, ...] = ()
    citations: str = "auto"          # auto | biblatex | pybtex
    citation_style: str = "author-year"  # author-year | numeric
    csl: str | None = None               # a CSL style: bundled name or .csl file (distill_pdf/csl)
    allow_remote: bool = True
    timeout: float = 300.0
    keep_build: Path | None = None
    # Site config (config.py) and batch export (batch.py):
    authors: tuple = ()                 # default authors ({name, url, ...}) for posts that name none
    public_dir: Path | None = None      # serves /x.png (default: <site root>/public)
    aliases: dict | None = None         # path prefixes, e.g. {"@assets/": Path("src/assets")}
    post_url: str | None = None         # the post online: MDX interactive notes link to it
    dialect: str = "auto"               # auto | astro | jekyll: the Markdown flavour (dialects/)
    smartypants: bool = True            # smart quotes and dashes, as the blog renders them (syntax/typography)


@dataclass
class RenderResult:
    pdf: Path | None
    pages: int = 0
    passes: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    tex: Path | None = None
    log: str = ""
    image_sources: list[str] = field(default_factory=list)  # images as the post names them (batch cache)


@dataclass
class Project:
    """The LaTeX project for one post: main.tex and the figures it includes."""

    post: Post
    tex: str
    body: RenderedBody
    body_start: int  # line of main.tex where the body begins
    needs_biber: bool = False
    image_sources: list[str] = field(default_factory=list)
    extra_files: dict[str, str] = field(default_factory=dict)  # name -> text (the .bib for biber)
    # figures still being made (images.prepare_image(defer=True)): file -> (stand-in, its making)
    pending: dict[Path, tuple[bytes, Future]] = field(default_factory=dict)
    # a rendered body -> (the body as main.tex holds it, main.tex): for isolate()
    refill: Callable[[str], tuple[str, str]] | None = None

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for figure in self.body.figures:
            target = folder / figure.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if figure.source in self.pending:
                target.write_bytes(self.pending[figure.source][0])
            else:
                shutil.copyfile(figure.source, target)
        for name, text in self.extra_files.items():
            (folder / name).write_text(text, encoding="utf-8")
        tex_path = folder / "main.tex"
        tex_path.write_text(self.tex, encoding="utf-8")
        return tex_path

    def finish_figures(self, folder: Path) -> None:
        """Wait for the figures still being made and put them in place of their stand-ins;
        _BrokenPromise when one could not be made as promised."""
        for figure in self.body.figures:
            if figure.source in self.pending:
                problem = self.pending.pop(figure.source)[1].result()
                if problem is not None:
                    raise _BrokenPromise(problem)
                shutil.copyfile(figure.source, folder / figure.name)

    def isolate(self, errors, diagnostics: Diagnostics) -> Project | None:
        """This project with the body blocks the engine ``errors`` come from boxed, each with a
        warning (:mod:`distill_pdf.isolation`); None when they are not block errors."""
        if self.refill is None or not isinstance(self.body, isolation.TracedBody):
            return None
        boxed = isolation.box_failing_blocks(self.post, self.body, self.body_start, errors, diagnostics)
        if boxed is None:
            return None
        latex, tex = self.refill(boxed[0])
        return dataclasses.replace(self, tex=tex, body=RenderedBody(latex, boxed[1], self.body.figures),
                                   body_start=_body_start(tex), refill=None)

    def markdown_line(self, tex_line: int | None) -> int:
        """Map a main.tex line back to the Markdown line it was made from."""
        if tex_line is None or tex_line < self.body_start or not self.body.line_map:
            return 1
        offset = tex_line - self.body_start
        keys = [body_line for body_line, _ in self.body.line_map]
        index = max(bisect.bisect_right(keys, offset) - 1, 0)
        return self.body.line_map[index][1]


def cache_dir(options: Options) -> Path:
    if options.cache_dir:
        return Path(options.cache_dir)
    return user_cache_dir()


class _BrokenPromise(Exception):
    """A figure promised by images.prepare_image(defer=True) could not be made as promised
    (a PNG damaged past its header): the post is built again without promises, which reports
    the problem the usual way."""


def build_project(post_path: Path, options: Options, diagnostics: Diagnostics,
                  extra_values=None, png_as_pdf: bool = True, defer_images: bool = False) -> Project:
    """``extra_values``: an optional ``(post, values) -> dict`` whose result is added to the
    template's values (the arXiv export's title block and fonts). ``png_as_pdf=False`` keeps
    PNG figures as PNG files (the arXiv bundle ships the images themselves).
    ``defer_images``: slow figures may still be in the making (``Project.pending``) when
    this returns; the caller must call ``Project.finish_figures`` before they are read."""
    post = load_post(post_path, diagnostics)
    dialect = dialects.for_post(post, options.dialect, diagnostics)
    mdx_result = mdx.strip(post, diagnostics, options.post_url) if mdx.applies(post) else None
    if mdx_result is not None:
        post.body = mdx_result.markdown
    if options.authors and not post.authors:
        post.authors = [Author(**author) for author in options.authors]
    cites = citations.setup(post, options, diagnostics)
    document = parse_post(post, extra_plugins=(*dialect.plugins, *(cites.plugins if cites else ())),
                          typography_style=typography.style_for(dialect.name, options.smartypants))
    site_root = (Path(options.site_root).resolve() if options.site_root
                 else dialect.site_root or find_site_root(post.path))
    ctx = images.ImageContext.for_site(post.path, site_root, cache_dir=cache_dir(options) / "images",
                                       allow_remote=options.allow_remote, png_as_pdf=png_as_pdf)
    if options.public_dir or options.aliases:
        ctx = dataclasses.replace(
            ctx, public_dir=Path(options.public_dir).resolve() if options.public_dir else ctx.public_dir,
            aliases={**ctx.aliases, **{k: Path(v) for k, v in (options.aliases or {}).items()}})
    image_sources: list[str] = []

    ahead = _ImagesAhead(document, lambda src: images.prepare_image(src, ctx, defer=defer_images))

    def prepare_image(src: str):
        image_sources.append(src)
        return ahead.get(src)

    drawn = figures.FigureRenderer((site_root, ctx.public_dir), cache_dir(options), options.allow_remote,
                                   post_url=options.post_url)
    with ahead:
        body = isolation.render_body(post, document, diagnostics, prepare_image=prepare_image,
                                     site_url=options.site_url, citations=cites,
                                     html_translator=dialect.html_translator, figures=drawn)

    def refill(raw: str) -> tuple[str, str]:
        latex = mdx_result.expand(raw) if mdx_result is not None else raw
        values = template.context(post, latex, paper=options.paper, site_url=options.site_url,
                                  bibliography=cites.bibliography_latex() if cites else "",
                                  preamble_extra=(cites.preamble_latex() if cites else "") + dialect.preamble_latex())
        if extra_values is not None:
            values.update(extra_values(post, values))
        return latex, _drop_unused_fallback_fonts(template.fill(options.template, values))

    body.latex, tex = refill(body.raw)
    return Project(post, tex, body, _body_start(tex), needs_biber=bool(cites and cites.needs_biber),
                   image_sources=list(dict.fromkeys(image_sources)),
                   extra_files=cites.build_files() if cites else {}, pending=ahead.pending, refill=refill)


def _body_start(tex: str) -> int:
    """The main.tex line (from 1) where the body begins."""
    return tex.split("\n").index(BODY_MARKER) + 2


class _CarriedAux:
    """Performance: what the engine wrote for a post's last build (main.aux, main.toc, ...),
    kept in the cache and put back into the next build's folder, as latexmk's reused build
    folder would have it. Rebuilding an edited post then usually takes one engine pass, also
    with a table of contents (three passes from scratch); compile.py reruns as usual when
    what was carried no longer matches, and starts afresh if it breaks the first pass.
    Not for biblatex posts, where biber decides the passes."""

    def __init__(self, cache: Path, post: Path, options: Options, engine):
        key = hashlib.sha256("\0".join((str(Path(post).resolve()), str(options.template),
                                         options.paper, engine.name)).encode()).hexdigest()[:32]
        self.folder = Path(cache) / "aux" / key

    def restore(self, build: Path) -> None:
        try:
            for path in self.folder.iterdir():
                shutil.copyfile(path, build / path.name)
        except OSError:
            pass

    def save(self, build: Path) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for path in build.glob("main.*"):
                if path.suffix.lower() in engines.TEX_WRITES:
                    tmp = self.folder / f".{path.name}.{os.getpid()}"
                    shutil.copyfile(path, tmp)
                    os.replace(tmp, self.folder / path.name)
        except OSError:
            pass


def _forget_aux(build: Path, carried: _CarriedAux | None) -> None:
    """Back to the files the first run started from: what it wrote came from blocks since
    boxed (a longtable's widths, a label), and a line of it gone would cost another pass."""
    for path in build.glob("main.*"):
        if path.suffix.lower() in engines.TEX_WRITES:
            path.unlink()
    if carried:
        carried.restore(build)


class _ImagesAhead:
    """Performance: the Markdown images of a post prepared in threads (decoding, downscaling
    and converting a large PNG takes 0.1-0.4 s, mostly in Pillow, which lets other threads
    run), while the writer renders; :meth:`get` hands each one over when the writer gets to
    it. Images it did not see coming (raw HTML, dialects) are prepared when asked for. A
    promised image (``finish`` set) is made in a thread too, and left in :attr:`pending`,
    which may outlive the writer: the engine's first pass does not wait for it."""

    def __init__(self, document, prepare):
        self.prepare = prepare
        self.pending: dict[Path, tuple[bytes, Future]] = {}
        urls = _image_urls(document.tokens + [t for note in document.footnotes.values() for t in note])
        self.pool = ThreadPoolExecutor(max_workers=min(len(urls), os.cpu_count() or 1, 4),
                                       thread_name_prefix="distill-images") if urls else None
        self.futures = {url: self.pool.submit(prepare, url) for url in urls}

    def get(self, src: str):
        future = self.futures.get(src)
        prepared = future.result() if future is not None else self.prepare(src)
        if prepared.finish is not None and prepared.path not in self.pending:
            if self.pool is None:
                self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="distill-images")
            self.pending[prepared.path] = (prepared.stand_in, self.pool.submit(prepared.finish))
        return prepared

    def __enter__(self):
        # images.prepare_image silences Pillow's warnings with warnings.catch_warnings(), which
        # is not thread-safe: whatever the threads leave behind is undone when they are done
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        return self

    def __exit__(self, *exc):
        if self.pool is not None:  # the figures still being made go on (Project.pending)
            self.pool.shutdown(wait=not self.pending or exc[0] is not None, cancel_futures=exc[0] is not None)
        self._warnings.__exit__(*exc)
        return False


def _image_urls(tokens) -> list[str]:
    """The URLs of the image tokens in a mistune token tree, in document order, once each."""
    urls, stack = [], list(reversed(tokens))
    while stack:
        token = stack.pop()
        if not isinstance(token, dict):
            continue
        if token.get("type") == "image":
            url = (token.get("attrs") or {}).get("url")
            if isinstance(url, str) and url.strip():
                urls.append(url)
        children = token.get("children")
        if isinstance(children, list):
            stack.extend(reversed(children))
    return list(dict.fromkeys(urls))


_FONTS_BLOCK = re.compile(r"^% --- distill_pdf\.fonts: .*?^% --- end distill_pdf\.fonts ---\n", re.S | re.M)
_FALLBACK_FONT = re.compile(r"^\\newfontfamily\\dpfont([A-Za-z]+?)(face)?\{[^{}\n]*\}\[[^\n]*\]\n", re.M)
_FALLBACK_USE = re.compile(r"\\dpfont([A-Za-z]+?)(?:face)?(?![A-Za-z])")


def _drop_unused_fallback_fonts(tex: str) -> str:
    """Performance: declare only the fallback fonts (fonts.FALLBACKS) the document switches to;
    each declaration costs the engine 10-20 ms and opens its font file (the CJK one is 19 MB).
    The others become empty switches, so the line count stays the same."""
    block = _FONTS_BLOCK.search(tex)
    if block is None:
        return tex
    used = set(_FALLBACK_USE.findall(tex[:block.start()] + tex[block.end():]))

    def keep_or_drop(m: re.Match) -> str:
        return m[0] if m[1] in used else f"\\newcommand\\dpfont{m[1]}{m[2] or ''}{{}}\n"
    return tex[:block.start()] + _FALLBACK_FONT.sub(keep_or_drop, block[0]) + tex[block.end():]


def render(post: str | Path, output: str | Path | None = None, **kwargs) -> RenderResult:
    """Typeset one post to a PDF at ``output`` (default: beside the post)."""
    options = Options(**kwargs)
    post_path = Path(post)
    output = Path(output) if output else post_path.with_suffix(".pdf")
    _check_output(post_path, output)
    diagnostics = Diagnostics(strict=options.strict)
    engine = engines.find_engine(options.engine, options.bundle)
    try:
        return _render_to(post_path, output, engine, options, diagnostics)
    except (DistillError, KeyboardInterrupt):
        output.unlink(missing_ok=True)  # a failed run leaves no stale PDF behind
        raise


def _render_to(post_path: Path, output: Path, engine, options: Options, diagnostics: Diagnostics) -> RenderResult:
    project = build_project(post_path, options, diagnostics, defer_images=True)
    try:
        return _compile_project(project, post_path, output, engine, options, diagnostics)
    except _BrokenPromise:
        diagnostics.items.clear()  # all of them come again
        project = build_project(post_path, options, diagnostics)
        return _compile_project(project, post_path, output, engine, options, diagnostics)


def _compile_project(project: Project, post_path: Path, output: Path, engine, options: Options,
                     diagnostics: Diagnostics) -> RenderResult:
    with tempfile.TemporaryDirectory(prefix="distill-pdf-") as tmp:
        tex_path = project.write(Path(tmp))
        carried = None if project.needs_biber else _CarriedAux(cache_dir(options), post_path, options, engine)
        if carried:
            carried.restore(Path(tmp))
        deadline = time.monotonic() + options.timeout

        def run(keep_going: bool):
            try:
                return engines.compile_tex(tex_path, engine, timeout=max(deadline - time.monotonic(), 1.0),
                                           bibliography=project.needs_biber,
                                           format_cache=cache_dir(options) / "formats",
                                           figures_ready=lambda: project.finish_figures(Path(tmp)),
                                           keep_going=keep_going)
            except CompileTimeout as exc:  # name the post, not the temp main.tex
                raise CompileTimeout(f"{exc.message} and was stopped (a long post needs a larger --timeout)",
                                     post_path) from None
        # not --strict: the first run goes on past errors, to find every block that fails
        result = run(keep_going=not options.strict)
        project.finish_figures(Path(tmp))  # when the engine stopped before it needed them
        isolated = project.isolate(result.errors, diagnostics) if result.errors and not options.strict else None
        if isolated is not None:  # one more run, with those blocks boxed (isolation.py)
            project = isolated
            tex_path.write_text(project.tex, encoding="utf-8")
            _forget_aux(Path(tmp), carried)
            first, result = result, run(keep_going=False)
            result.passes += first.passes
        if carried and not result.errors and result.pdf.exists():
            carried.save(Path(tmp))
        if options.keep_build:
            _keep(Path(tmp), Path(options.keep_build))
        _raise_for_errors(project, result)
        _warn_about_log(project, result, diagnostics)
        publish(result.pdf, output)
    return RenderResult(pdf=output, pages=result.pages or _page_count(output), passes=result.passes,
                        warnings=list(diagnostics), log=result.log, image_sources=project.image_sources)


def write_tex_project(post: str | Path, folder: str | Path, **kwargs) -> RenderResult:
    """`--tex-only`: the LaTeX project (main.tex + figures) instead of a PDF."""
    options = Options(**kwargs)
    diagnostics = Diagnostics(strict=options.strict)
    project = build_project(Path(post), options, diagnostics)
    folder = Path(folder)
    with tempfile.TemporaryDirectory(prefix="distill-pdf-") as tmp:
        project.write(Path(tmp))
        _keep(Path(tmp), folder)
    return RenderResult(pdf=None, warnings=list(diagnostics), tex=folder / "main.tex")


def _check_output(post: Path, output: Path) -> None:
    if output.suffix.lower() != ".pdf":
        raise UsageError("output must be a .pdf file (use --tex-only for a LaTeX folder)", output)
    if output.resolve() == post.resolve():
        raise UsageError("output would overwrite the input post", output)
    if output.exists() and output.is_dir():
        raise UsageError("output is a directory", output)
    folder = output.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():  # `-o /etc/passwd/x.pdf`: fail now, not after the engine ran
        raise UsageError(f"cannot write output: {folder} is not a folder", output)


def _raise_for_errors(project: Project, result) -> None:
    if not result.errors and result.pdf.exists():
        return
    if not result.errors:
        raise DistillError("the engine produced no PDF (see --keep-build for the log)", project.post.path)
    first = result.errors[0]
    in_main = first.file is None or Path(first.file).name == "main.tex"
    line = project.markdown_line(first.tex_line if in_main else None)
    context = f" [LaTeX: {first.context[:80]}]" if first.context else ""
    more = f" (+{len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
    raise DistillError(f"LaTeX error: {first.message}{context}{more}", project.post.path, line)


def _warn_about_log(project: Project, result, diagnostics: Diagnostics) -> None:
    for tex_line, points in result.overfull:
        if points > OVERFULL_LIMIT_PT:
            diagnostics.warn(f"line too wide by {points:.1f}pt", project.post.path,
                             project.markdown_line(tex_line))
    for missing in sorted(set(result.missing_chars)):
        diagnostics.warn(missing, project.post.path)


def publish(source: Path, target: Path) -> None:
    """Atomic: the destination holds the old file or the new one, never half of one."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".distill-pdf-", suffix=target.suffix, dir=target.parent)
    except OSError as exc:
        raise UsageError(f"cannot write output: {exc.strerror}", target) from None
    try:
        with os.fdopen(fd, "wb") as handle, open(source, "rb") as data:
            shutil.copyfileobj(data, handle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _keep(build: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(build, folder, dirs_exist_ok=True)


def _page_count(pdf: Path) -> int:
    from pypdf import PdfReader
    try:
        return len(PdfReader(pdf).pages)
    except Exception:  # a count is informative only
        return 0
