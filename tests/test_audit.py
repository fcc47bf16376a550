"""The fidelity and layout audit (issues 12 and 13) over every corpus post and the bundled example.

Each post is compiled as a user would (``distill_pdf.render``, xelatex, offline, pybtex), two at
a time, and measured against its source (tests/audit/): prose words missing from the PDF's text,
code words missing, leaked markup, images not placed, lines over 10pt too wide, colliding
glyphs, text outside the page, and the archive's prose-word fidelity. The table is printed; the
test fails when any number is worse than tests/audit_baseline.json (a ratchet toward zero).
"""
from __future__ import annotations

import os
import time

import pytest

from .audit import corpus_posts
from .audit import baseline as ratchet
from .audit.report import archive_fidelity, table
from .audit.run import audit_all
from .test_commonmark import ENGINE

POSTS = corpus_posts()


@pytest.mark.skipif(ENGINE is None, reason="no TeX engine installed")
@pytest.mark.skipif(len(POSTS) < 2, reason="../shared corpus not present")
def test_audit_against_baseline(capsys, tmp_path_factory):
    pytest.importorskip("pdfplumber")
    started = time.monotonic()
    records = audit_all(POSTS, ENGINE, workers=2, cache=tmp_path_factory.getbasetemp() / "cache")
    archive = archive_fidelity(records)
    with capsys.disabled():
        print("\n" + table(records) + f"\naudit time: {time.monotonic() - started:.0f} s")
    recorded = ratchet.load()
    mode = os.environ.get(ratchet.UPDATE_ENV)
    if mode:
        ratchet.save(ratchet.updated(records, archive, recorded, reset=mode == "reset"))
        recorded = ratchet.load()
    worse, better = ratchet.compare(records, archive, recorded)
    if better:
        with capsys.disabled():
            print(f"\nimproved (record with {ratchet.UPDATE_ENV}=1 python -m pytest tests/test_audit.py):\n  "
                  + "\n  ".join(better))
    assert not worse, "worse than tests/audit_baseline.json:\n  " + "\n  ".join(worse)


# --- the audit's own reading: what the blog shows, what the PDF's text says ------------------

def test_audit_source_skips_elements_the_browser_hides(tmp_path):
    """A ``display: none`` element shows none of its text, Markdown inside or not."""
    from .audit.source import read_source
    post = tmp_path / "post.md"
    post.write_text('Shown.\n\n<div style="display: none" markdown="1">\n\n## Appendix\n\n'
                    '<div>nested</div>\n\nHidden words.\n</div>\n\nAfter.\n')
    assert read_source(post).prose == ["shown", "after"]


def test_audit_pdf_words_count_a_compound_poppler_joined(tmp_path, monkeypatch):
    """pdftotext drops the hyphen of "non-" at a line end; the source's compound still counts,
    and a word the source also spells solid stays solid."""
    from .audit import pdftext
    monkeypatch.setattr(pdftext, "pdftotext", lambda pdf: "the nonlinearities and a coop co-op "
                        "by the ConcaveConvex-Procedure")
    words = pdftext.pdf_words(tmp_path / "x.pdf", {"non-linearities", "co-op", "coop",
                                                    "concave-convex-procedure"})
    assert words == ["the", "non-linearities", "and", "a", "coop", "co-op", "by", "the",
                     "concave-convex-procedure"]


def test_audit_math_letters_are_no_words():
    """The source side drops "$i$" from "$i$-th"; the PDF's "𝑖-th" must leave "th" too."""
    from .audit.words import tokens
    assert tokens("the 𝑖-th row of 𝐴 in ℝ and ℎ") == ["the", "th", "row", "of", "in", "and"]


def test_audit_source_liquid_raw_is_printed_as_it_is(tmp_path):
    """Jekyll prints ``{% raw %}`` text literally: a Liquid tag shown there is no leak."""
    from .audit.source import read_source
    post = tmp_path / "post.md"
    post.write_text("Wrap it:\n\n{% raw %}\n{% highlight c++ %} <br/> code {% endhighlight %}\n{% endraw %}\n")
    source = read_source(post)
    assert source.prose == ["wrap", "it", "highlight", "c", "code", "endhighlight"]
    assert source.prose_text.count("{%") == 2


