"""Citations: pandoc syntax, bibliography files, and both back ends on real PDFs.

Few PDFs are compiled (each one is checked for many things at once):

* the seed post, biblatex (tectonic when it runs, which then runs biber itself) and pybtex;
* ``forms.md`` (every syntax form, false positives, unknown key, malformed and
  duplicate entries, LaTeX in fields, links both ways), biblatex and pybtex with xelatex;
* ``numeric.md`` (numeric style, CSL-JSON, a list of bibliographies, ``nocite: '@*'``),
  biblatex and pybtex.

Everything that needs no engine (finding files, errors, parsing) runs without one.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

import distill_pdf
from distill_pdf import bibliography, citations
from distill_pdf.errors import DistillError, Diagnostics, UsageError
from distill_pdf.load import load_post
from distill_pdf.parse import parse_post
from distill_pdf.pipeline import Options, write_tex_project

from .conftest import ENGINES, SEED, requires_pdftotext, write_post

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "citations"
HAS_BIBER = shutil.which("biber") is not None
XELATEX = "xelatex" if "xelatex" in ENGINES else (ENGINES[0] if ENGINES else None)
SEED_ENGINE = "tectonic" if "tectonic" in ENGINES else XELATEX
NEW_ENTRY = re.compile(r"\(\d{4}[a-z]?\)\. ")  # an author-year reference starts "Name (2020). "


def flat(pdf: Path) -> str:
    """The PDF's text, whitespace folded, words broken at line ends joined again."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = text.replace("\u2011", "-").replace("-\n", "").replace("\u2013\n", "\u2013")
    return " ".join(text.split())


def section(text: str, start: str = "References", end: str = "Citation For attribution") -> str:
    return text[text.index(start) + len(start):text.index(end)]


def links(pdf: Path) -> tuple[set[str], list[str]]:
    """(external URIs, internal destinations) the PDF's link annotations point to."""
    uris, dests = set(), []
    for page in PdfReader(pdf).pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if action is not None:
                action = action.get_object()
                if "/URI" in action:
                    uris.add(str(action["/URI"]))
                elif "/D" in action:
                    dests.append(str(action["/D"]))
            elif "/Dest" in annot:
                dests.append(str(annot["/Dest"]))
    return uris, dests


def render(post: Path, tmp_path: Path, name: str, **options):
    out = tmp_path / f"{name}.pdf"
    return distill_pdf.render(post, out, keep_build=tmp_path / f"{name}-build", **options)


# --------------------------------------------------------------------------- the seed post


@pytest.fixture(scope="module", params=["biblatex", "pybtex"])
def seed(request, tmp_path_factory):
    if not SEED.exists():
        pytest.skip("../shared corpus not present")
    if not ENGINES:
        pytest.skip("no TeX engine installed")
    if request.param == "biblatex" and not HAS_BIBER:
        pytest.skip("biber is not installed")
    tmp = tmp_path_factory.mktemp(f"seed-{request.param}")
    return request.param, render(SEED, tmp, "seed", engine=SEED_ENGINE, citations=request.param)


@requires_pdftotext
def test_seed_cites_and_lists_exactly_the_three_works(seed):
    backend, result = seed
    text = flat(result.pdf)
    for cite in ("Molnar (2020)", "Ribeiro et al. (2016)", "Rudin (2019)"):
        assert cite in text, (backend, cite)
    refs = section(text)
    assert len(NEW_ENTRY.findall(refs)) == 3, refs
    assert "Molnar, Christoph (2020). Interpretable Machine Learning" in refs
    assert "Ribeiro, Marco Tulio, Sameer Singh, and Carlos Guestrin (2016). \u201c\u2018Why Should I Trust" in refs
    assert "Rudin, Cynthia (2019). \u201cStop Explaining" in refs
    assert "pp. 1135\u20131144" in refs and "``" not in refs
    build = result.pdf.parent / "seed-build"
    assert (build / "main.bbl").exists() == (backend == "biblatex")  # biber ran only for biblatex
    assert not [w for w in result.warnings if "citation" in w.message]


