"""When to run TeX again, decided as latexmk does: from the files a pass read and wrote.

Also the table of contents predicted before the first pass, and the rerun hints every
fresh hyperref document gives that another pass would not act on.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

from .writer.mathcheck import group_end


# files TeX writes for a later pass to read; everything of the job except these is compared
_NOT_TEX_INPUTS = {".log", ".pdf", ".xdv", ".dvi", ".fls", ".fdb_latexmk", ".blg", ".bcf",
                   ".tex", ".bib", ".synctex", ".gz", ".xml"}
_AUX_IGNORE = re.compile(
    r"^(?:\\relax|\\providecommand.*|\\gdef\s*\\@abspage@last\{\d+\}|\\HyPL@Entry\{0<</S/D>>\}"
    r"|\\@writefile\{.*|\\babel@aux\{[^{}]*\}\{\}|)$")
# hyperref's fixed preamble in every .aux
_AUX_BOILERPLATE = frozenset({
    r"\HyperFirstAtBeginDocument{\ifx\hyper@anchor\@undefined",
    r"\global\let\oldnewlabel\newlabel",
    r"\gdef\newlabel#1#2{\newlabelxx{#1}#2}",
    r"\gdef\newlabelxx#1#2#3#4#5#6{\oldnewlabel{#1}{{#2}{#3}}}",
    r"\AtEndDocument{\ifx\hyper@anchor\@undefined",
    r"\let\newlabel\oldnewlabel",
    r"\fi}",
    r"\global\let\hyper@last\relax",
    r"\gdef\HyperFirstAtBeginDocument#1{#1}",
})


def _normalize(path: Path, data: bytes) -> bytes:
    """What of a file can change the next pass. For an .aux, drop what every .aux has
    (so a fresh document without references needs one pass): \\relax, \\providecommand,
    hyperref's preamble, the page count (as latexmk does), hyperref's default page labels,
    and \\@writefile lines (their effect is the .toc/.lof/... file, compared itself)."""
    if path.suffix != ".aux":
        return data.strip()
    keep = []
    for ln in data.decode("utf-8", "replace").splitlines():
        ln = ln.strip()
        if ln in _AUX_BOILERPLATE or _AUX_IGNORE.match(ln):
            continue
        keep.append(ln)
    return "\n".join(keep).encode()


def aux_state(cwd: Path, stem: str) -> dict[str, bytes]:
    """The normalized content of the files a later pass reads: JOB.* (but outputs) and every
    .aux (\\include'd chapters write their own), at most two folder levels deep."""
    state: dict[str, bytes] = {}
    base = len(str(cwd).rstrip(os.sep).split(os.sep))
    for dirpath, dirnames, filenames in os.walk(cwd):
        depth = len(dirpath.rstrip(os.sep).split(os.sep)) - base
        if depth >= 2:
            dirnames[:] = []
        for fn in filenames:
            p = Path(dirpath, fn)
            suffix = p.suffix.lower()
            if not (suffix == ".aux" or (depth == 0 and fn.startswith(stem + "."))):
                continue
            if suffix in _NOT_TEX_INPUTS or fn.endswith(".synctex.gz"):
                continue
            try:
                data = p.read_bytes()
            except OSError:
                continue
            state[str(p.relative_to(cwd))] = _normalize(p, data)
    return state


TEX_WRITES = {".aux", ".toc", ".lof", ".lot", ".out", ".nav", ".snm", ".vrb", ".loa", ".lol"}
# .aux lines whose appearance changes nothing unless a reference asked for them in vain
_LABEL_LINE = re.compile(r"^\\(?:newlabel|zref@newlabel|hyper@newdestlabel|bibcite)\{")
# .aux lines LaTeX skips when it reads the file (for BibTeX only)
_BIBTEX_LINE = re.compile(r"^\\(?:citation|bibdata|bibstyle)\{")
# "Reference `x' on page 1 undefined", "Hyper reference ...", "Citation `x' ... undefined"
_UNDEFINED = re.compile(r"(?:[Rr]eference|Citation) [`'][^']*' on page \S+ undefined")


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    # a file that did not exist reads as empty
    return sorted(k for k in set(before) | set(after) if before.get(k, b"") != after.get(k, b""))


def _was_read(name: str, log: str) -> bool:
    """Whether TeX opened (or looked for) ``name`` during the pass, as its log shows:
    ``(./main.toc)``, ``(main.toc)`` (tectonic), or ``No file main.toc.``."""
    return re.search(r"(?:\(|No file )(?:\./)?" + re.escape(name) + r"(?![\w.-]*\w)", log) is not None


def rerun_reason(before: dict[str, bytes], after: dict[str, bytes], log: str,
                  warnings: list[str]) -> str | None:
    """Why another pass would typeset differently, or None, deciding as latexmk does from the
    files the pass read (their state before it) and wrote (after it), but more precisely:

    - in an .aux, a line that went away or changed (a label with a new value) counts; new
      labels count only when the pass reported an undefined reference or citation (nothing
      else can have asked for them: a fresh document whose headings carry labels nobody
      references needs one pass); any other new line counts;
    - a changed .toc/.lof/.lot/.out/... counts only when the pass read it (a .toc matters only
      with a table of contents; hyperref's .out not at all with the bookmark package);
    - any other changed file counts;
    - then rerun requests in the log, but the ones decided by the comparison above."""
    undefined = any(_UNDEFINED.search(w) for w in warnings)
    for name in _changed(before, after):
        suffix = Path(name).suffix.lower()
        if suffix == ".aux":
            old = Counter(ln for ln in before.get(name, b"").decode("utf-8", "replace").splitlines()
                          if not _BIBTEX_LINE.match(ln))
            new = Counter(ln for ln in after.get(name, b"").decode("utf-8", "replace").splitlines()
                          if not _BIBTEX_LINE.match(ln))
            if old - new:
                return f"{name} changed"
            added = list((new - old).elements())
            if any(not _LABEL_LINE.match(ln) for ln in added):
                return f"{name} changed"
            if added and undefined:
                return f"{name} has labels a reference needed"
            continue
        if suffix in TEX_WRITES and not _was_read(name, log):
            continue
        return f"{name} changed"
    return _log_asks_rerun(warnings, {Path(k).name for k in set(before) | set(after)})


# "Rerun to get ...", "Please rerun LaTeX", longtable's "Table widths have changed. Rerun
# LaTeX.", "Citation(s) may have changed"; the kernel's "Label(s) may have changed" (any new
# label at all) and hyperref's outline/page-label hints are decided by rerun_reason
_RERUN = re.compile(r"[Rr]erun|Citation\(s\) may have changed")
_RERUNFILECHECK = re.compile(r"^Package rerunfilecheck Warning: File `(?P<f>[^']+)' has changed")
_DECIDED_BY_FILES = ("Rerun to get /PageLabels entry", "Label(s) may have changed",
                     "Rerun to get outlines right")


def _log_asks_rerun(warnings: list[str], tracked: set[str]) -> str | None:
    for w in warnings:
        if any(d in w for d in _DECIDED_BY_FILES):
            continue  # decided by the .aux/.out comparison instead
        m = _RERUNFILECHECK.match(w)
        if m and m["f"] in tracked:
            continue  # we compare that file ourselves (an empty .out is no change)
        if "Biber" in w or "biber" in w:
            continue  # handled by the biber step
        if _RERUN.search(w):
            return w
    return None



_SECTIONING = re.compile(r"\\(section|subsection|subsubsection|paragraph|subparagraph)"
                         r"(\*?)[ \t]*(?:\[([^\[\]{}\n]*)\])?[ \t]*\{")
_TOC_DEPTH = {"section": 1, "subsection": 2, "subsubsection": 3, "paragraph": 4, "subparagraph": 5}


def predict_toc(tex: Path) -> None:
    """Performance: a fresh document with a table of contents takes three passes: one to
    learn the headings, one to typeset the contents (which moves the text after it), one to
    print the page numbers that move caused. A contents file written beforehand from the
    document's own sectioning commands, with page numbers still unknown, has the right
    size already, so the first pass lays the pages out as the last will: two passes.
    Only when there is no contents file yet; a wrong guess costs no more than none."""
    toc = tex.with_suffix(".toc")
    if toc.exists():
        return
    try:
        text = tex.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    start = text.find("\\begin{document}")
    if start < 0 or "\\tableofcontents" not in text[start:]:
        return
    numbers = [0] * 6
    lines = []
    for m in _SECTIONING.finditer(text, start):
        title = m[3] if m[3] is not None else _braced(text, m.end() - 1)
        if title is None or m[2] or "\\tableofcontents" in title or "\n\n" in title:
            continue
        depth = _TOC_DEPTH[m[1]]
        numbers[depth] += 1
        numbers[depth + 1:] = [0] * (5 - depth)
        number = ".".join(str(n) for n in numbers[1:depth + 1])
        lines.append(f"\\contentsline {{{m[1]}}}{{\\numberline {{{number}}}{title}}}{{1}}{{}}%")
    if lines:
        try:
            toc.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError:
            pass


def _braced(text: str, opening: int) -> str | None:
    """The text inside the brace group opening at ``opening`` (TeX escapes respected)."""
    end = group_end(text, opening)
    return None if end is None else text[opening + 1:end - 1]


def drop_false_rerun_hints(warnings: list[str], cwd: Path, stem: str) -> list[str]:
    """Drop the two rerun requests every fresh hyperref document makes that another pass
    would not act on: page labels when there are only the default ones, and an .out file
    "changed" from absent to empty (no bookmarks)."""
    try:
        aux = (cwd / f"{stem}.aux").read_text(encoding="utf-8", errors="replace")
    except OSError:
        aux = ""
    entries = re.findall(r"^\\HyPL@Entry\{(.*)\}\s*$", aux, re.M)
    default_labels = all(e == "0<</S/D>>" for e in entries)
    out = []
    for w in warnings:
        if "Rerun to get /PageLabels entry" in w and default_labels:
            continue
        m = _RERUNFILECHECK.match(w)
        if m:
            f = cwd / m["f"]
            if not f.exists() or f.stat().st_size == 0:
                continue
        out.append(w)
    return out

