"""Shared fixtures: real posts written to tmp folders, real engines, real PDFs."""
from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from distill_pdf.compile import find_engine
from distill_pdf.errors import Diagnostics, EngineMissing
from distill_pdf.load import load_post
from distill_pdf.parse import parse_post
from distill_pdf.writer.latex import render_body

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
SEED = SHARED / "seed" / "src" / "content" / "blog" / "distill-features-demo.md"
EXAMPLE = ROOT / "examples" / "distill-demo" / "post.md"


def available_engines() -> list[str]:
    found = []
    for name in ("tectonic", "xelatex"):
        try:
            find_engine(name)
            found.append(name)
        except EngineMissing:
            pass
    return found


ENGINES = available_engines()


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Image conversions and downloads go to a per-session cache, never the user's."""
    monkeypatch.setenv("DISTILL_PDF_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def write_post(folder: Path, body: str, front: str = "title: Test post", name: str = "post.md") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{textwrap.dedent(front).strip()}\n---\n{textwrap.dedent(body)}", encoding="utf-8")
    return path


def body_latex(tmp_path: Path, body: str, front: str = "title: Test post", diagnostics=None) -> str:
    """Markdown body -> the LaTeX the renderer makes of it (no engine)."""
    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    post = load_post(write_post(tmp_path, body, front), diagnostics)
    from distill_pdf import images
    ctx = images.ImageContext.for_site(post.path, tmp_path, cache_dir=tmp_path / "cache", allow_remote=False)
    return render_body(post, parse_post(post), diagnostics,
                       prepare_image=lambda src: images.prepare_image(src, ctx)).latex


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_text_flat(pdf: Path) -> str:
    """Text with whitespace folded and hyphenation joined, for phrase checks."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.replace("-\n", "").split())


requires_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
