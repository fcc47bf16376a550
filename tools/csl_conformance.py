"""pandoc's citation tests run through distill-pdf's CSL citations (issue 14).

Each ``test/command/*.md`` of pandoc's repository that runs ``pandoc --citeproc`` holds
the command, the input (front matter with ``references:``, ``csl:``, ``bibliography:``)
and the expected output. Here the input goes through our parser, the CSL back end and
the LaTeX writer; the LaTeX is read back as text and compared with pandoc's output, also
read as text, in two parts: the body with its notes (headings left out), and the
reference list entry by entry. Quotes, dashes and spaces are normalised.

    python tools/csl_conformance.py [PANDOC_TEST_COMMAND_DIR]
    python tools/csl_conformance.py --show TEST_NAME

prints each test's verdict and the pass count.
"""
from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from distill_pdf import citations, dialects  # noqa: E402
from distill_pdf.errors import Diagnostics, DistillError, UsageError  # noqa: E402
from distill_pdf.load import load_post  # noqa: E402
from distill_pdf.parse import parse_post  # noqa: E402
from distill_pdf.pipeline import Options  # noqa: E402
from distill_pdf.writer.latex import render_body  # noqa: E402

DEFAULT_DIR = Path(os.environ.get("PANDOC_CITATION_TESTS")
                   or ROOT.parent / "shared" / "corpus" / "jgm__pandoc" / "test" / "command")


# why each failing test fails (tests/test_csl_conformance.py: a failure not listed is new)
LIST_SORT = "citeproc-py: reference-list sort keys (name lists compared with their label 'ed.', dates compared as text)"
CITE_GROUPS = ("pandoc: a cite with a prefix keeps its place in a sorted citation; a suppressed author "
               "([-@a; @b]) still groups with that author's cites")
DATES = "citeproc-py: seasons in date ranges, number-of-volumes (\"5 vols\") lost"
CASE = "citeproc-py: text-case / title case differs from citeproc (particles, 'First book')"
NAMES = "citeproc-py: names (CJK names spaced, particles and sort order, suffix punctuation)"
PUNCTUATION = "citeproc-py: adjacent punctuation not merged ('?.', ', .')"
POSITIONS = "citeproc-py: positions in notes (ibid, subsequent short forms) differ from citeproc"
MARKUP = "pandoc extension: Markdown in reference fields and keys, titles linked to their DOI/URL"
PUNCT = "pandoc: the sentence's period moved inside the citation's closing quote"
INLINE_NOTES = "pandoc extension: inline notes ^[...] (our parser reads [^1] notes)"
LOCATOR_SYNTAX = "pandoc extension: locators in braces ([@a, {123(4)}])"
PLAIN = "output format: pandoc's plain text prints small caps as capitals and smart quotes in fields"
UNKNOWN = "ours by design: an unknown key prints [@key] / stays text with a warning; pandoc prints (key?)"
MISC = ("citeproc-py: other style features (group delimiters, locator plurals, magazine pages, genres, "
        "volume-title)")

# fixed in distill_pdf/csl/: disambiguation (year suffixes, added names and given names:
# disambiguate.py), cs:substitute (substitute.py), cite grouping and collapsing and
# subsequent-author-substitute (cluster.py)
KNOWN = {
    "citeproc-20": INLINE_NOTES, "citeproc-7a": INLINE_NOTES, "citeproc-7b": INLINE_NOTES,
    "citeproc-87-2": PLAIN, "citeproc-87-3": PLAIN,
    "pandoc-citeproc-47": LIST_SORT, "pandoc-citeproc-87": LIST_SORT,
    "pandoc-citeproc-chicago-fullnote-bibliography": UNKNOWN,
    "pandoc-citeproc-292": CITE_GROUPS, "pandoc-citeproc-401": CITE_GROUPS,
    "pandoc-citeproc-312": DATES, "pandoc-citeproc-65": DATES, "pandoc-citeproc-number-of-volumes": DATES,
    "pandoc-citeproc-307": CASE, "pandoc-citeproc-68": CASE, "pandoc-citeproc-ieee": CASE,
    "pandoc-citeproc-320": NAMES, "pandoc-citeproc-320a": NAMES, "pandoc-citeproc-327": NAMES,
    "pandoc-citeproc-351": NAMES, "pandoc-citeproc-77": NAMES,
    "pandoc-citeproc-53": PUNCTUATION, "pandoc-citeproc-70": PUNCTUATION,
    "pandoc-citeproc-361": POSITIONS, "pandoc-citeproc-61": POSITIONS, "reset-citation-positions": POSITIONS,
    "pandoc-citeproc-31": MARKUP, "pandoc-citeproc-386": MARKUP, "pandoc-citeproc-301": MARKUP,
    "pandoc-citeproc-322": MARKUP,
    "pandoc-citeproc-13": PUNCT, "pandoc-citeproc-move-period-inside-quote": PUNCT,
    "pandoc-citeproc-locators-delimited": LOCATOR_SYNTAX, "pandoc-citeproc-locators-integrated": LOCATOR_SYNTAX,
    "pandoc-citeproc-356": UNKNOWN, "pandoc-citeproc-chicago-author-date": UNKNOWN,
    "pandoc-citeproc-119": MISC, "pandoc-citeproc-175": MISC, "pandoc-citeproc-250": MISC,
    "pandoc-citeproc-57": MISC, "pandoc-citeproc-75": MISC, "pandoc-citeproc-82": MISC, "pandoc-citeproc-14": MISC,
}


