"""Print finish of the byline, the appendix, placeholders and breaks (issue 13): each test
compiles a real PDF and reads what a reader would see on its pages."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import socket
import subprocess

import pytest

import distill_pdf
from distill_pdf.pipeline import write_tex_project

from .conftest import ENGINES, SHARED, pdf_text, pdf_text_flat, requires_pdftotext, write_post

pytestmark = [pytest.mark.skipif(not ENGINES, reason="no TeX engine installed"), requires_pdftotext]
JOSS = SHARED / "openjournals__inara" / "example" / "paper.md"
BIB = """@article{knuth1984,
  author = {Donald E. Knuth}, title = {Literate Programming},
  journal = {The Computer Journal}, year = {1984}, volume = {27}, pages = {97--111}
}
"""


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.mark.parametrize("engine", ENGINES)
def test_a_post_without_author_or_date_invents_neither(tmp_path, engine):
    url = f"http://127.0.0.1:{_closed_port()}/diagram.png"
    post = write_post(tmp_path, f"Some text.\n\n![A diagram]({url})\n\nThe end.\n\n---\n",
                      front="title: Nobody wrote this")
    result = distill_pdf.render(post, tmp_path / "out.pdf", engine=engine, keep_build=tmp_path / "build")
    text = pdf_text_flat(result.pdf)
    assert "AUTHORS" not in text and "AFFILIATIONS" not in text  # no labels over empty columns
    assert "Anonymous" not in text and "anonymous" not in text
    assert str(dt.date.today().year) not in text
    assert "“Nobody wrote this”." in text
    entry = re.search(r"@misc\{.*?\}\s*\}", text).group(0)
    assert "title = {Nobody wrote this}" in entry and "author =" not in entry and "year =" not in entry
    # the placeholder says what a reader can act on, not the OS's error
    assert f"not available offline: {url}" in text and "Errno" not in text
    tex = (tmp_path / "build" / "main.tex").read_text()
    body = tex.split("%%% distill-pdf body")[1].split("%%% distill-pdf end of body")[0]
    assert "\\dphr" not in body  # the closing rule: the appendix draws its own


def test_site_authors_fill_the_byline_of_a_post_that_names_none(tmp_path):
    (tmp_path / "distill-pdf.toml").write_text('authors = [{name = "Ada Lovelace", affiliation = "Analytical Society"}]\n')
    post = write_post(tmp_path, "Text.\n", front="title: Site default")
    from distill_pdf.config import find_config
    options = find_config(post).render_options()
    result = distill_pdf.render(post, tmp_path / "out.pdf", engine=ENGINES[0], **options)
    text = pdf_text(result.pdf)
    assert re.search(r"AUTHORS\s+AFFILIATIONS", text) and re.search(r"Ada Lovelace\s+Analytical Society", text)


@pytest.mark.skipif(not JOSS.is_file(), reason="corpus not present")
def test_joss_affiliations_print_as_names(tmp_path):
    result = distill_pdf.render(JOSS, tmp_path / "joss.pdf", engine=ENGINES[0])
    first = pdf_text(result.pdf).split("\f")[0]
    assert re.search(r"AUTHORS\s+AFFILIATIONS\s+PUBLISHED", first)
    assert re.search(r"Arfon M\. Smith\s+Open Journals; GitHub", first)
    assert "Technische" in first and not re.search(r"\b1, 2\b", first)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_posts_own_references_heading_is_printed_once(tmp_path, engine):
    (tmp_path / "refs.bib").write_text(BIB)
    front = "title: Cited\nauthor: Ada Lovelace\nbibliography: refs.bib"
    empty = write_post(tmp_path, "Old [@knuth1984].\n\n# Bibliography\n", front=front, name="empty.md")
    text = pdf_text_flat(distill_pdf.render(empty, tmp_path / "empty.pdf", engine=engine).pdf)
    assert text.count("Bibliography") == 1 and "References" not in text  # the post's word heads the list
    assert "Literate Programming" in text
    written = write_post(tmp_path, "Old [@knuth1984].\n\n## References\n\n- A hand-written entry, 2001.\n",
                         front=front, name="written.md")
    text = pdf_text_flat(distill_pdf.render(written, tmp_path / "written.pdf", engine=engine).pdf)
    assert text.count("References") == 1
    assert text.index("A hand-written entry") < text.index("Literate Programming") < text.index("Citation")


@pytest.mark.skipif(shutil.which("xelatex") is None, reason="xelatex missing")
def test_the_citation_block_moves_whole_wherever_the_page_ends(tmp_path):
    """The appendix pushed down point by point: the Citation heading, its text and the whole
    BibTeX entry always share a page (no last page holding only `}`)."""
    post = write_post(tmp_path, "A paragraph of text. " * 20 + "\n", front="title: Tail\nauthor: T\ndate: 2024-01-02")
    write_tex_project(post, tmp_path / "tex")
    tex = (tmp_path / "tex" / "main.tex").read_text()
    for push in range(380, 700, 20):
        (tmp_path / "tex" / "v.tex").write_text(
            tex.replace("%%% distill-pdf end of body", f"\\vspace*{{{push}pt}}", 1))
        subprocess.run(["xelatex", "-interaction=nonstopmode", "v.tex"], cwd=tmp_path / "tex",
                       capture_output=True, timeout=120)
        pages = pdf_text(tmp_path / "tex" / "v.pdf").split("\f")
        holding = [p for p in pages if "Citation" in p]
        assert len(holding) == 1, push
        assert all(part in holding[0] for part in ("For attribution", "BibTeX citation", "@misc", "month")), push
        assert re.search(r"^\s*\}\s*$", holding[0], re.M), push  # the entry's end on the same page


def test_a_link_text_that_is_a_url_breaks_after_its_punctuation(tmp_path):
    """A short URL as a link's text ("https://commons.wikimedia.org", 29 characters) breaks
    after / . - ? & = like a long one (never inside "https://"), so it neither runs into the
    margin nor stretches the spaces of the line before it."""
    from distill_pdf.writer.text import escape
    assert escape("https://commons.wikimedia.org") == \
        r"https://\allowbreak{}commons.\allowbreak{}wikimedia.\allowbreak{}org"
    assert escape("www.a.org/b?c=d&e") == \
        r"www.\allowbreak{}a.\allowbreak{}org/\allowbreak{}b?\allowbreak{}c=\allowbreak{}d\&\allowbreak{}e"
    post = write_post(tmp_path, """\
        ## Architecture

        >File: Diagram of Mac OS X architecture.svg. (2024, December 29). _Wikimedia
        >Commons_. Retrieved 22:59, April 3, 2025 from
        >[https://commons.wikimedia.org](https://commons.wikimedia.org/w/index.php?title=File:Diagram.svg&oldid=97).
        """)
    result = distill_pdf.render(post, tmp_path / "post.pdf", engine=ENGINES[0])
    assert "Overfull" not in result.log
    assert "https://commons.wikimedia.org" in pdf_text_flat(result.pdf).replace(" ", "")
