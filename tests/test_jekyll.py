"""The Jekyll/al-folio dialect (the ICLR blog-post track): preprocessing, renderer output, compiles.

Unit tests work on a small Jekyll site written to a tmp folder (``_posts/``, ``assets/``);
two real compiles check the PDF; ``-m slow`` compiles every ICLR post of the shared corpus.
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from PIL import Image

import distill_pdf
from distill_pdf import bibliography, dialects
from distill_pdf.dialects import jekyll, kramdown, liquid, texmacros
from distill_pdf.errors import DistillError, Diagnostics
from distill_pdf.load import load_post
from distill_pdf.pipeline import Options, build_project

from .conftest import ENGINES, SHARED, pdf_text_flat, requires_pdftotext

ICLR = sorted((SHARED / "iclr-blogposts__2023" / "_posts").glob("*.md")) + \
    sorted((SHARED / "iclr-blogposts__2024" / "_posts").glob("*.md"))

BIB = """\
@article{krogh1991,
  author = {Krogh, Anders and Hertz, John},
  title = {A Simple Weight Decay Can Improve Generalization},
  journal = {NeurIPS}, year = {1991}}
@article{kingma2015,
  author = {Kingma, Diederik and Ba, Jimmy},
  title = {Adam: A Method for Stochastic Optimization},
  journal = {ICLR}, year = {2015}}
"""

FRONT = """\
layout: distill
title: A Test Post
description: Testing <i>the</i> dialect &amp; more
date: 2024-05-07
authors:
  - name: Ada Lovelace
    url: "https://example.org"
    affiliations:
      name: Analytical Engines<sup>&ndash;1852</sup>
bibliography: 2024-05-07-test.bib
toc:
  - name: Introduction
    subsections:
      - name: Notation