def test_seed_passes_pybtex_once_biblatex_with_biber(seed):
    """pybtex: citations and reference list are in main.tex, linked by name (no .aux):
    the engine runs once. biblatex: TeX, biber, TeX again (and tectonic's own rerun)."""
    backend, result = seed
    if backend == "pybtex":
        assert result.passes == 1
    else:
        assert result.passes >= 3


# --------------------------------------------------------------------------- every syntax form


@pytest.fixture(scope="module", params=["biblatex", "pybtex"])
def forms(request, tmp_path_factory):
    if not ENGINES:
        pytest.skip("no TeX engine installed")
    if request.param == "biblatex" and not HAS_BIBER:
        pytest.skip("biber is not installed")
    tmp = tmp_path_factory.mktemp(f"forms-{request.param}")
    return request.param, render(FIXTURES / "forms.md", tmp, "forms", engine=XELATEX,
                                 citations=request.param)


@requires_pdftotext
def test_every_syntax_form(forms):
    backend, result = forms
    text = flat(result.pdf)
    expected = {
        "NA1 Molnar (2020) and": "narrative @key",
        "NA2 Rudin (2019, p. 33) end": "narrative @key [p. 33]",
        "PA1 (Ribeiro et al., 2016) and": "[@key]",
        "PA2 (Molnar, 2020; Rudin, 2019) end": "[@a; @b]",
        "PN1 (see Ribeiro et al., 2016, pp. 3\u20135; also Rudin, 2019, ch. 2) end": "prefix, locator",
        "SU1 (1984) end": "[-@key]",
        "DC1 (Molnar, 2020; van der Maaten and Hinton, 2008) end": "<d-cite key=a,b>",
    }
    for phrase, form in expected.items():
        assert phrase in text, (backend, form, text)


@requires_pdftotext
def test_false_positives_stay_text_and_unknown_keys_warn(forms):
    backend, result = forms
    text = flat(result.pdf)
    assert "FP1 someone@example.com and" in text
    assert "FP2 @twitterhandle and" in text
    assert "FP3 @property" in text
    assert "FP4 [@jack] end" in text
    assert "UK1 [?smith2020missing] end" in text
    post = FIXTURES / "forms.md"
    unknown = [str(w) for w in result.warnings if "unknown citation key" in w.message]
    assert unknown == [f"{post}:15: unknown citation key smith2020missing"]


@requires_pdftotext
def test_malformed_and_duplicate_entries_warn_and_the_rest_works(forms):
    backend, result = forms
    bib = FIXTURES / "refs.bib"
    warnings = [str(w) for w in result.warnings]
    assert f"{bib}:33: malformed bibliography entry skipped: unbalanced braces" in warnings
    assert any(w.startswith(f"{bib}:45: duplicate citation key ribeiro2016lime") for w in warnings)
    refs = section(flat(result.pdf))
    # the entry after the malformed one still works; the duplicate's first definition wins
    assert "Knuth, Donald E. and Bernhard Sch\u00f6lkopf (1984)" in refs
    assert "A Second Entry" not in refs and "broken" not in refs.lower()
    # only cited works, each once: Knuth, Molnar, Ribeiro, Rudin, van der Maaten
    assert len(NEW_ENTRY.findall(refs)) == 5
    assert refs.index("Knuth") < refs.index("Molnar") < refs.index("Ribeiro") < refs.index("Rudin") \
        < refs.index("van der Maaten")


@requires_pdftotext
def test_latex_in_fields_is_rendered(forms):
    backend, result = forms
    refs = section(flat(result.pdf))
    assert "The TeXbook and the Caf\u00e9 of" in refs          # {\TeX}, {\'e}
    assert "Sch\u00f6lkopf" in refs                              # {\"o}
    assert "Addison\u2013Wesley" in refs                         # --
    assert "\u201c\u2018Why Should I Trust You?\u2019" in refs   # ``...'' and {I}, nested in the title quotes
    assert "Stable Things" in refs and "$" not in refs           # $\alpha$ typeset as math
    assert "\\" not in refs and "{" not in refs


