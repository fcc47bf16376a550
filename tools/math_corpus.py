"""Compile every formula of the shared corpus, each on its own, and count the ones LaTeX rejects.

    python tools/math_corpus.py [CORPUS] [--list] [--post SUBSTRING]

Each post is parsed by our own parser (its dialect, its macros); every math token is
rendered by the writer exactly as in a real build and recorded. The formulas of one post
are typeset together in one xelatex run (with that post's preamble additions), each in a
paragraph of its own; a formula named by an error is set aside and the rest run again,
then the set-aside ones are checked once more together, so an error that only followed
another one is not counted. Prints per-post counts and the total.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from distill_pdf import pipeline, template
from distill_pdf.errors import Diagnostics, DistillError
from distill_pdf.pipeline import BODY_MARKER, Options, build_project
from distill_pdf.writer.latex import LatexRenderer

MARK = "distill-pdf-formula "
METHODS = ("inline_math", "block_math", "math_environment")
_NOT_POSTS = {"README.md", "INDEX.md", "LICENSE.md", "COPYING.md", "SOURCE.md"}


@dataclass
class Formula:
    post: str
    line: int
    raw: str
    latex: str | None    # None: refused by the writer (its message in `problem`)
    problem: str = ""


def corpus_posts(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if (path.suffix in (".md", ".mdx", ".markdown") and path.is_file() and len(rel.parts) > 1
                and path.name not in _NOT_POSTS and rel.parts[0] != "jgm__pandoc"
                and "commonmark" not in rel.parts[0] and "cmark" not in rel.parts[0]):
            found.append(path)
    return found


def formulas_of(post: Path, name: str) -> tuple[list[Formula], str]:
    """Every formula the writer makes of ``post``, and the post's preamble additions."""
    found: list[Formula] = []
    originals = {method: getattr(LatexRenderer, method) for method in METHODS}
    captured: dict = {}
    real_fill = template.fill

    def recording(method):
        def wrapper(self, token, state):
            try:
                latex = originals[method](self, token, state)
            except DistillError as exc:
                found.append(Formula(name, self.line, token.get("raw", ""), None, exc.message))
                return ""
            if method == "inline_math":
                latex = f"Text {latex} text."
            found.append(Formula(name, self.line, token.get("raw", ""), latex))
            return latex
        return wrapper

    def capture(which, values):
        captured.update(values)
        return real_fill(which, values)

    for method in METHODS:
        setattr(LatexRenderer, method, recording(method))
    template.fill = capture
    try:
        build_project(post, Options(allow_remote=False, citations="pybtex"), Diagnostics())
    finally:
        template.fill = real_fill
        for method, original in originals.items():
            setattr(LatexRenderer, method, original)
    return found, captured.get("preamble_extra") or ""


def skeleton(folder: Path) -> str:
    """The template's preamble up to the body, from a stub post."""
    stub = folder / "stub.md"
    stub.write_text("---\ntitle: Formulas\n---\nstub\n", encoding="utf-8")
    keep = pipeline._drop_unused_fallback_fonts
    pipeline._drop_unused_fallback_fonts = lambda tex: tex
    try:
        tex = build_project(stub, Options(allow_remote=False, site_root=folder), Diagnostics()).tex
    finally:
        pipeline._drop_unused_fallback_fonts = keep
    return tex.split(BODY_MARKER + "\n", 1)[0]


def failing(formulas: list[Formula], head: str, preamble: str, folder: Path) -> dict[int, str]:
    """{index: first error} of the formulas xelatex rejects. All formulas an error names are
    set aside at once; then the set-aside ones run again, one error at a time, so a formula
    that only followed a broken one is not counted."""
    pending = list(range(len(formulas)))
    suspects: dict[int, str] = {}
    while pending:
        errors = _errors(formulas, pending, head, preamble, folder)
        if not errors:
            break
        suspects.update(errors)
        pending = [i for i in pending if i not in errors]
    rejected: dict[int, str] = {}
    pending = sorted(suspects)
    while pending:
        errors = _errors(formulas, pending, head, preamble, folder)
        if not errors:
            break
        first, why = next(iter(errors.items()))
        rejected[first] = why
        pending = [i for i in pending if i != first]
    return rejected


def _errors(formulas, indices, head, preamble, folder) -> dict[int, str]:
    head = head.replace("\\begin{document}", preamble + "\n\\begin{document}", 1)
    body, starts, line = [], [], head.count("\n") + 1
    for i in indices:
        chunk = f"\\typeout{{{MARK}{i}}}\n{formulas[i].latex}\n\\par\n"
        starts.append((line, i))
        body.append(chunk)
        line += chunk.count("\n")
    tex = head + "".join(body) + "\\end{document}\n"
    (folder / "main.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run(["xelatex", "-no-pdf", "-interaction=nonstopmode", "-file-line-error", "main.tex"], cwd=folder, capture_output=True, text=True,
                         timeout=600)
    log = (folder / "main.log").read_text(encoding="utf-8", errors="replace")
    errors: dict[int, str] = {}
    current = None
    lines = log.splitlines()
    for n, text in enumerate(lines):
        if text.startswith(MARK):
            current = int(re.match(r"\d+", text[len(MARK):]).group())
        m = re.match(r"(?:\./main\.tex:(\d+): |! )(.*)", text)
        if m:
            index = current
            if m.group(1):
                tex_line = int(m.group(1))
                before = [i for start, i in starts if start <= tex_line]
                index = before[-1] if before else None
            if index is None:
                if not errors:
                    raise RuntimeError(f"error outside the formulas: {text} ({folder / 'main.log'})")
                continue
            errors.setdefault(index, m.group(2).strip())
    if run.returncode and not errors and "Fatal" in log:
        raise RuntimeError(f"xelatex failed outside the formulas ({folder / 'main.log'})")
    return errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    parser.add_argument("--list", action="store_true", help="print every failing formula")
    parser.add_argument("--post", default="", help="only posts whose path contains this")
    args = parser.parse_args(argv)
    root = Path(args.corpus)
    total = failed = refused = unbuilt = 0
    with tempfile.TemporaryDirectory(prefix="math-corpus-") as tmp:
        folder = Path(tmp)
        head = skeleton(folder)
        for post in corpus_posts(root):
            name = str(post.relative_to(root))
            if args.post not in name:
                continue
            try:
                formulas, preamble = formulas_of(post, name)
            except DistillError as exc:
                unbuilt += 1
                print(f"{name}: not built: {exc}", file=sys.stderr)
                continue
            if not formulas:
                continue
            bad = {i: f.problem for i, f in enumerate(formulas) if f.latex is None}
            typeset = [f for f in formulas if f.latex is not None]
            index_of = [i for i, f in enumerate(formulas) if f.latex is not None]
            rejected = failing(typeset, head, preamble, folder) if typeset else {}
            bad.update({index_of[j]: why for j, why in rejected.items()})
            total += len(formulas)
            failed += len(bad)
            refused += sum(1 for f in formulas if f.latex is None)
            print(f"{len(bad):4d} / {len(formulas):5d}  {name}")
            if args.list:
                for i, why in sorted(bad.items()):
                    f = formulas[i]
                    print(f"      {name}:{f.line}: {why}\n        {f.raw.strip()[:300]!r}")
    print(f"TOTAL: {failed} of {total} formulas fail ({refused} refused by the writer); "
          f"{unbuilt} posts not built")
    return 0


if __name__ == "__main__":
    sys.exit(main())