"""


def site(tmp_path: Path, body: str, front: str = FRONT, name: str = "2024-05-07-test.md") -> Path:
    """A Jekyll site: the post in _posts/, its .bib in assets/bibliography/, two images."""
    (tmp_path / "_posts").mkdir(exist_ok=True)
    bib = tmp_path / "assets" / "bibliography"
    bib.mkdir(parents=True, exist_ok=True)
    (bib / "2024-05-07-test.bib").write_text(BIB, encoding="utf-8")
    img = tmp_path / "assets" / "img" / "test"
    img.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (800, 400), "steelblue").save(img / "wide.png")
    Image.new("RGB", (400, 400), "orange").save(img / "square.png")
    post = tmp_path / "_posts" / name
    post.write_text(f"---\n{front}---\n{textwrap.dedent(body)}", encoding="utf-8")
    return post


def project(post: Path, **options):
    diagnostics = Diagnostics()
    options.setdefault("citations", "pybtex")
    built = build_project(post, Options(**options), diagnostics)
    return built, [d.message for d in diagnostics]


def body_of(post: Path, **options) -> tuple[str, list[str]]:
    built, warnings = project(post, **options)
    return built.body.latex, warnings


def warn_list():
    found = []
    return found, lambda message, line: found.append((message, line))


# --------------------------------------------------------------------------- choosing the dialect


def test_layout_distill_or_posts_folder_selects_jekyll(tmp_path):
    post = site(tmp_path, "text\n")
    assert dialects.detect(load_post(post)) == "jekyll"
    elsewhere = tmp_path / "blog" / "post.md"
    elsewhere.parent.mkdir()
    elsewhere.write_text("---\ntitle: x\n---\ntext\n")
    assert dialects.detect(load_post(elsewhere)) == "astro"
    elsewhere.write_text("---\ntitle: x\nlayout: distill\n---\ntext\n")
    assert dialects.detect(load_post(elsewhere)) == "jekyll"


def test_astro_dialect_leaves_the_post_alone(tmp_path):
    post = site(tmp_path, "Cost: $5 and <d-footnote>note</d-footnote> $$x$$\n")
    latex, _ = body_of(post, dialect="astro")
    assert r"\dpnote{note}" in latex  # a Distill footnote is a note in any dialect (issue 12)
    with pytest.raises(DistillError, match="unknown dialect"):
        dialects.for_post(load_post(post), "hugo")


def test_bibliography_under_assets_bibliography(tmp_path):
    post = load_post(site(tmp_path, "x\n"))
    assert jekyll.bibliography_paths(post.meta, post.path) == [(tmp_path / "assets/bibliography/2024-05-07-test.bib").resolve()]
    assert jekyll.site_root(post.path) == tmp_path.resolve()


def test_missing_bibliography_is_an_error_naming_the_places_looked(tmp_path):
    post = site(tmp_path, "x\n", front=FRONT.replace("2024-05-07-test.bib", "nope.bib"))
    with pytest.raises(DistillError, match="nope.bib.*assets/bibliography"):
        project(post)


def test_front_matter_authors_affiliations_toc_and_html(tmp_path):
    post = load_post(site(tmp_path, "x\n"))
    dialects.for_post(post, "auto")
    assert post.toc is True
    assert post.authors[0].name == "Ada Lovelace" and post.authors[0].url == "https://example.org"
    assert post.authors[0].affiliation == "Analytical Engines\u20131852"
    assert post.description == "Testing the dialect & more"


# --------------------------------------------------------------------------- Liquid


def test_liquid_figure_include_relative_url_and_line_count():
    text = ('a\n{% include figure.html path="assets/img/x.png" class="img-fluid" caption="A $x$ cap" %}\n'
            "b {{ 'assets/y.png' | relative_url }} {{site.baseurl}}/z\n")
    found, warn = warn_list()
    result = liquid.render(text, warn)
    assert result.text.count("\n") == text.count("\n")
    assert result.figures[0].src == "/assets/img/x.png" and result.figures[0].caption == "A $x$ cap"
    assert "b /assets/y.png /z" in result.text
    assert not found


def test_liquid_capture_caption_raw_comment_and_unknown_tags():
    text = textwrap.dedent("""\
        {% capture cap %}
        Caption **bold**
        {% endcapture %}
        {% include figure.liquid path="a.png" caption=cap %}
        {% raw %}{{ kept }} {% if %}{% endraw %}
        {% comment %} gone {{ x }} {% endcomment %}
        {% if page.x %}shown{% endif %}
        {% seo %}
        """)
    found, warn = warn_list()
    result = liquid.render(text, warn)
    assert result.figures[0].caption == "Caption **bold**"
    assert "{{ kept }} {% if %}" in result.text and "gone" not in result.text and "shown" in result.text
    assert result.text.count("\n") == text.count("\n")
    assert any("seo" in message for message, _ in found) and any("if" in message for message, _ in found)


def test_liquid_assign_of_a_number_or_boolean_is_its_value():
    found, warn = warn_list()
    result = liquid.render('{% assign n = 5 %}{% assign on = true %}N={{ n }}, {{ on }}, {{ 3 }}.', warn)
    assert result.text == "N=5, true, 3." and not found


def test_liquid_highlight_becomes_fenced_code_with_lines_kept():
    text = "x\n{% highlight python linenos %}\n\nif a:\n    b = '```'\n\n{% endhighlight %}\ny\n"
    out = liquid.render(text, lambda *a: None).text
    assert "````python\nif a:\n    b = '```'\n````" in out
    assert out.count("\n") == text.count("\n")


def test_liquid_twitter_and_scholar_cite():
    out = liquid.render("{% twitter https://twitter.com/a/status/1 %} {% cite a b %}", lambda *a: None).text
    assert 'data-kind="tweet" src="https://twitter.com/a/status/1"' in out
    assert '<d-cite key="a,b"></d-cite>' in out


# --------------------------------------------------------------------------- kramdown's HTML rules


def test_attribute_lists_comments_and_dcite_normalised():
    text = kramdown.clean('[a](b){:target="_blank"} x{: .cls}\n{:start="4"}\n## H {#id}\n<!-- c\nd -->\n'
                          '[//]: # (hidden)\n<d-cite key=Bare></d-cite><d-cite key="a, b"/><d-cite key="open">')
    assert "{:" not in text and "{#id}" not in text and "hidden" not in text and "<!--" not in text
    assert text.count("\n") == 6
    assert '<d-cite key="Bare"></d-cite><d-cite key="a, b"></d-cite><d-cite key="open"></d-cite>' in text


def test_picture_keeps_the_best_local_file():
    text = ('<picture><source srcset="/x-480.webp 480w"><source srcset="/x.svg">'
            '<img src="/x-missing.png" alt="A"></picture>')
    out = kramdown.simplify_images(text, lambda src: src in ("/x.svg", "/x-480.webp"))
    assert out == '<img src="/x.svg" alt="A">'
    assert kramdown.simplify_images('<object data="/d.svg" type="image/svg+xml"></object>', lambda s: True) \
        == '<img src="/d.svg">'


def test_raw_element_spans_blank_lines_and_markdown_1_opens_it():
    text = '<div class="x">\na $y$\n\n  b\n</div>\n\n<aside class="box-note" markdown="1">\n* item\n</aside>\n\nz\n'
    result = kramdown.process(text, [], lambda s: False, lambda *a: None)
    assert result.text.startswith(kramdown.RAW + '<div class="x">\na $y$\n\n  b\n</div>' + kramdown.END)
    assert kramdown.TAG + '<aside class="box-note" markdown="1">' + kramdown.END + "\n* item\n\n" in result.text
    assert result.text.count("\n") == text.count("\n")


def test_figure_rows_and_following_caption_form_one_group():
    figures = [liquid.Figure(f"/f{i}.png") for i in range(4)]
    marker = [f"{liquid.FIGURE_OPEN}{i}{liquid.FIGURE_CLOSE}" for i in range(4)]
    text = (f'<div class="row mt-3">\n<div class="col-sm">{marker[0]}</div>\n<div class="col-sm">{marker[1]}</div>\n'
            f'</div>\n<div class="row mt-3">\n<div class="col-sm">{marker[2]}</div>\n'
            f'<div class="col-sm">{marker[3]}</div>\n</div>\n<div class="caption">\nFour $a$ plots.\n</div>\n')
    result = kramdown.process(text, figures, lambda s: True, lambda *a: None)
    assert len(result.groups) == 2
    first = result.groups[0]
    assert first.rows == [["/f0.png", "/f1.png"], ["/f2.png", "/f3.png"]]
    assert first.caption == "Four $a$ plots."
    assert result.text.count("\n") == text.count("\n")


def test_author_numbered_captions_are_recognised():
    assert kramdown.FigureGroup([["a"]], "<b>Figure 6</b>: text").author_numbered
    assert kramdown.FigureGroup([["a"]], "Figure 2: text").author_numbered
    assert not kramdown.FigureGroup([["a"]], "A figure of 2 things").author_numbered


# --------------------------------------------------------------------------- math macros


def test_definitions_move_out_of_math_and_are_checked():
    macros = texmacros.MacroSet()
    warnings = []
    rest = macros.extract(r"\require{mathtools}\newcommand{\E}[2]{\mathbb{E}_{#1}[#2]}\def\RR{ \mathbb{R} }"
                          r"\DeclareMathOperator{\opp}{p}\DeclareMathOperator*{\argmax}{arg\,max}"
                          r"\definecolor{cvred}{RGB}{230, 29, 0}\newcommand{\href}{x}"
                          r"\def\evil{\input{/etc/passwd}} x + \E{a}{b}", warnings.append)
    assert rest.strip() == r"x + \E{a}{b}"
    latex = macros.latex()
    assert r"\providecommand{\E}{}\renewcommand{\E}[2]{\mathbb{E}_{#1}[#2]}" in latex
    assert r"\def\RR{{\mathbb{R}}}" in latex  # braced: `\hat\RR` works as in MathJax
    assert r"\renewcommand{\opp}{{\operatorname{p}}}" in latex and r"\operatorname*{arg\,max}" in latex
    assert r"\definecolor{cvred}{RGB}{230, 29, 0}" in latex
    assert "href" not in latex and "evil" not in latex and "mathtools" not in latex
    assert any("href" in w for w in warnings) and any("evil" in w for w in warnings)


def test_mathjax_only_commands_and_undefined_colors_get_definitions():
    macros = texmacros.MacroSet()
    macros.extract(r"a \lt b \bbox[yellow]{c} \textcolor{myblue}{d} \color{orangered} \mathbf{\theta}", print)
    warnings = []
    latex = macros.latex(warnings.append)
    assert r"\providecommand{\lt}{<}" in latex and r"\providecommand{\bbox}[2][]{#2}" in latex
    assert r"\providecolor{myblue}{HTML}{000000}" in latex and r"\providecolor{orangered}{HTML}{FF4500}" in latex
    assert r"\unimathsetup{mathbf=sym}" in latex
    assert warnings == ["color `myblue` is used in math but defined nowhere; printed black"]


def test_scripts_of_commands_are_braced():
    assert texmacros.brace_scripts(r"h_\mathbf{w} + x^\frac{1}{2} + y_\theta") == \
        r"h_{\mathbf{w}} + x^{\frac{1}{2}} + y_\theta"


# --------------------------------------------------------------------------- renderer output


def test_dcite_and_dfootnote(tmp_path):
    post = site(tmp_path, """\
        Weight decay <d-cite key="krogh1991, kingma2015"></d-cite> works<d-footnote>A note with $x$ and
        <d-cite key="kingma2015"></d-cite>.</d-footnote>. Also <d-cite key=nokey></d-cite>.
        """)
    built, warnings = project(post)
    latex = built.body.latex
    assert latex.count(r"\dpnote{") == 1 and r"\(x\)" in latex
    assert "Krogh" in latex and "Kingma" in latex
    assert any("nokey" in w for w in warnings)  # an unknown key is named


def test_kramdown_math_inline_display_paren_and_numbering(tmp_path):
    post = site(tmp_path, r"""
        Inline $$\alpha$$ and $\beta$ and \(\gamma\) and \\(\delta\\) in text.

        $$
        \begin{equation}
        a = b \label{eq:one}
        \end{equation}
        $$

        \begin{align}
        c &= d \\\\
        \end{align}

        See \eqref{eq:one} and $T(\cdot &#124;x)$ and $\\{x\\}$.
        """)
    latex, _ = body_of(post)
    assert r"\(\alpha\)" in latex and r"\(\beta\)" in latex and r"\(\gamma\)" in latex and r"\(\delta\)" in latex
    # numbered environments, row by row (\dpnumbered measures each, as written and broken)
    assert "{\\begin{equation}}{\\end{equation}}" in latex and "\\dprow{a = b}{a = b \\label{eq:one}}" in latex
    # Markdown text: kramdown turns `\\\\` into the `\\` MathJax sees, whose empty last row it drops
    assert "{\\begin{align}}{\\end{align}}" in latex and "\\dprow{c &= d}{c &= d}{}{}}" in latex
    assert r"\(\eqref{eq:one}\)" in latex
    assert r"\(T(\cdot |x)\)" in latex          # the entity, as the browser decodes it
    assert r"\(\{x\}\)" in latex                 # kramdown's escapes in text it does not read as math


def test_macros_in_a_hidden_block_reach_the_preamble(tmp_path):
    post = site(tmp_path, r"""
        {% raw %}
        <div style="display: none">
        $$
        \newcommand{\x}{\boldsymbol{x}}
        \DeclareMathOperator{\opp}{p}
        $$
        </div>
        {% endraw %}

        Use $\hat\opp(\x)$.
        """)
    built, _ = project(post)
    assert r"\renewcommand{\x}{{\boldsymbol{x}}}" in built.tex
    assert "display" not in built.body.latex and r"\(\hat\opp(\x)\)" in built.body.latex
    assert built.tex.index(r"\renewcommand{\x}") < built.tex.index(r"\begin{document}")


def test_figure_includes_groups_and_captions(tmp_path):
    post = site(tmp_path, """
        {% include figure.html path="assets/img/test/wide.png" class="img-fluid" caption="One $x$ figure" %}

        <div class="row mt-3">
            <div class="col-sm">{% include figure.html path="assets/img/test/wide.png" %}</div>
            <div class="col-sm">{% include figure.html path="assets/img/test/square.png" %}</div>
        </div>
        <div class="caption">
            Two side by side <d-cite key="krogh1991"></d-cite>.
        </div>

        ![alt text]({{ site.baseurl }}/assets/img/test/square.png)
        """)
    built, warnings = project(post)
    latex = built.body.latex
    assert latex.count(r"\begin{figure}") == 3 and latex.count(r"\caption{") == 2
    assert r"\caption{One \(x\) figure}" in latex
    assert latex.count(r"\begin{minipage}") == 2 and "Two side by side" in latex
    assert "alt text" not in latex  # kramdown shows no caption for ![alt](src)
    assert len(built.body.figures) == 2 and not [w for w in warnings if "image" in w]


def test_author_numbered_captions_are_not_numbered_again(tmp_path):
    post = site(tmp_path, """
        {% include figure.html path="assets/img/test/wide.png" %}
        <div class="caption">Figure 1: the first.</div>
        """)
    latex, _ = body_of(post)
    assert r"\caption*{Figure 1: the first.}" in latex


def test_html_table_becomes_a_table(tmp_path):
    post = site(tmp_path, """
        <table>
          <thead><tr><th>Method</th><th>Cost</th></tr></thead>
          <tbody>
            <tr><td>FDM <d-cite key="krogh1991"></d-cite></td><td>\\(O(n^{d})\\)</td></tr>
            <tr><td colspan="2">both <br/> <em>spans</em> $$x$$</td></tr>
          </tbody>
        </table>
        """)
    latex, _ = body_of(post)
    assert r"\begin{longtable}" in latex and r"\textbf{Method} & \textbf{Cost} \\" in latex
    assert r"\(O(n^{d})\)" in latex and r"\emph{spans}" in latex and r"\(x\)" in latex
    assert "both" in latex.split(r"\endlastfoot")[1].split(r"\\")[1]


def test_note_boxes_details_span_div_and_embeds(tmp_path):
    post = site(tmp_path, """
        <aside class="l-body box-note" markdown="1">
        A **note** with a list:
        * one<d-footnote>inside a box</d-footnote>
        </aside>

        <div class="l-body box-warning">Careful $z$</div>

        <details><summary>Proof of $a$</summary>
        Body <span style="color:red">red</span> text.
        </details>

        <iframe src="{{ 'assets/html/plot.html' | relative_url }}"></iframe>

        {% twitter https://twitter.com/x/status/1 %}
        """)
    latex, warnings = body_of(post, site_url="https://blog.example/")
    assert "\\begin{dpalert}{note}{}" in latex and "\\begin{dpalert}{warning}{}" in latex
    assert latex.index(r"\end{itemize}") < latex.index(r"\end{dpalert}")
    assert r"\footnote{inside a box}" in latex  # no margin note inside a box
    assert r"\dpdetailstitle{Proof of \(a\)}" in latex and "{red} text" in latex
    assert r"\dpinteractive{iframe}{\href{https://blog.example/assets/html/plot.html}" in latex
    assert r"\dpinteractive{tweet}" in latex
    assert sum("cannot be printed" in w for w in warnings) == 2


def test_lines_of_warnings_point_at_the_post(tmp_path):
    body = "para\n\n{% include nothing.html %}\n\n<details markdown=\"1\">\n\n* x\n</details>\n\n{% seo %}\n"
    post = site(tmp_path, body)
    diagnostics = Diagnostics()
    build_project(post, Options(citations="pybtex"), diagnostics)
    first_body_line = FRONT.count("\n") + 3
    lines = {d.message: d.line for d in diagnostics}
    assert lines["`{% include nothing.html %}` is not supported; dropped"] == first_body_line + 2
    assert lines["Liquid tag `{% seo %}` dropped"] == first_body_line + 9


# --------------------------------------------------------------------------- compiles


pytestmark_engine = pytest.mark.skipif(not ENGINES, reason="no TeX engine installed")


@pytestmark_engine
@requires_pdftotext
def test_synthetic_post_compiles_with_every_construct(tmp_path):
    post = site(tmp_path, r"""
        {% raw %}<div style="display:none">$$\newcommand{\R}{\mathbb{R}}\DeclareMathOperator{\opp}{p}$$</div>{% endraw %}

        ## Introduction

        Weight decay<d-cite key="krogh1991"></d-cite> in $\R^d$ with $\hat\opp$<d-footnote>Margin $y$.</d-footnote>.

        ### Notation

        \begin{equation}
        w_{t+1} = w_t - \eta \nabla f(w_t) \label{eq:gd}
        \end{equation}

        By \eqref{eq:gd} we step{:target="_blank"}.

        {% include figure.html path="assets/img/test/wide.png" caption="A figure" %}

        <aside class="l-body box-important" markdown="1">
        Important: $$\sum_i x_i$$.
        </aside>

        <table><tr><th>a</th><th>b</th></tr><tr><td>$1$</td><td>2</td></tr></table>

        {% highlight python %}
        print("hi")
        {% endhighlight %}
        """)
    out = tmp_path / "out.pdf"
    result = distill_pdf.render(post, out, engine=ENGINES[0], citations="pybtex", keep_build=tmp_path / "build")
    text = pdf_text_flat(out)
    assert "Krogh and Hertz" in text and "Margin" in text and "print(\"hi\")" in text
    assert "(1)" in text and "A figure" in text and "Important" in text
    log = (tmp_path / "build" / "main.log").read_text(errors="replace")
    assert "Missing character" not in log and "LaTeX Warning: Reference" not in log
    assert not [w for w in result.warnings if "too wide" in w.message]


@pytestmark_engine
@requires_pdftotext
def test_real_iclr_post_compiles(tmp_path):
    post = SHARED / "iclr-blogposts__2023" / "_posts" / "2023-05-01-adamw.md"
    if not post.exists():
        pytest.skip("../shared corpus not present")
    out = tmp_path / "adamw.pdf"
    result = distill_pdf.render(post, out, engine=ENGINES[0], keep_build=tmp_path / "build")
    text = pdf_text_flat(out)
    assert "Decay No More" in text and "Fabian Schaipp" in text and "Technical University of Munich" in text
    assert "Loshchilov and Hutter" in text  # a <d-cite> resolved from assets/bibliography/
    assert "Missing character" not in (tmp_path / "build" / "main.log").read_text(errors="replace")
    assert result.pages >= 5


@pytest.mark.slow
@pytestmark_engine
@pytest.mark.parametrize("post", ICLR, ids=lambda p: p.stem)
def test_every_iclr_post_compiles(post, tmp_path):
    out = tmp_path / "post.pdf"
    result = distill_pdf.render(post, out, engine=ENGINES[0], keep_build=tmp_path / "build")
    assert result.pages >= 2
    log = (tmp_path / "build" / "main.log").read_text(errors="replace")
    assert "Missing character" not in log
    # every <d-cite> key resolves in the post's bibliography or a warning names it
    prepared = load_post(post)
    dialects.for_post(prepared, "auto")
    library = bibliography.load_library(prepared, Options(), Diagnostics())
    warned = " ".join(w.message for w in result.warnings if "unknown citation key" in w.message)
    for m in re.finditer(r"<d-cite\b[^>]*?key\s*=\s*[\"']?([^\"'>]*)", post.read_text(encoding="utf-8")):
        for key in filter(None, (k.strip() for k in m.group(1).split(","))):
            assert library.lookup(key) or key in warned, key


@pytest.mark.parametrize("body", [
    "{% raw %} never closed\n", "{% highlight python %}\nno end\n", "<div class=\"x\"\nno close\n",
    "<div markdown=\"1\">\n* open list\n", "</div>\n</aside>\n", "<table><tr><td>a</td></tr>\n\nrest\n",
    "{% include figure.html %}\n", "<d-footnote>open\n\nnext para</d-footnote>\n", "$$\\newcommand{\\x}{\n$$\n",
    "<details><summary>s</summary>\n<p>x</p>\n", "\\begin{align}\nno end\n", "{{ 'a' | nonsense }} {{ x.y }}\n",
    "<picture><source srcset=\"\"></picture>\n", "\ue000\ue001 stray markers \ue006 1 \ue007\n",
    "<aside class=\"box-note\"><aside class=\"box-warning\">x</aside></aside>\n",
])
def test_malformed_input_never_crashes(tmp_path, body):
    post = site(tmp_path, body)
    try:
        project(post)
    except DistillError:
        pass
