"""arXiv export: Unicode -> pdfLaTeX, the title block, the named checks, the tarball,
and real bundles compiled from an empty folder with pdflatex (and xelatex)."""
from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from PIL import Image

from distill_pdf.arxiv import checks, export_arxiv
from distill_pdf.arxiv.table_floats import float_short_tables
from distill_pdf.arxiv.tarball import extract, member_names, write_tarball
from distill_pdf.arxiv.title_block import title_values
from distill_pdf.arxiv.unicode_sweep import convert_leftover_unicode
from distill_pdf.arxiv import xetex_fonts
from distill_pdf.arxiv.export import readme
from distill_pdf.errors import DistillError, UsageError
from distill_pdf.load import load_post
from distill_pdf.writer.text import escape, pdflatex_char, pdflatex_text, unicode_to_pdflatex

from .conftest import SEED, body_latex, pdf_text_flat, write_post

HAS_PDFLATEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
needs_pdflatex = pytest.mark.skipif(not HAS_PDFLATEX, reason="pdflatex or pdftotext missing")
needs_xelatex = pytest.mark.skipif(shutil.which("xelatex") is None, reason="xelatex missing")


# --------------------------------------------------------------------------- Unicode -> pdfLaTeX


@pytest.mark.parametrize("text, latex", [
    ("café", r"caf\'e"),
    ("naïve Ñ", r'na{\"\i}ve \~N'),
    ("a — b – c", r"a {\textemdash} b {\textendash} c"),
    ("“q” ‘s’", r"{\textquotedblleft}q{\textquotedblright} {\textquoteleft}s{\textquoteright}"),
    ("α→β", r"\ensuremath{\alpha}{\textrightarrow}\ensuremath{\beta}"),
    ("Straße ½ € ° ×", r"Stra{\ss}e {\textonehalf} {\texteuro} {\textdegree} {\texttimes}"),
    ("Erdős Łódź", r"Erd\H{o}s {\L}\'od\'z"),
    ("50% & $5", r"50\% \& \$5"),
    ("ɛ", r"\ensuremath{\varepsilon}"),
])
def test_unicode_to_pdflatex(text, latex):
    assert unicode_to_pdflatex(text) == latex


def test_unicode_to_pdflatex_is_ascii_and_counts_what_pdflatex_cannot_set():
    missing: dict[str, int] = {}
    out = unicode_to_pdflatex("中文 and 😀 and Привет", missing)
    assert out.isascii()
    assert r"\dpnochar{4E2D}" in out and r"\dpnochar{1F600}" in out
    assert set(missing) == set("中文😀Привет")


def test_combining_marks_invisible_characters_and_spaces():
    assert unicode_to_pdflatex("e\u0301") == r"\'e"            # NFC first
    assert unicode_to_pdflatex("x\u0301") == r"\'{x}"           # no precomposed form
    assert unicode_to_pdflatex("a\u200bb\ufe0f") == "ab"        # zero width space, variation selector
    assert unicode_to_pdflatex("1\u00a0000") == "1~000"
    assert unicode_to_pdflatex("soft\u00adhyphen") == r"soft\-hyphen"


def test_control_words_do_not_swallow_the_following_letter_or_space():
    assert unicode_to_pdflatex("ßa") == r"{\ss}a"
    assert unicode_to_pdflatex("… next") == r"{\textellipsis} next"
    assert unicode_to_pdflatex("ı") == r"{\i}"


def test_math_forms():
    assert pdflatex_char("é", math=True) == r"\text{\'e}"
    assert pdflatex_char("α", math=True) == r"\ensuremath{\alpha}"
    assert pdflatex_char("中") is None


def test_escape_uses_pdflatex_mode_only_inside_the_block():
    xetex = escape("café 中")
    assert "\\dpfontCJK" in xetex and "é" in xetex          # XeTeX path unchanged
    with pdflatex_text() as state:
        out = escape("café 中")
    assert out == r"caf\'e \dpnochar{4E2D}" and state.unsupported == {"中": 1}
    assert escape("café 中") == xetex


