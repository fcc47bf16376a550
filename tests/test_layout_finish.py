"""Print finish of the layout (issue 13): tables measured by LaTeX, wide display math,
breaks. Each test compiles a constructed post and reads the log (overfull lines), the
text (cells apart, headers repeated) and the glyph positions (nothing past the page)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import distill_pdf
from distill_pdf.writer.displaymath import broken_at_relations, numbered

from .conftest import ENGINES, pdf_text, requires_pdftotext, write_post

pytestmark = [pytest.mark.skipif(not ENGINES, reason="no TeX engine installed"), requires_pdftotext]
ENGINE = "xelatex" if "xelatex" in ENGINES else (ENGINES[0] if ENGINES else "")

NINE = ("| Problem | Measure | Size A | Size B | Size C | Description | Flag | Score | Notes |\n"
        "|---|---|---:|---:|---:|---|:-:|---:|---|\n"
        + "".join(f"| Problem{i} | Measure{i} | 16384 | 32768 | 65536 | word salad here | x | 0.12345{i} |"
                  " Convex relaxation |\n" for i in range(5)))
MATH = ("| Name | Objective | Kind |\n|---|---|---|\n"
        + "".join(f"| Model{i} | $\\min_{{w}} \\sum_{{i=1}}^n \\ell(y_i, w^\\top x_i) + \\lambda \\|w\\|_2^2$ |"
                  f" $\\text{{Convex}}$ |\n" for i in range(4)))
LONG = ("| Index | Name | Value | Comment |\n|---|---|---|---|\n"
        + "".join(f"| {i} | item{i} | {i * i} | comment for row {i} |\n" for i in range(60)))
PROSE = ("| User | Structural | Implementational |\n|---|---|---|\n"
         "| Computation efficiency, computational cost, accuracy, guarantees, generalization across PDEs |"
         " Spatial and temporal resolution, boundary conditions, domain sampling regularity |"
         " Stability over long rollouts, preservation of invariants |\n")
WIDE_EQ = (r"$$ \mathcal{L}(\theta) = \mathbb{E}_{x \sim p_{\text{data}}} \left[ \log p_\theta(x) \right]"
           r" - \beta \, \mathrm{KL}\left( q_\phi(z \mid x) \,\|\, p(z) \right) + \lambda \sum_{i=1}^{N}"
           r" \left\| \nabla_\theta f_\theta(x_i) \right\|_2^2 + \gamma \sum_{j=1}^{M} \max(0, 1 - y_j g(x_j)) $$")
HUGE_EQ = ("$$ a = " + " + ".join(f"x_{{{i}}}" for i in range(60)) + " = "
           + " + ".join(f"y_{{{i}}}" for i in range(40)) + " $$")


def _render(tmp_path: Path, body: str, **options) -> tuple[Path, str]:
    post = write_post(tmp_path, body)
    pdf = tmp_path / "out.pdf"
    distill_pdf.render(post, pdf, engine=ENGINE, keep_build=tmp_path / "build", **options)
    return pdf, (tmp_path / "build" / "main.log").read_text(errors="replace")


def _overfull(log: str, over: float = 10.0) -> list[float]:
    return [float(w) for w in re.findall(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide", log) if float(w) > over]


def _pages(pdf: Path) -> list[str]:
    return pdf_text(pdf).split("\f")


def _glyphs_past_page(pdf: Path, margin: float = 18.0) -> list[str]:
    """Characters that end within ``margin`` points of the paper's right edge, or beyond it."""
    import pdfplumber
    with pdfplumber.open(str(pdf)) as doc:
        return [c["text"] for page in doc.pages for c in page.chars if c["x1"] > page.width - margin]