def test_dois_and_urls_are_links(forms):
    backend, result = forms
    uris, _ = links(result.pdf)
    if backend == "pybtex" and shutil.which("pdftotext"):  # their labels copy out as printed
        refs = section(flat(result.pdf))
        assert "DOI: 10.1145/2939672.2939778" in refs and "\u0131" not in refs
    assert "https://doi.org/10.1145/2939672.2939778" in uris
    assert "https://doi.org/10.1038/s42256-019-0048-x" in uris
    assert "https://christophm.github.io/interpretable-ml-book/" in uris


def test_citations_link_to_the_reference_list(forms):
    """Every citation links to its entry; with pybtex every entry links back to each
    citation of it (by \\hyperlink / \\hypertarget names, no .aux needed)."""
    backend, result = forms
    _, dests = links(result.pdf)
    named = set(PdfReader(result.pdf).named_destinations)
    assert dests and set(dests) <= named  # no dangling internal link
    tex = (result.pdf.parent / "forms-build" / "main.tex").read_text()
    citations = 10  # cited works in forms.md, counted per item
    if backend == "pybtex":
        assert r"\dpcitelink{dpbib.1}" in tex and r"\dpcitetarget{dpbib.1}" in tex
        assert r"\dpcitetarget{dpcite.1}" in tex and r"\hyperlink{dpcite.1}" in tex
        assert len(dests) >= 2 * citations  # there and back
    else:
        assert r"\autocite" in tex and r"\textcite" in tex
        assert len(dests) >= citations


def test_pybtex_needs_one_xelatex_pass_biblatex_runs_biber(forms):
    backend, result = forms
    build = result.pdf.parent / "forms-build"
    if backend == "pybtex":
        assert result.passes == 1
        assert not (build / "main.bcf").exists()
        assert not (build / bibliography_file()).exists()
    else:
        assert result.passes >= 2 and (build / "main.bbl").exists()
        bib = (build / bibliography_file()).read_text()
        assert "Sch\u00f6lkopf" in bib and "broken2021entry" not in bib and "A Second Entry" not in bib


def bibliography_file() -> str:
    from distill_pdf.writer.citations import BIB_FILE
    return BIB_FILE


# --------------------------------------------------------------------------- numeric, CSL-JSON, nocite


@pytest.fixture(scope="module", params=["biblatex", "pybtex"])
def numeric(request, tmp_path_factory):
    if not ENGINES:
        pytest.skip("no TeX engine installed")
    if request.param == "biblatex" and not HAS_BIBER:
        pytest.skip("biber is not installed")
    tmp = tmp_path_factory.mktemp(f"numeric-{request.param}")
    return request.param, render(FIXTURES / "numeric.md", tmp, "numeric", engine=XELATEX,
                                 citations=request.param, citation_style="numeric")


@requires_pdftotext
def test_numeric_style_csl_json_and_nocite_all(numeric):
    backend, result = numeric
    text = flat(result.pdf)
    assert "First Olah et al. [1], then [2, p. 12] and [1, 3]." in text
    refs = section(text)
    # numbered in order of citation, then every other work (nocite: '@*') in file order
    order = ["Chris Olah, Alexander Mordvintsev, and Ludwig Schubert", "Cynthia Rudin",
             "Christoph Molnar", "Marco Tulio Ribeiro", "Donald E. Knuth", "Laurens van der Maaten"]
    positions = [refs.index(name) for name in order]
    assert positions == sorted(positions)
    assert "[6]" in refs and "[7]" not in refs
    assert "In: Distill (2017)" in refs
    json_file = FIXTURES / "extra.json"
    assert f"{json_file}:13: bibliography item 2 has no id; skipped" in [str(w) for w in result.warnings]


# --------------------------------------------------------------------------- without an engine


def _setup(tmp_path, body, front="title: T", options=None, diagnostics=None):
    post = load_post(write_post(tmp_path, body, front))
    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    return post, citations.setup(post, options or Options(), diagnostics), diagnostics


def _citations(tmp_path, body, front="title: T\nbibliography: refs.bib"):
    shutil.copy(FIXTURES / "refs.bib", tmp_path / "refs.bib")
    post, cites, _ = _setup(tmp_path, body, front)
    document = parse_post(post, extra_plugins=cites.plugins)
    found = []

    def walk(tokens):
        for token in tokens:
            if token["type"] == "citation":
                found.append(token["attrs"])
            walk(token.get("children") or [])
    walk(document.tokens)
    return found


