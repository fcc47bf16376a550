"""Property tests: random Markdown never breaks the renderer, and a sample of it compiles.

hypothesis builds posts from LaTeX specials, Unicode (every script, combining marks, RTL,
emoji, controls, unassigned code points), nested quotes/lists/alerts, math, tables, footnotes,
links, raw HTML and code. The renderer must never raise, except a DistillError for genuinely bad
math, which must carry the line. A bounded, derandomized sample is compiled (grouped, as the
CommonMark corpus is) with no LaTeX error and no missing glyph.

``DISTILL_PDF_FUZZ_EXAMPLES=N`` raises the number of examples; ``DISTILL_PDF_FUZZ_RANDOM=1`` draws
a fresh sample each run instead of the fixed one.
"""
from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from distill_pdf.errors import Diagnostics, DistillError
from distill_pdf.pipeline import Options, build_project

from .test_commonmark import ENGINE, Piece, _piece, compile_group

EXAMPLES = int(os.environ.get("DISTILL_PDF_FUZZ_EXAMPLES", "300"))
SAMPLE = int(os.environ.get("DISTILL_PDF_FUZZ_SAMPLE", "60"))
FIXED = not os.environ.get("DISTILL_PDF_FUZZ_RANDOM")

# --------------------------------------------------------------------------- inline pieces

SPECIALS = list("\\{}&#^_~%") + ["\\$", "$5", "$ 3", "US$10", "\\\\", "\\*", "\\_", "\\`", "{}", "%%", "~/x", "#1",
                                  "^^", "^^5c", "\\input{x}", "\\def", "&amp;", "&#0;", "&#x1F600;", "&bogus;",
                                  "&lt;b&gt;", "--", "---", "...", "''", "``", "\"", "'", "<", ">", "<=", "->",
                                  "|", "*", "_", "**", "__", "[", "]", "(", ")", "!", "[]", "()", "\\par",
                                  "\\end{document}", "\\begin{verbatim}", "\\\\x", "\\\\\\\\"]
SCRIPTS = ["café", "naïve", "Ελληνικά", "Кириллица", "注意力", "日本語の文", "한국어", "עברית ושלום, 3",
           "العربية 12", "हिन्दी", "ไทย", "ქართული", "ᚠᚢᚦ", "𝔸𝕓𝕔", "ℝ ℕ ∀x ∃y → ⇒ ≤ ≠ ∞", "✓ ✗ ★ ♥ ⚠ ⌘",
           "😀 👍🏽 🇫🇷 👨‍👩‍👧", "e\u0301 a\u0308\u0323", "\u200b\u200d\u2060\ufeff", "\u202eRTL override\u202c",
           "\u00ad soft", "\u00a0nbsp", "\ufffd", "\ue000 private", "\U000e0041 tag", "\u0378 unassigned",
           "\x07 bell \x1b esc", "\u2028 line sep", "ﬁ ligature", "Å Ω µ", "½ ² ° ‰", "—–‐", "„quotes“ «x» ‹y›"]
ALPHABET = st.characters(blacklist_categories=("Cs",), max_codepoint=0x10FFFF)

word = st.one_of(
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=12),
    st.sampled_from(SPECIALS),
    st.sampled_from(SCRIPTS),
    st.text(ALPHABET, min_size=1, max_size=6).filter(lambda s: "$" not in s and "\n" not in s and "\r" not in s),
)
FORMULAS = ["x^2", "\\frac{a}{b}", "\\sum_{i=1}^{n} i^2", "\\alpha + \\beta = \\gamma", "\\mathbb{R}^n",
            "\\text{if } x > 0", "a_{ij}", "\\sqrt[3]{x}", "\\left( \\frac{1}{2} \\right)", "\\{ x \\mid x < 1 \\}",
            "50\\%", "\\#1", "a \\cdot b", "\\mathcal{L}(\\theta)", "\\hat{y}", "α + β", "x → ∞", "\\|x\\|_2",
            "\\operatorname{softmax}(z)_i", "\\LaTeX", "\\underbrace{a+b}_{c}", "\\overbrace{x}^{y}", "f'(x)",
            "\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}", "\\binom{n}{k}", "\\mathrm{d}x", "x \\le y",
            "\\lim_{n \\to \\infty} a_n", "\\int_0^1 f", "\\textbf{v}", "\\boldsymbol{\\mu}", "<x, y>"]
