"""`distill-pdf watch`: a real watcher over a temp post, edited as a writer would edit it."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from distill_pdf.watch import Build, Watcher

from .conftest import ENGINES, pdf_text_flat, requires_pdftotext, write_post

pytestmark = [pytest.mark.skipif(not ENGINES, reason="no TeX engine"), requires_pdftotext]

BODY = "\nThe first word is apple.\n\nA second paragraph, long enough to be a paragraph.\n"


class Lines:
    """What the watcher reports, waited for one at a time."""

    def __init__(self):
        self.items: queue.Queue = queue.Queue()
        self.seen: list = []

    def __call__(self, item) -> None:
        self.items.put(item)

    def next_build(self, timeout: float = 60) -> Build:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            item = self.items.get(timeout=max(deadline - time.monotonic(), 0.01))
            self.seen.append(item)
            if isinstance(item, Build):
                return item
        raise AssertionError(f"no build within {timeout} s; saw {self.seen}")

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            item = self.items.get(timeout=max(deadline - time.monotonic(), 0.01))
            self.seen.append(item)
            if isinstance(item, str) and text in item:
                return
        raise AssertionError(f"no {text!r} within {timeout} s; saw {self.seen}")


def edit(post: Path, text: str) -> None:
    post.write_text(post.read_text(encoding="utf-8").replace(BODY, text), encoding="utf-8")


def test_edit_broken_edit_and_fix(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # every temp file the watch makes lands here
    post = write_post(tmp_path / "site", BODY)
    output = tmp_path / "out" / "post.pdf"
    lines, stop = Lines(), threading.Event()
    watcher = Watcher(post, output, {}, set(), lines)
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        first = lines.next_build()
        assert first.error is None and first.pages == 1, lines.seen
        assert "apple" in pdf_text_flat(output)
        lines.wait_for("watching 1 post")

        edit(post, BODY.replace("apple", "pineapple"))
        rebuilt = lines.next_build()
        assert rebuilt.error is None, rebuilt.line()
        assert "pineapple" in pdf_text_flat(output)
        assert "built" in rebuilt.line() and "1 page" in rebuilt.line() and "0 warnings" in rebuilt.line()

        good = output.read_bytes()
        post.write_text(post.read_text(encoding="utf-8") + "\n$$\nx^2\n", encoding="utf-8")
        broken = lines.next_build()
        assert broken.error and "post.md:" in broken.error and "unclosed math" in broken.error, broken.line()
        line = int(broken.error.split("post.md:")[1].split(":")[0])
        assert post.read_text(encoding="utf-8").split("\n")[line - 1] == "$$"
        assert "kept the last good PDF" in broken.line()
        assert output.read_bytes() == good  # the viewer keeps showing the last good PDF

        post.write_text(post.read_text(encoding="utf-8") + "$$\n\nFixed with kiwi.\n", encoding="utf-8")
        fixed = lines.next_build()
        assert fixed.error is None, fixed.line()
        assert "kiwi" in pdf_text_flat(output)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert list(scratch.iterdir()) == []
    assert sorted(p.name for p in output.parent.iterdir()) == ["post.pdf"]


def test_an_image_and_the_bibliography_are_inputs(tmp_path):
    from PIL import Image
    site = tmp_path / "site"
    site.mkdir()
    Image.new("RGB", (40, 20), "red").save(site / "fig.png")
    (site / "refs.bib").write_text("@book{knuth, title={The TeXbook}, author={Knuth, Donald}, year={1984}}\n")
    post = write_post(site, "\nSee [@knuth].\n\n![A figure](fig.png)\n", front="title: T\nbibliography: refs.bib")
    lines, stop = Lines(), threading.Event()
    watcher = Watcher(post, None, {}, set(), lines)
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert lines.next_build().error is None, lines.seen
        lines.wait_for("watching")
        Image.new("RGB", (40, 20), "blue").save(site / "fig.png")
        assert lines.next_build().error is None
        (site / "refs.bib").write_text("@book{knuth, title={The METAFONTbook}, author={Knuth, Donald}, "
                                       "year={1986}}\n")
        assert lines.next_build().error is None
        assert "METAFONTbook" in pdf_text_flat(post.with_suffix(".pdf"))
    finally:
        stop.set()
        thread.join(timeout=30)


def test_ctrl_c_during_a_build_leaves_no_temp_files(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    post = write_post(tmp_path / "site", BODY)
    out = tmp_path / "out"
    env = dict(os.environ, TMPDIR=str(scratch))
    proc = subprocess.Popen([sys.executable, "-m", "distill_pdf", "watch", str(post), "-o", str(out / "post.pdf")],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    seen: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [seen.put(line) for line in proc.stderr], daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        while "watching" not in (line := seen.get(timeout=max(deadline - time.monotonic(), 0.01))):
            pass
        edit(post, BODY.replace("apple", "cherry"))
        time.sleep(0.3)  # the rebuild is under way
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) in (0, 130), line
    finally:
        proc.kill()
    assert list(scratch.iterdir()) == []
    assert [p.name for p in out.iterdir()] == ["post.pdf"]
