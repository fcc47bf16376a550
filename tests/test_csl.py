"""CSL citation styles (issue 14): --csl on the seed post, style files by path, errors.

One PDF is compiled (the seed with --csl ieee, read back with pdftotext); the rest
checks main.tex (--tex-only), which needs no engine.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ENGINES, SEED, requires_pdftotext, write_post

PANDOC_TESTS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "jgm__pandoc" / "test" / "command"
needs_seed = pytest.mark.skipif(not SEED.exists(), reason="seed post missing")


def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "distill_pdf", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def tex(post: Path, tmp: Path, *args) -> str:
    out = tmp / "tex"
    result = cli(post, "--tex-only", "-o", out, *args)
    assert result.returncode == 0, result.stderr
    return (out / "main.tex").read_text(encoding="utf-8")


def cites(main_tex: str) -> list[str]:
    """The citation texts: what each \\dpcitelink shows."""
    return re.findall(r"\\dpcitelink\{dpbib\.\d+\}\{([^{}]*)\}", main_tex)


@needs_seed
def test_seed_ieee_numbers_in_order_and_numbered_list(tmp_path):
    main = tex(SEED, tmp_path, "--csl", "ieee")
    assert cites(main) == ["[1]", "[1]", "[2]", "[3]"]
    items = re.findall(r"\\item\[\{\[(\d)\]\}\] \\dpcitetarget\{dpbib\.\d\}(.{12})", main)
    assert [(n, text[:8]) for n, text in items] == [("1", "C. Molna"), ("2", "M. T. Ri"), ("3", "C. Rudin")]
    assert "biblatex" not in main


@needs_seed
def test_seed_apa_author_date(tmp_path):
    main = tex(SEED, tmp_path, "--csl", "apa")
    assert "Molnar (\\dpcitelink{dpbib.1}{2020})" in main  # @key: narrative
    assert "Ribeiro, M. T., Singh, S., \\& Guestrin, C. (2016)" in main
    post = write_post(tmp_path, "As shown [@molnar2020interpretable; @rudin2019stop].",
                      front=f"title: T\nbibliography: {SEED.parent / 'references.bib'}")
    main = tex(post, tmp_path / "bracketed", "--csl", "apa")
    assert "(\\dpcitelink{dpbib.1}{Molnar, 2020}; \\dpcitelink{dpbib.2}{Rudin, 2019})" in main


@needs_seed
@pytest.mark.skipif(not (PANDOC_TESTS / "chicago-fullnote-bibliography.csl").exists(), reason="pandoc tests missing")
def test_seed_style_file_by_path_note_style(tmp_path):
    main = tex(SEED, tmp_path, "--csl", PANDOC_TESTS / "chicago-fullnote-bibliography.csl")
    notes = [line for line in main.split("\n") if "\\dpnote{" in line and "dpcite." in line]
    assert notes and "Christoph Molnar" in notes[0]  # the first citation: a full note


@needs_seed
def test_seed_without_csl_unchanged(tmp_path):
    """Without --csl the pybtex back end prints what it printed before CSL existed."""
    main = tex(SEED, tmp_path)
    assert "Molnar (\\dpcitelink{dpbib.1}{2020})" in main
    assert "Ribeiro et al. (\\dpcitelink{dpbib.2}{2016})" in main
    assert "Ribeiro, Marco Tulio, Sameer Singh, and Carlos Guestrin (2016)" in main


def test_missing_and_invalid_style_are_usage_errors(tmp_path):
    post = write_post(tmp_path, "Text.", name="p.md")
    result = cli(post, "--tex-only", "-o", tmp_path / "o", "--csl", "no-such-style")
    assert result.returncode == 2 and "no-such-style" in result.stderr
    bad = tmp_path / "bad.csl"
    bad.write_text("<style><oops", encoding="utf-8")
    result = cli(post, "--tex-only", "-o", tmp_path / "o", "--csl", bad)
    assert result.returncode == 2 and "bad.csl" in result.stderr


def test_csl_with_biblatex_is_a_usage_error(tmp_path):
    post = write_post(tmp_path, "Text.", name="p.md")
    result = cli(post, "--tex-only", "-o", tmp_path / "o", "--csl", "apa", "--citations", "biblatex")
    assert result.returncode == 2 and "biblatex" in result.stderr


def test_front_matter_pandoc_keys(tmp_path):
    """references:, csl:, lang: (German locator label), nocite, link-citations, a ::: {#refs} div."""
    front = ("title: T\ncsl: ieee\nlang: de\nlink-citations: false\nnocite: '@b'\n"
             "references:\n  - id: a\n    type: book\n    title: Buch A\n    author: [{family: Muster, given: Max}]\n"
             "    issued: {date-parts: [[2001]]}\n"
             "  - id: b\n    type: book\n    title: Buch B\n    author: [{family: Beispiel, given: Eva}]\n")
    post = write_post(tmp_path, "Siehe [@a, p. 3].\n\n::: {#refs}\n:::\n\nEnde.\n", front=front)
    main = tex(post, tmp_path)
    assert "[1, S. 3]" in main and "\\dpcitelink" not in main.split("\\begin{document}")[1]
    assert main.index("\\dprefslist{}") < main.index("Ende.")
    assert "Buch A" in main and "Buch B" in main


@requires_pdftotext
@needs_seed
@pytest.mark.skipif(not ENGINES, reason="no TeX engine")
def test_seed_ieee_pdf(tmp_path):
    pdf = tmp_path / "seed.pdf"
    result = cli(SEED, "-o", pdf, "--csl", "ieee")
    assert result.returncode == 0, result.stderr
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True).stdout
    assert "like [1]" in text and "introduced by [2]" in text and "argued by [3]" in text
    assert re.search(r"\[1\]\s+C\. Molnar", text) and re.search(r"\[3\]\s+C\. Rudin", text)


