"""Bad input, end to end through the `distill-pdf` command, one test each.

Every failure is one line (`error: post.md:LINE: message`, file:line where there is one), a
non-zero exit (1: the post, 2: usage or environment), never a traceback, never a partial PDF, and
nothing written outside the output path and the image cache: each run gets its own HOME, TMPDIR
and DISTILL_PDF_CACHE, and every folder is compared before and after.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ENGINES, pdf_text_flat, requires_pdftotext

ENGINE = "xelatex" if "xelatex" in ENGINES else (ENGINES[0] if ENGINES else None)
needs_engine = pytest.mark.skipif(ENGINE is None, reason="no TeX engine installed")


# --------------------------------------------------------------------------- the sandbox


@dataclass
class Run:
    code: int
    stderr: str
    stdout: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.strip().splitlines() if line.strip()]

    @property
    def error(self) -> str:
        """The one error line (and there is exactly one, with no traceback)."""
        assert "Traceback" not in self.stderr, self.stderr
        assert len(self.lines) == 1, self.stderr
        assert self.lines[0].startswith("error: "), self.stderr
        return self.lines[0]


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for path in sorted(root.rglob("*")):
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue
        out[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns) if path.is_file() else (-1, 0)
    return out


class Sandbox:
    """A site folder with a post, an output folder, and private HOME, TMPDIR and cache."""

    def __init__(self, root: Path):
        self.root = root
        self.site, self.out = root / "site", root / "out"
        self.home, self.tmp, self.cache = root / "home", root / "tmp", root / "cache"
        for folder in (self.site, self.out, self.home, self.tmp, self.cache):
            folder.mkdir(parents=True, exist_ok=True)
        (self.site / "distill-pdf.toml").write_text("")  # marks the site root

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISTILL_PDF_", "XDG_"))}
        env.update(HOME=str(self.home), TMPDIR=str(self.tmp), DISTILL_PDF_CACHE=str(self.cache),
                   PYTHONDONTWRITEBYTECODE="1")
        for name in ("DISTILL_PDF_BUNDLE", "DISTILL_PDF_TECTONIC"):
            if os.environ.get(name):
                env[name] = os.environ[name]
        return env

    def post(self, text: str | bytes, name: str = "post.md", front: str | None = "title: A post") -> Path:
        path = self.site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            text = (f"---\n{front}\n---\n{text}" if front is not None else text).encode("utf-8")
        path.write_bytes(text)
        return path

    def command(self, *args) -> list[str]:
        return [sys.executable, "-m", "distill_pdf", *map(str, args)]

    def run(self, *args, engine: bool = True, timeout: float = 600, allowed: tuple[Path, ...] = ()) -> Run:
        """Run the CLI; check that it wrote nothing but ``allowed`` files and the cache."""
        if engine and ENGINE and "--engine" not in args:
            args = (*args, "--engine", ENGINE)
        before = _tree(self.root)
        p = subprocess.run(self.command(*args), capture_output=True, text=True, env=self.env(),
                           cwd=self.site, timeout=timeout, stdin=subprocess.DEVNULL)
        self.check_untouched(before, allowed)
        return Run(p.returncode, p.stderr, p.stdout)

    def check_untouched(self, before: dict, allowed: tuple[Path, ...] = ()) -> None:
        """Only ``allowed`` paths (files, or folders and all below them), the folders holding
        them, and the cache may differ from ``before``; TMPDIR must be empty."""
        after = _tree(self.root)
        mine = [str(Path(a).relative_to(self.root)) for a in allowed if self.root in Path(a).parents]
        changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
        changed = {name for name in changed if not (name == "cache" or name.startswith("cache/"))}
        changed = {name for name in changed
                   if not any(name == a or name.startswith(a + "/") or a.startswith(name + "/") for a in mine)}
        assert not changed, f"touched outside the output and the cache: {sorted(changed)}"
        assert not list(self.tmp.iterdir()), f"left in TMPDIR: {list(self.tmp.iterdir())}"


@pytest.fixture
def box(tmp_path) -> Sandbox:
    return Sandbox(tmp_path)


def failed(run: Run, code: int, *phrases: str) -> str:
    """A failed run: its exit code, one error line holding every phrase."""
    assert run.code == code, run.stderr
    line = run.error
    for phrase in phrases:
        assert phrase in line, line
    return line


def no_pdfs(box: Sandbox) -> None:
    assert not [p for p in box.root.rglob("*.pdf") if "cache" not in p.parts], "a PDF was written"


# --------------------------------------------------------------------------- the file itself


def test_nonexistent_post(box):
    line = failed(box.run("missing.md", "-o", box.out / "x.pdf", engine=False), 2, "missing.md", "no such file")
    assert line == "error: missing.md: no such file"
    no_pdfs(box)


def test_a_directory(box):
    (box.site / "posts").mkdir()
    failed(box.run(box.site / "posts", "-o", box.out / "x.pdf", engine=False), 2, "is a directory")
    no_pdfs(box)


def test_an_empty_file(box):
    post = box.post(b"")
    failed(box.run(post, "-o", box.out / "x.pdf"), 1, f"{post}: empty file")
    blank = box.post(b"  \n\n\t\n", name="blank.md")
    failed(box.run(blank, "-o", box.out / "x.pdf"), 1, f"{blank}: empty file")
    no_pdfs(box)


def test_a_binary_file(box):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(200)
    post = box.post(png, name="image.md")
    failed(box.run(post, "-o", box.out / "x.pdf"), 1, f"{post}: binary file")
    no_pdfs(box)


@requires_pdftotext
@needs_engine
@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_non_utf8_is_decoded_with_a_warning(box, encoding):
    text = "---\ntitle: Caf\u00e9\n---\nSome text.\n\nNa\u00efve r\u00e9sum\u00e9 \u00bd\u00b2\u00b0.\n"
    if encoding == "cp1252":
        text += "Curly \u201cquotes\u201d cost \u20ac5 \u2014 really.\n"
    post = box.post(text.encode(encoding))
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0, run.stderr
    assert f"{post}:2: not UTF-8" in run.stderr  # the first byte that is not UTF-8
    text_out = pdf_text_flat(out)
    assert "Naïve résumé ½²°" in text_out
    if encoding == "cp1252":
        assert "\u201cquotes\u201d cost \u20ac5" in text_out


@requires_pdftotext
@needs_engine
def test_bom_and_crlf(box):
    post = box.post("\ufeff---\r\ntitle: BOM and CRLF\r\ntags: [a, b]\r\n---\r\n## Heading\r\n\r\nLine one\r\nline two.\r\n"
                    .encode("utf-8"), name="bom.md")
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0 and "warning" not in run.stderr, run.stderr
    text = pdf_text_flat(out)
    assert "BOM and CRLF" in text and "Line one line two." in text and "title:" not in text


# --------------------------------------------------------------------------- front matter


@pytest.mark.parametrize("front, line, phrase", [
    ("title: ok\ntags: [a, b\nother: x", 4, "invalid YAML front matter"),
    ("title: ok\n  bad: indent\nx: [", 3, "invalid YAML front matter"),
    ('title: "unclosed', 2, "invalid YAML front matter"),
    ("title: a\ntitle: b: c", 3, "invalid YAML front matter"),
    ("- a\n- list", 2, "front matter must be a mapping"),
    ("just a string", 2, "front matter must be a mapping"),
])
def test_front_matter_problems_name_their_line(box, front, line, phrase):
    post = box.post("Body.\n", front=front)
    failed(box.run(post, "-o", box.out / "x.pdf"), 1, f"{post}:{line}: ", phrase)
    no_pdfs(box)


@needs_engine
def test_a_front_matter_shape_we_cannot_use_warns_and_strict_stops(box):
    post = box.post("Body.\n", front="title: x\ntags: 5\ndraft: maybe")
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0, run.stderr
    assert f"{post}:3: front matter `tags` must be a list of strings, not 5; ignored" in run.stderr
    assert f"{post}:4: front matter `draft` must be true or false" in run.stderr
    out.unlink()
    failed(box.run(post, "-o", out, "--strict"), 1, f"{post}:3: ", "`tags` must be a list of strings")
    no_pdfs(box)


@requires_pdftotext
@needs_engine
def test_title_with_math_every_special_and_yaml_escapes(box):
    """pandoc + XeLaTeX dies on a YAML `\\b` in a title; a control character is dropped here."""
    post = box.post("Body.\n", front='title: "Cost $x^2$ & 100% #1 ~ _ ^ \\\\ {a} <b> \\b end"\n'
                                     'description: "tab\\there \\u0007 bell"\nauthors: ["A & B", "C_D"]')
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0, run.stderr
    from pypdf import PdfReader
    info = PdfReader(out).metadata
    assert info.title.startswith("Cost x") and "& 100% #1 ~ _ ^ \\ {a} <b>" in info.title and "end" in info.title
    assert "A & B" in info.author and "C_D" in info.author
    assert "& 100% #1 ~ _ ^ \\ {a} <b> end" in pdf_text_flat(out)


# --------------------------------------------------------------------------- the Markdown


@requires_pdftotext
@needs_engine
def test_unclosed_code_fence_runs_to_the_end(box):
    post = box.post("Before.\n\n```python\nx = {'a': 1}  # $ & % \\\n\nafter = True\n")
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0, run.stderr
    assert "x = {'a': 1} # $ & % \\" in pdf_text_flat(out).replace("  ", " ")


@pytest.mark.parametrize("body, line, phrase", [
    ("Para.\n\n$$\nx + y\n\nmore\n", 6, "unclosed math: `$$` has no closing `$$`"),
    ("Para.\n\nText $\\frac{1}{2$ here.\n", 6, "unbalanced braces in math"),
    ("Para.\n\n$$\n\\frac{1}}{2}\n$$\n", 7, "unbalanced braces in math"),
    ("Para.\n\n$$\n\\begin{aligned} x &= 1\n$$\n", 7, "`\\begin{aligned}` without `\\end{aligned}`"),
    ("Para.\n\n$$\nx \\end{matrix}\n$$\n", 7, "`\\end{matrix}` does not match"),
])
def test_broken_math_is_an_error_at_its_line(box, body, line, phrase):
    post = box.post(body)
    failed(box.run(post, "-o", box.out / "x.pdf"), 1, f"{post}:{line}: ", phrase)
    no_pdfs(box)


@pytest.mark.parametrize("body, line", [
    ("Para.\n\n- a\n- b $\\frac{1}{2$\n\nAfter.\n", 7),
    ("> a\n>\n> - x\n>   - y $}$\n", 7),
    ("- a\n\n  - b\n\n    - c $}$\n\n  - d\n", 8),
    ("Para.\n\n> [!NOTE]\n> Text\n>\n> $$\n> \\begin{x}\n> $$\n", 10),  # the formula's line
    ("1. one\n2. two\n\n   text $\\input{x}$\n", 7),
    ("x\n\n- x\n  - x\n    - x $}$\n", 8),
])
def test_errors_inside_lists_and_quotes_name_their_own_line(box, body, line):
    post = box.post(body)
    failed(box.run(post, "-o", box.out / "x.pdf", engine=False), 1, f"{post}:{line}: ")


@pytest.mark.parametrize("command", ["input{/etc/passwd}", "write18{touch pwned}", "immediate\\openout1=pwned",
                                     "catcode`\\@=11", "csname input\\endcsname{/etc/hostname}",
                                     "^^5cinput{/etc/passwd}"])
def test_dangerous_tex_in_math_is_refused(box, command):
    post = box.post(f"Intro.\n\nSome math: $a + \\{command}$ and more.\n")
    line = failed(box.run(post, "-o", box.out / "x.pdf"), 1, f"{post}:6: ")
    assert "not allowed in math" in line or "character codes" in line
    no_pdfs(box)
    assert not list(box.root.rglob("pwned*"))


@requires_pdftotext
@needs_engine
def test_split_control_words_cannot_smuggle_input(box):
    """`\\def\\x{\\inp}` + `ut` is not `\\input`: TeX sees `\\inp`, undefined: the formula is
    printed as its source (an error with --strict), the file never read."""
    post = box.post("Intro.\n\n$\\def\\x{\\inp}\\x ut{/etc/passwd}$\n")
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0 and f"{post}:6: could not typeset this block: Undefined control sequence." in run.stderr
    assert "root:" not in run.stderr + pdf_text_flat(out)
    out.unlink()
    run = box.run(post, "-o", out, "--strict")
    assert run.code == 1 and "root:" not in run.stderr
    no_pdfs(box)


@requires_pdftotext
@needs_engine
def test_huge_line_word_and_url(box):
    line = " ".join(f"word{i}" for i in range(14000))           # ~100 kB on one line
    word = "W" * 2048
    url = "https://example.com/" + "segment/" * 375              # ~3 kB
    post = box.post(f"{line}\n\n{word}\n\n<{url}>\n\n[link]({url}) and {url}\n")
    assert len(line) > 100_000
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0, run.stderr
    text = pdf_text_flat(out)
    assert "word0 word1" in text and "word13999" in text and "WWWWWWWW" in text


@needs_engine
def test_ten_thousand_row_table(box):
    rows = "\n".join(f"| {i} | cell & {i} % | $x_{{{i}}}$ |" for i in range(10_000))
    post = box.post(f"Intro.\n\n| n | text | math |\n|---|:--|--:|\n{rows}\n\nAfter.\n")
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0, run.stderr
    from pypdf import PdfReader
    assert len(PdfReader(out).pages) > 50


@requires_pdftotext
@needs_engine
def test_lists_and_quotes_nested_fifty_deep(box):
    lists = "\n".join("  " * i + f"- level {i}" for i in range(50))
    quotes = "\n".join(">" * (i + 1) + f" quote {i}" + "\n" + ">" * (i + 1) for i in range(50))
    mixed = "\n".join("   " * i + f"1. > m{i}" for i in range(25))
    post = box.post(f"{lists}\n\n{quotes}\n\nText.\n\n{mixed}\n")
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0, run.stderr
    text = pdf_text_flat(out)
    assert "level 0" in text and "level 49" in text and "quote 49" in text and "m24" in text


# --------------------------------------------------------------------------- images


def _noise_png(corrupt: bool = False) -> bytes:
    """A 300x200 noise PNG; ``corrupt``: bytes in the middle of its pixel data overwritten."""
    import io

    from PIL import Image
    buffer = io.BytesIO()
    Image.effect_noise((300, 200), 80).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    if corrupt:
        middle = len(data) // 2
        data[middle:middle + 64] = b"\xa5" * 64
    return bytes(data)


def _png(width: int, height: int) -> bytes:
    """A valid grey PNG of any size, small on disk (compressed rows of zeros)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    raw = zlib.compress(b"\x00" * ((width + 1) * height), 9)
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@requires_pdftotext
@needs_engine
def test_image_problems_are_placeholders_and_strict_errors(box):
    secret = box.root / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    (box.site / "huge.png").write_bytes(_png(10_000, 10_001))          # over 100 megapixels
    (box.site / "corrupt.png").write_bytes(_noise_png(corrupt=True))
    (box.site / "truncated.png").write_bytes(_noise_png()[:3000])
    (box.site / "xxe.svg").write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50"><text y="20">&xxe;</text></svg>\n')
    body = ("Intro.\n\n![escape](../../../../etc/passwd)\n\n![abs](/etc/passwd)\n\n![huge](huge.png)\n\n"
            "![corrupt](corrupt.png)\n\n![truncated](truncated.png)\n\n![xxe](xxe.svg)\n")
    post = box.post(body)
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, "--keep-build", box.out / "build", allowed=(out, box.out / "build"))
    assert run.code == 0, run.stderr
    stderr = run.stderr
    assert f"{post}:6: image ../../../../etc/passwd: outside the site root" in stderr
    assert f"{post}:10: image huge.png: too large" in stderr
    assert f"{post}:12: image corrupt.png: corrupt image" in stderr
    assert f"{post}:14: image truncated.png: corrupt image" in stderr
    assert f"{post}:16: image xxe.svg: unsafe SVG refused" in stderr
    assert "Traceback" not in stderr
    text = pdf_text_flat(out)
    assert "TOP-SECRET-MARKER" not in text and "root:x:0:0" not in text
    assert "Image not available" in text
    figures = box.out / "build" / "figures"
    leaked = [p for p in figures.rglob("*") if p.is_file() and b"root:" in p.read_bytes()] if figures.exists() else []
    assert not leaked
    # --strict: the first of them is an error, and no PDF
    out.unlink()
    failed(box.run(post, "-o", out, "--strict"), 1, f"{post}:6: image ../../../../etc/passwd: outside the site root")
    assert not out.exists()