def test_tables_of_numbers_words_and_math_fit_and_keep_their_cells_apart(tmp_path):
    pdf, log = _render(tmp_path, f"Intro.\n\n{NINE}\nThen.\n\n{MATH}\nAnd prose.\n\n{PROSE}\nEnd.\n")
    assert _overfull(log) == []
    text = pdf_text(pdf)
    for i in range(5):  # every cell stands apart from its neighbours
        assert re.search(rf"Problem{i}\s+Measure{i}\s+16384\s+32768\s+65536\s+word salad here\s+x\s+0\.12345{i}",
                         text), text
    assert "ProblemMeasure" not in text and "327686" not in text
    assert len(re.findall(r"Model\d\s+min", text)) == 4  # a formula's cell is wide enough for it
    assert "Con-" not in text and len(re.findall(r"\bConvex\b", text)) >= 4
    assert _glyphs_past_page(pdf) == []


def test_a_long_table_breaks_with_its_header_repeated_and_no_lone_row(tmp_path):
    pdf, log = _render(tmp_path, "Before.\n\n" + LONG + "\nAfter.\n")
    assert _overfull(log) == []
    pages = [p for p in _pages(pdf) if re.search(r"item\d", p)]
    assert len(pages) >= 2
    for page in pages:
        assert re.search(r"Index\s+Name\s+Value\s+Comment", page), page  # header on every page
        assert len(re.findall(r"\bitem\d+\b", page)) >= 2                # never one row alone
    assert all(f"item{i} " in pdf_text(pdf) for i in range(60))


def test_a_long_table_is_measured_from_its_head_and_longest_cells(tmp_path):
    """Ten thousand rows are not all boxed (TeX's main memory): a sample is measured, and
    it holds the widest cell wherever that row is."""
    from distill_pdf.writer.tables import Row, _measured
    body = [(Row([], [], False), [str(i), "a much longer cell than the others" if i == 700 else "short"])
            for i in range(1000)]
    sample = _measured([(Row([], [], True), ["n", "text"])] + body, 2)
    assert len(sample) < 100 and (1, "a much longer cell than the others") in sample and (0, "n") in sample
    rows = "".join(f"| {i} | {'a much longer cell than the others' if i == 700 else 'short'} |\n" for i in range(1000))
    pdf, log = _render(tmp_path, "| n | text |\n|---|---|\n" + rows)
    assert _overfull(log) == []
    assert re.search(r"700\s+a much longer cell than the others", pdf_text(pdf))


def test_wide_display_math_stays_on_the_page(tmp_path):
    pdf, log = _render(tmp_path, f"Some text.\n\n{WIDE_EQ}\n\nA huge one:\n\n{HUGE_EQ}\n\nDone.\n")
    assert _overfull(log) == []
    assert _glyphs_past_page(pdf) == []
    text = " ".join(pdf_text(pdf).split())
    assert "KL" in text and "Done." in text


def test_breaking_at_relations_aligns_on_the_first_one():
    broken = broken_at_relations(r"f(x) = a + b \le c + d")
    assert broken == r"\begin{aligned} f(x) &= a + b \\ &\le c + d \end{aligned}"
    assert broken_at_relations(r"\left( a = b \right)") is None  # nothing at the top level
    long_sum = "s = " + " + ".join(f"x_{{{i}}}" for i in range(40))
    lines = broken_at_relations(long_sum).split(r"\\")
    assert len(lines) >= 3 and all(r"\quad +" in line for line in lines[1:])


def test_a_code_block_never_leaves_one_line_on_a_page(tmp_path):
    filler = "\n\n".join(f"Paragraph {i} " + "words " * 60 for i in range(7))
    code = "```python\n" + "".join(f"x{i} = {i}\n" for i in range(30)) + "print('end')\n```\n"
    pdf, _ = _render(tmp_path, filler + "\n\n" + code)
    pages = _pages(pdf)
    for page in pages:
        lines = [line for line in page.splitlines() if re.match(r"\s*(x\d+ = \d+|print)", line)]
        assert len(lines) != 1, page