# -- the engine and its glue, without the CLI (issue 14's conformance fixes) ------------------

def engine(style: str, items: list[dict], lang: str | None = None):
    from distill_pdf.csl.engine import Engine
    from distill_pdf.csl.items import csl_item
    from distill_pdf.csl.styles import load_style, style_path
    from distill_pdf.bibliography import Work
    works = []
    for item in items:
        work = Work.__new__(Work)
        work.key, work.csl_item = item["id"], item
        works.append(csl_item(work))
    out = Engine(load_style(style_path(style), lang), works)
    out.start([w["id"] for w in works])
    return out


def plain_entries(eng) -> list[str]:
    from distill_pdf.csl.markup import to_plain
    return [to_plain(text) for _, _, text in eng.entries()]


def test_date_range_with_shared_parts_and_empty_labels():
    """pandoc-citeproc-7: a range within one month crashed citeproc-py (TypeError); an
    absent edition or page printed its bare label ("Edition"); initialize="false"."""
    eng = engine("chicago-author-date", [
        {"id": "a", "type": "article-magazine", "title": "Title", "container-title": "Journal",
         "author": [{"family": "Author", "given": "Ann"}],
         "issued": [{"year": 2011, "month": 9, "day": 24}, {"year": 2011, "month": 9, "day": 26}]},
        {"id": "b", "type": "book", "title": "Foo", "author": [{"family": "Smith", "given": "Mary"}],
         "issued": {"year": 2019}}])
    assert plain_entries(eng) == ["Author, Ann. 2011. \u201cTitle.\u201d Journal, September 24\u201326.",
                                  "Smith, Mary. 2019. Foo."]


def test_pandoc_citeproc_date_forms():
    from distill_pdf.csl.items import _date
    assert _date({"year": 2007}) == {"date-parts": [[2007]]}
    assert _date([{"year": 1963, "season": 3}]) == {"date-parts": [[1963]], "season": 3}
    assert _date({"literal": "1996_2004"}) == {"date-parts": [[1996], [2004]]}
    assert _date("2011/2012-05") == {"date-parts": [[2011], [2012, 5]]}
    assert _date({"literal": "forthcoming"}) == {"literal": "forthcoming"}


def test_locators_in_the_posts_language():
    from distill_pdf.csl.engine import split_locator
    german = engine("ieee", [{"id": "a", "type": "book", "title": "T"}], lang="de")
    assert split_locator("S. 33", german.locator_terms) == (("page", "33"), "")
    assert split_locator("Kap. 2, und mehr", german.locator_terms) == (("chapter", "2"), ", und mehr")
    assert split_locator("p. 4", german.locator_terms) == (("page", "4"), "")  # English still read
    assert split_locator("VIII, 89")[0] is None  # a roman number alone is text, as pandoc reads it
    assert split_locator("and more")[0] is None


def test_numbers_follow_reading_order_with_notes_and_lang(tmp_path):
    """A citation in a note counts where the note is referenced, not where it is defined;
    lang: de prints and reads German locator terms; a suffix keeps its comma."""
    front = ("title: T\ncsl: ieee\nlang: de\nreferences:\n"
             + "".join(f"  - id: {k}\n    type: book\n    title: Buch {k}\n    author: [{{family: {k.title()}}}]\n"
                       for k in ("alpha", "beta", "gamma")))
    body = "Erst eine Note[^n], dann [@beta, S. 5] und [@alpha, und mehr].\n\n[^n]: Siehe [@gamma, Kap. 2].\n"
    main = tex(write_post(tmp_path, body, front=front), tmp_path)
    assert cites(main) == ["[1, Kap. 2]", "[2, S. 5]", "[3]"]
    assert "[3]}, und mehr" in main
    assert re.findall(r"\\item\[\{\[(\d)\]\}\] \\dpcitetarget\{dpbib\.\d\}(\w+)", main) == \
        [("1", "Gamma"), ("2", "Beta"), ("3", "Alpha")]


@pytest.mark.skipif(not (PANDOC_TESTS / "chicago-fullnote-bibliography.csl").exists(), reason="pandoc tests missing")
def test_a_citation_note_starts_with_a_capital(tmp_path):
    front = ("title: T\nreferences:\n  - id: a\n    type: book\n    title: Buch\n"
             "    author: [{family: Muster, given: Max}]\n")
    post = write_post(tmp_path, "Text [see @a].\n", front=front)
    main = tex(post, tmp_path, "--csl", PANDOC_TESTS / "chicago-fullnote-bibliography.csl")
    assert "\\dpnote{See \\dpcitelink" in main


