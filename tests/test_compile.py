"""The engine step against the real engines (xelatex and tectonic), plus log parsing."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from distill_pdf import bundle as bundle_mod
from distill_pdf import compile as C
from distill_pdf import engines as E
from distill_pdf.compile import (CompileResult, Engine, LatexIssue, compile_tex, find_engine,
                                 parse_log)
from distill_pdf.errors import CompileTimeout, EngineMissing, UsageError

PREAMBLE = r"""\documentclass{article}
\usepackage{fontspec}
\usepackage{hyperref}
"""


def _pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext"):
        import subprocess
        return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
    from pypdf import PdfReader
    return "\n".join(p.extract_text() or "" for p in PdfReader(str(pdf)).pages)


def _write(tmp: Path, body: str, name: str = "doc.tex", preamble: str = PREAMBLE) -> Path:
    tex = tmp / name
    tex.write_text(preamble + "\\begin{document}\n" + body + "\n\\end{document}\n",
                   encoding="utf-8")
    return tex


@pytest.fixture(scope="session")
def tectonic_bundle(tmp_path_factory) -> Path:
    found = bundle_mod.default_bundle_dir()
    if found:
        return found
    if not Path("/usr/share/texlive/texmf-dist").is_dir():
        pytest.skip("no tectonic bundle and no TeX Live tree to build one from")
    dest = tmp_path_factory.mktemp("bundle") / "bundle"
    bundle_mod.build_bundle(dest)
    return dest


@pytest.fixture(params=["xelatex", "tectonic"])
def engine(request) -> Engine:
    name = request.param
    if name == "xelatex":
        if not shutil.which("xelatex"):
            pytest.skip("xelatex is not installed")
        return find_engine("xelatex")
    if not E._tectonic_candidates():
        pytest.skip("tectonic is not installed (tools/install-tectonic)")
    # a tectonic binary exists: it must work (through the wrapper) with a bundle
    return find_engine("tectonic", request.getfixturevalue("tectonic_bundle"))


# ----------------------------------------------------------------- real compiles


def test_compiles_fontspec_hyperref_document(engine, tmp_path):
    tex = _write(tmp_path, r"""\section{Introduction}\label{sec:intro}