# --------------------------------------------------------------------------- the output


@needs_engine
def test_output_in_a_missing_folder_is_created(box):
    post = box.post("Hello.\n")
    out = box.out / "a" / "b" / "c" / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0, run.stderr
    assert out.is_file() and run.lines[-1].startswith("wrote ")


@pytest.mark.parametrize("target", ["/etc/passwd/x.pdf", "/proc/distill-pdf-test/x.pdf", "/proc/x.pdf"])
def test_unwritable_output_is_an_error(box, target):
    post = box.post("Hello.\n")
    line = failed(box.run(post, "-o", target, timeout=300), 2, "cannot write output")
    assert target in line
    assert not Path(target).exists()


def test_output_equal_to_the_input_is_refused(box):
    post = box.post("Hello.\n", name="same.pdf")
    original = post.read_bytes()
    failed(box.run(post, "-o", post), 2, "output would overwrite the input post")
    failed(box.run(post, engine=True), 2, "output would overwrite the input post")  # default: beside it
    md = box.post("Hello.\n")
    failed(box.run(md, "-o", md), 2, "output must be a .pdf file")
    assert post.read_bytes() == original and md.exists()


# --------------------------------------------------------------------------- the engine


def _heavy_post(box: Sandbox) -> Path:
    rows = "\n".join(f"| {i} | some text in a cell {i} | $x^{{{i}}}$ |" for i in range(8000))
    return box.post(f"Intro.\n\n| n | text | math |\n|---|---|---|\n{rows}\n")


