"""The two citation back ends: citation commands in the text, and the reference list.

:class:`BiblatexBackend` leaves both to biblatex and biber; :class:`PybtexBackend` writes
both itself, hyperlinked both ways, so the engine needs a single pass.
"""
from __future__ import annotations

import re

from ...bibliography import Library
from ..text import escape
from .bibfile import BIB_FILE, bib_source
from .reference_style import DistillStyle, LatexBackend
from .works import Labels, sort_key


class _Backend:
    """What both back ends share: warnings for unknown keys, cited order, labels."""

    needs_biber = False

    def __init__(self, library: Library, style: str, diagnostics):
        self.library = library
        self.numeric = style == "numeric"
        self.diagnostics = diagnostics
        self.labels = Labels(library, self.numeric)
        self.cited_order: dict[str, None] = {}
        self.owner = None   # the Citations object, set by it

    # -- shared -----------------------------------------------------------------
    def render(self, token, renderer) -> str:
        attrs = token["attrs"]
        line = renderer._line_of(token.get("raw", "")) if hasattr(renderer, "_line_of") else None
        known, unknown = [], []
        for item in attrs["items"]:
            (known if item["known"] else unknown).append(item)
        for item in unknown:
            renderer.warn(f"unknown citation key {item['key']}", line)
        for item in known:
            self.cited_order.setdefault(item["key"], None)
            if self.numeric:
                self.labels.number(item["key"])
        notes = [(renderer.render_tokens(i["prefix"], None).strip(),
                  renderer.render_tokens(i["suffix"], None).strip()) for i in known]
        out = self.cite(attrs["mode"], known, notes) if known else ""
        missing = " ".join(rf"\dpunknowncite{{{escape(i['key'])}}}" for i in unknown)
        out += (" " if out and missing else "") + missing
        return ("~" if attrs.get("tie") and out else "") + out

    def cite(self, mode: str, items: list, notes: list) -> str:
        raise NotImplementedError

    def preamble(self, keys: list[str]) -> str:
        return ""

    def files(self, keys: list[str]) -> dict[str, str]:
        return {}

    def bibliography(self, keys: list[str]) -> str:
        raise NotImplementedError

    def _prepare_labels(self) -> None:
        if self.labels.extra is None:
            keys = list(self.owner.cited) if self.owner else []
            if self.owner is not None:
                keys += self.owner.nocite_keys()
            self.labels.compute_extra(dict.fromkeys(keys))


class PybtexBackend(_Backend):
    """Citation text and reference list made in Python: one engine pass, no biber."""

    def __init__(self, library, style, diagnostics):
        super().__init__(library, style, diagnostics)
        self.ids: dict[str, int] = {}
        self.occurrences: dict[str, list[int]] = {}
        self.count = 0

    def _id(self, key: str) -> int:
        return self.ids.setdefault(key, len(self.ids) + 1)

    def cite(self, mode, items, notes):
        self._prepare_labels()
        self.count += 1
        target = rf"\dpcitetarget{{dpcite.{self.count}}}"
        parts = []
        for item, (pre, post) in zip(items, notes):
            key = item["key"]
            self.occurrences.setdefault(key, []).append(self.count)
            work = self.library.works[key]
            link = rf"\dpcitelink{{dpbib.{self._id(key)}}}"
            if self.numeric:
                body = f"{link}{{{self.labels.number(key)}}}"
            elif mode == "narrative":
                body = f"{link}{{{self.labels.year(work)}}}"
            elif item["suppress"]:
                body = f"{link}{{{self.labels.year(work)}}}"
            else:
                body = f"{self.labels.name_latex(work)}, {link}{{{self.labels.year(work)}}}"
            parts.append((pre + " " if pre else "") + body + (", " + post if post else ""))
        if mode == "narrative":
            work = self.library.works[items[0]["key"]]
            open_, close = ("[", "]") if self.numeric else ("(", ")")
            return f"{target}{self.labels.name_latex(work)} {open_}{parts[0]}{close}"
        if self.numeric:
            return f"{target}[{', '.join(parts)}]"
        return f"{target}({'; '.join(parts)})"

    def preamble(self, keys):
        if not keys:
            return ""
        return ("\\makeatletter\n"
                "\\DeclareRobustCommand{\\dpcitetarget}[1]{\\Hy@raisedlink{\\hypertarget{#1}{}}}\n"
                "\\DeclareRobustCommand{\\dpcitelink}[2]{\\hyperlink{#1}{#2}}\n"
                "\\makeatother")

    def bibliography(self, keys):
        if not keys:
            return ""
        self._prepare_labels()
        style = DistillStyle(self.labels, self.numeric)
        backend = LatexBackend()
        works = [self.library.works[k] for k in keys]
        if self.numeric:
            for key in keys:
                self.labels.number(key)
            works.sort(key=lambda w: self.labels.numbers[w.key])
            widest = max(self.labels.numbers[w.key] for w in works)
            lines = [r"\begin{list}{}{\settowidth{\labelwidth}{[" + str(widest) + r"]}"
                     r"\setlength{\labelsep}{2\labelsep}\setlength{\leftmargin}{\labelwidth}"
                     r"\addtolength{\leftmargin}{\labelsep}\setlength{\parsep}{0pt}"
                     r"\renewcommand*{\makelabel}[1]{\hss#1}\frenchspacing}"]
        else:
            works.sort(key=sort_key)
            lines = [r"\begin{list}{}{\setlength{\leftmargin}{1em}\setlength{\itemindent}{-\leftmargin}"
                     r"\setlength{\labelwidth}{0pt}\setlength{\labelsep}{0pt}\setlength{\parsep}{0pt}\frenchspacing}"]
        # ragged right: a justified line ending in a long URL spreads its words apart
        lines[0] = r"\begingroup\raggedright" + "\n" + lines[0]
        for work in works:
            text = style.format_work(work).render(backend)
            label = f"[{{[{self.labels.numbers[work.key]}]}}]" if self.numeric else ""
            lines.append(rf"\item{label} \dpcitetarget{{dpbib.{self._id(work.key)}}}{text}"
                         + backlinks(self.occurrences.get(work.key, [])))
        lines.append(r"\end{list}\endgroup")
        return "\n".join(lines) + "\n"


