"""The Astro integration (integrations/astro), for real, on Astro 4 and Astro 5: `astro build` makes
a PDF per post and pages that link to them, a second build rebuilds nothing; `strict`, a missing
distill-pdf, `astro dev` and the TypeScript types as a blogger meets them.

The fixture site (tests/fixtures/astro-site) is what both versions share; astro4/ and astro5/ add
the files each version wants (its content collection config, its post page) and a lockfile pinning
it. Each is put together in a tmp folder, installs astro from npm with `npm ci` (npm's own cache,
shared by both versions and kept between runs, makes the second install and later runs cheap) and
the integration as a blogger gets it: the tarball `npm pack` makes, which checks the package's
files and its astro peer range too."""
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

FIXTURE = ROOT / "tests" / "fixtures" / "astro-site"
INTEGRATION = ROOT / "integrations" / "astro"
VERSIONS = ("astro4", "astro5")
POSTS = ("blog/first-post", "blog/second-post")

pytestmark = [
    pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")), reason="node and npm missing"),
    pytest.mark.skipif(not ENGINES, reason="no TeX engine"),
    requires_pdftotext,
]


def npm(*args: str, cwd: Path) -> str:
    done = subprocess.run(["npm", *args, "--no-audit", "--no-fund", "--prefer-offline"], cwd=cwd,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"npm {' '.join(args)}:\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="session")
def integration_tarball(tmp_path_factory) -> Path:
    into = tmp_path_factory.mktemp("astro-distill-pdf")
    return into / npm("pack", "--pack-destination", str(into), cwd=INTEGRATION).strip().splitlines()[-1]


@pytest.fixture(scope="module", params=VERSIONS)
def site(request, tmp_path_factory, integration_tarball) -> Path:
    """The fixture site for one Astro version, installed."""
    root = tmp_path_factory.mktemp(request.param)
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(*VERSIONS, "node_modules", "dist", ".astro"))
    shutil.copytree(FIXTURE / request.param, root, dirs_exist_ok=True)
    npm("ci", cwd=root)
    npm("install", "--no-save", str(integration_tarball), cwd=root)
    installed = json.loads((root / "node_modules" / "astro" / "package.json").read_text(encoding="utf-8"))
    assert f"astro{installed['version'].split('.')[0]}" == request.param
    return root


def astro(site: Path, *args: str, command: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(site / "node_modules" / ".bin" / "astro"), *args], cwd=site,
                          env=astro_env(command), capture_output=True, text=True, timeout=600)


def astro_env(command: str | None = None) -> dict:
    return dict(os.environ, ASTRO_TELEMETRY_DISABLED="1", NO_COLOR="1",
                DISTILL_PDF_COMMAND=command or f"{sys.executable} -m distill_pdf")


def cache(site: Path) -> Path:
    return site / "node_modules" / ".astro" / "distill-pdf"


def report(site: Path, build: subprocess.CompletedProcess) -> dict:
    written = cache(site) / "build.report.json"
    assert written.is_file(), build.stdout[-3000:]  # distill-pdf did not run: the log says why
    return json.loads(written.read_text(encoding="utf-8"))


def test_build_makes_a_pdf_per_post_and_links_it_then_rebuilds_nothing(site):
    started = time.monotonic()
    first = astro(site, "build")
    first_seconds = time.monotonic() - started
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert report(site, first)["counts"]["built"] == 2
    for name in POSTS:
        pdf = site / "dist" / "pdf" / f"{name}.pdf"
        assert pdf.is_file(), first.stdout[-3000:]
        page = (site / "dist" / f"{name}/index.html").read_text(encoding="utf-8")
        assert f'href="/pdf/{name}.pdf"' in page
    index = (site / "dist" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="/{name}/"' in index and f'href="/pdf/{name}.pdf"' in index for name in POSTS)
    assert "marmalade and toast" in pdf_text_flat(site / "dist" / "pdf" / "blog" / "first-post.pdf")
    assert not (site / "dist" / "pdf" / "broken").exists()  # not one of the collections asked for

    started = time.monotonic()
    second = astro(site, "build")
    second_seconds = time.monotonic() - started
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    again = report(site, second)
    assert again["counts"] == {"built": 0, "up to date": 2, "failed": 0, "draft": 0}, \
        [post["reason"] for post in again["posts"]]  # "distill-pdf changed": an edit made meanwhile
    assert "0 built, 2 up to date" in second.stdout
    assert all((site / "dist" / "pdf" / f"{name}.pdf").is_file() for name in POSTS)  # dist/ was emptied
    print(f"{site.name}: astro build {first_seconds:.1f} s with the PDFs built, "
          f"{second_seconds:.1f} s with nothing to build")


def test_strict_fails_the_build_on_a_failed_post_without_a_stack_trace(site):
    result = astro(site, "build", "--config", "astro.strict.config.mjs")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "unclosed-math.md:8: unclosed math" in output
    assert "1 post had no PDF" in output
    assert "    at " not in output and "Stack trace" not in output


def test_without_distill_pdf_the_build_says_how_to_install_it(site):
    result = astro(site, "build", command="/nonexistent/distill-pdf")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]  # not strict: the site is built, without PDFs
    assert "distill-pdf is not installed" in output and "pipx install distill-pdf" in output
    assert "    at " not in output


def test_the_types_check_against_what_a_blogger_writes(site):
    """src/types-check.ts: every option typed, a wrong one refused, pdfUrl() of this version's entry."""
    synced = astro(site, "sync")
    assert synced.returncode == 0, synced.stdout[-3000:] + synced.stderr[-3000:]
    checked = subprocess.run(["node", str(site / "node_modules" / "typescript" / "bin" / "tsc"), "-p", "."],
                             cwd=site, capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout[-3000:]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_dev_server_builds_the_pdf_on_request_and_again_after_an_edit(site):
    port = _free_port()
    server = subprocess.Popen([str(site / "node_modules" / ".bin" / "astro"), "dev", "--host", "127.0.0.1",
                               "--port", str(port)], cwd=site, env=astro_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def pdf_text() -> str:
        with urllib.request.urlopen(f"{url}/pdf/blog/second-post.pdf", timeout=300) as response:
            assert response.headers["Content-Type"] == "application/pdf"
            pdf = site / "served.pdf"
            pdf.write_bytes(response.read())
        return pdf_text_flat(pdf)

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                page = urllib.request.urlopen(f"{url}/blog/second-post/", timeout=10).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "astro dev did not start"
                time.sleep(0.5)
        assert 'href="/pdf/blog/second-post.pdf"' in page
        assert "A quotation, set apart." in pdf_text()

        post = site / "src" / "content" / "blog" / "second-post.md"
        post.write_text(post.read_text(encoding="utf-8").replace("set apart", "set well apart"), encoding="utf-8")
        assert "A quotation, set well apart." in pdf_text()

        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(f"{url}/pdf/blog/no-such-post.pdf", timeout=300)
        assert failed.value.code == 404
    finally:
        server.terminate()
        server.wait(timeout=30)