def test_leftover_unicode_by_context():
    tex = "\n".join([
        r"Text “q” \(α+é\) \[ ∑ \] $β$",
        r"\section{\texorpdfstring{Über \(α\)}{Über α}}",
        r"\hypersetup{pdftitle={Über α}}",
        r"\begin{Verbatim}[commandchars=\\\{\}]",
        r"\PY{n}{x} = “é”",
        r"\end{Verbatim}",
        r"\\[2pt] ü % comment é",
    ])
    missing: dict[str, int] = {}
    out = convert_leftover_unicode(tex, missing)
    lines = out.split("\n")
    assert len(lines) == 7
    assert lines[0] == (r"Text {\textquotedblleft}q{\textquotedblright} \(\ensuremath{\alpha}+\text{\'e}\) "
                        r"\[ \ensuremath{\sum} \] $\ensuremath{\beta}$")
    assert lines[1] == r"\section{\texorpdfstring{\"Uber \(\ensuremath{\alpha}\)}{Über α}}"
    assert lines[2] == r"\hypersetup{pdftitle={Über α}}"          # PDF strings keep their UTF-8
    assert lines[4] == r"\PY{n}{x} = {\textquotedblleft}\'e{\textquotedblright}"
    assert lines[6] == r'\\[2pt] \"u % comment \'e'
    assert not missing


# --------------------------------------------------------------------------- title block


def test_title_block_joss_affiliations_orcid_email_keywords(tmp_path):
    post = load_post(write_post(tmp_path, "Body.\n", front="""
        title: A paper
        date: 2022-06-29
        authors:
          - name: Ann Author
            email: ann@example.org
            affiliation: "1, 3"
            orcid: 0000-0002-9455-0796
          - name: Bo Bérard
            affiliation: [2]
        affiliations:
          - index: 1
            name: Open Journals
          - index: 2
            name: Université de Paris
          - index: 3
            name: GitHub
        abstract: |
          First paragraph with $x^2$.

          Second & last.
        tags: [math, pdf]
    """))
    with pdflatex_text():
        values = title_values(post)
    assert [a["marks"] for a in values["authors"]] == ["1,2", "3"]
    assert values["authors"][0]["orcid"] == "0000-0002-9455-0796" and values["orcid"]
    assert values["authors"][1]["name"] == r"Bo B\'erard"
    assert [a["name"] for a in values["affiliations"]] == ["Open Journals", "GitHub", r"Universit\'e de Paris"]
    assert values["emails"] == "ann@example.org"
    assert values["abstract"] == "First paragraph with \\(x^2\\).\n\nSecond \\& last."
    assert values["keywords"] == r"math \textperiodcentered{} pdf"
    assert values["date"] == "June 29, 2022"


def test_title_block_plain_affiliation_and_description_as_abstract(tmp_path):
    post = load_post(write_post(tmp_path, "Body.\n", front="""
        title: T
        description: The lede.
        authors:
          - name: A
            affiliation: MIT
          - name: B
            affiliation: MIT
    """))
    values = title_values(post, today=dt.date(2024, 5, 1))
    assert [a["marks"] for a in values["authors"]] == ["", ""]  # one shared affiliation: no marks
    assert values["affiliations"] == [{"mark": "", "name": "MIT"}]
    assert values["abstract"] == "The lede." and values["date"] == "May 1, 2024"


# --------------------------------------------------------------------------- tables


LONGTABLE = "\n".join([r"{\dptablefont", r"\begin{longtable}{ll}", r"\toprule", r"\textbf{a} & \textbf{b} \\",
                       r"\midrule", r"\endhead", r"\bottomrule", r"\endlastfoot", "1 & 2 \\\\", "3 & 4 \\\\",
                       r"\end{longtable}}"])


def test_short_tables_float_and_keep_their_line_count():
    out = float_short_tables("before\n" + LONGTABLE + "\nafter\n")
    assert r"\begin{table}[!htbp]" in out and r"\begin{tabular}{ll}" in out and "longtable" not in out
    assert out.count("\n") == ("before\n" + LONGTABLE + "\nafter\n").count("\n")