Hello from the distill engine test, in Section~\ref{sec:intro}.
\href{https://example.org}{A link}, and a dash---like this.""")
    t0 = time.monotonic()
    r = compile_tex(tex, engine, timeout=120)
    elapsed = time.monotonic() - t0
    assert isinstance(r, CompileResult)
    assert r.errors == [], r.log[-2000:]
    assert r.pdf == tmp_path / "doc.pdf" and r.pdf.exists()
    text = _pdf_text(r.pdf)
    assert "Hello from the distill engine test" in text
    assert "Section 1" in text  # the \ref resolved
    assert "Introduction" in text
    assert r.missing_chars == []
    assert r.log.strip()
    assert elapsed < 60


def test_undefined_control_sequence_has_line_and_context(engine, tmp_path):
    tex = _write(tmp_path, "First line.\n\nSome \\undefinedmacro text here.\n")
    # preamble is 3 lines, \begin{document} line 4 -> the macro is on line 7
    r = compile_tex(tex, engine, timeout=120)
    assert r.errors, r.log[-2000:]
    err = r.errors[0]
    assert err.message == "Undefined control sequence."
    assert err.tex_line == 7
    assert err.context == "Some \\undefinedmacro"
    assert err.file == "doc.tex"
    assert not r.pdf.exists()


def test_error_in_an_input_file_names_that_file(engine, tmp_path):
    (tmp_path / "sub.tex").write_text("fine\n\\undefinedinsub here\n")
    tex = _write(tmp_path, "Main.\n\\input{sub}\n", preamble="\\documentclass{article}\n")
    r = compile_tex(tex, engine, timeout=120)
    assert [(e.file, e.tex_line, e.context) for e in r.errors] == [
        ("sub.tex", 2, "\\undefinedinsub")]


def test_stale_pdf_is_removed_on_error(engine, tmp_path):
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-old")
    tex = _write(tmp_path, "\\undefinedmacro")
    r = compile_tex(tex, engine, timeout=120)
    assert r.errors and not r.pdf.exists()


def test_forward_reference_needs_two_passes(engine, tmp_path):
    tex = _write(tmp_path, r"""See Section~\ref{sec:later} on page~\pageref{sec:later}.
\section{Later}\label{sec:later}
Text.""")
    r = compile_tex(tex, engine, timeout=120)
    assert r.errors == []
    assert r.passes == 2
    text = _pdf_text(r.pdf)
    assert "See Section 1 on page 1" in text
    assert "??" not in text
    assert not any("undefined" in w for w in r.warnings), r.warnings


def test_document_without_references_needs_one_pass(engine, tmp_path):
    tex = _write(tmp_path, "Just one paragraph, nothing to resolve.")
    r = compile_tex(tex, engine, timeout=120)
    assert r.errors == [] and r.pdf.exists()
    if engine.name == "xelatex":
        assert r.passes == 1
        # no misleading "rerun" hints left when nothing was left to do
        assert not any("Rerun" in w or "rerun" in w for w in r.warnings), r.warnings
    else:
        # tectonic decides its own reruns: a fresh .aux always counts as changed for it
        assert 1 <= r.passes <= 2
    # a rebuild over the settled aux files is a single pass with either engine
    r2 = compile_tex(tex, engine, timeout=120)
    assert r2.errors == [] and r2.passes == 1 and r2.pdf.exists()


def test_timeout_kills_the_engine(engine, tmp_path):
    tex = _write(tmp_path, "\\loop\\iftrue\\repeat", preamble="\\documentclass{article}\n")
    t0 = time.monotonic()
    with pytest.raises(CompileTimeout) as exc:
        compile_tex(tex, engine, timeout=2)
    assert time.monotonic() - t0 < 10
    assert "timed out after 2 s" in str(exc.value)
    assert exc.value.exit_code == 1
    # nothing of the engine keeps running in that folder
    time.sleep(0.2)
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
            except OSError:
                continue
            assert cwd != str(tmp_path), f"process {pid} still runs in {tmp_path}"


def test_overfull_boxes_and_missing_characters(engine, tmp_path):
    tex = _write(tmp_path, "Fine.\n\n"                                                    # 5-6
                 "\\parbox{1cm}{Averyveryverylongunbreakablewordthatdoesnotfitatall here}\n"   # 7
                 "\n\\hbox to 10pt{Overfull overfull overfull}\n"                            # 9
                 "\nA snowman: \u2603.\n")                                                   # 11
    r = compile_tex(tex, engine, timeout=120)
    assert r.errors == [], r.log[-2000:]
    lines = dict(r.overfull)
    assert 7 in lines and lines[7] > 50
    assert 9 in lines and lines[9] > 50
    assert len(r.missing_chars) == 1
    assert "U+2603" in r.missing_chars[0] and r.missing_chars[0].endswith("!")
    assert r.missing_chars[0].startswith("Missing character: There is no \u2603")


def test_bibliography_with_biber(engine, tmp_path):
    if engine.name == "xelatex" and not shutil.which("biber"):
        pytest.skip("biber is not installed")
    (tmp_path / "refs.bib").write_text(
        "@article{knuth84, author={Donald E. Knuth}, title={Literate Programming},\n"
        "  journal={The Computer Journal}, year={1984}, volume={27}, pages={97--111}}\n")
    tex = _write(tmp_path, "As shown by \\textcite{knuth84}.\n\\printbibliography",
                 preamble=PREAMBLE + "\\usepackage[backend=biber]{biblatex}\n"
                                     "\\addbibresource{refs.bib}\n")
    r = compile_tex(tex, engine, timeout=120, bibliography=True)
    assert r.errors == [], r.log[-2000:]
    text = _pdf_text(r.pdf)
    assert "Knuth [1]" in text  # the citation resolved (numeric style)
    assert "Literate Programming" in text
    assert r.passes >= 2


def test_shell_escape_is_off(engine, tmp_path):
    tex = _write(tmp_path, "\\immediate\\write18{touch pwned}Done.",
                 preamble="\\documentclass{article}\n")
    r = compile_tex(tex, engine, timeout=120)
    assert r.pdf.exists()
    assert not (tmp_path / "pwned").exists()


def test_corrupt_aux_is_recovered(engine, tmp_path):
    tex = _write(tmp_path, "Hello.")
    (tmp_path / "doc.aux").write_text("\\relax\n\\newlabel{x}{{1}{1\n")  # truncated
    r = compile_tex(tex, engine, timeout=120)
    assert r.errors == [] and r.pdf.exists()


# ----------------------------------------------------------------- engine lookup


def test_find_engine_auto_and_errors(monkeypatch, tmp_path):
    with pytest.raises(UsageError):
        find_engine("lualatex")
    with pytest.raises(UsageError):
        find_engine("tectonic", bundle=tmp_path)  # not a bundle
    # nothing on PATH: EngineMissing, exit code 2, says how to install
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("DISTILL_PDF_TECTONIC", raising=False)
    monkeypatch.setattr(E, "TECTONIC_FALLBACKS", ())
    with pytest.raises(EngineMissing) as exc:
        find_engine("auto")
    assert exc.value.exit_code == 2
    msg = str(exc.value)
    assert "make setup" in msg and "apt-get install texlive-xetex" in msg
    assert "tools/install-tectonic" in msg
    with pytest.raises(EngineMissing):
        find_engine("xelatex")


def test_find_engine_auto_prefers_working_tectonic_with_bundle(monkeypatch, tmp_path):
    if not E.find_tectonic():
        pytest.skip("no working tectonic here")
    fake = tmp_path / "b"
    fake.mkdir()
    (fake / "SHA256SUM").write_text("0" * 64 + "\n")
    e = find_engine("auto", bundle=fake)
    assert e.name == "tectonic" and e.bundle == fake
    # no bundle anywhere: auto falls back to xelatex
    monkeypatch.setattr(E, "default_bundle_dir", lambda: None)
    if shutil.which("xelatex"):
        assert find_engine("auto").name == "xelatex"
    with pytest.raises(EngineMissing):
        find_engine("tectonic")


def test_find_engine_skips_tectonic_that_does_not_run(monkeypatch, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "tectonic").write_text("#!/bin/sh\necho 'version GLIBC_2.39 not found' >&2\nexit 1\n")
    (bad / "tectonic").chmod(0o755)
    good = tmp_path / "good"
    good.mkdir()
    (good / "tectonic").write_text("#!/bin/sh\necho 'Tectonic 0.17.0'\n")
    (good / "tectonic").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bad}{os.pathsep}{good}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("DISTILL_PDF_TECTONIC", raising=False)
    assert E.find_tectonic() == str(good / "tectonic")
    monkeypatch.setenv("DISTILL_PDF_TECTONIC", str(bad / "tectonic"))
    assert E.find_tectonic() == str(good / "tectonic")