def test_audit_source_loose_inline_math_is_math(tmp_path):
    """MathJax has no space rule: `$ x$` and a `$ .. $` across a line end are math (the
    converter sets them so), while a price stays prose."""
    from .audit.source import read_source
    post = tmp_path / "post.md"
    post.write_text("For $ \\boldsymbol{X}=(x)$ and $ \\newcommand{\\s}[1]{#1}\n  \\s{x} $ it costs $ 5.\n")
    assert read_source(post).prose == ["for", "and", "it", "costs", "5"]


def test_audit_source_phrasing_html_runs_into_its_words(tmp_path):
    """A browser shows `<abbr>MLP</abbr>s` as "MLPs" and `<abbr>FNO</abbr>-PF` as "FNO-PF"."""
    from .audit.source import read_source
    post = tmp_path / "post.md"
    post.write_text('Two <abbr title="m">MLP</abbr>s and <abbr title="f">FNO</abbr>-PF, **x**y<br/>z.\n')
    assert read_source(post).prose == ["two", "mlps", "and", "fno-pf", "xy", "z"]


def test_audit_source_html_block_outlives_a_line_the_blog_fills(tmp_path):
    """A line holding only a Liquid include or a formula is no blank line: the HTML block (a
    figure row, a table) goes on, as kramdown reads it, and its tags are not indented code."""
    from .audit.source import read_source
    post = tmp_path / "post.md"
    post.write_text('<div class="row">\n    <div class="col">\n        {% include figure.html path="a.png" %}\n'
                    '    </div>\n</div>\n\n<table><tr>\n    <td>\n    \\(x\\)\n    </td>\n'
                    '    <td style="color:red">Cell</td>\n</tr></table>\n')
    source = read_source(post)
    assert source.prose == ["cell"] and source.code == [] and source.images == ["a.png"]


def test_audit_source_liquid_capture_shows_nothing(tmp_path):
    """``{% capture %}`` sets a variable: its text (here CSS for an include) is not on the page."""
    from .audit.source import read_source
    post = tmp_path / "post.md"
    post.write_text('Before.\n\n{% capture mw %}\n" style="max-width: 35em;\n{% endcapture %}\n'
                    '{% include figure.html path="a.png" max-width=mw %}\n\nAfter.\n')
    assert read_source(post).prose == ["before", "after"]


def test_audit_source_code_spans_open_no_math_and_emoji_are_no_words(tmp_path):
    """`` `$$` `` shown as code opens no formula (the display formula after it is still math),
    and ``:framed_picture:`` is the emoji the blog shows, not two words."""
    from .audit.source import read_source
    post = tmp_path / "post.md"
    post.write_text("Use `$$`, like `$$ E $$`, plots :framed_picture:\n\n$$\n\\sum_k x\n$$\n\nEnd.\n")
    source = read_source(post)
    assert source.prose == ["use", "like", "plots", "end"]
    assert source.code == ["e"]


def test_audit_pdf_words_join_a_path_broken_anywhere(tmp_path, monkeypatch):
    """Link text like a path breaks anywhere (as \\url does): its halves are joined when they
    make a source word; a path at a line end followed by prose is not glued to it."""
    from .audit import pdftext
    monkeypatch.setattr(pdftext, "pdftotext", lambda pdf: "see (lm_human_preferen\nces/rewards.py) and\n"
                                                          "lm_human/policy.py\nthen more")
    words = pdftext.pdf_words(tmp_path / "x.pdf", {"see", "lm", "human", "preferences", "rewards",
                                                    "py", "and", "policy", "then", "more"})
    assert words == ["see", "lm", "human", "preferences", "rewards", "py", "and", "lm", "human",
                     "policy", "py", "then", "more"]