def test_a_wide_numbered_environment_reaches_into_the_margin(tmp_path):
    terms = " + ".join(f"\\alpha_{{{i}}} x_{{{i}}}^{{2}}" for i in range(12))
    body = f"Text.\n\n\\begin{{align}}\nf(x) &= {terms} \\label{{eq:wide}}\n\\end{{align}}\n\nAfter.\n"
    post = write_post(tmp_path, body, front="title: Numbered\nlayout: distill")
    pdf = tmp_path / "out.pdf"
    distill_pdf.render(post, pdf, engine=ENGINE, keep_build=tmp_path / "build")
    log = (tmp_path / "build" / "main.log").read_text(errors="replace")
    assert r"\dpnumbered{0}{1}{\begin{align}}" in (tmp_path / "build" / "main.tex").read_text()
    assert _overfull(log) == [] and _glyphs_past_page(pdf) == []
    assert "(1)" in pdf_text(pdf)


def _terms(name: str, count: int) -> str:
    return " + ".join(f"\\alpha_{{{i}}} {name}_{{{i}}}^{{2}}" for i in range(count))


def test_numbered_math_too_wide_even_in_80_percent_type_is_broken_keeping_its_numbers(tmp_path):
    """An equation and the rows of an align too wide for the column and the margin even in 80%
    type break at their relations and before + (one number a row, on its last line); a row with
    no break point (all inside one \\left..\\right) is set as small as fits; a formula that fits
    in the margin in smaller type (a 14-term sum) is scaled as measured in that type, without
    the overfull line as wide as the margin that an overfull row pushed out with its number."""
    unbreakable = r"\left[ " + _terms("u", 30).replace("+", r"\cdot") + r" \right]"
    body = (f"Text.\n\n$$\n\\begin{{equation}}\\label{{eq:one}}\nF = {_terms('x', 30)} \\le {_terms('y', 8)}\n"
            f"\\end{{equation}}\n$$\n\nThen.\n\n$$\n\\begin{{align}}\n\\tag{{A}} g(x) &= {_terms('z', 34)} \\\\\n"
            f"h(x) &= a + b \\label{{eq:short}} \\\\\n&= {_terms('w', 30)}\n\\end{{align}}\n$$\n\nAnd.\n\n"
            f"$$\n\\begin{{align}}\nk &= {unbreakable}\n\\end{{align}}\n$$\n\n"
            f"$$\n\\begin{{align}}\nm &= {_terms('v', 14)}\n\\end{{align}}\n$$\n\nEnd (\\ref{{eq:short}}).\n")
    post = write_post(tmp_path, body, front="title: Numbered\nlayout: distill")
    pdf = tmp_path / "out.pdf"
    distill_pdf.render(post, pdf, engine=ENGINE, keep_build=tmp_path / "build")
    log = (tmp_path / "build" / "main.log").read_text(errors="replace")
    assert _overfull(log, over=1.0) == [] and _glyphs_past_page(pdf) == []
    text = pdf_text(pdf)
    for number in ("(1)", "(A)", "(2)", "(3)", "(4)", "(5)"):
        assert text.count(number) == 1 + (number == "(2)"), (number, text)  # (2) is also referred to
    assert "(6)" not in text
    assert len(re.findall(r"^\s*\+ ", text, re.M)) >= 15  # the sums were broken into lines
    import pdfplumber
    with pdfplumber.open(str(pdf)) as doc:
        sizes = {round(c["size"], 1) for page in doc.pages for c in page.chars if c["text"] == "\N{MATHEMATICAL ITALIC SMALL V}"}
    assert sizes and min(sizes) >= 8.0  # 14 terms: into the margin in type not below 80%


def _groups(tex: str, count: int) -> tuple[str, ...]:
    """The first ``count`` brace groups of ``tex``, without their braces."""
    out, depth, start = [], 0, 0
    for m in re.finditer(r"\\.|.", tex, re.S):  # a control symbol (\\{, \\\\) is no brace
        if m.group() == "{":
            depth += 1
            start = m.end() if depth == 1 else start
        elif m.group() == "}":
            depth -= 1
            if depth == 0:
                out.append(tex[start:m.start()])
                if len(out) == count:
                    break
    return tuple(out)