def test_missing_engine_at_compile_time(tmp_path):
    tex = _write(tmp_path, "x")
    with pytest.raises(EngineMissing):
        compile_tex(tex, Engine("xelatex", str(tmp_path / "nope"), None))


# ----------------------------------------------------------------- log parsing (no engine)

TECTONIC_LOG = """**
(doc.tex
LaTeX2e <2022-11-01> patch level 1
Package: fontspec-xetex 2022/01/15 v2.8a Font selection for XeLaTeX and LuaLaTe
X
! Undefined control sequence.
l.7 Some \\undefinedmacro
                         text here.
No pages of output.
"""

XELATEX_LOG = """This is XeTeX, Version 3.141592653-2.6-0.999994 (TeX Live 2022/Debian) (preloaded format=xelatex 2025.11.25)  25 NOV 2025 19:12
./doc.tex:12: LaTeX Error: Environment foo undefined.

See the LaTeX manual or LaTeX Companion for explanation.
Type  H <return>  for immediate help.
 ...

l.12 \\begin{foo}

./doc.tex:12: ==> Fatal error occurred, no output PDF file produced!
"""


def test_parse_tectonic_style_log():
    p = parse_log(TECTONIC_LOG, 79)
    assert p.errors == [LatexIssue(7, "Undefined control sequence.", "Some \\undefinedmacro")]


def test_parse_file_line_error_log():
    p = parse_log(XELATEX_LOG, 0)
    assert len(p.errors) == 1
    e = p.errors[0]
    assert (e.tex_line, e.message, e.context, e.file) == (
        12, "LaTeX Error: Environment foo undefined.", "\\begin{foo}", "./doc.tex")


def test_parse_wrapped_missing_character_overfull_and_warnings():
    log = "\n".join([
        "**",
        "Missing character: There is no \u2603 (U+2603) in font [lmroman10-regular]:mapping=t",
        "ex-text;!",
        "Missing character: There is no \u2603 (U+2603) in font [lmroman10-regular]:mapping=t",
        "ex-text;!",
        "Overfull \\hbox (187.89726pt too wide) in paragraph at lines 10--12",
        "Overfull \\hbox (94.28pt too wide) detected at line 9",
        "Overfull \\hbox (3.0pt too wide) in alignment at lines 20--25",
        "Overfull \\vbox (3.0pt too high) has occurred while \\output is active",
        "",
        "Package hyperref Warning: Token not allowed in a PDF string (Unicode):",
        "(hyperref)                removing `\\textbf' on input line 5.",
        "",
        "LaTeX Warning: Reference `sec:x' on page 1 undefined on input line 6.",
        "",
    ])
    p = parse_log(log, 79)
    assert p.missing_chars == [
        "Missing character: There is no \u2603 (U+2603) in font "
        "[lmroman10-regular]:mapping=tex-text;!"]
    assert p.overfull == [(10, 187.89726), (9, 94.28), (20, 3.0)]
    assert p.warnings == [
        "Package hyperref Warning: Token not allowed in a PDF string (Unicode): "
        "removing `\\textbf' on input line 5.",
        "LaTeX Warning: Reference `sec:x' on page 1 undefined on input line 6."]
    assert p.errors == []


