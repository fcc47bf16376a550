"""End to end: real posts compiled by real engines; PDFs checked for text, metadata and log."""
from __future__ import annotations

import subprocess
import sys

import pytest
from pypdf import PdfReader

import distill_pdf
from distill_pdf.errors import DistillError, UsageError

from .conftest import ENGINES, EXAMPLE, ROOT, SEED, pdf_text_flat, write_post

pytestmark = pytest.mark.skipif(not ENGINES, reason="no TeX engine installed")


def run_cli(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "distill_pdf", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=600)


@pytest.fixture(scope="module", params=ENGINES)
def seed_pdf(request, tmp_path_factory):
    if not SEED.exists():
        pytest.skip("../shared corpus not present")
    out = tmp_path_factory.mktemp(f"seed-{request.param}") / "seed.pdf"
    result = distill_pdf.render(SEED, out, engine=request.param,
                                keep_build=out.parent / "build")
    return result


def test_seed_text_figures_notes_and_math(seed_pdf):
    text = pdf_text_flat(seed_pdf.pdf)
    assert "NEW distill.pub based template test post" in text
    assert "AUTHORS" in text and "PUBLISHED" in text and "January 1, 1970" in text
    assert "Figure 1:" in text and "Figure 2:" in text
    assert "Interpretability is particularly crucial" in text  # margin note
    assert "from sklearn.ensemble import RandomForestClassifier" in text
    assert "Citation" in text and "@misc{" in text
    assert seed_pdf.pages >= 2


def test_seed_metadata_is_plain_text(seed_pdf):
    info = PdfReader(seed_pdf.pdf).metadata
    assert info.title == "NEW distill.pub based template test post"
    assert info.author == "Tanuj Ravi Rao"
    assert info.subject.startswith("A comprehensive exploration of machine learning interpretability")
    assert info["/Keywords"] == "machine-learning, visualization, tutorial, deep-learning"


def test_seed_log_is_clean(seed_pdf):
    log = (seed_pdf.pdf.parent / "build" / "main.log").read_text(errors="replace")
    assert "Missing character" not in log
    assert not [w for w in seed_pdf.warnings if "too wide" in w.message]


@pytest.mark.parametrize("engine", ENGINES)
def test_cjk_title_prints_in_the_citation_appendix_too(tmp_path, engine):
    """The title appears in the BibTeX entry, set in the mono font: CJK there needs its
    fallback as much as in the title (found by the slow property run)."""
    post = write_post(tmp_path, "0\n", front='title: "注意力"\ntags: [a, b]')
    result = distill_pdf.render(post, tmp_path / "cjk.pdf", engine=engine, keep_build=tmp_path / "build")
    assert not [w.message for w in result.warnings], result.warnings
    assert "Missing character" not in (tmp_path / "build" / "main.log").read_text(errors="replace")
    text = pdf_text_flat(result.pdf)
    assert "title = {注意力}" in text and "“注意力”." in text  # no date: no dangling comma
    assert "Anonymous" not in text  # no author: none is made up


@pytest.mark.parametrize("engine", ENGINES)
def test_example_post_with_unicode_specials_and_math_title(tmp_path, engine):
    out = tmp_path / "example.pdf"
    result = distill_pdf.render(EXAMPLE, out, engine=engine, keep_build=tmp_path / "build")
    text = pdf_text_flat(out)
    for phrase in ("100% of $5 & #hash_tags ~ ^ \\ { }", "café", "Ελληνικά", "注意力", "Reading the figure",
                   "Figure 1:", "Full attention"):
        assert phrase in text, phrase
    log = (tmp_path / "build" / "main.log").read_text(errors="replace")
    assert "Missing character" not in log
    info = PdfReader(out).metadata
    assert info.title == "Attention, Gently: A Worked Example of softmax Attention"
    assert info.author == "Ada Example, Grace Sample"
    assert result.pages >= 1


def test_title_with_every_special_and_math(tmp_path):
    post = write_post(tmp_path, "Body.\n", front='title: "Cost $x^2$ & 100% #1 ~ _ ^ \\\\ {a}"\ndescription: "a\\bb"')
    out = tmp_path / "t.pdf"
    distill_pdf.render(post, out)
    info = PdfReader(out).metadata
    assert info.title == "Cost x^2 & 100% #1 ~ _ ^ \\ {a}" or info.title.startswith("Cost x")
    assert "Cost" in pdf_text_flat(out)