DISPLAY = FORMULAS + ["\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}", "\\begin{align} x &= 1 \\\\ y &= 2 \\end{align}",
                      "\\begin{equation} E = mc^2 \\label{eq:1} \\end{equation}", "x = 1 % a comment\n+ 2",
                      "\\begin{cases} 1 & x > 0 \\\\ 0 & \\text{else} \\end{cases}", "a\n\nb",
                      "\\begin{gather} a \\\\ b \\end{gather}", "\\begin{equation*}\n\\pi\n\\end{equation*}"]
BAD_MATH = ["\\frac{1}{2", "x}", "\\input{/etc/passwd}", "\\begin{matrix} a", "\\catcode`\\@=11", "a \\end{x}",
            "\\write18{ls}", "^^5c"]
URLS = ["https://example.com", "https://example.com/a_b%20c?x=1&y=2#frag", "http://ex.com/~user/$5",
        "#section", "#not-a-heading", "mailto:a@b.c", "javascript:alert(1)", "/relative/path", "../up",
        "<with space>", "https://ex.com/" + "x" * 300, "https://例え.jp/パス", "ftp://host/file", "data:text/plain,hi",
        "https://ex.com/\\{}^_%25", ""]


@st.composite
def inline(draw, depth: int = 0) -> str:
    """A line of inline Markdown (no newline)."""
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 16 if depth < 2 else 4))
        if kind <= 4:
            parts.append(draw(word))
        elif kind == 5:
            parts.append(f"*{draw(inline(depth + 1))}*")
        elif kind == 6:
            parts.append(f"**{draw(inline(depth + 1))}**")
        elif kind == 7:
            parts.append(f"~~{draw(inline(depth + 1))}~~")
        elif kind == 8:
            code = draw(st.text(ALPHABET, min_size=1, max_size=20).filter(lambda s: "`" not in s and "\n" not in s))
            parts.append(f"`{code}`")
        elif kind == 9:
            parts.append(f"${draw(st.sampled_from(FORMULAS))}$")
        elif kind == 10:
            parts.append(f"[{draw(inline(depth + 1))}]({draw(st.sampled_from(URLS))})")
        elif kind == 11:
            parts.append(f"<{draw(st.sampled_from([u for u in URLS if u.startswith(('http', 'mailto'))]))}>")
        elif kind == 12:
            parts.append(f"[^{draw(st.integers(1, 4))}]")
        elif kind == 13:
            tag = draw(st.sampled_from(["sup", "sub", "b", "i", "kbd", "code", "span", "a href=\"https://x.y\"",
                                        "mark", "u", "blink", "abbr title=\"t\"", "q", "small"]))
            name = tag.split()[0]
            closing = draw(st.sampled_from([f"</{name}>", "", f"</{name}></{name}>"]))
            parts.append(f"<{tag}>{draw(inline(depth + 1))}{closing}")
        elif kind == 14:
            parts.append(draw(st.sampled_from(["<br>", "<br/>", "<img src=\"missing.png\" alt=\"x\">", "<!-- c -->",
                                               "<wbr>", "<input type=\"checkbox\" checked>", "</div>", "<hr>"])))
        elif kind == 15:
            parts.append(f"![{draw(word)}]({draw(st.sampled_from(['missing.png', '../../../etc/passwd', 'a b.png', '']))})")
        else:
            parts.append(draw(st.sampled_from(["\\", "  ", "\t", " \\"])))
    return " ".join(parts).replace("\n", " ").replace("\r", " ")


# --------------------------------------------------------------------------- blocks


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [(rest + line) if line else rest.rstrip() for line in lines[1:]])