def test_a_citation_glued_to_a_word_or_its_closing_punctuation_ties_to_it(tmp_path):
    """`Mamba[@x]` and `et al.[@x]` print "Mamba~(..)" (a space, no line break), not
    "Mamba(..)"; after a space or an opening bracket nothing is added."""
    cites = _citations(tmp_path, "Mamba[@rudin2019stop], et al.[@knuth1984tex], *Word*[@molnar2020interpretable],"
                                 " (see[@rudin2019stop]), ([@knuth1984tex]) and spaced [@ribeiro2016lime],"
                                 ' "[@knuth1984tex]" and "quoted"[@rudin2019stop].\n')
    assert [bool(c.get("tie")) for c in cites] == [True, True, True, True, False, False, False, True]


def test_parser_forms(tmp_path):
    cites = _citations(tmp_path, "@molnar2020interpretable [p. 3] and [see -@rudin2019stop, 5; @ribeiro2016lime]\n"
                                 "and <d-cite key='molnar2020interpretable, knuth1984tex'/> and [@{rudin2019stop}].\n")
    assert [(c["mode"], [i["key"] for i in c["items"]]) for c in cites] == [
        ("narrative", ["molnar2020interpretable"]),
        ("parenthetical", ["rudin2019stop", "ribeiro2016lime"]),
        ("parenthetical", ["molnar2020interpretable", "knuth1984tex"]),
        ("parenthetical", ["rudin2019stop"])]
    second = cites[1]["items"]
    assert second[0]["suppress"] and not second[1]["suppress"]
    assert second[0]["prefix"][0]["raw"] == "see" and second[0]["suffix"][0]["raw"] == "p. 5"
    assert cites[0]["items"][0]["suffix"][0]["raw"] == "p. 3"


def test_parser_leaves_text_alone(tmp_path):
    cites = _citations(tmp_path, "mail someone@example.com, @twitterhandle, `@molnar2020interpretable`,\n"
                                 "[a link @molnar2020interpretable](https://example.org) keeps its link,\n"
                                 "\\@molnar2020interpretable is escaped, [@jack] and [x@y.z] and [^1].\n\n"
                                 "[^1]: note\n")
    # only the citation inside the link text is one
    assert [[i["key"] for i in c["items"]] for c in cites] == [["molnar2020interpretable"]]


def test_unknown_key_fails_under_strict(tmp_path):
    shutil.copy(FIXTURES / "refs.bib", tmp_path / "refs.bib")
    post = write_post(tmp_path, "Fine @molnar2020interpretable.\n\nBad [@nobody2021thing].\n",
                      "title: T\nbibliography: refs.bib")
    (tmp_path / "refs.bib").write_text((FIXTURES / "refs.bib").read_text().split("@article{broken")[0])
    with pytest.raises(DistillError) as info:
        write_tex_project(post, tmp_path / "out", strict=True)
    assert str(info.value) == f"{post}:7: unknown citation key nobody2021thing"


def test_missing_bibliography_is_an_error_naming_it(tmp_path):
    post = write_post(tmp_path, "See @molnar2020interpretable.\n", "title: T\nauthor: A\nbibliography: nothere.bib")
    with pytest.raises(DistillError) as info:
        write_tex_project(post, tmp_path / "out")
    assert str(info.value) == f"{post}:4: bibliography file not found: nothere.bib"
    post = write_post(tmp_path, "See @molnar2020interpretable.\n", name="other.md")
    with pytest.raises(UsageError) as info:
        write_tex_project(post, tmp_path / "out", bib=(tmp_path / "gone.bib",))
    assert "gone.bib" in str(info.value) and "not found" in str(info.value)


