"""Markdown syntax the site generators add (issue 12): admonitions, single-tilde strikethrough,
diagram fences, attribute lists, emoji shortcodes, smart punctuation. Each class is checked
on the LaTeX the writer makes and, for a few, in a compiled PDF's text."""
from __future__ import annotations

import textwrap

import pytest

from distill_pdf.config import find_config
from distill_pdf.errors import Diagnostics
from distill_pdf.load import load_post
from distill_pdf.parse import parse_post
from distill_pdf.writer.latex import render_body

from .conftest import ENGINES, body_latex, pdf_text_flat, write_post


def latex_of(tmp_path, body: str, style: str | None = None, diagnostics=None) -> str:
    """The body's LaTeX with smart punctuation ``style`` (None: off, as body_latex)."""
    if style is None:
        return body_latex(tmp_path, textwrap.dedent(body), diagnostics=diagnostics)
    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    post = load_post(write_post(tmp_path, textwrap.dedent(body)), diagnostics)
    return render_body(post, parse_post(post, typography_style=style), diagnostics).latex


def alerts_in(latex: str) -> list[tuple[str, str]]:
    import re
    return re.findall(r"\\begin\{dpalert\}\{(\w+)\}\{(.*)\}\n", latex)


# -- 1. admonitions --------------------------------------------------------------------------

def test_remark_and_starlight_directives(tmp_path):
    latex = latex_of(tmp_path, """\
        :::note
        A plain note with **bold**.
        :::

        :::tip[Did you know?]
        Astro helps you build faster websites.
        :::

        :::caution{title="Careful"}
        Body.
        :::
        """)
    assert alerts_in(latex) == [("note", "Note"), ("tip", "Did you know?"), ("caution", "Careful")]
    assert ":::" not in latex and r"\textbf{bold}" in latex


def test_docusaurus_titles_types_and_nesting(tmp_path):
    latex = latex_of(tmp_path, """\
        ::::tip nested admonitions

        You can now nest one admonition within another!

        :::danger

        Use this sparingly.

        :::

        ::::

        :::info We are on [ProductHunt](https://producthunt.com)
        Vote.
        :::

        :::success
        Done.
        :::
        """)
    assert alerts_in(latex)[:2] == [("tip", "nested admonitions"), ("caution", "Danger")]
    # the inner box sits inside the outer one
    assert latex.index("Use this sparingly") < latex.index(r"\end{dpalert}") < latex.rindex("Vote.")
    assert r"\href{https://producthunt.com}{ProductHunt}" in latex
    assert ("tip", "Success") in alerts_in(latex) and ":::" not in latex


def test_directive_body_is_markdown_and_code_inside_is_kept(tmp_path):
    latex = latex_of(tmp_path, """\
        :::note
        - one
        - two

        $x^2$ and

        ```python
        x = ":::"
        ```
        :::
        """)
    assert r"\begin{itemize}" in latex and r"\(x^2\)" in latex
    assert r"\PY{l+s+s2}{:::}" in latex  # the fence's ::: is code, not the directive's end
    assert latex.count(r"\begin{dpalert}") == 1


def test_pandoc_fenced_divs(tmp_path):
    latex = latex_of(tmp_path, """\
        ::: {.callout-warning title="Mind the gap"}
        Warned.
        :::

        ::: {#refs .csl-entry}
        A reference entry.
        :::
        """)
    assert alerts_in(latex) == [("warning", "Mind the gap")]
    assert "A reference entry." in latex and ":::" not in latex and "csl" not in latex


def test_mkdocs_admonitions_and_collapsibles(tmp_path):
    latex = latex_of(tmp_path, """\
        !!! note "Phasellus posuere"
            Indented body.

            ```python
            print(1)
            ```

        Not in the box.

        ??? warning
            Collapsed.

        ???+ danger "Open"
            Opened.
        """)
    assert alerts_in(latex) == [("note", "Phasellus posuere"), ("warning", "Warning"), ("caution", "Open")]
    box = latex[:latex.index(r"\end{dpalert}")]
    assert "Indented body." in box and r"\PY{n+nb}{print}" in box and "Not in the box." not in box
    assert "!!!" not in latex and "???" not in latex


def test_mkdocs_content_tabs_print_every_tab(tmp_path):
    latex = latex_of(tmp_path, """\
        === "Python"

            ```python
            print("one")
            ```

        ===+ "Rust"

            Run `cargo`.

        After the tabs.
        """)
    assert latex.index(r"\textbf{Python}") < latex.index("print") < latex.index(r"\textbf{Rust}") \
        < latex.index("cargo") < latex.index("After the tabs.")
    assert "===" not in latex and r"\begin{dpcodeblock}" in latex