@dataclass
class Case:
    name: str
    args: list[str]
    source: str
    expected: str


@dataclass
class Result:
    name: str
    passed: bool
    reason: str = ""


_TEST = re.compile(r"^(`{3,})\n% (pandoc[^\n]*)\n(.*?)\n\^D\n(.*?)\n\1[ \t]*$", re.M | re.S)


def cases(folder: Path) -> list[Case]:
    """Every test that runs citeproc; a file holding several is ``name``, ``name-2``, ..."""
    out = []
    for path in sorted(folder.glob("*.md")):
        found = [m for m in _TEST.finditer(path.read_text(encoding="utf-8"))
                 if "--citeproc" in m.group(2) or "-C" in m.group(2).split()]
        for n, m in enumerate(found, 1):
            name = path.stem if n == 1 else f"{path.stem}-{n}"
            out.append(Case(name, shlex.split(m.group(2))[1:], m.group(3), m.group(4)))
    return out


# --------------------------------------------------------------------------- text

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " ",
                         "\u202f": " ", "\u2009": " "})


def normalise(text: str) -> str:
    text = text.translate(_QUOTES).replace("---", "\u2014").replace("--", "\u2013").replace("...", "\u2026")
    return " ".join(text.split())


def _unbrace(text: str, command: str, keep: int | None) -> str:
    """``\\command{a}{b}`` -> argument ``keep`` (0-based) or nothing, nested braces allowed."""
    pattern = "\\" + command + "{"
    while True:
        start = text.find(pattern)
        if start < 0:
            return text
        args, pos = [], start + len(pattern) - 1
        while pos < len(text) and text[pos] == "{":
            depth, end = 0, pos
            while end < len(text):
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                if depth == 0:
                    break
                end += 1
            args.append(text[pos + 1:end])
            pos = end + 1
            if command in ("dpcitelink", "href", "hyperlink", "texorpdfstring") and len(args) == 2:
                break
            if command not in ("dpcitelink", "href", "hyperlink", "texorpdfstring"):
                break
        text = text[:start] + (args[keep] if keep is not None and keep < len(args) else "") + text[pos:]


def latex_text(latex: str, headings: bool = False) -> tuple[str, list[str]]:
    """(text, notes) of our LaTeX: notes taken out in order, markup (and headings, as
    from pandoc's Markdown) dropped."""
    if not headings:
        latex = _unbrace(re.sub(r"\\(?:sub)*section\*?(?=\{)", r"\\dpheading", latex), "dpheading", None)
    notes, pos = [], 0  # (start, end) of each outermost note; a note in a note stays in its text
    for m in re.finditer(r"\\(?:dpnote|footnote)\{", latex):
        if m.start() < pos:
            continue
        depth = 0
        for pos in range(m.end() - 1, len(latex)):
            depth += {"{": 1, "}": -1}.get(latex[pos], 0)
            if depth == 0:
                break
        pos += 1
        notes.append((m.start(), m.end(), pos))
    texts = [_strip(latex[body:end - 1]) for _, body, end in notes]
    for start, _, end in reversed(notes):
        latex = latex[:start] + latex[end:]
    return _strip(latex), texts


def _strip(latex: str) -> str:
    for command, keep in (("dpcitetarget", None), ("hypertarget", None), ("label", None),
                          ("dpcitelink", 1), ("hyperlink", 1), ("href", 1), ("texorpdfstring", 0)):
        latex = _unbrace(latex, command, keep)
    latex = re.sub(r"\\nobreak\\ .*$", "", latex.strip(), flags=re.S)  # the backlinks after an entry
    latex = re.sub(r"\s*\\unskip\b", "", latex)
    latex = re.sub(r"\\allowbreak\{\}|\\(?:begin|end)\{[^}]*\}", "", latex)
    latex = re.sub(r"\\(?:nobreak|par|endgraf)\b(?:\{\})?|\\[,;!]\s?|\\ ", " ", latex)
    latex = re.sub(r"\\([&%$#_{}])", r"\1", latex)
    latex = re.sub(r"\\[A-Za-z]+\*?(?:\[[^\]]*\])?", "", latex)
    latex = latex.replace("~", " ").replace("{", "").replace("}", "").replace("\u2191", "")
    return latex


