"""One bad block never costs the post (issue 12): a block the engine rejects is printed as its
Markdown source in a box, with a warning at its line; one extra engine run; --strict stops."""
from __future__ import annotations

import pytest

import distill_pdf
from distill_pdf import batch
from distill_pdf.arxiv import export_arxiv
from distill_pdf.errors import DistillError

from .conftest import ENGINES, pdf_text_flat, requires_pdftotext, write_post

needs_engine = pytest.mark.skipif(not ENGINES, reason="no TeX engine")

# front matter: 3 lines, so the body's first line is line 4 of the file
BAD = """\
First paragraph stays.

$$
\\frac{1}{2} \\undefinedmacro
$$

Second paragraph with inline $a + \\badinline b$ math.

| name | value |
|------|-------|
| ok   | $\\notamacro{x}$ |

- item one stays
- item two with $\\alsobad x$
- item three stays

Last paragraph stays.
"""
BOXED = {6: "\\undefinedmacro", 10: "\\badinline", 12: "\\notamacro{x}", 17: "item two with $\\alsobad x$"}


def _boxed_lines(result) -> list[int]:
    return [w.line for w in result.warnings if w.message.startswith("could not typeset this block: ")]


@requires_pdftotext
@needs_engine
@pytest.mark.parametrize("engine", ENGINES)
def test_each_bad_block_is_boxed_and_the_rest_typeset(tmp_path, engine):
    post = write_post(tmp_path, BAD, "title: Isolation")
    result = distill_pdf.render(post, tmp_path / "out.pdf", engine=engine)
    text = pdf_text_flat(result.pdf)
    for kept in ("First paragraph stays.", "item one stays", "item three stays", "Last paragraph stays."):
        assert kept in text, text
    assert text.count("Could not typeset this block") == 4
    for line, source in BOXED.items():
        assert f"post.md, line {line})" in text and source in text, (line, text)
    assert _boxed_lines(result) == sorted(BOXED)
    assert all("Undefined control sequence." in w.message for w in result.warnings)
    assert result.passes == 2  # the run that found them all, and one more


@needs_engine
@pytest.mark.parametrize("engine", ENGINES)
def test_strict_keeps_the_error_and_writes_no_pdf(tmp_path, engine):
    post = write_post(tmp_path, BAD, "title: Isolation")
    out = tmp_path / "out.pdf"
    with pytest.raises(DistillError) as info:
        distill_pdf.render(post, out, engine=engine, strict=True)
    assert info.value.line == 6 and info.value.message.startswith("LaTeX error: Undefined control sequence.")
    assert not out.exists()


@requires_pdftotext
@needs_engine
def test_a_formula_in_a_long_list_costs_only_its_paragraph(tmp_path):
    body = "Intro.\n\n" + "".join(f"- point {i} is fine\n" for i in range(1, 9)) + \
        "- point 9 has $\\nosuchmacro$\n\n  and a second paragraph that stays\n- point 10 is fine\n"
    post = write_post(tmp_path, body)
    result = distill_pdf.render(post, tmp_path / "out.pdf")
    text = pdf_text_flat(result.pdf)
    assert _boxed_lines(result) == [14]
    assert "point 8 is fine" in text and "point 10 is fine" in text
    assert "and a second paragraph that stays" in text.replace("Could not", "")
    assert "point 9 has $\\nosuchmacro$" in text and "- point 9" not in text  # the bullet stays the item's


@needs_engine
def test_the_precompiled_preamble_path_too(tmp_path):
    post = write_post(tmp_path, BAD, "title: Isolation")
    cache = tmp_path / "cache"
    first = distill_pdf.render(post, tmp_path / "a.pdf", cache_dir=cache)
    assert list((cache / "formats").rglob("*.fmt")), "the first run made the format"
    second = distill_pdf.render(post, tmp_path / "b.pdf", cache_dir=cache)
    assert _boxed_lines(first) == _boxed_lines(second) == sorted(BOXED)
    assert second.passes == 2


@needs_engine
def test_an_error_outside_the_body_stays_an_error(tmp_path):
    template = tmp_path / "tpl"
    template.mkdir()
    (template / "template.tex.j2").write_text(
        '((* extends "base.tex.j2" *))\n((* block layout *))((( super() )))\n\\preamblemacrothatisnt\n'
        '((* endblock layout *))\n', encoding="utf-8")
    post = write_post(tmp_path, "Fine text.\n\n$\\badtoo$\n")
    out = tmp_path / "out.pdf"
    with pytest.raises(DistillError, match="LaTeX error: Undefined control sequence"):
        distill_pdf.render(post, out, template=template)
    assert not out.exists()


@needs_engine
def test_batch_builds_the_post_with_its_bad_block_boxed(tmp_path):
    content = tmp_path / "posts"
    write_post(content, "All good.\n", "title: Good", name="good.md")
    write_post(content, "Before.\n\n$$\n\\nothere\n$$\n\nAfter.\n", "title: Bad", name="bad.md")
    result = batch.run(content, batch.BatchOptions(out_dir=tmp_path / "out", jobs=1))
    statuses = {p.name: p for p in result.posts}
    assert {name: p.status for name, p in statuses.items()} == {"good": batch.BUILT, "bad": batch.BUILT}
    assert [w for w in statuses["bad"].warnings if ":6: could not typeset this block: " in w]
    assert statuses["bad"].output.exists()


@requires_pdftotext
@needs_engine
@pytest.mark.parametrize("engine", ["pdflatex", "xelatex"])
def test_arxiv_verification_boxes_the_bad_block(tmp_path, engine):
    post = write_post(tmp_path, BAD, "title: Isolation")
    result = export_arxiv(post, tmp_path / "out", engine=engine, allow_remote=False)
    assert _boxed_lines(result) == sorted(BOXED)
    text = pdf_text_flat(result.pdf)
    assert "Last paragraph stays." in text and text.count("Could not typeset this block") == 4
    with pytest.raises(DistillError, match="does not compile"):
        export_arxiv(post, tmp_path / "strict", engine=engine, allow_remote=False, strict=True)
    assert not (tmp_path / "strict" / "post-arxiv.pdf").exists()