@needs_engine
def test_ctrl_c_mid_build_leaves_nothing(box):
    post = _heavy_post(box)
    out = box.out / "x.pdf"
    before = _tree(box.root)
    proc = subprocess.Popen(box.command(post, "-o", out, "--engine", ENGINE), env=box.env(), cwd=box.site,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    engine_running = False
    while time.monotonic() < deadline and proc.poll() is None:
        if _engines_in(box.tmp):  # the engine runs in the build folder under TMPDIR
            engine_running = True
            break
        time.sleep(0.05)
    assert engine_running, "the engine never started"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and stderr.strip().splitlines()[-1] == "interrupted"
    time.sleep(1)  # an engine left running would still be writing
    assert not out.exists()
    box.check_untouched(before)
    assert not _engines_in(box.tmp)


def _engines_in(folder: Path) -> list[int]:
    """Processes whose working folder is inside ``folder``."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(folder) in os.readlink(proc / "cwd"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@needs_engine
def test_an_engine_that_hangs_is_killed_at_the_timeout(box):
    post = box.post("Intro.\n\nA formula that loops: $\\def\\x{\\x}\\x$.\n")
    started = time.monotonic()
    run = box.run(post, "-o", box.out / "x.pdf", "--timeout", "5", timeout=120)
    assert time.monotonic() - started < 60
    line = failed(run, 1, f"{post}: ", "timed out after 5 s", "--timeout")
    assert "distill-pdf-" not in line  # names the post, not the temporary main.tex
    no_pdfs(box)
    assert not _engines_in(box.tmp)


def test_no_engine_installed(box, monkeypatch):
    from click.testing import CliRunner

    from distill_pdf import engines
    from distill_pdf.cli import main
    post = box.post("Hello.\n")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("DISTILL_PDF_TECTONIC", raising=False)
    monkeypatch.setattr(engines, "TECTONIC_FALLBACKS", ())
    monkeypatch.setattr(engines, "_works_cache", {})
    before = _tree(box.root)
    result = CliRunner().invoke(main, [str(post), "-o", str(box.out / "x.pdf")])
    assert result.exit_code == 2
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: no TeX engine runs here")
    assert "apt-get install" in lines[0] and "Traceback" not in result.output
    box.check_untouched(before)


# --------------------------------------------------------------------------- messages


@needs_engine
def test_latex_error_names_the_markdown_line_and_keeps_the_log(box):
    """--strict: a block the engine rejects is an error (else it is boxed: test_isolation.py)."""
    post = box.post("Para one.\n\nPara two.\n\n$$\n\\frac{1}{2} \\undefinedmacro\n$$\n\nAfter.\n")
    out = box.out / "x.pdf"
    build = box.out / "build"
    run = box.run(post, "-o", out, "--keep-build", build, "--strict", allowed=(build,))
    line = failed(run, 1, f"{post}:8: LaTeX error: Undefined control sequence.", "[LaTeX: ")
    assert len(line) < 300  # one line of context, not a log dump
    assert (build / "main.log").is_file() and "Undefined control sequence" in (build / "main.log").read_text()
    assert not out.exists()


@needs_engine
def test_warnings_are_grouped_counted_and_last(box):
    post = box.post("Intro <blink>x</blink>.\n\n![gone](missing.png)\n\nMore <blink>y</blink> <blink>z</blink>.\n")
    out = box.out / "x.pdf"
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0, run.stderr
    assert run.lines == [  # nothing before the warnings (no interleaving), the PDF line last
        "4 warnings:",
        f"  {post}:4,8: dropped <blink> (3x)",
        f"  {post}:6: image missing.png: missing file: missing.png",
        f"wrote {out} (1 page)",
    ], run.stderr


@needs_engine
def test_a_clean_run_writes_only_the_output_and_the_cache(box):
    (box.site / "pic.png").write_bytes(_png(1600, 900))  # big enough to be downscaled: cached
    (box.site / "draw.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40">'
                                       '<rect width="100" height="40" fill="#abc"/></svg>')
    post = box.post("Text.\n\n![A picture](pic.png)\n\n![A drawing](draw.svg)\n")
    out = box.out / "x.pdf"
    cache_before = _tree(box.cache)
    run = box.run(post, "-o", out, allowed=(out,))
    assert run.code == 0, run.stderr
    assert _tree(box.cache) != cache_before  # the conversions went to DISTILL_PDF_CACHE
    assert sorted(p.name for p in box.out.iterdir()) == ["x.pdf"]
    assert not list(box.home.rglob("*"))