def test_hugo_shortcodes(tmp_path):
    diagnostics = Diagnostics()
    latex = latex_of(tmp_path, """\
        {{< notice tip >}}
        A *tip*.
        {{< /notice >}}

        {{% admonition type="danger" title="Hugo title" %}}
        Careful.
        {{% /admonition %}}

        {{< tabs >}}
        Tab content stays.
        {{< /tabs >}}

        {{< youtube w7Ft2ymGmfc >}}

        Inline {{< ref "other.md" >}} shortcode.
        """, diagnostics=diagnostics)
    assert alerts_in(latex) == [("tip", "Tip"), ("caution", "Hugo title")]
    assert r"\emph{tip}" in latex and "Tab content stays." in latex
    assert "{{" not in latex and "\\{\\{" not in latex
    warned = [str(d) for d in diagnostics]
    assert r"\dpinteractive{iframe}{\href{https://www.youtube.com/embed/w7Ft2ymGmfc}" in latex
    assert not any("youtube" in w and "dropped" in w for w in warned), warned
    assert any("`{{< tabs >}}`" in w for w in warned) and "Inline other.md shortcode." in latex


def test_hugo_figure_and_link_shortcodes_keep_their_content(tmp_path):
    """Hugo's built-in figure is a captioned figure (an image lost before); gist/tweet are links."""
    from PIL import Image
    Image.new("RGB", (400, 200), "teal").save(tmp_path / "pic.png")
    latex = latex_of(tmp_path, """\
        {{< figure src="pic.png" caption="A *teal* [figure]" alt="teal" >}}

        {{< gist spf13 7896402 >}}

        {{< tweet user="SanDiegoZoo" id="1453110110599868418" >}}

        See [the post]({{< ref "other post.md" >}}) by {{< param "title" >}}.
        """)
    assert "See the post by Test post." in latex  # a ref is the link's destination, a param its value
    assert r"\begin{figure}" in latex and r"\caption{A \emph{teal} [figure]}" in latex
    assert r"\href{https://gist.github.com/spf13/7896402}" in latex
    assert r"\href{https://x.com/SanDiegoZoo/status/1453110110599868418}" in latex


def test_leaf_and_text_directives(tmp_path):
    latex = latex_of(tmp_path, """\
        ::github{repo="saicaca/fuwari"}

        The content :spoiler[is hidden **ayyy**]! At 10:30 it is a:b[c].
        """)
    assert r"\href{https://github.com/saicaca/fuwari}{saicaca/fuwari}" in latex
    assert r"is hidden \textbf{ayyy}!" in latex and "a:b[c]" in latex


def test_colons_that_are_no_directive_stay_text(tmp_path):
    latex = latex_of(tmp_path, "::: \n\nText ::: more, and `:::note` in code.\n")
    assert r"\begin{dpalert}" not in latex and "Text ::: more" in latex


def test_mdx_comments_in_markdown_files(tmp_path):
    latex = latex_of(tmp_path, "Excerpt.\n\n{/* truncate */}\n\nMore {/* note */} text, `{/* code */}`.\n")
    assert "truncate" not in latex and "note" not in latex and "More  text" in latex
    assert r"\dpcode{\{/*\ code\ */\}}" in latex


# -- 2. strikethrough -----------------------------------------------------------------------

def test_one_or_two_tildes_strike(tmp_path):
    latex = latex_of(tmp_path, "~one~ and ~~two~~ but ~~~three~~~ and ~5 min or ~10 min.\n\n\\~x~\n")
    assert r"\sout{one}" in latex and r"\sout{two}" in latex
    assert "three" in latex and r"\sout{three}" not in latex
    assert r"\sout{5" not in latex and r"\sout{10" not in latex and r"\sout{x" not in latex


# -- 3. diagram fences ------------------------------------------------------------------------

def test_diagram_fences_are_framed_and_warned(tmp_path):
    diagnostics = Diagnostics()
    latex = latex_of(tmp_path, """\
        Before.

        ```mermaid
        graph TD; A-->B
        ```

        ```chartjs
        {"type": "line"}
        ```
        """, diagnostics=diagnostics)
    assert r"\dpdetailstitle{Mermaid diagram}" in latex and r"\dpdetailstitle{Chart.js chart}" in latex
    assert latex.count(r"\begin{dpcodeblock}") == 2
    warned = [str(d) for d in diagnostics]
    assert any(w.endswith("post.md:6: Mermaid diagram printed as its source") for w in warned), warned
    assert any("Chart.js chart printed as its source" in w for w in warned)


