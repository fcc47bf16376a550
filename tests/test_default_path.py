"""The path users take: `distill-pdf post.md` with no flags is the fast path.

One engine pass with the default citations, and tectonic loading a precompiled preamble
(a format made once in the cache, as XeLaTeX does) instead of reading its packages again.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from distill_pdf import compile as compile_module
from distill_pdf.pipeline import render

from .conftest import ENGINES, SEED, pdf_text_flat, requires_pdftotext

SEED_CITATIONS = ("Molnar (2020)", "Ribeiro et al. (2016)", "Rudin (2019)")
needs_seed = pytest.mark.skipif(not SEED.exists(), reason="../shared corpus not present")
needs_tectonic = pytest.mark.skipif("tectonic" not in ENGINES, reason="tectonic not installed")


def _references(text: str) -> list[str]:
    """The reference list's entries: lines of the appendix that start with an author and a year."""
    tail = text[text.rindex("References"):]
    return re.findall(r"(Molnar, Christoph|Ribeiro, Marco Tulio|Rudin, Cynthia)[^()]*\(\d{4}\)", tail)


@needs_seed
@requires_pdftotext
def test_the_seed_with_no_flags_takes_one_pass_and_keeps_its_citations(tmp_path):
    out = tmp_path / "seed.pdf"
    run = subprocess.run([sys.executable, "-m", "distill_pdf", str(SEED), "-o", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    result = render(SEED, tmp_path / "again.pdf")   # the API's defaults are the CLI's
    assert result.passes == 1
    for text in (pdf_text_flat(out), pdf_text_flat(result.pdf)):
        for citation in SEED_CITATIONS:
            assert citation in text
        assert sorted(_references(text)) == ["Molnar, Christoph", "Ribeiro, Marco Tulio", "Rudin, Cynthia"]


@needs_seed
@requires_pdftotext
@pytest.mark.skipif(not ENGINES, reason="no TeX engine installed")
def test_biblatex_with_biber_still_works_when_asked_for(tmp_path):
    import shutil
    if not shutil.which("biber"):
        pytest.skip("biber not installed")
    result = render(SEED, tmp_path / "seed.pdf", citations="biblatex", engine=ENGINES[-1])
    text = pdf_text_flat(result.pdf)
    assert result.passes >= 2 and all(c in text for c in SEED_CITATIONS)
    assert len(_references(text)) == 3


@needs_tectonic
@requires_pdftotext
def test_tectonic_makes_a_format_once_then_loads_it(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("DISTILL_PDF_CACHE", str(cache))
    post = tmp_path / "post.md"
    post.write_text("---\ntitle: Formats\n---\nSome text with $x^2$ and a [link](https://example.com).\n",
                    encoding="utf-8")
    first = render(post, tmp_path / "first.pdf", engine="tectonic")
    formats = list((cache / "formats" / "tectonic" / "formats").glob("*-dp*.fmt"))
    assert len(formats) == 1
    assert list((cache / "formats" / "tectonic-bundles").glob(f"*/tectonic-format-{formats[0].name.split('-')[1]}.tex"))
    commands = []
    real_run = compile_module.Runner.run
    monkeypatch.setattr(compile_module.Runner, "run",
                        lambda self, cmd, env=None: commands.append((cmd, env)) or real_run(self, cmd, env))
    second = render(post, tmp_path / "second.pdf", engine="tectonic")
    cmd, env = commands[0]
    assert "--format" in cmd and cmd[cmd.index("--format") + 1].startswith("dp")
    assert env["TECTONIC_CACHE_DIR"] == str(cache / "formats" / "tectonic")
    assert second.passes == 1 and not second.warnings
    assert pdf_text_flat(first.pdf) == pdf_text_flat(second.pdf)


@needs_tectonic
@requires_pdftotext
def test_a_damaged_tectonic_format_is_dropped_and_the_post_still_builds(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("DISTILL_PDF_CACHE", str(cache))
    post = tmp_path / "post.md"
    post.write_text("---\ntitle: Damaged\n---\nPlain words here.\n", encoding="utf-8")
    render(post, tmp_path / "first.pdf", engine="tectonic")
    fmt = next((cache / "formats" / "tectonic" / "formats").glob("*-dp*.fmt"))
    fmt.write_bytes(b"not a format")
    again = render(post, tmp_path / "again.pdf", engine="tectonic")
    assert "Plain words here." in pdf_text_flat(again.pdf)
    assert not fmt.exists() and list((cache / "formats").glob("*.failed"))
    third = render(post, tmp_path / "third.pdf", engine="tectonic")  # no format again: plain runs
    assert "Plain words here." in pdf_text_flat(third.pdf)


def test_the_default_citation_back_end_needs_no_biber(monkeypatch):
    from distill_pdf import citations
    from distill_pdf.pipeline import Options
    monkeypatch.setattr(citations.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert citations.choose_backend(Options()) == "pybtex"
    assert Path(citations.__file__).name == "citations.py"
