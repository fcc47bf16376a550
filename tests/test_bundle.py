"""The offline tectonic bundle: a flat folder of symlinks into TeX trees."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from distill_pdf import bundle as B
from distill_pdf.bundle import build_bundle, default_bundle_dir
from distill_pdf.errors import EngineMissing, UsageError

REPO = Path(__file__).resolve().parent.parent


def _touch(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def roots(tmp_path) -> tuple[Path, Path]:
    r1, r2 = tmp_path / "texmf-local", tmp_path / "texmf-dist"
    _touch(r1 / "tex/latex/a/foo.sty", "foo from r1/a")
    _touch(r1 / "tex/latex/b/foo.sty", "foo from r1/b")            # same root, later folder
    _touch(r1 / "tex/latex/c/doc/inner.tex", "kept: only top-level doc/ is skipped")
    _touch(r1 / "doc/latex/a/foo.pdf", "documentation")
    _touch(r1 / "source/latex/a/foo.dtx", "sources")
    _touch(r2 / "tex/latex/foo/foo.sty", "foo from r2")            # lower precedence
    _touch(r2 / "tex/generic/config/language.dat", "english hyphen.tex")
    _touch(r2 / "fonts/opentype/x/Font-Regular.otf", "font")
    _touch(r2 / "tex/latex/x/SHA256SUM", "a file with a reserved name")
    os.symlink(r2 / "fonts/opentype/x/Font-Regular.otf", r2 / "fonts/opentype/x/Alias.otf")
    os.symlink(r2 / "missing-target", r2 / "tex/latex/x/dangling.sty")
    os.symlink(r2 / "tex", r2 / "tex/latex/loop")                  # a folder link loop
    return r1, r2


def test_flat_first_wins_and_digest(tmp_path, roots):
    dest = tmp_path / "bundle"
    n = build_bundle(dest, list(roots))
    names = sorted(os.listdir(dest))
    assert names == sorted(["foo.sty", "inner.tex", "language.dat", "Font-Regular.otf",
                            "Alias.otf", "SHA256SUM", "tectonic-format-latex.tex"])
    assert n == 5
    # flat: only symlinks to files, plus the two generated files
    for name in names:
        p = dest / name
        assert not p.is_dir()
        if name in ("SHA256SUM", "tectonic-format-latex.tex"):
            assert not p.is_symlink()
        else:
            assert p.is_symlink() and p.is_file()
    # first name wins: the first root, and within it the first folder in name order
    assert (dest / "foo.sty").read_text() == "foo from r1/a"
    assert (dest / "tectonic-format-latex.tex").read_text() == "\\input xelatex.ini\n"
    digest = (dest / "SHA256SUM").read_text()
    assert re.fullmatch(r"[0-9a-f]{64}\n", digest)
    # stable for the same tree ...
    build_bundle(dest, list(roots))
    assert (dest / "SHA256SUM").read_text() == digest
    # ... and different when the tree changes
    _touch(roots[1] / "tex/latex/new/new.sty", "new")
    assert build_bundle(dest, list(roots)) == 6
    assert (dest / "SHA256SUM").read_text() != digest
    # root order decides
    build_bundle(dest, [roots[1], roots[0]])
    assert (dest / "foo.sty").read_text() == "foo from r2"
    # no temporary folders left beside the bundle
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle", "texmf-dist", "texmf-local"]


def test_refuses_to_replace_something_else(tmp_path, roots):
    other = tmp_path / "mystuff"
    _touch(other / "precious.txt", "do not delete")
    with pytest.raises(UsageError):
        build_bundle(other, list(roots))
    assert (other / "precious.txt").exists()
    afile = _touch(tmp_path / "afile", "x")
    with pytest.raises(UsageError):
        build_bundle(afile, list(roots))


def test_no_tex_files(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EngineMissing):
        build_bundle(tmp_path / "bundle", [empty, tmp_path / "nonexistent"])
    assert not (tmp_path / "bundle").exists()


def test_default_bundle_dir(tmp_path, monkeypatch, roots):
    monkeypatch.setattr(B, "SYSTEM_BUNDLE", tmp_path / "opt-bundle")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DISTILL_PDF_BUNDLE", raising=False)
    assert default_bundle_dir() is None
    build_bundle(tmp_path / "opt-bundle", list(roots))
    assert default_bundle_dir() == tmp_path / "opt-bundle"
    cache = tmp_path / "cache" / "distill-pdf" / "bundle"
    build_bundle(cache, list(roots))
    assert default_bundle_dir() == cache
    env_dir = tmp_path / "env-bundle"
    monkeypatch.setenv("DISTILL_PDF_BUNDLE", str(env_dir))
    assert default_bundle_dir() == cache          # does not exist yet: skipped
    env_dir.mkdir()
    assert default_bundle_dir() == cache          # exists, but no SHA256SUM: skipped
    build_bundle(env_dir, list(roots))
    assert default_bundle_dir() == env_dir


def test_module_main_builds_into_argv(tmp_path, roots):
    dest = tmp_path / "cli-bundle"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "distill_pdf.bundle", str(dest), *map(str, roots)],
                       capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "5 files" in p.stderr
    assert (dest / "SHA256SUM").is_file()
    bad = subprocess.run([sys.executable, "-m", "distill_pdf.bundle", str(tmp_path / "b2"),
                          str(tmp_path / "nothing-here")],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "install TeX Live" in bad.stderr


@pytest.mark.skipif(not Path("/usr/share/texlive/texmf-dist").is_dir(), reason="no TeX Live")
def test_default_roots_on_this_machine(tmp_path):
    roots = B.default_roots()
    assert Path("/usr/share/texlive/texmf-dist") in roots
    # kpathsea precedence: configuration before the distribution
    if Path("/var/lib/texmf").is_dir():
        assert roots.index(Path("/var/lib/texmf")) < roots.index(Path("/usr/share/texlive/texmf-dist"))
    n = build_bundle(tmp_path / "b")
    assert n > 1000
    assert (tmp_path / "b" / "xelatex.ini").is_file()
    assert (tmp_path / "b" / "fontspec.sty").is_file()


def test_install_script_is_valid_bash():
    script = REPO / "tools" / "install-tectonic"
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)