def test_liquid_mermaid_block_is_a_diagram(tmp_path):
    from distill_pdf.dialects import liquid
    text = liquid.render("a\n{% mermaid %}\ngraph TD; A-->B\n{% endmermaid %}\nb\n", lambda *a: None, {}).text
    assert "```mermaid\ngraph TD; A-->B\n```" in text and text.count("\n") == 5


def test_tikzjax_script_is_a_diagram(tmp_path):
    body = """\
        Text.

        <script type="text/tikz">
        \\begin{tikzpicture}
        \\draw (0,0) circle (1);
        \\end{tikzpicture}
        </script>

        After.
        """
    diagnostics = Diagnostics()
    latex = latex_of(tmp_path, body, diagnostics=diagnostics)
    assert r"\dpdetailstitle{TikZ diagram}" in latex and "circle (1)" in latex and "After." in latex
    assert [str(d).split("/")[-1] for d in diagnostics] == ["post.md:6: TikZ diagram printed as its source"]
    from distill_pdf import dialects
    post = load_post(write_post(tmp_path, textwrap.dedent(body), front="title: T\nlayout: distill"), diagnostics)
    dialect = dialects.for_post(post, "auto", diagnostics)
    jekyll = render_body(post, parse_post(post, extra_plugins=dialect.plugins), diagnostics).latex
    assert r"\dpdetailstitle{TikZ diagram}" in jekyll and "circle (1)" in jekyll
    assert any("post.md:7: TikZ diagram printed as its source" in str(d) for d in diagnostics), list(map(str, diagnostics))


# -- 4. attribute lists -----------------------------------------------------------------------

def test_attribute_lists_are_consumed(tmp_path):
    latex = latex_of(tmp_path, """\
        # Heading with id {#custom-id}

        ## Other { .unnumbered }

        See [the top](#custom-id).

        A paragraph.
        {: .lead}

        {: .notice--info}

        [Link](https://a.example){:target="_blank"} and *em*{: .red} and [b](https://b.example){ .button }.

        A set {a, b} stays, `code {: .x}` stays.
        """)
    assert r"\label{sec:custom-id}" in latex and r"\hyperref[sec:custom-id]{the top}" in latex
    assert "unnumbered" not in latex and "lead" not in latex and "notice" not in latex
    assert "target" not in latex and "red" not in latex and "button" not in latex
    assert r"A set \{a, b\} stays" in latex and r"\dpcode{code\ \{:\ .x\}}" in latex


def test_quote_with_box_class_is_an_alert(tmp_path):
    body = """\
        > ##### TIP
        >
        > A tip for you.
        {: .block-tip }

        > ##### DANGER
        >
        > Danger body.

        {: .block-danger }

        > Plain quote.
        {: .other }
        """
    latex = latex_of(tmp_path, body)
    assert alerts_in(latex) == [("tip", "TIP"), ("caution", "DANGER")]
    assert r"\begin{dpquote}" in latex and "Plain quote." in latex and "block" not in latex
    from distill_pdf import dialects
    diagnostics = Diagnostics()
    post = load_post(write_post(tmp_path, textwrap.dedent(body), front="title: T\nlayout: distill"), diagnostics)
    dialect = dialects.for_post(post, "auto", diagnostics)
    assert dialect.name == "jekyll"
    jekyll = render_body(post, parse_post(post, extra_plugins=dialect.plugins), diagnostics).latex
    assert alerts_in(jekyll) == [("tip", "TIP"), ("caution", "DANGER")] and "block" not in jekyll


def test_inline_code_language_hint_is_dropped(tmp_path):
    latex = latex_of(tmp_path, "Run `bun install{:sh}` with `<Tabs>{:tsx}`.\n")
    assert r"\dpcode{bun\ install}" in latex and "tsx" not in latex


# -- 5. emoji ----------------------------------------------------------------------------------

def test_emoji_shortcodes(tmp_path):
    latex = latex_of(tmp_path, ":smile: :+1: :tada: :octicons-mark-github-16: :material-account: "
                               "at 10:30:00, :notaname:, `:smile:` and $a:b:c$ "
                               "<https://x.example/:smile:/>.\n")
    assert "😄" in latex and "👍" in latex and "🎉" in latex
    assert "octicons" not in latex and "material" not in latex
    assert "10:30:00" in latex and ":notaname:" in latex
    assert r"\dpcode{:smile:}" in latex and r"\(a:b:c\)" in latex
    assert "https://x.example/:smile:/" in latex