@st.composite
def leaf_block(draw) -> str:
    kind = draw(st.integers(0, 12))
    if kind <= 3:
        return "\n".join(draw(st.lists(inline(), min_size=1, max_size=3)))
    if kind == 4:
        return "#" * draw(st.integers(1, 6)) + " " + draw(inline())
    if kind == 5:
        fence = draw(st.sampled_from(["```", "~~~", "````"]))
        lang = draw(st.sampled_from(["", "python", "js", "latex", "unknown-lang", "c++", "diff", "text {.x}"]))
        body = draw(st.lists(st.text(ALPHABET, max_size=40).map(lambda s: s.replace("\n", " ").replace("\r", " ")
                                                                    .replace("`", "'").replace("~", "-")),
                             max_size=5))
        return f"{fence}{lang}\n" + "\n".join(body) + f"\n{fence}"
    if kind == 6:
        return f"$$\n{draw(st.sampled_from(DISPLAY))}\n$$"
    if kind == 7:
        columns = draw(st.integers(1, 5))
        align = "|".join(draw(st.sampled_from(["---", ":--", "--:", ":-:"])) for _ in range(columns))
        cell = inline().map(lambda s: s.replace("|", "\\|"))
        rows = [" | ".join(draw(cell) for _ in range(columns)) for _ in range(draw(st.integers(1, 4)))]
        return "\n".join([f"| {rows[0]} |", f"|{align}|", *(f"| {row} |" for row in rows[1:])])
    if kind == 8:
        return draw(st.sampled_from(["---", "***", "___", "* * *"]))
    if kind == 9:
        return draw(st.sampled_from([
            "<div class=\"x\">\ntext & more\n</div>", "<details><summary>More</summary>\n\nhidden *md*\n\n</details>",
            "<figure><img src=\"gone.png\"><figcaption>Cap $x$ & y</figcaption></figure>",
            "<iframe src=\"https://youtube.com/embed/x\"></iframe>", "<script>alert('x')</script>",
            "<pre><code>a\n\nb &amp; c</code></pre>", "<a href=\"https://x.y\">", "<table><tr><td>a</td></tr></table>",
            "<p align=\"center\">\n<img src=\"x.svg\" width=\"20\">\n</p>", "<!-- comment\n\nmore -->", "<style>p{}</style>",
            "<video src=\"v.mp4\" controls></video>", "<center>old</center>", "<span>unclosed"]))
    if kind == 10:
        return f"[^{draw(st.integers(1, 4))}]: {draw(inline())}"
    if kind == 11:
        return f"    {draw(st.text(ALPHABET, max_size=30)).replace(chr(10), ' ').replace(chr(13), ' ')}"
    return f"[ref{draw(st.integers(1, 3))}]: {draw(st.sampled_from([u for u in URLS if u]))}"


def container(children: st.SearchStrategy) -> st.SearchStrategy:
    blocks = st.lists(children, min_size=1, max_size=3).map("\n\n".join)

    @st.composite
    def build(draw) -> str:
        kind = draw(st.integers(0, 5))
        inner = draw(blocks)
        if kind == 0:
            return _indent(inner, "> ", "> ")
        if kind == 1:
            items = [inner, *draw(st.lists(blocks, max_size=2))]
            task = draw(st.sampled_from(["", "[ ] ", "[x] "]))
            return "\n".join(_indent(item, f"- {task}", "  ") for item in items)
        if kind == 2:
            start = draw(st.sampled_from([1, 0, 7, 123456789]))
            return _indent(inner, f"{start}. ", " " * (len(str(start)) + 2))
        if kind == 3:
            marker = draw(st.sampled_from(["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION", "note", "BOGUS"]))
            return _indent(f"[!{marker}]\n{inner}", "> ", "> ")
        if kind == 4:
            return _indent(inner, "* ", "  ")
        return _indent(inner, "  - ", "    ")
    return build()


blocks = st.recursive(leaf_block(), container, max_leaves=12)


_INTENDED = {f.strip() for f in FORMULAS + DISPLAY}


def _only_intended_math(body: str) -> bool:
    """No `$` of the prose (`$5`, `US$10`, a URL's) paired up with another into a formula of
    random text: that is bad math the author wrote, which TeX may rightly refuse."""
    from distill_pdf.load import Post
    from distill_pdf.parse import parse_post
    try:
        document = parse_post(Post(path=Path("fuzz.md"), body=body, body_line=1, meta={}, title=""))
    except DistillError:
        return False

    def walk(tokens):
        for token in tokens:
            if token["type"] in ("inline_math", "block_math") and token["raw"].strip() not in _INTENDED:
                return False
            if token.get("children") and not walk(token["children"]):
                return False
        return True
    return walk(document.tokens) and all(walk(note) for note in document.footnotes.values())


@st.composite
def posts(draw, bad_math: bool = True) -> str:
    body = "\n\n".join(draw(st.lists(blocks, min_size=1, max_size=6)))
    if not bad_math:
        from hypothesis import assume
        assume(_only_intended_math(body))
    if bad_math and draw(st.integers(0, 9)) == 0:
        body += f"\n\nBroken: ${draw(st.sampled_from(BAD_MATH))}$ here.\n"
    title = draw(st.one_of(inline(), st.sampled_from(["Cost $x^2$ & 100%", "$\\frac{1}{2", "A \\b \\x07 title"])))
    title = title.replace('"', "'").replace("\\", "\\\\")
    return f'---\ntitle: "{title}"\ntags: [a, b]\n---\n{body}\n'