def test_a_numbered_row_breaks_after_its_alignment_point_with_its_number_last():
    tex = numbered("\\begin{align}\n\\tag{3} f(x) &:= a + b = c \\label{eq:f} \\\\\n&= d\n\\end{align}", boxed=False)
    rows = [_groups(row, 4) for row in tex.split("\\dprow")[1:]]
    assert len(rows) == 2
    assert rows[0][3] == r"f(x) &:= a + b \nonumber \\ &= c \tag{3} \label{eq:f}\\"
    assert " ".join(rows[0][2].split()) == r"f(x) &:= a + b \\ &= c"  # measured without number and label
    assert rows[1][2:] == ("", "")                    # nothing to break
    equation = numbered("\\begin{equation}\\label{eq:e}\na = b + c \\le d\n\\end{equation}", boxed=True)
    assert r"{\label{eq:e} \begin{split} a &= b + c \\ &\le d \end{split}}" in equation
    assert broken_at_relations(r"P(x = 1) = a + (b - c)") is None  # no break inside brackets


def test_distill_wide_classes_give_a_table_the_page_width(tmp_path):
    cell = "words that wrap inside a table cell " * 3
    body = (f"Text.\n\n<div class=\"l-page\">\n<table>\n<tr><th>A</th><th>B</th><th>C</th></tr>\n"
            f"<tr><td>{cell}</td><td>{cell}</td><td>{cell}</td></tr>\n</table>\n</div>\n\nAfter.\n")
    post = write_post(tmp_path, body, front="title: Wide\nlayout: distill")
    pdf = tmp_path / "out.pdf"
    distill_pdf.render(post, pdf, engine=ENGINE)
    import pdfplumber
    with pdfplumber.open(str(pdf)) as doc:
        page = doc.pages[0]
        cells = [c for c in page.chars if c["size"] < 9.5 and "Sans" not in c["fontname"]]
        right = max(c["x1"] for c in cells)
    assert right > (0.9 + 4.75) * 72 + 60  # past the text column, into the margin column
    assert right < page.width - 18


def test_long_tokens_in_code_break_inside_the_token(tmp_path):
    """A URL in a comment, a long string, a long argument: fvextra breaks inside Pygments'
    tokens too (otherwise only between them, and these lines ran 90-195pt into the margin)."""
    code = ("```yaml\n# https://utopia.fyi/type/calculator?c=328,16,1.125,1215,18,1.2,3,1,&s=0.75|0.5|0.25,1.5|2|3\n"
            "langs: 'ansi,bat,bash,batch,cmd,console,powershell,ps,ps1,psd1,psm1,sh,shell,shellscript,text,zsh'\n"
            "```\n\n```bash\netcd --initial-cluster 192.168.1.113=https://192.168.1.113:2380,"
            "192.168.1.114=https://192.168.1.114:2380,192.168.1.115=https://192.168.1.115:2380\n```\n")
    key = "eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9" * 30  # a token with no punctuation at all
    code += f"\n```text\ntoken:      {key}\n```\n\n```python\nx = \"{key}\"\n```\n\n```\n{key}\n```\n"
    pdf, log = _render(tmp_path, "Code:\n\n" + code + "\nEnd.\n")
    assert _overfull(log) == [] and _glyphs_past_page(pdf) == []
    assert "192.168.1.115:2380" in pdf_text(pdf).replace("\n", "")


def test_image_placeholders_in_a_row_take_a_line_each(tmp_path):
    """A gallery of linked images (offline: placeholders, 80% of the column each) in one
    paragraph, and one after a label: each placeholder on a line of its own."""
    links = "\n".join(f"[![](https://example.org/photos/{i}/img-200.jpg)](https://example.org/photos/{i}/img.jpg)"
                      for i in range(3))
    pdf, log = _render(tmp_path, f"Gallery:\n\n{links}\n\nReference-style: ![alt](https://example.org/icon48.png)\n",
                       allow_remote=False)
    assert _overfull(log) == [] and _glyphs_past_page(pdf) == []
    assert pdf_text(pdf).count("Image not available") == 4