# -- what citeproc-py lacks, made in distill_pdf/csl/ (disambiguate, substitute, cluster) --------

def _book(key, family, year, title="Title", given="Ann", **extra):
    return {"id": key, "type": "book", "title": title, "issued": {"date-parts": [[year]]},
            "author": [{"family": family, "given": given}], **extra}


def cite_text(eng, *keys, **options):
    from distill_pdf.csl.engine import Cite
    from distill_pdf.csl.markup import to_plain
    return to_plain(eng.cite([Cite(key, **options) for key in keys])[1])


def test_year_suffixes_in_citations_and_list_agree():
    eng = engine("apa", [_book("b", "Doe", 2020, "Beta"), _book("a", "Doe", 2020, "Alpha"),
                         _book("c", "Roe", 2020)])
    # suffixes follow the list's order (Alpha before Beta), whatever the citing order
    assert cite_text(eng, "b") == "(Doe, 2020b)" and cite_text(eng, "a") == "(Doe, 2020a)"
    assert cite_text(eng, "c") == "(Roe, 2020)"
    assert plain_entries(eng)[:2] == ["Doe, A. (2020a). Alpha.", "Doe, A. (2020b). Beta."]


def test_added_names_and_given_names_before_year_suffixes():
    """chicago-author-date: et al. shows one name more where that tells two works apart;
    two people named Doe get their given names (primary-name rule), no year suffix."""
    people = [{"family": "Doe", "given": "Ann"}, {"family": "Roe", "given": "Bo"}, {"family": "Poe", "given": "Cy"}]
    others = [{"family": "Doe", "given": "Ann"}, {"family": "Moe", "given": "Di"}, {"family": "Poe", "given": "Cy"}]
    eng = engine("chicago-author-date", [
        {"id": "x", "type": "book", "title": "X", "issued": {"date-parts": [[2001]]}, "author": people},
        {"id": "y", "type": "book", "title": "Y", "issued": {"date-parts": [[2001]]}, "author": others},
        _book("j", "Smith", 1999, given="John"), _book("m", "Smith", 2005, given="Mary")])
    assert cite_text(eng, "x") == "(Doe, Roe, et al. 2001)"
    assert cite_text(eng, "y") == "(Doe, Moe, et al. 2001)"
    assert cite_text(eng, "j") == "(J. Smith 1999)" and cite_text(eng, "m") == "(M. Smith 2005)"  # initials suffice
    assert not any("2001a" in e for e in plain_entries(eng))


def test_substitute_suppresses_what_it_printed():
    """No author: the editor stands in (and is not repeated as "Edited by"); no names at
    all: the title stands in and is not printed twice; a film's director is a name."""
    eng = engine("chicago-author-date", [
        {"id": "ed", "type": "book", "title": "Edited", "editor": [{"family": "Abelard", "given": "Peter"}],
         "issued": {"date-parts": [[1989]]}},
        {"id": "anon", "type": "book", "title": "Stanze in lode", "issued": {"date-parts": [[1547]]}},
        {"id": "film", "type": "motion_picture", "title": "North by Northwest", "issued": {"date-parts": [[1959]]},
         "director": [{"family": "Hitchcock", "given": "Alfred"}]}])
    entries = plain_entries(eng)
    assert entries[0] == "Abelard, Peter, ed. 1989. Edited."
    assert entries[1].startswith("Hitchcock, Alfred, dir. 1959. North by Northwest")
    assert entries[2] == "Stanze in Lode. 1547."
    assert cite_text(eng, "anon") == "(Stanze in Lode 1547)"


def test_cites_grouped_by_author_and_years_collapsed():
    """collapse="year": one author's works together, names once, in the order written
    when the style does not sort its citations (APA sorts them)."""
    items = [_book("d10", "Doe", 2010), _book("r", "Roe", 2008), _book("d07", "Doe", 2007)]
    chicago = engine("chicago-author-date", items)
    assert cite_text(chicago, "d10", "r", "d07") == "(Doe 2010, 2007; Roe 2008)"
    apa = engine("apa", items)
    assert cite_text(apa, "d10", "r", "d07") == "(Doe, 2007, 2010; Roe, 2008)"


def test_citation_numbers_collapse_to_ranges():
    eng = engine("vancouver", [_book(k, k.title(), 2000) for k in ("a", "b", "c", "d", "e")])
    assert cite_text(eng, "a", "b", "c", "e") == "(1\u20133,5)"


def test_subsequent_author_substitute():
    """MLA: the second work of the same author starts with "———" in the list."""
    eng = engine("modern-language-association", [_book("a", "Doe", 2001, "Alpha"), _book("b", "Doe", 2002, "Beta"),
                                                 _book("c", "Roe", 2003, "Gamma")])
    entries = plain_entries(eng)
    assert entries[0].startswith("Doe, Ann. Alpha") and entries[1].startswith("\u2014\u2014\u2014. Beta")
    assert entries[2].startswith("Roe, Ann. Gamma")
