"""Renderer unit tests: each Markdown construct -> the LaTeX it must become (no engine)."""
from __future__ import annotations

import re

import pytest
from PIL import Image

from distill_pdf.errors import DistillError, Diagnostics
from distill_pdf.writer.text import escape

from .conftest import body_latex


def test_headings_start_at_section_even_when_post_starts_at_h2(tmp_path):
    latex = body_latex(tmp_path, "## First\n\ntext\n\n### Second\n\n#### Third\n")
    assert r"\section{\texorpdfstring{First}" in latex
    assert r"\subsection{\texorpdfstring{Second}" in latex
    assert r"\subsubsection{\texorpdfstring{Third}" in latex


def test_leading_h1_equal_to_title_is_not_repeated(tmp_path):
    latex = body_latex(tmp_path, "# Test post\n\n## Part\n")
    assert "Test post" not in latex
    assert r"\section{\texorpdfstring{Part}" in latex


def test_inline_formatting(tmp_path):
    latex = body_latex(tmp_path, "*em* **strong** ~~gone~~ `code_x` a  \nb\n")
    assert r"\emph{em}" in latex and r"\textbf{strong}" in latex and r"\sout{gone}" in latex
    assert r"\dpcode{code\_x}" in latex  # a short code span never breaks inside
    assert r"\dpbr{}" in latex


def test_links_autolinks_and_reference_links(tmp_path):
    latex = body_latex(tmp_path, "[site](https://ex.org/a_b?x=1&y=2#frag) <https://auto.org> [ref][r]\n\n"
                                 "[r]: https://ref.org/%20x\n")
    assert r"\href{https://ex.org/a\%5Fb?x=1\&y=2\#frag}{site}" in latex
    assert r"\href{https://auto.org}" in latex
    assert r"\href{https://ref.org/\%20x}{ref}" in latex


def test_internal_anchor_links_to_heading(tmp_path):
    latex = body_latex(tmp_path, "## Getting Started!\n\nsee [above](#getting-started)\n")
    assert r"\label{sec:getting-started}" in latex
    assert r"\hyperref[sec:getting-started]{above}" in latex


@pytest.mark.parametrize("text", [r"\input{/etc/passwd}", r"\write18{rm -rf /}", "$x$ is not math here? no: $"])
def test_prose_never_injects_tex(tmp_path, text):
    latex = body_latex(tmp_path, f"{text}\n")
    assert r"\input{" not in latex and r"\write18{" not in latex


def test_all_ten_specials_escaped():
    assert escape("# $ % & ~ _ ^ \\ { }") == (
        r"\# \$ \% \& \textasciitilde{} \_ \textasciicircum{} \textbackslash{} \{ \}")


def test_dollar_amounts_stay_prose(tmp_path):
    latex = body_latex(tmp_path, "It costs $5 and $10 today.\n")
    assert r"\$5 and \$10" in latex and r"\(" not in latex


def test_inline_and_display_math_verbatim(tmp_path):
    latex = body_latex(tmp_path, "Let $a_1 + b^2$ be.\n\n$$\n\\int_0^1 f(x)\\,dx\n$$\n\nand $$x$$ inline.\n")
    assert r"\(a_1 + b^2\)" in latex
    assert "\\dpdisplay{0}{%\n\\int_0^1 f(x)\\,dx\n}" in latex  # measured and fitted by LaTeX
    assert r"and \(x\) inline" in latex


def test_align_inside_display_math_becomes_aligned(tmp_path):
    latex = body_latex(tmp_path, "$$\n\\begin{align}a &= b \\label{x}\\\\ c &= d\\end{align}\n$$\n")
    assert r"\begin{aligned}" in latex and r"\end{aligned}" in latex and r"\label" not in latex


@pytest.mark.parametrize("body,message,line", [
    ("text\n\n$$\nx + y\n", "unclosed math", 7),
    ("ok\n\n$\\frac{a}{b$ bad\n", "unbalanced braces", 7),
    ("$$\n\\begin{aligned} x\n$$\n", "without `\\end{aligned}`", 6),
    ("a $\\input{/etc/passwd}$\n", "`\\input` is not allowed", 5),
    ("a $\\csname write18\\endcsname$\n", "`\\csname` is not allowed", 5),
    ("a $\\catcode`\\^=12$\n", "`\\catcode` is not allowed", 5),
])
def test_bad_math_is_an_error_at_its_line(tmp_path, body, message, line):
    with pytest.raises(DistillError) as info:
        body_latex(tmp_path, "\n" + body)
    assert message in str(info.value)
    assert info.value.line == line


def test_fenced_code_highlighted_and_unknown_language_plain(tmp_path):
    latex = body_latex(tmp_path, "```python\ndef f(): return 1\n```\n\n```nosuchlang\nplain {x}\n```\n\n    indented\n")
    assert r"\PY{k}{def}" in latex
    assert "plain \\PYZob{}x\\PYZcb{}" in latex
    assert latex.count(r"\begin{dpcodeblock}") == 3
    assert "breaklines" in latex


def test_block_quotes_nest(tmp_path):
    latex = body_latex(tmp_path, "> a\n>> b\n>>> c\n")
    assert latex.count(r"\begin{dpquote}") == 3


def test_lists_nested_seven_deep_and_task_lists(tmp_path):
    md = "".join("  " * i + f"- level {i}\n" for i in range(7))
    latex = body_latex(tmp_path, md + "\n1. one\n2. two\n\n- [x] done\n- [ ] todo\n")
    assert latex.count(r"\begin{itemize}") == 8
    assert r"\begin{enumerate}" in latex
    assert r"\item[\dpchecked]" in latex and r"\item[\dpunchecked]" in latex