def test_audit_pdf_words_rejoin_a_code_line_fvextra_broke(tmp_path, monkeypatch):
    """A long code line broken by fvextra reads "piece ⌋", "↪", "rest" in pdftotext: no space
    where the break split a word of the source, the space the break took elsewhere."""
    from .audit import pdftext
    monkeypatch.setattr(pdftext, "pdftotext", lambda pdf: "curl dm-uuid-lvm-s96R5 ⌋\n↪\n\ntLTnM / ext4\n"
                                                          "sudo apt-key\n↪\n\nadd -\n")
    words = pdftext.pdf_words(tmp_path / "x.pdf", {"curl", "dm-uuid-lvm-s96r5tltnm", "ext4", "sudo",
                                                    "apt-key", "add"})
    assert words == ["curl", "dm-uuid-lvm-s96r5tltnm", "ext4", "sudo", "apt-key", "add"]


def test_audit_source_math_glued_to_a_word_is_math(tmp_path):
    """MathJax closes `$T$otal` after the T (the letter after is no bar); a digit after a
    closing dollar still keeps "$5 and 6$7" prose."""
    from .audit.source import read_source
    post = tmp_path / "post.md"
    post.write_text("<table><tr><td>the $T$otal rollout</td></tr></table>\n\nPay $5 or 6$7.\n")
    assert read_source(post).prose == ["the", "otal", "rollout", "pay", "5", "or", "6", "7"]


def test_audit_source_markdown_comment_idiom_is_hidden(tmp_path):
    """`[//]: #(note)` is a link definition to kramdown (any text after `]:` is its URL): the
    blog shows nothing of it."""
    from .audit.source import read_source
    post = tmp_path / "post.md"
    post.write_text("Shown.\n\n[//]: #(see also the [Appendix](#appendix))\n[note]: # (hidden too)\n\nEnd.\n")
    assert read_source(post).prose == ["shown", "end"]


def test_audit_pdf_words_rejoin_a_word_around_formula_pieces(tmp_path, monkeypatch):
    """poppler drops the hyphen of "Com-" and sets an inline fraction's pieces between the
    halves; the halves make a source word, the pieces are math. Two words stay two."""
    from .audit import pdftext
    monkeypatch.setattr(pdftext, "pdftotext", lambda pdf: "in Principal Com1\n1\nponent Analysis, con2\n"
                                                          "vex. to sim𝜆\n\nply end Wood−1\nbury in v2\n1 Next")
    words = pdftext.pdf_words(tmp_path / "x.pdf", {"in", "principal", "component", "analysis",
                                                    "convex", "to", "simply", "end", "woodbury", "v1",
                                                    "v2", "1", "next"})
    assert words == ["in", "principal", "component", "analysis", "convex", "to", "simply", "end",
                     "woodbury", "in", "v2", "1", "next"]


def test_audit_possessive_after_code_counts():
    """`` `ratio`'s `` reads as code "ratio" and prose "s" in the source; the PDF's "ratio's" counts for both."""
    from .audit.words import compare, pdf_counts, tokens
    counts = pdf_counts(tokens("PyTorch's ratio's value"))
    assert compare(["pytorch's", "s", "value"], counts)[0] == 3 and counts["ratio"] == 1


def test_audit_source_kramdown_html_block_spans_blank_lines(tmp_path):
    """In a Jekyll post, kramdown reads `<details>` to its end tag as HTML: the indented
    lines after a blank line inside are its text, not an indented code block."""
    from .audit.source import read_source
    post = tmp_path / "_posts" / "2022-01-01-post.md"
    post.parent.mkdir()
    post.write_text("<details>\n  <summary>References</summary>\n\n    <ul>\n    <li> A. Author. Title. </li>\n"
                    "    </ul>\n</details>\n")
    source = read_source(post)
    assert source.prose == ["references", "a", "author", "title"] and source.code == []