def plain_text(plain: str) -> tuple[str, list[str]]:
    """(body with its reference list, notes) of pandoc's plain-text output, whose notes
    are ``[1] text`` paragraphs after the body and whose list is body paragraphs."""
    body, notes = [], []
    for paragraph in re.split(r"\n\s*\n", plain):
        note = re.match(r"\[\d+\]\s+(.*)$", paragraph, re.S)
        if note:
            notes.append(note.group(1))
        elif not paragraph.startswith("2>"):
            body.append(re.sub(r"\[\d+\]", "", paragraph))
    return " ".join(body), notes


def markdown_text(markdown: str) -> tuple[str, list[str], list[str]]:
    """(body, notes, reference entries) of pandoc's Markdown output."""
    notes, body, entries, entry = [], [], [], None
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        note = re.match(r"^\[\^\d+\]:\s*(.*)$", line)
        if note:
            text = [note.group(1)]
            while i + 1 < len(lines) and (lines[i + 1].startswith("    ") or not lines[i + 1].strip()) \
                    and not re.match(r"^\[\^\d+\]:", lines[i + 1]):
                i += 1
                text.append(lines[i])
            notes.append(_md(" ".join(text)))
        elif re.match(r"^:{3,}\s*\{#ref-", line):
            entry = []
        elif re.match(r"^:{3,}", line):
            if entry is not None:
                entries.append(_md(" ".join(entry)))
            entry = None
        elif entry is not None:
            entry.append(line)
        elif line.startswith("2>") or re.match(r"^#{1,6} |^=+$|^-+$", line) or \
                (i + 1 < len(lines) and re.match(r"^(=+|-+)$", lines[i + 1])):
            pass
        else:
            body.append(re.sub(r"^(?:>\s?)+", "", line))  # block quotes: their text
        i += 1
    return _md(" ".join(body)), notes, entries