# -- 6. smart punctuation ----------------------------------------------------------------------

SMART = """\
    He said "it's 'fine' -- really" --- yes... The '90s were "*great*".
    Code `"a"--b` and $a--b$ and <abbr title="x--y">HTML</abbr> and https://a.example/a--b stay.
    """


def test_smartypants_as_astro(tmp_path):
    latex = latex_of(tmp_path, SMART, style="smartypants")
    assert "He said “it’s ‘fine’ – really” — yes…" in latex
    assert "The ’90s were “\\emph{great}”." in latex
    assert r"\dpcode{\PYZdq{}" not in latex  # (code spans are not Pygments)
    assert '\\dpcode{"a"--b}' in latex and r"\(a--b\)" in latex
    assert "https://a.example/a--b" in latex


def test_kramdown_typography_and_off(tmp_path):
    latex = latex_of(tmp_path, 'A << b >> and "c" -- d --- e...\n', style="kramdown")
    assert "A « b » and “c” – d — e…" in latex
    plain = latex_of(tmp_path, 'A "c" -- d...\n', style=None)
    assert 'A "c" -{}-{} d' in plain or 'A "c" -- d...' in plain


def test_smartypants_config_key(tmp_path):
    (tmp_path / "distill-pdf.toml").write_text("smartypants = false\n", encoding="utf-8")
    assert find_config(tmp_path / "post.md").render_options()["smartypants"] is False
    site = tmp_path / "astro"
    site.mkdir()
    (site / "astro.config.mjs").write_text("export default { markdown: { smartypants: false } }\n")
    assert find_config(site / "post.md").smartypants is False


# -- real PDFs ----------------------------------------------------------------------------------

@pytest.mark.skipif(not ENGINES, reason="no TeX engine")
def test_syntax_classes_in_a_pdf(tmp_path):
    from distill_pdf.pipeline import render
    post = write_post(tmp_path, textwrap.dedent("""\
        Intro "quoted" -- text... with ~struck words~ and :rocket:.

        :::tip[Did you know?]
        Directive body.
        :::

        !!! warning "MkDocs box"
            MkDocs body.

        {{< notice note >}}
        Hugo body.
        {{< /notice >}}

        ## Section {#sec-id}

        A paragraph.
        {: .lead}

        ```mermaid
        graph TD; A-->B
        ```
        """))
    result = render(post, tmp_path / "post.pdf")
    text = pdf_text_flat(result.pdf)
    for leak in (":::", "{:", "{{", "!!!", "{#", ":rocket:", "lead"):
        assert leak not in text, leak
    assert "Intro “quoted” – text…" in text
    for shown in ("Did you know?", "Directive body.", "MkDocs box", "MkDocs body.", "Hugo body.",
                  "Section", "Mermaid diagram", "struck words"):
        assert shown in text, shown
    # drawn by Chromium where it is installed (tests/test_figures.py), else its source, framed
    assert "Figure 1: Mermaid diagram" in text or (
        "graph TD; A-->B" in text and any("Mermaid diagram" in str(w) for w in result.warnings))
    from pypdf import PdfReader
    assert PdfReader(result.pdf).pages  # it opened


def test_definition_lists_and_abbreviations(tmp_path):
    """kramdown, pandoc, Python-Markdown (MkDocs) and Hugo's Goldmark read `Term` / `: text` as a
    definition list and `*[HTML]: ...` as an abbreviation's definition (never printed)."""
    latex = latex_of(tmp_path, """\
        Apple
        :   Pomaceous *fruit*.

        Orange
        :   A citrus fruit.
        :   A colour.

        The HTML spec.

        *[HTML]: Hyper Text Markup Language
        """)
    assert latex.count(r"\item[{") == 2 and r"\item[{Apple}]" in latex and r"\emph{fruit}" in latex
    assert "A citrus fruit." in latex and "A colour." in latex and r"\begin{description}" in latex
    assert "The HTML spec." in latex and "Hyper Text" not in latex and "*[" not in latex