def test_audit_source_reads_a_pandoc_post_as_pandoc_shows_it(tmp_path):
    """In a post the pandoc dialect reads (JOSS: ``affiliations`` with an ``index``), a YAML
    block after the front matter is metadata, a ```` ```{=comment} ```` fence and a raw span
    for another format print nothing, ``[text][Heading]`` shows only its text, and a
    ``{#fig:x}`` attribute (any post's) is no word. The same text elsewhere is read as
    CommonMark."""
    from .audit.source import read_source
    body = ("Body text, see [further below][Equations] and [Missing][Nowhere].\n\n"
            "Inline `x`{=html5} and `\\vspace{1pt}`{=latex}.\n\n![Cap](a.png){#fig:mandrill}\n\n"
            "## Equations\n\nDone.\n\n``` {=comment}\nHidden snippet words.\n```\n\n"
            "---\nlatex:\n  before-metadata: '`\\vspace{0cm}`{=latex}'\n---\n")
    post = tmp_path / "paper.md"
    post.write_text("---\ntitle: T\naffiliations:\n  - index: 1\n    name: X\n---\n" + body)
    pandoc = read_source(post)
    assert pandoc.prose == ["body", "text", "see", "further", "below", "and", "missing", "nowhere",
                            "inline", "and", "equations", "done"]
    assert not {"hidden", "snippet", "x"} & set(pandoc.code)
    post.write_text("---\ntitle: T\n---\n" + body)
    plain = read_source(post)
    assert {"latex", "before-metadata"} <= set(plain.prose) and "snippet" in plain.code


def test_audit_counts_private_use_characters_in_the_prose_as_leaks():
    """Our preprocessing's markers (U+E000..) in the PDF's prose, as a fallback font draws them
    or as the code a character no font has prints as ("[U+E006]" in the mono font), are leaks,
    unless the source's prose has them."""
    from .audit.layout import _prose
    from .audit.pdftext import count_leaks

    def glyphs(text: str, font: str):
        return [{"text": c, "fontname": font, "matrix": (1, 0, 0, 1, 0, 700), "x0": 5.0 * i,
                 "x1": 5.0 * i + 5, "size": 10.0} for i, c in enumerate(text)]
    prose = _prose(glyphs("Slides:", "Serif") + glyphs("\ue000", "STIXTwoMath") + glyphs("[U+E006]0", "JetBrainsMono")
                   + glyphs("x[i]", "JetBrainsMono"))
    assert "\ue000" in prose and "[U+E006]" in prose and "x[i]" not in prose
    assert count_leaks(prose, "Slides:") == {"private-use": 2}
    assert count_leaks(prose, "Slides: \ue000 [U+E006]") == {}


def test_audit_source_jekyll_include_in_a_fence_is_the_included_code(tmp_path):
    """Jekyll runs Liquid inside code: ```` ```python ```` holding `{% include x/block.py %}`
    shows the site's _includes/x/block.py, whose words are the code expected in the PDF."""
    from .audit.source import read_source
    (tmp_path / "_includes" / "x").mkdir(parents=True)
    (tmp_path / "_includes" / "x" / "block.py").write_text("def forward(self, signal):\n    return signal\n")
    post = tmp_path / "_posts" / "2022-01-01-post.md"
    post.parent.mkdir()
    post.write_text("---\ntitle: T\n---\nText.\n\n```python\n{% include x/block.py %}\n```\n", encoding="utf-8")
    code = read_source(post).code
    assert "forward" in code and "signal" in code and "include" not in code


def test_audit_source_mdx_exported_literal_is_no_text(tmp_path):
    """`export const links = [...]` in MDX is JavaScript: neither prose nor code of the page."""
    from .audit.source import read_source
    post = tmp_path / "page.mdx"
    post.write_text("---\ntitle: T\n---\nexport const links = [\n\t{\n\t\ttitle: \"Egor\",\n"
                    "\t\turl: \"https://e.example\",\n\t},\n];\n\nShown text.\n", encoding="utf-8")
    source = read_source(post)
    assert source.code == [] and source.prose == ["shown", "text"]