def _md(text: str) -> str:
    span = re.compile(r"\[((?:[^\[\]]|\\\[|\\\]|\[(?:[^\[\]]|\\\[|\\\])*\](?:\([^)]*\))?)*)\]\{\.[a-z-]+[^}]*\}")
    while span.search(text):
        text = span.sub(r"\1", text)
    text = re.sub(r"\[((?:[^\[\]]|\\\[|\\\])*)\]\(#[^)]*\)", r"\1", text)
    text = re.sub(r"\[\^\d+\]", "", text)
    text = re.sub(r"\\(.)", r"\1", text)
    text = re.sub(r"(?<![\w*])[*_]{1,3}|[*_]{1,3}(?![\w*])", "", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    return text.replace("^", "").replace("~", "")


# --------------------------------------------------------------------------- running


class Skipped(Exception):
    """A test this harness cannot run (its reason is the failure's cause)."""


def _options(case: Case, base: Path) -> tuple[dict, dict]:
    """(our options, ``-M`` metadata) of the test's pandoc command."""
    options, metadata, args, i = {"to": "markdown", "bib": []}, {}, case.args, 0
    while i < len(args):
        value = args[i + 1] if i + 1 < len(args) else ""
        if args[i] in ("-t", "--to"):
            options["to"] = value
        elif args[i] == "--csl":
            options["csl"] = str(base / value)
        elif args[i] == "--bibliography":
            options["bib"].append(base / value)
        if args[i] in ("-t", "--to", "--csl", "--bibliography"):
            i += 1
        elif args[i].startswith("-M"):  # -Mlang=it, -M lang=it
            value = args[i][2:] or value
            i += 0 if args[i][2:] else 1
            key, _, text = value.partition("=")
            metadata[key] = text
        i += 1
    return options, metadata


def ours(case: Case, folder: Path) -> tuple[str, str]:
    """(body, reference list) LaTeX of the test's input through our citation step."""
    base = folder.parent
    options, metadata = _options(case, base)
    if not options["to"].startswith(("markdown", "plain", "commonmark", "gfm")):
        raise Skipped(f"output format {options['to']}: only Markdown/plain output is compared")
    with tempfile.TemporaryDirectory() as tmp:
        post_path = Path(tmp) / "post.md"
        post_path.write_text(_front_matter(case.source, base, metadata), encoding="utf-8")
        diagnostics = Diagnostics()
        post = load_post(post_path, diagnostics)
        dialect = dialects.for_post(post, "pandoc", diagnostics)  # pandoc's Markdown: ^[inline notes] ...
        csl = options.get("csl") or (None if post.meta.get("csl") else "chicago-author-date")  # pandoc's default
        cites = citations.setup(post, Options(template="article", csl=csl, bib=tuple(options["bib"])), diagnostics)
        if cites is None:
            raise Skipped("no citations found")
        document = parse_post(post, extra_plugins=(*dialect.plugins, *cites.plugins))
        body = render_body(post, document, diagnostics, citations=cites).latex
        bibliography, preamble = cites.bibliography_latex(), cites.preamble_latex()
    if "\\dprefslist" in body:
        listed = re.search(r"\\newcommand\{\\dprefslist\}\{(.*)\}\s*$", preamble, re.S)
        body = body.replace("\\dprefslist{}", "")
        bibliography = listed.group(1) if listed else ""
    return body, bibliography


def run(case: Case, folder: Path) -> Result:
    try:
        body, bibliography = ours(case, folder)
    except Skipped as exc:
        return Result(case.name, False, str(exc))
    except (DistillError, UsageError) as exc:
        return Result(case.name, False, f"error: {exc}")
    except Exception as exc:  # citeproc-py's own failures are results too
        return Result(case.name, False, f"crash: {type(exc).__name__}: {exc}")
    plain = _options(case, folder.parent)[0]["to"] == "plain"
    ours_body, ours_notes = latex_text(body, headings=plain)
    ours_entries = [_strip(item) for item in re.split(r"\\item(?![a-z])(?:\[\{[^}]*\}\])?", bibliography)[1:]]
    if plain:  # the list is part of the body; headings are paragraphs
        ours_body, ours_entries = " ".join([ours_body] + ours_entries), []
        (want_body, want_notes), want_entries = plain_text(case.expected), []
    else:
        want_body, want_notes, want_entries = markdown_text(case.expected)
    want_entries = [re.sub(r"^\s*(\[?\d+\]?\.?)\s*", "", e) for e in want_entries]  # numbers: margin labels
    got_text = normalise(" ".join([ours_body] + ours_notes))
    want_text = normalise(" ".join([want_body] + want_notes))
    got_entries = [normalise(e) for e in ours_entries]
    want_entries = [normalise(e) for e in want_entries]
    if got_entries != want_entries:
        first = next((i for i, (a, b) in enumerate(zip(got_entries, want_entries)) if a != b), None)
        if first is None:
            return Result(case.name, False, f"bibliography: {len(got_entries)} entries, pandoc {len(want_entries)}")
        return Result(case.name, False, f"bibliography: {got_entries[first]!r} != {want_entries[first]!r}")
    if got_text != want_text:
        return Result(case.name, False, "citations: " + _first_difference(got_text, want_text))
    return Result(case.name, True)


_META = re.compile(r"(?:\A|(?<=\n\n))---[ \t]*\n(?=\S)(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def _front_matter(source: str, base: Path, overrides: dict) -> str:
    """pandoc's metadata as one front matter block: its YAML blocks wherever they stand in
    the text (later ones win), then ``-M key=value``; ``bibliography``/``csl`` paths made
    absolute (they are relative to pandoc's test folder)."""
    meta, kept, pos = {}, [], 0
    for m in _META.finditer(source):
        try:
            block = yaml.safe_load(m.group(1))
        except yaml.YAMLError:
            continue
        if isinstance(block, dict):
            meta.update(block)
            kept.append(source[pos:m.start()])
            pos = m.end()
    body = "".join(kept) + source[pos:]
    meta.update(overrides)
    if not meta:
        return source
    for key in ("bibliography", "csl"):
        value = meta.get(key)
        if isinstance(value, str) and (base / value).exists():
            meta[key] = str(base / value)
        elif isinstance(value, list):
            meta[key] = [str(base / v) if isinstance(v, str) and (base / v).exists() else v for v in value]
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{dumped}---\n" + body.lstrip("\n")


def _first_difference(got: str, want: str) -> str:
    i = next((n for n, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    return f"{got[max(0, i - 30):i + 40]!r} != {want[max(0, i - 30):i + 40]!r}"


def run_all(folder: Path = DEFAULT_DIR) -> list[Result]:
    return [run(case, folder) for case in cases(folder)]


def show(name: str, folder: Path = DEFAULT_DIR) -> None:
    """One test: its input, pandoc's output, our LaTeX, the verdict."""
    case = next(c for c in cases(folder) if c.name == name)
    print(" ".join(case.args), case.source, "---- pandoc", case.expected, "---- ours", sep="\n")
    print(*ours(case, folder), sep="\n")
    print("----", run(case, folder))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--show"]:
        show(sys.argv[2])
        sys.exit()
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    results = run_all(folder)
    for result in results:
        cause = "" if result.passed else f"\n     cause: {KNOWN.get(result.name, 'new: not yet classified')}"
        print(("PASS " if result.passed else "FAIL ") + result.name + ("" if result.passed else f": {result.reason}")
              + cause)
    print(f"{sum(r.passed for r in results)} passed, {sum(not r.passed for r in results)} failed")