# ----------------------------------------------------------------- pass counts (performance)


def test_labels_nobody_references_need_one_pass(engine, tmp_path):
    """Headings carry labels; bookmarks come from the bookmark package: one pass."""
    tex = _write(tmp_path, r"""\section{First}\label{sec:first}
Text.
\section{Second}\label{sec:second}
More text.""", preamble=PREAMBLE + "\\usepackage{bookmark}\n")
    r = compile_tex(tex, engine, timeout=120)
    assert r.errors == [], r.log[-2000:]
    assert r.passes == 1
    assert r.pages == 1
    assert not any("Label(s) may have changed" in w for w in r.warnings)
    from pypdf import PdfReader
    assert [o.title for o in PdfReader(r.pdf).outline] == ["First", "Second"]


def test_table_of_contents_gets_its_passes(engine, tmp_path):
    tex = _write(tmp_path, r"""\tableofcontents
\section{Alpha}
Text.
\section{Beta}
Text.""", preamble=PREAMBLE + "\\usepackage{bookmark}\n")
    r = compile_tex(tex, engine, timeout=120)
    # the contents predicted from the headings have the right size: two passes, not three
    assert r.errors == [] and r.passes == 2
    text = _pdf_text(r.pdf)
    assert "1 Alpha" in text and "2 Beta" in text


def test_predicted_contents(tmp_path):
    tex = tmp_path / "doc.tex"
    tex.write_text("\\documentclass{article}\\begin{document}\\tableofcontents\n"
                   "\\section{A {nested} title}\\subsection*{Starred}\\subsection[Short]{Long}\n"
                   "\\section{B}\\subsection{C}\\end{document}\n")
    C.predict_toc(tex)
    assert tex.with_suffix(".toc").read_text().splitlines() == [
        "\\contentsline {section}{\\numberline {1}A {nested} title}{1}{}%",
        "\\contentsline {subsection}{\\numberline {1.1}Short}{1}{}%",
        "\\contentsline {section}{\\numberline {2}B}{1}{}%",
        "\\contentsline {subsection}{\\numberline {2.1}C}{1}{}%"]
    # never over an existing one, never without a table of contents
    tex.with_suffix(".toc").write_text("kept")
    C.predict_toc(tex)
    assert tex.with_suffix(".toc").read_text() == "kept"
    other = tmp_path / "plain.tex"
    other.write_text("\\documentclass{article}\\begin{document}\\section{A}\\end{document}\n")
    C.predict_toc(other)
    assert not other.with_suffix(".toc").exists()


def test_rerun_reason_rules():
    aux = lambda *lines: "\n".join(lines).encode()  # noqa: E731
    label = r"\newlabel{sec:a}{{1}{1}{A}{section.1}{}}"
    undefined = ["LaTeX Warning: Reference `sec:a' on page 1 undefined on input line 5."]
    # a label appears: matters only if a reference asked for it in vain
    assert C.rerun_reason({}, {"doc.aux": aux(label)}, "", []) is None
    assert C.rerun_reason({}, {"doc.aux": aux(label)}, "", undefined)
    # a label changes or goes away: always
    assert C.rerun_reason({"doc.aux": aux(label)}, {"doc.aux": aux(label.replace("{1}{1}", "{2}{1}"))}, "", [])
    assert C.rerun_reason({"doc.aux": aux(label)}, {"doc.aux": aux()}, "", [])
    # anything else new in the .aux: always
    assert C.rerun_reason({}, {"doc.aux": aux(r"\pgfsyspdfmark {pgfid1}{100}{200}")}, "", [])
    # lines only BibTeX reads: never
    assert C.rerun_reason({}, {"doc.aux": aux(r"\citation{knuth84}")}, "", []) is None
    # a .toc/.out counts only when the pass read it
    assert C.rerun_reason({}, {"doc.toc": b"x"}, "no such file in this log", []) is None
    assert C.rerun_reason({}, {"doc.toc": b"x"}, "No file doc.toc.", [])
    assert C.rerun_reason({"doc.out": b"a"}, {"doc.out": b"b"}, "(./doc.out)", [])
    assert C.rerun_reason({"doc.out": b"a"}, {"doc.out": b"b"}, "(doc.out) ", [])
    # the log's own rerun requests, but those the comparison decides
    assert C.rerun_reason({}, {}, "", ["LaTeX Warning: Label(s) may have changed. Rerun to get "
                                        "cross-references right."]) is None
    assert C.rerun_reason({}, {}, "", ["Package longtable Warning: Table widths have changed. "
                                        "Rerun LaTeX."])