def test_the_writers_tables_are_recognised(tmp_path):
    latex = body_latex(tmp_path, "| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "longtable" in latex
    out = float_short_tables(latex)
    assert "longtable" not in out and r"\begin{table}[!htbp]" in out and out.count("\n") == latex.count("\n")


def test_long_tables_and_tables_with_footnotes_stay_longtables():
    assert float_short_tables(LONGTABLE, max_rows=1) == LONGTABLE
    with_note = LONGTABLE.replace("1 & 2", r"1\footnote{n} & 2")
    assert float_short_tables(with_note) == with_note


# --------------------------------------------------------------------------- checks


def _png(width: int, height: int, mode: str = "1") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG")
    return out.getvalue()


def test_graphics_check():
    tex = r"\dpgraphic{1.00}{figures/img1.png} \dpgraphic{1.00}{figures/img2.pdf}"
    good = {"main.tex": b"", "figures/img1.png": _png(10, 10), "figures/img2.pdf": b"%PDF-1.5\n"}
    assert checks.check_graphics(tex, good, []).status == checks.OK
    bad = dict(good, **{"figures/img1.png": b"GIF89a..."})
    assert "not a PNG" in checks.check_graphics(tex, bad, []).detail
    huge = dict(good, **{"figures/img1.png": _png(6000, 6000)})  # 36 megapixels
    result = checks.check_graphics(tex, huge, [])
    assert result.status == checks.FAILED and "megapixels" in result.detail
    assert checks.check_graphics(tex, good, ["pic.webp"]).status == checks.FAILED
    missing = {"main.tex": b"", "figures/img1.png": _png(10, 10)}
    assert "not in the bundle" in checks.check_graphics(tex, missing, []).detail


def test_citations_check():
    assert checks.check_citations(r"\dpunknowncite{nope}", "", 1, 1).status == checks.FAILED
    result = checks.check_citations("", "As @smith2020 shows.", None, 0)
    assert result.status == checks.FAILED and "@smith2020" in result.detail
    assert checks.check_citations("", "mail me@example.org", None, 0).status == checks.OK
    assert checks.check_citations("", "", 3, 3).detail == "3 references, all resolved"
    biblatex = checks.check_citations("\\usepackage[backend=biber]{biblatex}", "", 1, 1)
    assert biblatex.status == checks.FAILED and "biber" in biblatex.detail


def test_paths_check():
    ok = checks.check_paths(r"\dpgraphic{1}{figures/img1.png} Path=fonts/SourceSerif4/",
                            ["main.tex", "figures/img1.png", "fonts/SourceSerif4/SourceSerif4-Regular.otf"])
    assert ok.status == checks.OK
    assert checks.check_paths(r"\includegraphics{/home/me/x.png}", ["main.tex"]).status == checks.FAILED
    assert checks.check_paths(r"\input{../secret}", ["main.tex"]).status == checks.FAILED
    assert checks.check_paths(r"\dpgraphic{1}{figures/gone.png}", ["main.tex"]).status == checks.FAILED
    assert checks.check_paths("", ["main.tex", "../x.tex"]).status == checks.FAILED


@pytest.mark.parametrize("name", ["figures/my pic.png", "figures/a&b.png", "figures/a:b.png", "figures/é.png",
                                  ".hidden", "figures/.x.png", "main.aux", "main.log", "main.bcf"])
def test_file_names_check_refuses(name):
    assert checks.check_file_names(["main.tex", name]).status == checks.FAILED


def test_file_names_check_accepts_a_bundle():
    names = ["00README.json", "figures/img1.png", "fonts/NotoSansCJK/NotoSansCJK-Regular.ttc",
             "fonts/NotoSansCJK/OFL.txt", "main.bbl", "main.tex"]
    assert checks.check_file_names(names).status == checks.OK
    assert checks.check_file_names(["figures/img1.png"]).status == checks.FAILED  # no main.tex


def test_size_and_characters_checks():
    assert checks.check_size({"main.tex": b"x" * 100}, 50).status == checks.OK
    big = checks.check_size({"main.tex": b"x"}, 11_000_000)
    assert big.status == checks.WARNING and "11.0 MB packed" in big.detail
    assert checks.check_characters({"中": 2}, "pdflatex").status == checks.WARNING
    assert checks.check_characters({}, "pdflatex").status == checks.OK


# --------------------------------------------------------------------------- tarball, README, fonts


def test_tarball_is_reproducible_and_unpacks_only_into_an_empty_folder(tmp_path):
    files = {"main.tex": b"\\documentclass{article}", "figures/img1.png": _png(2, 2)}
    a, b = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    write_tarball(files, a)
    write_tarball(dict(reversed(list(files.items()))), b)
    assert a.read_bytes() == b.read_bytes()
    assert member_names(a) == ["figures/img1.png", "main.tex"]
    with tarfile.open(a) as tar:
        assert all(m.mtime == 0 and m.uid == 0 and m.mode == 0o644 for m in tar.getmembers())
    target = tmp_path / "out"
    target.mkdir()
    extract(a, target)
    assert (target / "main.tex").read_bytes() == files["main.tex"]
    with pytest.raises(ValueError):
        extract(a, target)


def test_readme_names_compiler_and_top_level_file():
    assert readme("xelatex") == {"process": {"compiler": "xelatex"},
                                 "sources": [{"filename": "main.tex", "usage": "toplevel"}]}


def test_xetex_fonts_only_the_used_ones():
    tex = r"Hello {\dpfontCJK{}中文}"
    preamble = xetex_fonts.preamble(tex)
    assert "Path=fonts/NotoSansCJK/" in preamble and "\\newcommand\\dpfontEmoji{}" in preamble
    assert "NotoEmoji" not in preamble and "setsansfont" not in preamble
    names = set(xetex_fonts.font_files(tex))
    assert "fonts/NotoSansCJK/NotoSansCJK-Regular.ttc" in names and "fonts/NotoSansCJK/OFL.txt" in names
    assert "fonts/DistillPDFSerif/DistillPDFSerif-Regular.otf" in names
    assert not any("Emoji" in n or "DistillPDFSans" in n for n in names)


# --------------------------------------------------------------------------- real bundles


def _compile_by_hand(tarball: Path, folder: Path, engine: str = "pdflatex") -> Path:
    """What arXiv does: unpack into an empty folder, run the engine twice, nothing else."""
    folder.mkdir()
    with tarfile.open(tarball) as tar:
        tar.extractall(folder, filter="data")
    for _ in range(2):
        done = subprocess.run([engine, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                               "main.tex"], cwd=folder, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stdout.decode(errors="replace")[-2000:]
    return folder / "main.pdf"


@pytest.fixture(scope="module")
def seed_export(tmp_path_factory):
    if not SEED.exists():
        pytest.skip("../shared corpus not present")
    if not HAS_PDFLATEX:
        pytest.skip("pdflatex missing")
    out = tmp_path_factory.mktemp("arxiv-seed")
    return export_arxiv(SEED, out, allow_remote=False), out


@needs_pdflatex
def test_seed_bundle_holds_exactly_what_it_needs(seed_export):
    result, out = seed_export
    assert result.tarball == out / "distill-features-demo-arxiv.tar.gz"
    assert member_names(result.tarball) == ["figures/img1.png", "figures/img2.png", "main.tex"]
    assert [c.name for c in result.checks] == ["graphics", "citations", "paths", "file names", "characters",
                                               "size", "compile"]
    assert all(c.status == checks.OK for c in result.checks), result.checks
    with tarfile.open(result.tarball) as tar:
        tex = tar.extractfile("main.tex").read().decode()
    assert "fontspec" not in tex and "minted" not in tex and "\\bibliography{" not in tex
    body = tex.split("\\hypersetup{")[0] + tex.split("\\begin{document}")[1]
    assert body.isascii()  # all Unicode is LaTeX commands; only PDF strings keep UTF-8
    assert "\\textemdash" in tex  # the seed's em dash (mis-encoded or repaired) is a command


@needs_pdflatex
def test_seed_bundle_compiles_by_hand_with_title_abstract_figures_formula_and_references(seed_export, tmp_path):
    result, _ = seed_export
    pdf = _compile_by_hand(result.tarball, tmp_path / "fresh")
    for made in (pdf, result.pdf):
        text = pdf_text_flat(made)
        assert "NEW distill.pub based template test post" in text
        assert "Abstract" in text and "A comprehensive exploration of machine learning" in text
        assert "Figure 1." in text and "Figure 2." in text
        assert "Keywords" in text and "REPRINT" in text.upper()
        assert "References" in text
        for reference in ("Molnar, Christoph (2020)", "Ribeiro, Marco Tulio", "Rudin, Cynthia (2019)"):
            assert reference in text
        assert "SHAP" in text and "n!" in text  # the Shapley formula
    assert result.pages >= 2


@needs_pdflatex
def test_unicode_post_compiles_and_unsettable_characters_are_warned_at_their_line(tmp_path):
    post = write_post(tmp_path, """
        Café — “quoted” naïve Straße, α→β ≤ ∞, 5 € and ½.

        Math with Unicode: $α + β ≤ γ$ and $x_{é}$.

        ```python
        print("héllo — wörld")  # ß
        ```

        | a | b |
        |---|---|
        | é | α |

        Chinese: 中文 here.
        """, front="title: Ünïcode — test\nauthors:\n  - name: Zoë Ångström\n    affiliation: Université")
    result = export_arxiv(post, tmp_path / "out", allow_remote=False)
    text = pdf_text_flat(result.pdf)
    assert "Café" in text and "Straße" in text and "Zoë Ångström" in text and "Université" in text
    assert "héllo" in text and "wörld" in text
    assert "U+4E2D" in text  # the code box that stands in for 中
    warnings = [str(w) for w in result.warnings]
    line = post.read_text(encoding="utf-8").split("\n").index("Chinese: 中文 here.") + 1
    assert any(f"post.md:{line}:" in w and "中 (U+4E2D)" in w and "--engine xelatex" in w for w in warnings), warnings
    assert next(c for c in result.checks if c.name == "characters").status == checks.WARNING
    from pypdf import PdfReader
    assert PdfReader(result.pdf).metadata.title == "Ünïcode — test"


@needs_pdflatex
def test_missing_image_fails_the_graphics_check_unless_incomplete_is_allowed(tmp_path):
    post = write_post(tmp_path, "Text.\n\n![A caption](missing.png)\n")
    with pytest.raises(DistillError, match="graphics: failed"):
        export_arxiv(post, tmp_path / "out", allow_remote=False)
    assert not (tmp_path / "out" / "post-arxiv.tar.gz").exists()
    result = export_arxiv(post, tmp_path / "out", allow_remote=False, allow_incomplete=True)
    assert result.tarball.exists() and any("check graphics" in str(w) for w in result.warnings)


@needs_pdflatex
def test_unresolved_citation_fails_the_citations_check(tmp_path):
    (tmp_path / "refs.bib").write_text("@book{known2020, author={A. Author}, title={T}, year={2020}}\n")
    post = write_post(tmp_path, "See @known2020 and @unknown2021.\n", front="title: Cites\nbibliography: refs.bib")
    with pytest.raises(DistillError, match="citations: failed .*unknown2021"):
        export_arxiv(post, tmp_path / "out", allow_remote=False)


@needs_pdflatex
def test_numeric_references_and_a_figure_converted_from_svg(tmp_path):
    (tmp_path / "refs.bib").write_text("@article{known2020, author={A. Author}, title={T}, journal={J},"
                                       " year={2020}}\n")
    (tmp_path / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
                                        '<rect width="200" height="100" fill="teal"/></svg>')
    post = write_post(tmp_path, "See @known2020.\n\n![Chart](chart.svg)\n",
                      front="title: Numeric\nbibliography: refs.bib")
    result = export_arxiv(post, tmp_path / "out", allow_remote=False, citation_style="numeric")
    assert member_names(result.tarball) == ["figures/img1.pdf", "main.tex"]
    text = pdf_text_flat(result.pdf)
    assert "See Author [1]" in text and "[1] A. Author" in text


@needs_xelatex
def test_xelatex_bundle_ships_used_fonts_and_a_00readme(tmp_path):
    post = write_post(tmp_path, "Chinese: 中文. Math $x^2$.\n", front="title: XeLaTeX bundle")
    result = export_arxiv(post, tmp_path / "out", engine="xelatex", allow_remote=False)
    names = member_names(result.tarball)
    assert "00README.json" in names and "fonts/NotoSansCJK/NotoSansCJK-Regular.ttc" in names
    assert not any("NotoEmoji" in n or "Hebrew" in n for n in names)
    with tarfile.open(result.tarball) as tar:
        assert json.load(tar.extractfile("00README.json")) == readme("xelatex")
        tex = tar.extractfile("main.tex").read().decode()
    assert "Path=fonts/" in tex and str(Path.cwd()) not in tex
    assert "中文" in pdf_text_flat(result.pdf)


def test_unknown_engine_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        export_arxiv(write_post(tmp_path, "x\n"), tmp_path / "out", engine="lualatex")


@needs_pdflatex
def test_cli_reports_every_check_by_name(tmp_path):
    post = write_post(tmp_path, "Hello — world.\n", front="title: CLI")
    done = subprocess.run([sys.executable, "-m", "distill_pdf", "arxiv", str(post), "-o", str(tmp_path / "o"),
                           "--no-remote"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for name in ("graphics", "citations", "paths", "file names", "characters", "size", "compile"):
        assert f"{name}:" in done.stderr
    assert (tmp_path / "o" / "post-arxiv.tar.gz").exists() and (tmp_path / "o" / "post-arxiv.pdf").exists()