def test_bibliography_sources(tmp_path):
    """Front matter (path or list) and --bib add up; without either, *.bib beside the post."""
    shutil.copy(FIXTURES / "refs.bib", tmp_path / "beside.bib")
    shutil.copy(FIXTURES / "extra.json", tmp_path / "extra.json")
    post, cites, _ = _setup(tmp_path, "See @molnar2020interpretable.\n")
    assert cites.library.files == [(tmp_path / "beside.bib").resolve()]
    post, cites, _ = _setup(tmp_path, "See @olah2017feature.\n", "title: T\nbibliography: [extra.json]",
                            Options(bib=(FIXTURES / "refs.bib",)))
    assert cites.library.files == [(tmp_path / "extra.json").resolve(), (FIXTURES / "refs.bib").resolve()]
    assert {"olah2017feature", "molnar2020interpretable"} <= set(cites.library.works)
    # pandoc's inline `references:` (CSL items in YAML)
    post, cites, _ = _setup(tmp_path / "inline", "See @doe2020x.\n",
                            "title: T\nreferences:\n  - id: doe2020x\n    type: book\n    title: X\n")
    assert list(cites.library.works) == ["doe2020x"]
    # a post that cites nothing costs nothing
    assert _setup(tmp_path / "plain", "No citations here.\n")[1] is None


def test_split_bib_tracks_lines_and_recovers(tmp_path):
    text = (FIXTURES / "refs.bib").read_text()
    chunks = bibliography.split_bib(text)
    assert [(c.kind, c.line, c.complete) for c in chunks] == [
        ("string", 3, True), ("book", 5, True), ("inproceedings", 13, True), ("article", 22, True),
        ("article", 33, False), ("misc", 38, True), ("misc", 45, True), ("book", 51, True)]


def test_backend_choice(monkeypatch):
    assert citations.choose_backend(Options(citations="pybtex")) == "pybtex"
    assert citations.choose_backend(Options(template="arxiv", citations="biblatex")) == "pybtex"
    monkeypatch.setattr(citations.shutil, "which", lambda name: None)
    assert citations.choose_backend(Options()) == "pybtex"  # auto without biber
    with pytest.raises(UsageError):
        citations.choose_backend(Options(citations="biblatex"))
    monkeypatch.setattr(citations.shutil, "which", lambda name: "/usr/bin/" + name)
    assert citations.choose_backend(Options()) == "pybtex"  # the one-pass default, biber or not
    assert citations.choose_backend(Options(citations="biblatex")) == "biblatex"


def test_to_unicode():
    assert bibliography.to_unicode(r"The {\TeX}book, Caf{\'e} --- 3--5 \& ``q'' \LaTeX{} $x^2$ \$5") == \
        "The TeXbook, Caf\u00e9 \u2014 3\u20135 & \u201cq\u201d LaTeX $x^2$ \ue0005"
    assert bibliography.to_unicode(r"\href{http://x}{text} broken {unclosed") == "text broken unclosed"


def test_crossref_and_extradate_pybtex_tex(tmp_path):
    """Crossref'd fields are inherited; equal author-years get 2020a/2020b (no engine)."""
    (tmp_path / "x.bib").write_text(r"""
@proceedings{conf2020, title = {Proceedings of {T}he Conference}, year = {2020}, publisher = {ACM}}
@inproceedings{smith2020a, author = {Smith, Ann}, title = {Alpha}, crossref = {conf2020}}
@article{smith2020b, author = {Smith, Ann}, title = {Beta}, journal = {J}, year = {2020}}
""")
    post = write_post(tmp_path, "See @smith2020b and [@smith2020a].\n", "title: T\nbibliography: x.bib")
    result = write_tex_project(post, tmp_path / "out", citations="pybtex")
    tex = result.tex.read_text()
    assert r"Smith (\dpcitelink{dpbib.1}{2020b})" in tex and r"Smith, \dpcitelink{dpbib.2}{2020a}" in tex
    assert r"In: \emph{Proceedings of The Conference}. ACM." in tex
    assert not (tmp_path / "out" / bibliography_file()).exists()
    result = write_tex_project(post, tmp_path / "out-biblatex", citations="biblatex") if HAS_BIBER else None
    if result is not None:
        bib = (tmp_path / "out-biblatex" / bibliography_file()).read_text()
        assert "booktitle = {Proceedings of The Conference}" in bib and "@inproceedings{smith2020a," in bib
        assert r"\textcite[][]{smith2020b}" in result.tex.read_text()