# --------------------------------------------------------------------------- properties


def _build(tmp: Path, text: str, name: str = "post.md"):
    post = tmp / name
    post.write_text(text, encoding="utf-8")
    return build_project(post, Options(allow_remote=False, site_root=tmp, cache_dir=tmp / "cache"), Diagnostics())


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=FIXED, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


def test_renderer_never_raises(tmp_path_factory):
    """Any post becomes LaTeX, or stops with a DistillError that names its line (bad math only)."""
    folder = tmp_path_factory.mktemp("fuzz")

    @_settings(EXAMPLES)
    @given(posts())
    def check(text):
        try:
            project = _build(folder, text)
        except DistillError as exc:  # bad math only (the `Broken:` line, or prose `$`s that pair up)
            lines = text.split("\n")
            assert exc.path is not None and exc.line and 1 <= exc.line <= len(lines), str(exc)
            assert "math" in exc.message or exc.message.startswith("`\\"), str(exc)
            assert "$" in lines[exc.line - 1] + lines[exc.line - 2], f"{exc}: not a line with math"
            return
        assert "\\begin{document}" in project.tex

    check()


def test_balanced_environments_and_braces(tmp_path_factory):
    """The body's environments nest and its braces balance (outside verbatim code)."""
    import re
    folder = tmp_path_factory.mktemp("envs")

    @_settings(max(EXAMPLES // 3, 50))
    @given(posts(bad_math=False))
    def check(text):
        try:
            latex = _build(folder, text).body.latex
        except DistillError as exc:
            assert exc.line is not None
            return
        stack = []
        for m in re.finditer(r"\\(begin|end)\{([^{}]+)\}", latex):
            if m.group(1) == "begin":
                stack.append(m.group(2))
            else:
                assert stack and stack.pop() == m.group(2), latex
        assert not stack, latex

    check()


@pytest.mark.skipif(ENGINE is None, reason="no TeX engine installed")
def test_a_bounded_sample_compiles(tmp_path):
    """A fixed sample of random posts compiles (grouped) with no LaTeX error and no missing glyph."""
    texts: list[str] = []

    @settings(max_examples=SAMPLE, deadline=None, derandomize=FIXED, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(posts(bad_math=False))
    def collect(text):
        texts.append(text)

    collect()
    pieces: list[Piece] = []
    by_name = {}
    for index, text in enumerate(texts):
        post = tmp_path / f"fuzz-{index}.md"
        post.write_text(text, encoding="utf-8")
        try:
            pieces.append(_piece(post.stem, post, Options(allow_remote=False, site_root=tmp_path,
                                                          cache_dir=tmp_path / "cache"), post.stem))
        except DistillError as exc:
            assert exc.line is not None, str(exc)
        by_name[post.stem] = text
    assert len(pieces) >= SAMPLE // 2
    problems = compile_group(pieces, ENGINE, tmp_path / "build")
    assert not problems, "\n\n".join(f"{name}: {why}\n{by_name[name]}" for name, why in problems.items())


@pytest.mark.slow
@pytest.mark.skipif(ENGINE is None, reason="no TeX engine installed")
def test_random_posts_compile_alone(tmp_path_factory, request):
    """``-m slow``: each random post through distill_pdf.render, shrunk to a minimal failure."""
    import distill_pdf
    expr = request.config.getoption("markexpr") or ""
    if "slow" not in expr or "not slow" in expr:
        pytest.skip("slow: run with -m slow")
    folder = tmp_path_factory.mktemp("alone")

    @settings(max_examples=int(os.environ.get("DISTILL_PDF_FUZZ_SLOW", "40")), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(posts(bad_math=False))
    def check(text):
        post = folder / "post.md"
        post.write_text(text, encoding="utf-8")
        try:
            result = distill_pdf.render(post, folder / "post.pdf", engine=ENGINE, allow_remote=False,
                                        site_root=folder)
        except DistillError as exc:
            assert exc.line is not None and "LaTeX error" not in exc.message, str(exc)
            return
        assert not [w for w in result.warnings if "Missing character" in w.message]
        assert not [w for w in result.warnings if "could not typeset this block" in w.message]

    check()