class BiblatexBackend(_Backend):
    """\\textcite / \\autocite(s) and \\printbibliography; biber reads the .bib we write."""

    needs_biber = True

    def cite(self, mode, items, notes):
        def opt(text: str) -> str:
            return "{" + text + "}" if text else ""

        if mode == "narrative":
            pre, post = notes[0]
            return rf"\textcite[{opt(pre)}][{opt(post)}]{{{items[0]['key']}}}"
        suppressed = [i["suppress"] for i in items]
        if len(items) == 1:
            pre, post = notes[0]
            star = "*" if suppressed[0] and not self.numeric else ""
            return rf"\autocite{star}[{opt(pre)}][{opt(post)}]{{{items[0]['key']}}}"
        if any(suppressed) and not self.numeric:
            cites = [rf"\cite{'*' if s else ''}[{opt(pre)}][{opt(post)}]{{{i['key']}}}"
                     for i, s, (pre, post) in zip(items, suppressed, notes)]
            return r"\mkbibparens{" + r"\multicitedelim".join(cites) + "}"
        return r"\autocites" + "".join(rf"[{opt(pre)}][{opt(post)}]{{{i['key']}}}"
                                       for i, (pre, post) in zip(items, notes))

    def preamble(self, keys):
        if not keys:
            return ""
        if self.numeric:
            options = "style=numeric,sorting=none"
        else:
            options = "style=authoryear,sorting=nyt,dashed=false"
        return (f"\\usepackage[backend=biber,{options},maxcitenames=2,mincitenames=1,maxbibnames=99,"
                "uniquename=false,uniquelist=false,useprefix=true,isbn=false,date=year]{biblatex}\n"
                "\\DeclareDelimFormat{nameyeardelim}{\\addcomma\\space}\n"
                # URLs without letter-spacing (biblatex stretches \Urlmuskip by 3mu at every break),
                # broken after / . - ? & = (letters and digits only as a last resort), ragged right
                "\\biburlbigskip=0mu\\relax\n"
                "\\AtEndPreamble{\\setcounter{biburlnumpenalty}{9000}\\setcounter{biburlucpenalty}{9000}"
                "\\setcounter{biburllcpenalty}{9000}}\n"
                "\\AtBeginBibliography{\\raggedright}\n"
                # without csquotes biblatex quotes with `` '', which need TeX ligatures (off here)
                "\\makeatletter\\AtEndPreamble{\\@ifpackageloaded{csquotes}{}{%\n"
                "\\protected\\def\\blx@textooquote{\\textquotedblleft}"
                "\\protected\\def\\blx@textcoquote{\\textquotedblright}%\n"
                "\\protected\\def\\blx@textoiquote{\\textquoteleft}"
                "\\protected\\def\\blx@textciquote{\\textquoteright}}}\\makeatother\n"
                f"\\addbibresource{{{BIB_FILE}}}" + self._fonts_note(keys))

    def _bib_text(self, keys) -> str:
        if getattr(self, "_bib_cache", None) is None or self._bib_cache[0] != keys:
            self._bib_cache = (list(keys), bib_source(self.library.works[k] for k in keys))
        return self._bib_cache[1]

    def _fonts_note(self, keys) -> str:
        """Name the fallback-font switches the .bib uses, so that main.tex, which is all the
        pipeline looks at when it drops unused fallback fonts, keeps them declared."""
        used = sorted(set(re.findall(r"\\dpfont[A-Za-z]+", self._bib_text(keys))))
        return ("\n% fallback fonts the bibliography uses: " + " ".join(used)) if used else ""

    def files(self, keys):
        if not keys:
            return {}
        return {BIB_FILE: self._bib_text(keys)}

    def bibliography(self, keys):
        if not keys:
            return ""
        nocite = self.owner.nocite if self.owner else set()
        extra = ""
        if nocite is True:
            extra = "\\nocite{*}\n"
        elif nocite:
            extra = "\\nocite{" + ",".join(sorted(nocite)) + "}\n"
        return extra + "\\printbibliography[heading=none]\n"


def backlinks(places: list[int]) -> str:
    """The arrow after a reference-list entry, linking back to where it is cited
    (``dpcite.N`` targets; one letter a place when there are several)."""
    if not places:
        return ""
    arrow = escape("\u2191")
    if len(places) == 1:
        return rf"\nobreak\ \hyperlink{{dpcite.{places[0]}}}{{{arrow}}}"
    letters = [chr(ord("a") + i) if i < 26 else str(i + 1) for i in range(len(places))]
    links = r"\,".join(rf"\hyperlink{{dpcite.{n}}}{{\textsuperscript{{{c}}}}}" for n, c in zip(places, letters))
    return rf"\nobreak\ {arrow}\,{links}"


def make_backend(kind: str, style: str, library: Library, diagnostics) -> _Backend:
    """The back end the options chose: ``"biblatex"``, else pybtex."""
    return (BiblatexBackend if kind == "biblatex" else PybtexBackend)(library, style, diagnostics)

