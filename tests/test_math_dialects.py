r"""Math as the blog's renderer reads it (issue 12): delimiters and spacing per dialect
(remark-math, kramdown + MathJax, pandoc), environments MathJax/KaTeX allow where LaTeX does
not, and the same names in the arXiv bundle. Each class is a small post compiled to a real
PDF with every available engine; the checks read the PDF text."""
from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest

import distill_pdf

from .conftest import ENGINES, pdf_text_flat, requires_pdftotext, write_post

pytestmark = [pytest.mark.skipif(not ENGINES, reason="no TeX engine installed"), requires_pdftotext]

JEKYLL = "title: Jekyll math\nlayout: distill"
DIALECTS = {"astro": "title: Astro math", "jekyll": JEKYLL}


def _render(tmp_path: Path, body: str, front: str, engine: str) -> tuple[str, str]:
    """The PDF's flat text and the body LaTeX of a post (a Jekyll one lives under _posts/)."""
    folder = tmp_path / "_posts" if "layout: distill" in front else tmp_path
    post = write_post(folder, body, front, name="2024-01-01-post.md")
    pdf = tmp_path / "out.pdf"
    distill_pdf.render(post, pdf, engine=engine, keep_build=tmp_path / "build")
    text = unicodedata.normalize("NFKC", pdf_text_flat(pdf))  # math italic 𝛼 is α
    return text, (tmp_path / "build" / "main.tex").read_text()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_dollar_math_with_inner_spaces_and_dollars_of_prose(tmp_path, dialect, engine):
    """remark-math, MathJax's `$` and kramdown pages read `$ x $` as math; pandoc's tight
    rule and its digit rule keep prices prose."""
    text, tex = _render(tmp_path, r"""
        Padded $ \alpha + \beta $ and tight $\gamma$, over lines $ a
        b $ too. One side padded: $\delta \leq 1 $ and $ \epsilon$.

        It costs $5 and $10 today, or $ 3 for US$20. It costs $5 and more; later, $\zeta$.

        Not math: `$ x $` in code.
        """, DIALECTS[dialect], engine)
    assert "α + β" in text and "γ" in text
    assert r"\(\alpha + \beta\)" in tex and "\\(a\nb\\)" in tex
    assert r"\(\delta \leq 1\)" in tex and r"\(\epsilon\)" in tex and r"\(\zeta\)" in tex
    assert "costs $5 and $10 today, or $ 3 for US$20" in text and "costs $5 and more; later, ζ" in text
    assert "$ x $" in text


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_backslash_delimiters_as_mathjax_pages_get_them(tmp_path, dialect, engine):
    r"""`\\(..\\)` and `\\[..\\]` (Markdown-escaped MathJax delimiters, pandoc's
    tex_math_double_backslash) are math; a single `\[1\]` is escaped brackets."""
    text, tex = _render(tmp_path, r"""
        Inline \\( \delta_{i} \\) and in-line display \\[ \sum_i x_i \\] here.

        \\[
        \int_0^1 f(x) \, dx = \\{ \zeta \\}
        \\]

        A reference \[1\] stays.

        ```
        \\( not math \\)
        ```
        """, DIALECTS[dialect], engine)
    assert "δ" in text and "∑" in text and "∫" in text and "ζ" in text
    assert "A reference [1] stays." in text
    assert r"\\( not math \\)" in text
    assert r"\{ \zeta \}" in tex


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_bare_display_environments_are_numbered_math_never_in_code(tmp_path, dialect, engine):
    """pandoc passes `\\begin{equation}` to LaTeX (raw_tex), MathJax typesets it
    (processEnvironments); with `\\label`/`\\eqref` it is numbered and referenced."""
    text, tex = _render(tmp_path, r"""
        The energy is
        \begin{equation}
        E = mc^2 \label{eq:energy}
        \end{equation}
        as \eqref{eq:energy} says, and a system:

        \begin{align}
        a &= b + c
        \end{align}

            \begin{equation} indented code \end{equation}

        `\begin{equation} span \end{equation}`
        """, DIALECTS[dialect], engine)
    assert "E = mc2" in text and "as (1) says" in text
    assert re.search(r"a\s*=\s*b\s*\+\s*c\s*\(2\)", text)
    assert r"\begin{equation} indented code \end{equation}" in text
    assert r"\begin{equation} span \end{equation}" in text
    assert "\\begin{align}" in tex


@pytest.mark.parametrize("engine", ENGINES)
def test_split_and_line_breaks_where_mathjax_allows_them(tmp_path, engine):
    r"""MathJax and KaTeX set `split` in any display (and inline), and a top-level `\\` as a
    line break; LaTeX needs `aligned`/`gathered` there (amsmath refused `split` in the
    measured display box: "\begin{split} won't work here")."""
    text, tex = _render(tmp_path, r"""
        $$
        \begin{split}
        f(x) &= (x+1)^2 \\
        &= x^2 + 2x + 1
        \end{split}
        $$

        Inline $$\begin{split} a &= b \end{split}$$ in text.

        $$
        p = q \\
        r = s \\
        $$
        """, JEKYLL, engine)
    assert "{split}" not in tex.split("%%% distill-pdf body")[-1]
    assert "2x + 1" in text and "a = b" in text
    assert re.search(r"p\s*=\s*q\s+r\s*=\s*s", text)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_rule_under_raw_html_is_no_setext_heading(tmp_path, engine):
    """kramdown underlines text only: `---` under `</ol>` is a rule, and the list (with its
    display math) is not swallowed into a heading."""
    text, tex = _render(tmp_path, r"""
        <ol>
        <li>
        Equation:

        $$
        \begin{split} x &= \frac{1}{2} \end{split}
        $$
        </li>
        </ol>
        ---

        After.
        """, JEKYLL, engine)
    assert r"\subsection" not in tex.split("%%% distill-pdf body")[-1]
    assert "Equation:" in text and "After." in text


COMPAT = r"""
Names MathJax and KaTeX define: $\Reals^n$, $\Upgamma$, $\llbracket a \rrbracket$, $\bra{\psi}$,
$\ket{\phi}$, $\overgroup{AB}$, $90\degree$, $\argmax_x f$, $\lrArr$, $\square$, $a \coloncolon b$,
$\cancel{x}$, $\red{r}$.

$$
\begin{CD} A @>f>> B \end{CD}
$$
"""


@pytest.mark.parametrize("engine", ["pdflatex", "xelatex"])
def test_the_arxiv_bundle_knows_the_same_math_names(tmp_path, engine):
    """A post that compiles as a PDF compiles as an arXiv bundle: both templates include
    mathcompat.tex.j2 (pdfLaTeX spells the unicode-math names with amssymb's)."""
    if shutil.which(engine) is None:
        pytest.skip(f"{engine} missing")
    from distill_pdf.arxiv.export import export_arxiv
    post = write_post(tmp_path, COMPAT, "title: Compat")
    distill_pdf.render(post, tmp_path / "post.pdf", engine=ENGINES[0])
    result = export_arxiv(post, tmp_path / "out", engine=engine, allow_remote=False)
    text = pdf_text_flat(result.pdf)
    assert "Names MathJax and KaTeX define" in text and "90" in text
