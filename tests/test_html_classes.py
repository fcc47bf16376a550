"""Issue 12, classes 2-5 as they come from HTML, MDX and Jekyll/Liquid: code never touched,
MDX wrappers and imports, image grids, figure references, media, footnotes with blocks,
code inside HTML. Each class in the three dialects it arises in (Astro Markdown, MDX,
Jekyll/al-folio), checked on the LaTeX body and in real compiles (pdftotext)."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from PIL import Image

import distill_pdf
from distill_pdf import codeguard, htmlgrid
from distill_pdf.errors import Diagnostics
from distill_pdf.pipeline import Options, build_project

from .conftest import ENGINES, pdf_text_flat, requires_pdftotext

BIB = "@article{kingma2015, author = {Kingma, Diederik and Ba, Jimmy}, title = {Adam}, journal = {ICLR}, year = {2015}}\n"
DIALECTS = ("astro", "mdx", "jekyll")


def write(tmp_path: Path, body: str, dialect: str = "astro", front: str = "title: Test post") -> Path:
    """A post of the dialect: Jekyll ones in a site's _posts/ (with a .bib), three images beside it."""
    body = textwrap.dedent(body)
    if dialect == "jekyll":
        folder = tmp_path / "_posts"
        bib = tmp_path / "assets" / "bibliography"
        bib.mkdir(parents=True, exist_ok=True)
        (bib / "test.bib").write_text(BIB, encoding="utf-8")
        front = "layout: distill\nbibliography: test.bib\n" + front
        name = "2024-05-07-test.md"
    else:
        folder = tmp_path
        name = "post.mdx" if dialect == "mdx" else "post.md"
    folder.mkdir(parents=True, exist_ok=True)
    for image, colour in (("a.png", "steelblue"), ("b.png", "orange"), ("c.png", "seagreen")):
        Image.new("RGB", (400, 300), colour).save(folder / image)
    post = folder / name
    post.write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    return post


def latex_of(tmp_path: Path, body: str, dialect: str = "astro") -> tuple[str, list[str]]:
    diagnostics = Diagnostics()
    built = build_project(write(tmp_path, body, dialect), Options(citations="pybtex"), diagnostics)
    return built.body.latex, [d.message for d in diagnostics]


def compiled(tmp_path: Path, body: str, dialect: str = "astro") -> str:
    post = write(tmp_path, body, dialect)
    out = tmp_path / "out.pdf"
    distill_pdf.render(post, out, engine=ENGINES[0], citations="pybtex")
    return pdf_text_flat(out)


def assert_no_leaks(text: str) -> None:
    for leak in ("$$", "{%", "%}", "<d-", "<span", "<div", "<img", "import ", "does not support", "markdown="):
        assert leak not in text, leak


# --- a. code is never preprocessed ------------------------------------------------------------

CODE = """\
    Intro with `{{ inline }}` and `<!-- kept -->` code.

    ```js
    var fun = function lang(l) {
      dateformat.i18n = require('./lang/' + l)
      return {a: "{% raw %}{{ x }}{% endraw %}"}
    }
    ```

    > ```js
    > quoted.i18n = require('q')
    > ```
    """


@pytest.mark.parametrize("dialect", DIALECTS)
def test_code_is_never_preprocessed(tmp_path, dialect):
    latex, warnings = latex_of(tmp_path, CODE, dialect)
    assert latex.count("require") == 2 and "dateformat" in latex and "quoted" in latex
    assert "i18n" in latex and r"\PY{n+nx}{a}\PY{o}{:}" in latex  # `{a: ...}` not taken for an expression
    assert not [w for w in warnings if "Liquid" in w or "expression" in w]
    assert "\\{\\{\\ inline\\ \\}\\}" in latex and "kept" in latex


def test_raw_tags_inside_jekyll_code_are_dropped(tmp_path):
    latex, _ = latex_of(tmp_path, CODE, "jekyll")
    assert "raw" not in re.sub(r"\\PY\{[^}]*\}", "", latex.split("Verbatim")[1])
    assert r"\PYZob{}\PYZob{} x \PYZcb{}\PYZcb{}" in latex


def test_mask_keeps_offsets_and_restores():
    text = "a `{x}` b\n\n```\n<!-- c --> {{ y }}\n```\n\n    x = {tag}\n\n<pre>{{ z }}</pre>\n"
    masked = codeguard.mask(text)
    assert len(masked.text) == len(text) and masked.text.count("\n") == text.count("\n")
    assert "{x}" not in masked.text and "{{ y }}" not in masked.text and "{tag}" not in masked.text
    assert "{{ z }}" not in masked.text and masked.restore(masked.text) == text