def test_pages_come_from_the_log():
    from distill_pdf.compile import ParsedLog, _result
    parsed = ParsedLog([], [], [], [])
    assert _result(Path("x.pdf"), "Output written on main.pdf (3 pages).\n", 1, parsed).pages == 3
    assert _result(Path("x.pdf"), "Output written on main.xdv (1 page, 2 bytes).", 1, parsed).pages == 1
    assert _result(Path("x.pdf"), "", 1, parsed).pages == 0


# ----------------------------------------------------------------- precompiled preamble (xelatex)

FORMAT_PREAMBLE = PREAMBLE + "\\usepackage{xcolor}\n" + C.FORMAT_MARK + "\n\\setmainfont{lmroman10-regular.otf}\n"


@pytest.fixture
def xelatex():
    if not shutil.which("xelatex") or not shutil.which("kpsewhich"):
        pytest.skip("xelatex is not installed")
    import subprocess
    if not subprocess.run(["kpsewhich", "mylatexformat.ltx"], capture_output=True, text=True).stdout:
        pytest.skip("mylatexformat is not installed (texlive-latex-extra)")
    return find_engine("xelatex")


def test_precompiled_preamble_is_made_once_then_used(xelatex, tmp_path):
    formats = tmp_path / "formats"
    body = "Hello \\textcolor{red}{red} world, Section~\\ref{s}.\n\\section{S}\\label{s}\n"
    (tmp_path / "a").mkdir()
    first = compile_tex(_write(tmp_path / "a", body, preamble=FORMAT_PREAMBLE), xelatex,
                        timeout=120, format_cache=formats)
    assert first.errors == [], first.log[-2000:]
    assert len(list(formats.glob("*.fmt"))) == 1   # made beside the first run
    assert "CUSTOMISED FORMAT" not in first.log
    (tmp_path / "b").mkdir()
    second = compile_tex(_write(tmp_path / "b", body, preamble=FORMAT_PREAMBLE), xelatex,
                         timeout=120, format_cache=formats)
    assert second.errors == [] and "CUSTOMISED FORMAT" in second.log
    assert _pdf_text(second.pdf) == _pdf_text(first.pdf)
    assert second.passes == first.passes == 2
    # an error after the mark keeps its line number (mark on line 5, the macro on line 9)
    (tmp_path / "c").mkdir()
    bad = compile_tex(_write(tmp_path / "c", "Fine.\n\\undefinedmacro\n", preamble=FORMAT_PREAMBLE),
                      xelatex, timeout=120, format_cache=formats)
    assert "CUSTOMISED FORMAT" in bad.log
    assert [(e.tex_line, e.context) for e in bad.errors] == [(9, "\\undefinedmacro")]


def test_broken_precompiled_preamble_is_discarded(xelatex, tmp_path):
    formats = tmp_path / "formats"
    (tmp_path / "a").mkdir()
    tex = _write(tmp_path / "a", "Hello.", preamble=FORMAT_PREAMBLE)
    assert compile_tex(tex, xelatex, timeout=120, format_cache=formats).errors == []
    [fmt] = formats.glob("*.fmt")
    fmt.write_bytes(b"not a format")
    r = compile_tex(tex, xelatex, timeout=120, format_cache=formats)
    assert r.errors == [] and r.pdf.exists()
    assert not fmt.exists() and list(formats.glob("*.failed"))
    # never tried again for that preamble
    assert compile_tex(tex, xelatex, timeout=120, format_cache=formats).errors == []
    assert not list(formats.glob("*.fmt"))


def test_preamble_with_fonts_before_the_mark_is_not_precompiled(xelatex, tmp_path):
    formats = tmp_path / "formats"
    preamble = PREAMBLE + "\\setmainfont{lmroman10-regular.otf}\n" + C.FORMAT_MARK + "\n"
    tex = _write(tmp_path, "Hello.", preamble=preamble)
    assert compile_tex(tex, xelatex, timeout=120, format_cache=formats).errors == []
    assert not list(formats.glob("*.fmt")) and list(formats.glob("*.failed"))
    r = compile_tex(tex, xelatex, timeout=120, format_cache=formats)
    assert r.errors == [] and "Hello." in _pdf_text(r.pdf)
