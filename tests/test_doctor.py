"""`distill-pdf doctor`: it reports what this machine has, names each gap with the command that
fixes it, typesets a real test page, and exits 1 when nothing can typeset."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from distill_pdf import bundle, engines
from distill_pdf.cli import main

from .conftest import ENGINES


def _doctor(*args):
    return CliRunner().invoke(main, ["doctor", *args])


def _lines(output: str) -> dict[str, str]:
    """check name -> its status and detail line (and the fix line under it)."""
    out, current = {}, None
    for line in output.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("ok", "missing", "optional"):
            current = words[1] if words[1] != "test" else "test page"
            out[current] = line
        elif current and line.strip().startswith("fix:"):
            out[current] += "\n" + line
    return out


@pytest.fixture
def fresh_probes(monkeypatch):
    """Each test finds engines again instead of reading another test's findings."""
    monkeypatch.setattr(engines, "_works_cache", {})
    monkeypatch.setattr(engines, "XELATEX_FMT", {})


@pytest.mark.skipif(not ENGINES, reason="needs a TeX engine")
def test_a_working_machine_typesets_the_test_page(fresh_probes):
    result = _doctor()
    assert result.exit_code == 0, result.output
    lines = _lines(result.output)
    assert lines["fonts"].split()[0] == "ok" and "families" in lines["fonts"]
    assert lines["templates"].split()[0] == "ok" and "distill" in lines["templates"]
    assert lines["test page"].split()[0] == "ok" and "typeset with" in lines["test page"]
    for name in ENGINES:
        assert lines[name].split()[0] == "ok" and "(" in lines[name]   # the version is shown
    assert "typesets with" in result.output


def test_no_engine_exits_1_with_a_fix_for_each(tmp_path, monkeypatch, fresh_probes):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv(engines.TECTONIC_ENV, raising=False)
    monkeypatch.setattr(engines, "TECTONIC_FALLBACKS", ())
    result = _doctor()
    assert result.exit_code == 1, result.output
    lines = _lines(result.output)
    assert lines["tectonic"].startswith("  missing") and "fix:" in lines["tectonic"]
    assert lines["xelatex"].startswith("  missing") and "apt-get install texlive-xetex" in lines["xelatex"]
    assert lines["biber"].startswith("  optional") and "apt-get install biber" in lines["biber"]
    assert "test page" not in lines and "Nothing here can typeset" in result.output


@pytest.mark.skipif("tectonic" not in ENGINES, reason="needs tectonic")
def test_tectonic_without_a_bundle_falls_back_and_says_how_to_build_one(tmp_path, monkeypatch, fresh_probes):
    monkeypatch.delenv(bundle.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(bundle, "SYSTEM_BUNDLE", tmp_path / "no-bundle")
    result = _doctor("--no-test-page")
    lines = _lines(result.output)
    assert lines["tectonic"].split()[0] == "ok"
    assert lines["bundle"].split()[0] != "ok" and "distill-pdf bundle build" in lines["bundle"]
    if "xelatex" in ENGINES:
        assert result.exit_code == 0 and "typesets with xelatex" in result.output
    else:
        assert result.exit_code == 1


def test_an_unwritable_cache_is_named_with_its_fix(tmp_path, monkeypatch, fresh_probes):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DISTILL_PDF_CACHE", str(blocker / "cache"))
    result = _doctor("--no-test-page")
    lines = _lines(result.output)
    assert lines["cache"].startswith("  missing") and "DISTILL_PDF_CACHE=" in lines["cache"]