def test_a_code_span_ends_with_its_paragraph(tmp_path):
    body = """\
        A stray ` backtick.

        <Note>
        Inside **bold** `{code}`.
        </Note>
        """
    latex, warnings = latex_of(tmp_path, body, "mdx")
    assert r"\begin{dpalert}" in latex and r"\textbf{bold}" in latex and "<Note>" not in latex
    assert not [w for w in warnings if "expression" in w]


def test_jekyll_include_of_a_code_file_in_a_fence(tmp_path):
    (tmp_path / "_includes" / "x").mkdir(parents=True)
    (tmp_path / "_includes" / "x" / "snippet.py").write_text("def f(a):\n    return a[0] < {1: 2}\n")
    latex, warnings = latex_of(tmp_path, "```python\n{% include x/snippet.py %}\n```\n", "jekyll")
    assert r"\PY{k}{def}" in latex and r"\PYZlt{}" in latex and not warnings


# --- b. MDX wrappers and imports ----------------------------------------------------------------

def test_mdx_wrappers_unwrapped_and_imports_removed_everywhere(tmp_path):
    body = """\
        import Tabs from '@theme/Tabs';
        import {
          Foo,
        } from './x';

        <Tabs>
          <TabItem value="npm" label="npm">
        import Hidden from './hidden';
        export const meta = {a: 1};

        Use **npm** here.

          </TabItem>
        </Tabs>

        <MyBox>
        Inner *text*.
        </MyBox>

        export default function Layout({children}) {
          return <div>{children}</div>
        }
        """
    latex, warnings = latex_of(tmp_path, body, "mdx")
    assert r"Use \textbf{npm} here." in latex and r"Inner \emph{text}." in latex
    for leak in ("import", "export", "Hidden", "meta", "Layout", "TabItem", "MyBox"):
        assert leak not in latex
    assert not [w for w in warnings if "expression" in w]


# --- c. image grids ---------------------------------------------------------------------------

GRID = textwrap.dedent("""\
    As <a href="#fig-grid"></a> shows.

    <div class="grid" id="fig-grid">
      <img src="a.png"/>
      <img src="b.png"/>
      <img src="c.png"/>
      <img src="a.png"/>
      <img src="b.png"/>
    </div>
    <p class="caption">Five panels of <em>colour</em>.</p>

    <figure>
      <img src="a.png"/>
      <img src="c.png"/>
      <figcaption>Two in a figure.</figcaption>
    </figure>
    """)


@pytest.mark.parametrize("dialect", ("astro", "jekyll"))
def test_an_image_grid_is_one_figure_with_its_caption(tmp_path, dialect):
    latex, _ = latex_of(tmp_path, GRID, dialect)
    assert latex.count(r"\begin{figure}") == 2 and latex.count(r"\includegraphics") == 7
    assert r"\caption{Five panels of \emph{colour}." in latex and r"\caption{Two in a figure.}" in latex
    grid = latex.split(r"\begin{figure}")[1]
    assert grid.count(r"\par\medskip") == 1  # five images: two rows, side by side


def test_al_folio_rows_of_figure_includes():
    body = ('<div class="row"><div class="col-sm"><img src="a.png"></div><div class="col-sm"><img src="b.png">'
            '</div></div>\n<div class="caption">Both.</div>')
    found = htmlgrid.grid(body)
    assert found.rows == [["a.png", "b.png"]] and found.caption == "Both."
    assert htmlgrid.side_by_side(list("abcdefgh")) == [list("abcd"), list("efgh")]
    assert htmlgrid.grid('<div><img src="a.png"> text</div>') is None


EMBED_CAPTIONS = """\
    <iframe src="/assets/html/gone.html" width="100%" height="400px"></iframe>
    <div class="l-gutter caption" markdown="1">
    **Figure 2**: Papers per year, from [arXiv](https://arxiv.org/).
    </div>

    <img src="a.png" alt="prompt" width="80%">
      <div class="l-gutter caption"><b>Figure 3</b>: A prompt.</div>

    <figure>
      <video src="/assets/video/gone.mp4" controls>Your browser does not support the video tag.</video>
      <figcaption>The operations, animated.</figcaption>
    </figure>
    """