def test_draft_toc_updated_series_and_article_template(tmp_path):
    post = write_post(tmp_path, "## One\n\ntext\n\n## Two\n\nmore\n", front="""
        title: Drafty
        draft: true
        toc: true
        date: 2024-02-03
        updated: 2024-05-06
        series: My Series
        authors: [Jane Roe]
    """)
    out = tmp_path / "d.pdf"
    distill_pdf.render(post, out)
    text = pdf_text_flat(out)
    assert "DRAFT" in text and "CONTENTS" in text and "My Series" in text and "May 6, 2024" in text
    out2 = tmp_path / "a.pdf"
    distill_pdf.render(post, out2, template="article")
    text2 = pdf_text_flat(out2)
    assert "1 One" in text2 and "Jane Roe" in text2


def test_user_template_folder_extends_base(tmp_path):
    folder = tmp_path / "mytpl"
    folder.mkdir()
    (folder / "template.tex.j2").write_text(
        '((* extends "distill/template.tex.j2" *))\n'
        '((* block appendix *))\\par MY CUSTOM APPENDIX ((( title )))\n((* endblock appendix *))\n')
    post = write_post(tmp_path, "Body text.\n")
    out = tmp_path / "u.pdf"
    distill_pdf.render(post, out, template=str(folder))
    assert "MY CUSTOM APPENDIX Test post" in pdf_text_flat(out)


def test_cli_writes_pdf_and_reports_pages(tmp_path):
    post = write_post(tmp_path, "Hello **world**.\n")
    result = run_cli(post, "-o", tmp_path / "out" / "h.pdf")
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stderr and (tmp_path / "out" / "h.pdf").exists()


def test_tex_only_writes_project(tmp_path):
    post = write_post(tmp_path, "Hello.\n")
    result = run_cli(post, "--tex-only", "-o", tmp_path / "proj")
    assert result.returncode == 0, result.stderr
    assert "\\begin{document}" in (tmp_path / "proj" / "main.tex").read_text()


def test_malformed_yaml_one_line_error_no_pdf(tmp_path):
    post = tmp_path / "bad.md"
    post.write_text("---\ntitle: ok\ntags: [a, b\nother: x\n---\nbody\n")
    out = tmp_path / "bad.pdf"
    result = run_cli(post, "-o", out)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"error: {post}:")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_failed_run_removes_stale_pdf(tmp_path):
    post = write_post(tmp_path, "fine\n")
    out = tmp_path / "p.pdf"
    distill_pdf.render(post, out)
    assert out.exists()
    post.write_text("---\ntitle: x\n---\n$$\nunclosed\n")
    with pytest.raises(DistillError, match="unclosed math"):
        distill_pdf.render(post, out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".pdf"] == []


def test_latex_error_reported_at_markdown_line(tmp_path):
    post = write_post(tmp_path, "para one\n\npara two\n\n$$\n\\frac{1}{2} \\undefinedmacro\n$$\n")
    with pytest.raises(DistillError) as info:  # strict: else the block is boxed (test_isolation.py)
        distill_pdf.render(post, tmp_path / "e.pdf", strict=True)
    assert info.value.line == 8
    assert "Undefined control sequence" in str(info.value)


def test_output_equal_to_input_refused(tmp_path):
    post = write_post(tmp_path, "x\n", name="same.pdf")
    with pytest.raises(UsageError):
        distill_pdf.render(post, post)


def test_no_engine_installed_says_how_to_install(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from distill_pdf import engines
    from distill_pdf.cli import main
    post = write_post(tmp_path, "x\n")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("DISTILL_PDF_TECTONIC", raising=False)
    monkeypatch.setattr(engines, "TECTONIC_FALLBACKS", ())
    result = CliRunner().invoke(main, [str(post), "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert "no TeX engine runs here" in result.output and "apt-get install" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_readme_quick_start_commands_exist():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    makefile = (ROOT / "Makefile").read_text()
    assert "demo:" in makefile and "test:" in makefile