def test_list_right_after_paragraph_is_a_list(tmp_path):
    latex = body_latex(tmp_path, "Where:\n- one\n- two\n")
    assert r"\begin{itemize}" in latex


def test_lists_nested_fifty_deep_are_flattened_not_broken(tmp_path):
    md = "".join("  " * i + f"- l{i}\n" for i in range(50))
    latex = body_latex(tmp_path, md)
    assert latex.count(r"\begin{itemize}") <= 9 and "l49" in latex


def test_table_alignment_and_wide_tables(tmp_path):
    latex = body_latex(tmp_path, "| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n")
    assert r"\begin{longtable}{>{\raggedright" in latex and r"\endhead" in latex
    assert r">{\centering\arraybackslash}p{\dimexpr\dpcolw{2}\relax}>{\raggedleft" in latex


def test_thematic_break_and_entities(tmp_path):
    latex = body_latex(tmp_path, "a &amp; b &copy; &#x2014;\n\n---\n")
    assert r"a \& b © —" in latex and r"\dphr" in latex


def test_lone_image_is_figure_with_caption_and_inline_image_stays_inline(tmp_path):
    Image.new("RGB", (1200, 600), "red").save(tmp_path / "big.png")
    Image.new("RGB", (32, 32), "blue").save(tmp_path / "icon.png")
    latex = body_latex(tmp_path, "![A *red* box](big.png)\n\nText ![i](icon.png) inline.\n")
    assert r"\begin{figure}" in latex and r"\caption{A \emph{red} box}" in latex
    assert r"\dpinlineimage{figures/img2.png}" in latex


def test_missing_image_is_a_placeholder_with_warning(tmp_path):
    diagnostics = Diagnostics()
    latex = body_latex(tmp_path, "![x](nope.png)\n", diagnostics=diagnostics)
    assert r"\dpplaceholder{}{missing file: nope.png}" in latex  # the reason names the file once
    assert any("nope.png" in str(d) for d in diagnostics)


def test_missing_image_is_an_error_when_strict(tmp_path):
    with pytest.raises(DistillError, match="nope.png"):
        body_latex(tmp_path, "![x](nope.png)\n", diagnostics=Diagnostics(strict=True))


def test_footnotes_become_margin_notes_at_their_reference(tmp_path):
    latex = body_latex(tmp_path, "Claim[^a] and more.\n\n[^a]: The *note*.\n")
    assert r"Claim\dpnote{The \emph{note}.} and more." in latex


def test_footnote_inside_table_is_a_plain_footnote(tmp_path):
    latex = body_latex(tmp_path, "| a |\n|---|\n| x[^n] |\n\n[^n]: note\n")
    assert r"\footnote{note}" in latex


@pytest.mark.parametrize("kind", ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"])
def test_github_alerts(tmp_path, kind):
    latex = body_latex(tmp_path, f"> [!{kind}]\n> Body text.\n")
    assert rf"\begin{{dpalert}}{{{kind.lower()}}}{{{kind.capitalize()}}}" in latex
    assert "Body text." in latex and "[!" not in latex


def test_alert_with_custom_title(tmp_path):
    latex = body_latex(tmp_path, "> [!WARNING] Mind the gap\n> Body.\n")
    assert r"\begin{dpalert}{warning}{Mind the gap}" in latex


def test_raw_html_converted_and_unknown_tags_dropped_with_warning(tmp_path):
    diagnostics = Diagnostics()
    latex = body_latex(tmp_path, "H<sub>2</sub>O x<sup>2</sup> <kbd>Ctrl</kbd>+C a<br>b <blink>hey</blink>\n\n"
                                 "<script>alert('x')</script>\n\n<style>p{}</style>\n",
                       diagnostics=diagnostics)
    assert r"H\textsubscript{2}O" in latex and r"x\textsuperscript{2}" in latex
    assert r"\dpkbd{Ctrl}" in latex and r"\dpbr{}" in latex and "hey" in latex
    assert "alert" not in latex and "p{}" not in latex
    assert [str(d) for d in diagnostics] == [f"{tmp_path / 'post.md'}:4: dropped <blink>"]


def test_details_summary_and_html_figure(tmp_path):
    Image.new("RGB", (800, 400), "green").save(tmp_path / "g.png")
    latex = body_latex(tmp_path, "<details>\n<summary>More</summary>\n\nHidden *text*.\n\n</details>\n\n"
                                 '<figure><img src="g.png" alt="alt"><figcaption>Cap</figcaption></figure>\n')
    assert r"\begin{dpdetails}" in latex and r"\dpdetailstitle{More}" in latex and r"\end{dpdetails}" in latex
    assert r"\caption{Cap}" in latex


def test_unbalanced_inline_html_is_closed(tmp_path):
    latex = body_latex(tmp_path, "a <sup>b *c</sup> d* e\n\nnext <b>open\n")
    assert latex.count("{") == latex.count("}")


def test_unicode_gets_fallback_fonts(tmp_path):
    latex = body_latex(tmp_path, "café Ελληνικά 注意力 🚀 שלום\n")
    assert "café" in latex and "Ελληνικά" in latex
    assert re.search(r"\\dpfontCJK\{\}注意力", latex)
    assert re.search(r"\\dpfontEmoji\{\}🚀", latex)
    assert r"\dpRTL{" in latex


def test_long_words_may_break(tmp_path):
    latex = body_latex(tmp_path, "x" * 2000 + " /very/long/path/that/goes/on/and/on/forever/file.txt\n")
    assert latex.count(r"\allowbreak{}") > 50


def test_control_characters_dropped_with_warning(tmp_path):
    diagnostics = Diagnostics()
    latex = body_latex(tmp_path, "bell\x07 here\n", diagnostics=diagnostics)
    assert "\x07" not in latex and "bell here" in latex
    assert any("control character" in str(d) for d in diagnostics)
