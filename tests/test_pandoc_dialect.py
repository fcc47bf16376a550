"""pandoc's Markdown (JOSS papers, Quarto, R Markdown): the constructs pandoc's manual defines
that CommonMark prints as text, each compiled and read back from the PDF."""
from __future__ import annotations

import re

import pytest

import distill_pdf
from distill_pdf import dialects
from distill_pdf.errors import DistillError
from distill_pdf.load import load_post

from .conftest import ENGINES, pdf_text, pdf_text_flat, requires_pdftotext, write_post

pytestmark = [pytest.mark.skipif(not ENGINES, reason="no TeX engine installed"), requires_pdftotext]
JOSS = """title: A JOSS paper
authors:
  - name: Ada Lovelace
    affiliation: 1
affiliations:
  - name: Analytical Engines Ltd
    index: 1
date: 1 June 2022"""

GRID = """
Intro paragraph.

+---------------+-------------------+--------------+
| Markup        | Markdown          | Result       |
+:==============+:=================:+=============:+
| emphasis      | `*this*`          | *this*       |
+---------------+-------------------+--------------+
| subscript     | `H~2~O`           | H~2~O        |
|               |                   |              |
|               | second line       | more         |
+---------------+-------------------+--------------+

: Inline markup.  []{label="markup"}

| Language | Created |
|----------|---------|
| Haskell  | 1990    |

Table: Languages, as \\autoref{langs} and [Results] say. []{label="langs"}

# Results

See \\autoref{markup} and [the results][Results]; superscript Ca^2+^, [Small Caps]{.smallcaps},
[underlined]{.ul}, raw `\\textbf{RAWBOLD}`{=latex} and `<b>HTMLBOLD</b>`{=html}.

[$$E = mc^2$$]{label="eq:einstein"}

As \\autoref{eq:einstein} shows^[An inline note with *emphasis* and [brackets].], and ~~struck~~ stays struck.

``` {=comment}
COMMENTONLY for other outputs.
```

```{=latex}
\\noindent RAWBLOCK
```

---
latex:
  before-metadata: '`\\vspace{0cm}`{=latex}'
---
"""


def _render(tmp_path, body: str, front: str = JOSS, name: str = "paper.md"):
    post = write_post(tmp_path, body, front, name=name)
    pdf = tmp_path / "out.pdf"
    result = distill_pdf.render(post, pdf, keep_build=tmp_path / "build")
    return pdf_text_flat(pdf), (tmp_path / "build" / "main.tex").read_text(), result


def test_joss_front_matter_and_quarto_files_are_read_as_pandoc_markdown(tmp_path):
    assert dialects.detect(load_post(write_post(tmp_path, "x", JOSS, name="paper.md"))) == "pandoc"
    assert dialects.detect(load_post(write_post(tmp_path, "x", "title: Q", name="post.qmd"))) == "pandoc"
    assert dialects.detect(load_post(write_post(tmp_path, "x", "title: An Astro post", name="a.md"))) == "astro"


def test_pandoc_constructs_print_as_pandoc_renders_them(tmp_path):
    text, tex, _ = _render(tmp_path, GRID)
    # grid table: a table, its cells in order, its caption numbered, no rule characters
    assert "+---" not in text and "+===" not in text and "| Markup" not in text
    assert "Table 1: Inline markup." in text and "Table 2: Languages, as Table 2 and Results say." in text
    rows = pdf_text(tmp_path / "out.pdf")
    assert re.search(r"emphasis +\*this\* +this\n", rows) and re.search(r"subscript +H~2~O +H2 ?O", rows)
    assert r"\dpbr{}second line & H\textsubscript{2}O \dpbr{}more \\" in tex  # a cell's lines, joined
    assert r"\textsubscript{2}" in tex and r"\textsuperscript{2+}" in tex
    # cross-references: \autoref to a labelled table and equation, implicit header links
    assert "See Table 1 and the results;" in text
    assert "As Equation 1 shows" in text and r"\label{eq:einstein}" in tex
    assert r"\textsc{Small Caps}" in tex and r"\uline{underlined}" in tex
    # raw attributes: LaTeX and HTML pass, other formats are left out
    assert r"\textbf{RAWBOLD}" in tex and "RAWBLOCK" in text and "HTMLBOLD" in text
    assert "COMMENTONLY" not in text and "before-metadata" not in text and "latex:" not in text
    assert r"\sout{struck}" in tex
    assert r"\dpnote{An inline note with \emph{emphasis} and [brackets].}" in tex and "^[" not in text


def test_an_astro_post_keeps_commonmark_reading(tmp_path):
    """Single tildes strike (GFM) and `[x]{.ul}` is text outside the pandoc dialect."""
    _, tex, _ = _render(tmp_path, "A ~single~ strike and [kept]{.ul} text.\n", front="title: Astro", name="a.md")
    assert r"\sout{single}" in tex and r"[kept]\{.ul\}" in tex


def test_unsafe_raw_latex_is_an_error_at_its_line(tmp_path):
    post = write_post(tmp_path, "Fine.\n\nBad `\\input{/etc/passwd}`{=latex} here.\n", JOSS, name="paper.md")
    with pytest.raises(DistillError) as info:
        distill_pdf.render(post, tmp_path / "out.pdf")
    assert "raw LaTeX" in str(info.value) and "paper.md:13:" in str(info.value)
    assert not (tmp_path / "out.pdf").exists()


QUARTO = """
## Introduction {#sec-intro}

![An elephant.](elephant.png){#fig-elephant}

See @fig-elephant, [@tbl-sizes], @eq-energy and @sec-intro; @unknown2020 stays a citation.

| Animal | Size |
|--------|------|
| Elephant | big |

: Sizes of animals {#tbl-sizes}

$$E = mc^2$$ {#eq-energy}

```{python}
#| echo: true
#| label: the-code
print("chunk runs")
```
"""


def test_quarto_cross_references_and_code_chunks(tmp_path):
    from PIL import Image
    Image.new("RGB", (600, 300), "grey").save(tmp_path / "elephant.png")
    text, tex, result = _render(tmp_path, QUARTO, front="title: A Quarto post", name="post.qmd")
    assert "See Figure 1, Table 1, Equation 1 and Introduction;" in text
    assert "Figure 1: An elephant." in text and "Table 1: Sizes of animals" in text
    assert "#|" not in text and "echo: true" not in text and 'print("chunk runs")' in text
    assert r"\PY{n+nb}{print}" in tex  # highlighted as Python
    assert any("unknown2020" in w.message for w in result.warnings) or "unknown2020" in text


def test_a_caption_line_after_a_paragraph_of_several_lines_is_the_tables(tmp_path):
    """pandoc's definition term fits on one line: a two-line paragraph, a blank line, then
    `: Caption` before a table is a paragraph and that table's caption (not a definition list)."""
    from distill_pdf.parse import parse_post
    post = load_post(write_post(tmp_path, "Link to a float\nelement, as JOSS writes.\n\n: Sizes.\n  []{label=\"t\"}\n\n"
                                          "| a | b |\n|---|---|\n| 1 | 2 |\n\nApple\n:   A fruit.\n", JOSS, name="paper.md"))
    dialect = dialects.for_post(post, "auto")
    tokens = [t for t in parse_post(post, extra_plugins=dialect.plugins).tokens if t["type"] != "blank_line"]
    assert [t["type"] for t in tokens] == ["paragraph", "table", "def_list"]
    assert tokens[1]["children"][0]["type"] == "table_caption"
