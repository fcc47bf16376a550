"""A regular install works: the wheel carries the fonts (with their licences) and the templates,
and installed non-editable in a fresh virtual environment it renders the seed."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import ENGINES, ROOT, SEED, pdf_text_flat

needs_network_tools = pytest.mark.skipif(os.environ.get("DISTILL_PDF_SKIP_WHEEL") == "1",
                                         reason="DISTILL_PDF_SKIP_WHEEL=1")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the repository's committed layout (as a clean clone has it)."""
    out = tmp_path_factory.mktemp("wheel")
    source = out / "src"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", "tests", "bench", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "out"))
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                          "-q", "-w", str(out), str(source)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return next(out.glob("distill_pdf-*.whl"))


@needs_network_tools
def test_the_wheel_carries_fonts_licences_and_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for family in (p for p in (ROOT / "fonts").iterdir() if p.is_dir()):
        shipped = {f"distill_pdf/_fonts/{family.name}/{f.name}" for f in family.iterdir() if f.is_file()}
        assert shipped <= names, shipped - names
        assert f"distill_pdf/_fonts/{family.name}/OFL.txt" in names
    assert "distill_pdf/_fonts/coverage.json" in names
    for template in (ROOT / "latex_templates").rglob("*.j2"):
        assert f"distill_pdf/_templates/{template.relative_to(ROOT / 'latex_templates').as_posix()}" in names


@needs_network_tools
def test_the_wheel_carries_the_bundled_csl_styles(wheel):
    """--csl apa works offline from a wheel: every bundled style (and its licence note) is
    in it, with the modules that read them; locales come with citeproc-py."""
    from distill_pdf.csl.styles import BUNDLED, STYLES_DIR
    names = set(zipfile.ZipFile(wheel).namelist())
    styles = {f"distill_pdf/csl/styles/{p.name}" for p in STYLES_DIR.iterdir() if p.suffix in (".csl", ".md")}
    assert {f"distill_pdf/csl/styles/{name}.csl" for name in BUNDLED} <= styles
    assert styles | {"distill_pdf/csl/styles/README.md"} <= names, styles - names
    modules = {f"distill_pdf/csl/{p.name}" for p in (ROOT / "distill_pdf" / "csl").glob("*.py")}
    assert modules <= names, modules - names


@needs_network_tools
@pytest.mark.skipif(not ENGINES or not SEED.exists(), reason="needs a TeX engine and the seed post")
def test_installed_in_a_fresh_venv_the_wheel_renders_the_seed(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                              str(wheel)], capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-2000:]
    where = subprocess.run([str(python), "-c", "import distill_pdf, sys; print(distill_pdf.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout.strip()
    assert str(env_dir) in where, where   # the installed copy, not this checkout
    out = tmp_path / "seed.pdf"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    render = subprocess.run([str(env_dir / "bin" / "distill-pdf"), str(SEED), "-o", str(out)],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert render.returncode == 0, render.stderr[-2000:]
    text = pdf_text_flat(out)
    assert "Molnar (2020)" in text and "Rudin (2019)" in text
    doctor = subprocess.run([str(env_dir / "bin" / "distill-pdf"), "doctor"], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path, env=env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "_fonts" in doctor.stdout