@pytest.mark.parametrize("dialect", ("astro", "jekyll"))
def test_an_embeds_own_caption_is_its_figures_caption(tmp_path, dialect):
    """An author's caption under an iframe, image or video (al-folio's caption div after it, a
    figcaption around it) is that figure's caption, unnumbered where the author numbers the
    figures; never a grey paragraph under a "Figure 1: Interactive figure" of our own."""
    latex, _ = latex_of(tmp_path, EMBED_CAPTIONS, dialect)
    star = "*" if dialect == "jekyll" else ""  # the Jekyll dialect sees the post's own numbers
    assert r"\captionof" + star + "{figure}{The operations, animated.}" in latex
    assert "Interactive figure" not in latex and "{Video}" not in latex
    if dialect == "jekyll":  # a CommonMark HTML block holds the caption div as text
        assert r"\captionof*{figure}{\textbf{Figure 2}: Papers per year, from \href{https://arxiv.org/}{arXiv}.}" \
            in latex
        assert r"\caption*{\textbf{Figure 3}: A prompt.}" in latex
        assert r"\color{dpgrey}" not in latex and "**" not in latex


def test_figures_inside_custom_elements_leave_no_marker(tmp_path):
    """al-folio's ``<swiper-container>`` of figure includes is a block element to kramdown (a
    custom element is no span element), printed as one figure; an ``<img>`` line's HTML block
    ends where the next block element starts. Our preprocessing's private-use markers never
    reach the page."""
    latex, _ = latex_of(tmp_path, """\
    <swiper-container navigation="true">
      <swiper-slide>{% include figure.liquid path="_posts/a.png" class="img-fluid" %}</swiper-slide>
      <swiper-slide>{% include figure.liquid path="_posts/b.png" class="img-fluid" %}</swiper-slide>
    </swiper-container>

    <img-comparison-slider>
      {% include figure.liquid path="_posts/a.png" slot="first" %}
      {% include figure.liquid path="_posts/c.png" slot="second" %}
    </img-comparison-slider>

    <img src="a.png" alt="x">
    <div class="l-body">Below the <em>image</em>.</div>
    """, "jekyll")
    assert not re.search("[\ue000-\uf8ff]|U\\+E0", latex)
    assert latex.count(r"\begin{figure}") == 2 and latex.count(r"\includegraphics") == 4
    assert "no image source" not in latex and r"Below the \emph{image}" in latex


# --- d. figure references ---------------------------------------------------------------------

@pytest.mark.parametrize("dialect", ("astro", "jekyll"))
def test_empty_figure_references_are_numbered_or_dropped(tmp_path, dialect):
    body = GRID + '\nSee <span class="ref-fig-grid"></span> and <a href="#nowhere"></a> here.\n'
    latex, _ = latex_of(tmp_path, body, dialect)
    assert r"\ref{dp-fig-grid}" in latex and r"\label{dp-fig-grid}" in latex
    assert "<a" not in latex and "<span" not in latex


@requires_pdftotext
@pytest.mark.skipif(not ENGINES, reason="no TeX engine")
def test_reference_numbers_in_the_pdf(tmp_path):
    text = compiled(tmp_path, GRID + '\nSee Figure <span class="ref-nowhere"></span> later.\n')
    assert "As 1 shows." in text and "See Figure later." in text
    assert "Five panels of colour." in text


# --- e. video, audio, iframes -----------------------------------------------------------------

MEDIA = """\
    <video src="https://example.org/v.mp4" poster="a.png" controls>Your browser does not support the video tag.</video>

    <video controls><source src="https://example.org/w.mp4">Your browser does not support the video tag.</video>

    <figure><video src="v.mp4"></video><figcaption>A video.</figcaption></figure>

    <audio src="x.mp3" controls>Your browser does not support the audio element.</audio>

    <iframe src="https://www.youtube.com/embed/abc"></iframe>
    """


@pytest.mark.parametrize("dialect", DIALECTS)
def test_media_never_print_their_fallback(tmp_path, dialect):
    latex, warnings = latex_of(tmp_path, MEDIA, dialect)
    assert "does not support" not in latex
    assert r"\includegraphics" in latex or r"\dpgraphic" in latex  # the poster
    assert latex.count(r"\dpinteractive") >= 3 and "A video." in latex
    assert r"\href{https://example.org/w.mp4}" in latex
    assert any("poster" in w for w in warnings) and sum("cannot be printed" in w for w in warnings) >= 3


def test_liquid_video_include_is_a_note(tmp_path):
    latex, _ = latex_of(tmp_path, '{% include video.liquid path="assets/v.mp4" controls=true %}\n', "jekyll")
    assert r"\dpinteractive{video}" in latex


# --- f. footnotes with blocks -----------------------------------------------------------------

FOOTNOTES = """\
    And then<d-footnote><span markdown="1">Actually, *both* $$x^2$$ <d-cite key="kingma2015"></d-cite>.</span></d-footnote> more.

    Block<d-footnote><span markdown="1">
    Display:

    $$
    y = x
    $$
    </span></d-footnote> after.
    """