def test_a_line_that_cannot_be_filled_is_set_loose_not_into_the_margin(tmp_path):
    """Unbreakable formulas and code spans that land at a line's end: TeX finds no break within
    its tolerance; the last pass then stretches one line rather than overfill it."""
    formula = (r"$\mathbb{E}_{\hat{p}_{\text{data}}(x)}\left[\mathrm{D}_{\mathrm{KL}}(q(Y \mid x)"
               r" \,\|\, p(Y \mid x))\right]$")
    lead = ["Obviously, assuming non-uniform prior predictions,", "Then", "So we see that for all inputs",
            "And, in the same way, the term", "Which is to say that the expected divergence",
            "We have shown", "A quick check gives"]
    text = " ".join(f"{words} {formula} holds here." for words in lead)
    code = "Create a card with the code `::github{repo=\"<owner>/<repo>\"}`. " * 4
    pdf, log = _render(tmp_path, f"{text}\n\n{code}\n\nEmphasis with *asterisks* (`*asterisks*`) or "
                                 "_underscores_ (`_underscores_`) and so on.\n")
    assert _overfull(log) == [] and _glyphs_past_page(pdf) == []


def test_the_audit_counts_no_overlap_in_braces_over_and_under_a_formula(tmp_path):
    """The pieces of \\underbrace and \\overbrace hang below or above their baseline: their ink
    is not that of a letter standing on it (which made 300 false overlaps in the corpus)."""
    from tests.audit.layout import read_glyphs
    pdf, _ = _render(tmp_path, "A formula:\n\n$$ \\underbrace{D(p(X) \\| q(X)) + D(p(Y \\mid X) \\| q(Y \\mid X))}"
                               "_{\\geq 0} = \\overbrace{a + b + c + d}^{\\text{four}} $$\n\nEnd.\n")
    assert read_glyphs(pdf).overlaps == 0


def test_the_audit_counts_glyphs_of_different_runs_drawn_over_each_other():
    from tests.audit.layout import Glyphs, _collisions

    def char(text, x, y):
        return {"text": text, "size": 10.0, "x0": x, "x1": x + 5, "matrix": (1, 0, 0, 1, x, y), "fontname": "Serif"}
    line = [char(c, 100 + 5 * i, 700) for i, c in enumerate("abc")]
    over = [char(c, 100 + 5 * i, 701) for i, c in enumerate("xyz")]  # another line, a point lower
    found = Glyphs()
    _collisions(line + over, [None] * 6, 842, 1, found)
    assert found.overlaps == 3
    found = Glyphs()
    _collisions(line + over, [1] * 6, 842, 1, found)  # both drawn by one included figure
    assert found.overlaps == 0


def test_the_audit_finds_a_page_left_blank_before_a_figure_that_would_have_fit():
    """A page ending a third of the text area early, the next starting with a figure and its
    caption small enough for that blank, is counted; a taller figure, or a blank of a few lines
    (a heading kept with its text), is not."""
    from tests.audit.layout import _blanks_before_figures

    full = ([(60.0, 780.0)], [])
    short = ([(60.0, 480.0)], [])                    # 300pt of 720 left blank
    small_figure = ([(60.0, 260.0), (266.0, 290.0), (320.0, 780.0)], [(60.0, 260.0)])  # caption 6pt under it
    tall_figure = ([(60.0, 400.0), (406.0, 430.0), (460.0, 780.0)], [(60.0, 400.0)])
    assert _blanks_before_figures([full, short, small_figure, full]) == [2]
    assert _blanks_before_figures([full, short, tall_figure, full]) == []
    assert _blanks_before_figures([full, ([(60.0, 700.0)], []), small_figure]) == []
    assert _blanks_before_figures([short, full, full]) == []  # no figure follows
