"""Corpus: every CommonMark and GFM-extension spec example, and every real post, compiles.

Default run (CI): the examples' LaTeX bodies are compiled together in a few documents, each
example preceded by a ``\\typeout`` marker; an error is mapped back to its example by the
main.tex line it names (or, failing that, by the last marker before it in the log), that example
is set aside and the rest of the group compiled again, so every failing example is named. Missing
glyphs are mapped to examples by the markers too. The real posts are compiled the same way,
grouped, with their figures and (pybtex) bibliographies.

``pytest -m slow``: one document per example and per post, through ``distill_pdf.render``.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import distill_pdf
from distill_pdf import compile as engines
from distill_pdf import pipeline, template
from distill_pdf.errors import Diagnostics, DistillError
from distill_pdf.pipeline import BODY_MARKER, Options, build_project

from .conftest import ENGINES, SHARED

CM_SPEC = SHARED / "commonmark__commonmark-spec" / "spec.json"
GFM_SPEC = SHARED / "github__cmark-gfm" / "test" / "spec.json"
END_MARKER = "%%% distill-pdf end of body"
GROUP_SIZE = 120          # examples per document in the default run
POSTS_PER_GROUP = 12      # real posts per document in the default run
# the faster engine for the grouped corpus documents (xelatex starts in half tectonic's time)
ENGINE = os.environ.get("DISTILL_PDF_CORPUS_ENGINE") or (
    "xelatex" if "xelatex" in ENGINES else (ENGINES[0] if ENGINES else None))

needs_engine = pytest.mark.skipif(ENGINE is None, reason="no TeX engine installed")


# --------------------------------------------------------------------------- corpus


@dataclass
class Example:
    id: str            # "cm-123" / "gfm-201"
    markdown: str
    section: str

    def describe(self) -> str:
        return f"{self.id} ({self.section}) {self.markdown!r:.160}"


def load_examples() -> list[Example]:
    out: list[Example] = []
    if CM_SPEC.exists():
        out += [Example(f"cm-{x['example']}", x["markdown"], x["section"])
                for x in json.loads(CM_SPEC.read_text(encoding="utf-8"))]
    if GFM_SPEC.exists():
        out += [Example(f"gfm-{x['example']}", x["markdown"], x["section"])
                for x in json.loads(GFM_SPEC.read_text(encoding="utf-8")) if x.get("extensions")]
    return out


EXAMPLES = load_examples()
_NOT_POSTS = {"README.md", "INDEX.md", "LICENSE.md", "COPYING.md", "SOURCE.md"}


def load_posts() -> list[Path]:
    """Every real post of the corpus (not the spec suites, licences or pandoc's command tests)."""
    if not SHARED.exists():
        return []
    found = []
    for path in sorted(SHARED.rglob("*")):
        rel = path.relative_to(SHARED)
        if (path.suffix in (".md", ".mdx", ".markdown") and path.is_file() and len(rel.parts) > 1
                and path.name not in _NOT_POSTS and rel.parts[0] not in ("jgm__pandoc",)
                and "commonmark" not in rel.parts[0] and "cmark" not in rel.parts[0]):
            found.append(path)
    return found


POSTS = load_posts()


def groups(items: list, size: int) -> list[list]:
    count = max(1, round(len(items) / size))
    step = -(-len(items) // count) if items else 1
    return [items[i:i + step] for i in range(0, len(items), step)]


# --------------------------------------------------------------------------- grouped compiles


@dataclass
class Piece:
    """One example or post: its LaTeX body and what that body needs."""

    name: str
    latex: str
    figures: list[tuple[str, Path]] = field(default_factory=list)   # (name in build folder, file)
    preamble: str = ""
    appendix: str = ""


def example_piece(example: Example, folder: Path) -> Piece:
    post = folder / f"{example.id}.md"
    post.write_text("---\ntitle: Example\n---\n" + example.markdown, encoding="utf-8")
    options = Options(allow_remote=False, site_root=folder, cache_dir=folder / "cache")
    return _piece(example.id, post, options, example.id.replace("-", ""))


def post_piece(post: Path, folder: Path) -> Piece:
    name = str(post.relative_to(SHARED))
    return _piece(name, post, Options(allow_remote=False, citations="pybtex"),
                  "p" + re.sub(r"[^A-Za-z0-9]", "", name)[-40:])


def _piece(name: str, post: Path, options: Options, prefix: str) -> Piece:
    """The post's body, title, description and bibliography, as the template would get them."""
    captured: dict = {}
    real_fill = template.fill

    def capture(which, values):
        captured.update(values)
        return real_fill(which, values)

    template.fill = capture
    try:
        project = build_project(post, options, Diagnostics())
    finally:
        template.fill = real_fill
    latex = project.body.latex
    figures = []
    for figure in project.body.figures:
        new = figure.name.replace("figures/", f"figures/{prefix}-", 1)
        latex = latex.replace("{" + figure.name + "}", "{" + new + "}")
        figures.append((new, figure.source))
    head = f"{{\\sffamily\\Large {captured['title']}\\par}}\n"
    if captured.get("description"):
        head += f"{{\\large {captured['description']}\\par}}\n"
    appendix = f"\\section*{{References}}\n{captured['bibliography']}\n" if captured.get("bibliography") else ""
    return Piece(name, head + latex, figures, captured.get("preamble_extra") or "", appendix)


def _skeleton(folder: Path) -> tuple[str, str]:
    """The distill template's preamble and closing around an empty body."""
    stub = folder / "skeleton.md"
    stub.write_text("---\ntitle: Corpus\n---\nstub\n", encoding="utf-8")
    drop = getattr(pipeline, "_drop_unused_fallback_fonts", None)
    if drop is not None:  # keep every fallback font: the group's pieces need them (dropped later)
        pipeline._drop_unused_fallback_fonts = lambda tex: tex
    try:
        tex = build_project(stub, Options(allow_remote=False, site_root=folder, cache_dir=folder / "cache"),
                            Diagnostics()).tex
    finally:
        if drop is not None:
            pipeline._drop_unused_fallback_fonts = drop
    head, rest = tex.split(BODY_MARKER + "\n", 1)
    tail = rest[rest.index(END_MARKER):]
    return head + BODY_MARKER + "\n", tail


MARKER = "distill-pdf-piece "


def assemble(pieces: list[Piece], head: str, tail: str) -> tuple[str, list[int]]:
    """main.tex for ``pieces``, and the main.tex line each piece starts on."""
    preambles = "".join(dict.fromkeys(p.preamble + "\n" for p in pieces if p.preamble))
    if preambles:
        head = head.replace("\\begin{document}", preambles + "\\begin{document}", 1)
    lines = head.count("\n") + 1
    chunks, starts = [], []
    for index, piece in enumerate(pieces):
        text = f"\\typeout{{{MARKER}{index}}}\n{piece.latex}\n{piece.appendix}\n\\par\\clearpage\n"
        starts.append(lines)
        chunks.append(text)
        lines += text.count("\n")
    return head + "".join(chunks) + tail, starts


def _piece_of_line(starts: list[int], line: int | None) -> int | None:
    if line is None or line < starts[0]:
        return None
    return max(i for i, s in enumerate(starts) if s <= line)


def _markers_in_log(log: str) -> list[tuple[int | None, str]]:
    """(piece index, log line) for every log line, by the last marker printed before it."""
    current, out = None, []
    for line in log.splitlines():
        if line.startswith(MARKER):
            digits = re.match(r"\d+", line[len(MARKER):])
            current = int(digits.group()) if digits else current
            continue
        out.append((current, line))
    return out


_builds = itertools.count()


def compile_group(pieces: list[Piece], engine_name: str, folder: Path) -> dict[str, str]:
    """Compile ``pieces`` together; {piece name: problem} for every piece that fails or lacks a glyph.

    A failing piece is set aside and the rest compiled again. An error in the preamble (two
    pieces' preamble additions clash) splits the group: each piece with a preamble alone."""
    engine = engines.find_engine(engine_name)
    folder.mkdir(parents=True, exist_ok=True)
    head, tail = _skeleton(folder)
    problems: dict[str, str] = {}
    remaining = list(pieces)
    while remaining:
        build = folder / f"build-{next(_builds)}"
        shutil.rmtree(build, ignore_errors=True)
        build.mkdir(parents=True)
        for piece in remaining:
            for name, source in piece.figures:
                (build / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, build / name)
        tex, starts = assemble(remaining, head, tail)
        if hasattr(pipeline, "_drop_unused_fallback_fonts"):  # as render() does; keeps line numbers
            tex = pipeline._drop_unused_fallback_fonts(tex)
        (build / "main.tex").write_text(tex, encoding="utf-8")
        result = engines.compile_tex(build / "main.tex", engine, timeout=900)
        if not result.errors:
            for index, line in _markers_in_log(result.log):
                if line.startswith("Missing character"):
                    name = remaining[index].name if index is not None else "(preamble or title)"
                    problems.setdefault(name, line.strip())
            assert result.pdf.exists(), f"no PDF and no error; see {build / 'main.log'}"
            return problems
        first = result.errors[0]
        index = None
        if first.file in (None, "main.tex"):
            index = _piece_of_line(starts, first.tex_line)
        if index is None:
            marked = [i for i, line in _markers_in_log(result.log) if line.startswith("! ")
                      or first.message in line]
            index = marked[0] if marked and marked[0] is not None else None
        if index is None and len(remaining) == 1:
            index = 0
        if index is None and any(piece.preamble for piece in remaining):
            alone = [piece for piece in remaining if piece.preamble]
            shared = [piece for piece in remaining if not piece.preamble]
            for piece in alone:
                problems.update(compile_group([piece], engine_name, folder))
            problems.update(compile_group(shared, engine_name, folder) if shared else {})
            return problems
        if index is None:
            raise AssertionError(f"LaTeX error outside every piece: {first.message} [{first.context}] "
                                 f"(log: {build / 'main.log'})")
        problems[remaining[index].name] = f"LaTeX error: {first.message} [LaTeX: {first.context[:100]}]"
        del remaining[index]
    return problems


# --------------------------------------------------------------------------- tests


def test_spec_suites_are_all_there():
    if not EXAMPLES:
        pytest.skip("../shared corpus not present")
    assert sum(e.id.startswith("cm-") for e in EXAMPLES) == 655
    assert sum(e.id.startswith("gfm-") for e in EXAMPLES) == 24


def test_every_example_converts_to_latex(tmp_path):
    """No example makes the renderer raise (none is bad math either)."""
    if not EXAMPLES:
        pytest.skip("../shared corpus not present")
    failures = []
    for example in EXAMPLES:
        try:
            example_piece(example, tmp_path)
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its example
            failures.append(f"{example.describe()}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


EXAMPLE_GROUPS = groups(EXAMPLES, GROUP_SIZE)


@needs_engine
@pytest.mark.parametrize("group", EXAMPLE_GROUPS, ids=[f"{g[0].id}..{g[-1].id}" for g in EXAMPLE_GROUPS])
def test_examples_compile_grouped(group, tmp_path):
    pieces = [example_piece(example, tmp_path) for example in group]
    started = time.monotonic()
    problems = compile_group(pieces, ENGINE, tmp_path)
    by_id = {e.id: e for e in group}
    assert not problems, f"{len(problems)} of {len(group)} examples fail ({time.monotonic() - started:.0f} s):\n" + \
        "\n".join(f"{by_id[name].describe()}\n    {problem}" for name, problem in problems.items())


def test_grouped_compile_names_the_failing_example(tmp_path):
    """The harness itself: an error and a missing glyph are pinned on their own pieces."""
    if ENGINE is None:
        pytest.skip("no TeX engine installed")
    pieces = [Piece("good-1", "fine text\n"), Piece("bad", "oops \\undefinedmacro here\n"),
              Piece("good-2", "more text\n"), Piece("noglyph", "\u0f00\n")]
    problems = compile_group(pieces, ENGINE, tmp_path)
    assert set(problems) == {"bad", "noglyph"}, problems
    assert "Undefined control sequence" in problems["bad"]
    assert "Missing character" in problems["noglyph"]


# --------------------------------------------------------------------------- real posts


# Posts the core cannot convert yet, and why (a prefix of the path under the corpus): each is an
# xfail until its dialect lands. Empty: every post converts and compiles.
KNOWN_GAPS: dict[str, str] = {}


def _known_gap(post: Path) -> str | None:
    rel = str(post.relative_to(SHARED))
    return next((why for prefix, why in KNOWN_GAPS.items() if rel.startswith(prefix)), None)


@pytest.mark.parametrize("post", POSTS, ids=[str(p.relative_to(SHARED)) for p in POSTS])
def test_post_converts_to_latex(post, tmp_path):
    """Every real post becomes LaTeX: never a crash, and no stop unless it is a known dialect gap."""
    try:
        build_project(post, Options(allow_remote=False), Diagnostics())
    except DistillError as exc:
        why = _known_gap(post)
        if why:
            pytest.xfail(f"{why}: {exc}")
        raise


POST_GROUPS = groups(POSTS, POSTS_PER_GROUP)


@needs_engine
@pytest.mark.parametrize("group", POST_GROUPS,
                         ids=[f"{g[0].relative_to(SHARED).parts[0]}-{i}" for i, g in enumerate(POST_GROUPS)])
def test_posts_compile_grouped(group, tmp_path):
    """Zero LaTeX errors and no missing glyph in every real post (known dialect gaps: xfail)."""
    pieces, problems = [], {}
    for post in group:
        try:
            pieces.append(post_piece(post, tmp_path))
        except DistillError as exc:
            problems[str(post.relative_to(SHARED))] = str(exc)
    problems.update(compile_group(pieces, ENGINE, tmp_path))
    unexpected = {name: why for name, why in problems.items() if not _known_gap(SHARED / name)}
    assert not unexpected, "\n".join(f"{name}: {why}" for name, why in unexpected.items())
    if problems:
        pytest.xfail("known dialect gaps: " + "; ".join(f"{name}: {why}" for name, why in problems.items()))


# --------------------------------------------------------------------------- slow: one document each


def pytest_generate_tests(metafunc):
    """The slow runs are only collected when asked for (``-m slow``)."""
    if "slow_example" in metafunc.fixturenames or "slow_post" in metafunc.fixturenames:
        wanted = "slow" in (metafunc.config.getoption("markexpr") or "") and "not slow" not in \
            (metafunc.config.getoption("markexpr") or "")
        if "slow_example" in metafunc.fixturenames:
            items = EXAMPLES if wanted else []
            metafunc.parametrize("slow_example", items, ids=[e.id for e in items])
        else:
            items = POSTS if wanted else []
            metafunc.parametrize("slow_post", items, ids=[str(p.relative_to(SHARED)) for p in items])


@pytest.mark.slow
@needs_engine
@pytest.mark.parametrize("engine", ENGINES)
def test_example_compiles_alone(slow_example, engine, tmp_path):
    post = tmp_path / "example.md"
    post.write_text("---\ntitle: Example\n---\n" + slow_example.markdown, encoding="utf-8")
    result = distill_pdf.render(post, tmp_path / "example.pdf", engine=engine, allow_remote=False,
                                site_root=tmp_path)
    assert result.pdf.exists()
    assert not [w for w in result.warnings if "Missing character" in w.message], result.warnings


@pytest.mark.slow
@needs_engine
@pytest.mark.parametrize("engine", ENGINES)
def test_post_compiles_alone(slow_post, engine, tmp_path):
    result = distill_pdf.render(slow_post, tmp_path / "post.pdf", engine=engine, allow_remote=False)
    assert result.pdf.exists()
    assert not [w for w in result.warnings if "Missing character" in w.message], result.warnings
