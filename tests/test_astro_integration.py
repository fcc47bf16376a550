"""The Astro integration (integrations/astro), for real: the fixture site installs astro and the
integration from npm, `astro build` makes a PDF per post and pages that link to them, a second
build rebuilds nothing; `strict`, a missing distill-pdf and `astro dev` as a blogger meets them."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import ENGINES, ROOT, pdf_text_flat, requires_pdftotext

SITE = ROOT / "tests" / "fixtures" / "astro-site"
CACHE = SITE / "node_modules" / ".astro" / "distill-pdf"
POSTS = ("blog/first-post", "blog/second-post")

pytestmark = [
    pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")), reason="node and npm missing"),
    pytest.mark.skipif(not ENGINES, reason="no TeX engine"),
    requires_pdftotext,
]


@pytest.fixture(scope="module")
def site():
    """The fixture site with its packages from npm (the lockfile pins them)."""
    install = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=SITE, capture_output=True,
                             text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    return SITE


def astro(*args: str, command: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, ASTRO_TELEMETRY_DISABLED="1", NO_COLOR="1",
               DISTILL_PDF_COMMAND=command or f"{sys.executable} -m distill_pdf")
    return subprocess.run([str(SITE / "node_modules" / ".bin" / "astro"), *args], cwd=SITE, env=env,
                          capture_output=True, text=True, timeout=600)


def report() -> dict:
    return json.loads((CACHE / "build.report.json").read_text(encoding="utf-8"))


def test_build_makes_a_pdf_per_post_and_links_it_then_rebuilds_nothing(site):
    shutil.rmtree(site / "dist", ignore_errors=True)
    shutil.rmtree(CACHE, ignore_errors=True)
    started = time.monotonic()
    first = astro("build")
    first_seconds = time.monotonic() - started
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert report()["counts"]["built"] == 2
    for name in POSTS:
        pdf = site / "dist" / "pdf" / f"{name}.pdf"
        assert pdf.is_file(), first.stdout[-3000:]
        page = (site / "dist" / f"{name}/index.html").read_text(encoding="utf-8")
        assert f'href="/pdf/{name}.pdf"' in page
    assert "marmalade and toast" in pdf_text_flat(site / "dist" / "pdf" / "blog" / "first-post.pdf")
    assert not (site / "dist" / "pdf" / "broken").exists()  # not one of the collections asked for

    started = time.monotonic()
    second = astro("build")
    second_seconds = time.monotonic() - started
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert report()["counts"] == {"built": 0, "up to date": 2, "failed": 0, "draft": 0}
    assert "0 built, 2 up to date" in second.stdout
    assert all((site / "dist" / "pdf" / f"{name}.pdf").is_file() for name in POSTS)  # dist/ was emptied
    print(f"astro build: {first_seconds:.1f} s with the PDFs built, {second_seconds:.1f} s with nothing to build")


def test_strict_fails_the_build_on_a_failed_post_without_a_stack_trace(site):
    result = astro("build", "--config", "astro.strict.config.mjs")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "unclosed-math.md:8: unclosed math" in output
    assert "1 post had no PDF" in output
    assert "    at " not in output  # no JavaScript stack frames


def test_without_distill_pdf_the_build_says_how_to_install_it(site):
    result = astro("build", command="/nonexistent/distill-pdf")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]  # not strict: the site is built, without PDFs
    assert "distill-pdf is not installed" in output and "pipx install distill-pdf" in output
    assert "    at " not in output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_dev_server_builds_the_pdf_on_first_request(site):
    port = _free_port()
    env = dict(os.environ, ASTRO_TELEMETRY_DISABLED="1", NO_COLOR="1",
               DISTILL_PDF_COMMAND=f"{sys.executable} -m distill_pdf")
    shutil.rmtree(CACHE / "dev", ignore_errors=True)
    server = subprocess.Popen([str(SITE / "node_modules" / ".bin" / "astro"), "dev", "--host", "127.0.0.1",
                               "--port", str(port)], cwd=SITE, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                page = urllib.request.urlopen(f"{url}/blog/second-post/", timeout=10).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "astro dev did not start"
                time.sleep(0.5)
        assert 'href="/pdf/blog/second-post.pdf"' in page
        with urllib.request.urlopen(f"{url}/pdf/blog/second-post.pdf", timeout=300) as response:
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.read().startswith(b"%PDF")
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(f"{url}/pdf/blog/no-such-post.pdf", timeout=300)
        assert failed.value.code == 404
    finally:
        server.terminate()
        server.wait(timeout=30)