@pytest.mark.parametrize("dialect", ("astro", "jekyll"))
def test_footnote_content_is_markdown(tmp_path, dialect):
    latex, _ = latex_of(tmp_path, FOOTNOTES, dialect)
    notes = re.findall(r"\\dpnote\{", latex)
    assert len(notes) == 2 and r"\emph{both}" in latex and "x^2" in latex and "y = x" in latex
    assert "$$" not in latex and "markdown" not in latex and "thenActually" not in latex
    if dialect == "jekyll":
        assert "Kingma" in latex or r"\cite" in latex or "kingma2015" in latex


@requires_pdftotext
@pytest.mark.skipif(not ENGINES, reason="no TeX engine")
def test_footnotes_with_blocks_in_the_pdf(tmp_path):
    text = compiled(tmp_path, FOOTNOTES, "jekyll")
    assert "Actually, both" in text and "Kingma" in text and "Display:" in text
    assert "thenActually" not in text
    assert_no_leaks(text)


# --- g. code inside HTML ----------------------------------------------------------------------

DETAILS = textwrap.dedent("""\
    Intro.

    <details><summary>Show code</summary>
    {% highlight python %}
    def f(x):
        return x + 1
    {% endhighlight %}
    </details>

    <details>
    <summary>Fenced</summary>

    ```python
    def g(y):
        return y
    ```

    </details>

    <pre><code class="language-python">def p(a):
        return a &lt; 1
    </code></pre>
    """)


@pytest.mark.parametrize("dialect", ("astro", "jekyll"))
def test_code_inside_html_is_a_code_block(tmp_path, dialect):
    body = DETAILS if dialect == "jekyll" else DETAILS.replace("{% highlight python %}", "\n```python").replace(
        "{% endhighlight %}", "```\n")
    latex, _ = latex_of(tmp_path, body, dialect)
    assert latex.count(r"\begin{dpcodeblock}") == 3 and latex.count(r"\PY{k}{def}") == 3
    assert r"\dpdetailstitle{Show code}" in latex and r"\dpdetailstitle{Fenced}" in latex
    assert "python" not in re.sub(r"\\begin\{Verbatim\}.*?\\end\{Verbatim\}", "", latex, flags=re.S)


@requires_pdftotext
@pytest.mark.skipif(not ENGINES, reason="no TeX engine")
def test_code_inside_details_keeps_its_lines_in_the_pdf(tmp_path):
    post = write(tmp_path, DETAILS, "jekyll")
    out = tmp_path / "out.pdf"
    distill_pdf.render(post, out, engine=ENGINES[0])
    import subprocess
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    assert re.search(r"def f\(x\):\s*\n\s+return x \+ 1", text)
    assert re.search(r"def p\(a\):\s*\n\s+return a < 1", text)
    assert_no_leaks(text)


def test_html_tables_are_tables(tmp_path):
    """A pandas DataFrame's HTML and a hand-written table with colspan/rowspan and a caption are
    set as tables (rows kept together), not one cell per line."""
    from distill_pdf.htmltables import parse, split
    frame = """<div><style scoped>.dataframe td {x: y}</style>
<table border="1" class="dataframe"><thead><tr style="text-align: right;"><th></th><th>name</th>
<th>score</th></tr></thead><tbody><tr><th>0</th><td>Alice</td><td>0.91</td></tr>
<tr><th>1</th><td><b>Bob</b></td><td>0.87</td></tr></tbody></table></div>"""
    assert [kind for kind, _ in split(frame)] == ["html", "table", "html"]
    table = parse(split(frame)[1][1])
    assert table.head_rows == 1 and [[c.html for c in r] for r in table.rows][2] == ["1", "<b>Bob</b>", "0.87"]
    assert table.rows[0][1].align == "right"
    spans = parse("<table><caption>Sizes</caption><tr><th colspan=2>AB</th><th rowspan=2>C</th></tr>"
                  "<tr><td>a<td>b</tr><tr><td>x</td><td>y</td><td>z</td></tr></table>")
    assert [[c.html for c in r] for r in spans.rows] == [["AB", "", "C"], ["a", "b", ""], ["x", "y", "z"]]
    assert spans.caption == "Sizes"
    latex, _ = latex_of(tmp_path, frame + "\n\nAfter.\n")
    assert r"\begin{longtable}" in latex and r"\textbf{{\textbf{Bob}}}" not in latex
    assert "& Alice & 0.91" in latex and r"\textbf{1} & \textbf{Bob} & 0.87" in latex