def test_wiki_links_and_marked_text(tmp_path):
    """In an Obsidian vault, [[links]] print their text and ![[image.png]] its image (CommonMark
    reads them as text, so elsewhere they stay); ==marked== is highlighted."""
    from PIL import Image

    from distill_pdf import dialects
    Image.new("RGB", (400, 200), "teal").save(tmp_path / "pic.png")
    body = """\
        ## Setup

        See [[Other Page]], [[Other Page#Part|the part]], [[#Setup]] and ==this==.

        ![[pic.png|A teal picture]]

        ![[Some Note]]
        """

    def latex(diagnostics):
        post = load_post(write_post(tmp_path, textwrap.dedent(body)), diagnostics)
        dialect = dialects.for_post(post, "auto", diagnostics)
        return render_body(post, parse_post(post, extra_plugins=dialect.plugins), diagnostics).latex
    assert "[[Other Page]]" in latex(Diagnostics())
    (tmp_path / ".obsidian").mkdir()
    diagnostics = Diagnostics()
    out = latex(diagnostics)
    assert "See Other Page, the part, " in out and r"\hyperref[sec:setup]{Setup}" in out
    assert r"\dpmark{this}" in out and "[[" not in out and "==" not in out
    assert "A teal picture" in out
    assert any("![[Some Note]] cannot be printed" in str(d) for d in diagnostics)


def test_code_fence_titles_print_above_the_code(tmp_path):
    """Docusaurus/MkDocs/Expressive Code `title="..."` and Quarto `filename="..."` name the file."""
    latex = latex_of(tmp_path, """\
        ```jsx title="/src/components/Hello.js"
        export default 1;
        ```

        ```{.python filename='train.py'}
        fit()
        ```
        """)
    assert latex.index(r"\dpdetailstitle{\dpcode{/\allowbreak{}src/") < latex.index("export")
    assert r"\dpdetailstitle{\dpcode{train.py}}" in latex and "title=" not in latex
    assert r"\PY{n}{fit}" in latex  # `{.python ...}` is Python


def test_terminal_colours_in_code_are_printed_in_colour(tmp_path):
    """ANSI SGR sequences (Expressive Code's ```ansi, notebook output) colour their text in a
    code block; in inline code and prose they are dropped, their text kept, with a warning."""
    import distill_pdf
    diagnostics = Diagnostics()
    body = ("```ansi\n\x1b[31mRed\x1b[0m \x1b[1;32mBold green\x1b[0m \x1b[38;5;160m160\x1b[0m "
            "\x1b[38;2;34;139;34mRGB\x1b[0m {x}\\y\n```\n\nInline `\x1b[31mred\x1b[0m` and prose \x1b[31mtext.\n")
    latex = latex_of(tmp_path, body, diagnostics=diagnostics)
    assert r"\dpansi{CD3131}{Red}" in latex and r"\dpansi{008700}{\textbf{Bold green}}" in latex
    assert r"\dpansi{D70000}{160}" in latex and r"\dpansi{228B22}{RGB}" in latex
    assert r"\PYZob{}x\PYZcb{}\PYZbs{}y" in latex and "\x1b" not in latex and "[31m" not in latex
    assert any("dropped 1 control character" in str(d) for d in diagnostics)  # the one in prose
    if ENGINES:
        pdf = tmp_path / "out.pdf"
        distill_pdf.render(write_post(tmp_path, body), pdf)
        assert "Red Bold green 160 RGB {x}\\y" in pdf_text_flat(pdf)


def test_myst_directives_and_roles(tmp_path):
    """MyST (Jupyter Book): admonition fences are boxes, {math} display math (labelled: numbered),
    {figure} a figure, {code-block} code; roles {math}, {eq}, {ref} print as the site shows them."""
    Image = pytest.importorskip("PIL.Image")
    Image.new("RGB", (400, 200), "orange").save(tmp_path / "fig.png")
    diagnostics = Diagnostics()
    latex = latex_of(tmp_path, """\
        ```{note}
        A **note**.
        ```

        ```{admonition} Custom title
        :class: tip
        Body.
        ```

        ```{math}
        :label: my-eq
        e^{i\\pi} + 1 = 0
        ```

        See {eq}`my-eq`, {math}`\\alpha^2` and {ref}`the intro <intro>`.

        ```{figure} fig.png
        ---
        name: fig-orange
        ---
        An orange rectangle.
        ```

        ```{code-block} python
        print("myst")
        ```

        ```{unknownthing}
        Kept body.
        ```
        """, diagnostics=diagnostics)
    assert alerts_in(latex) == [("note", "Note"), ("note", "Custom title")] and r"\textbf{note}" in latex
    assert r"\label{my-eq}" in latex and r"\eqref{my-eq}" in latex and r"\(\alpha^2\)" in latex
    assert "the intro." in latex and "{ref}" not in latex and ":class:" not in latex
    assert r"\caption{An orange rectangle.\label{fig-orange}}" in latex
    assert r"\PY{n+nb}{print}" in latex and "Kept body." in latex
    assert any("{unknownthing}" in str(d) for d in diagnostics)
