"""The two citation back ends: biblatex (biber) and pybtex (pure Python), one look.

Both print the same author-year look by default ("Molnar (2020)", "(Ribeiro et
al., 2016)") or a numeric one ("[1]"), and list only the cited works.

* :class:`BiblatexBackend` writes ``\\textcite`` / ``\\autocite(s)`` and
  ``\\printbibliography``, plus a generated ``.bib`` whose fields went through
  the same LaTeX->Unicode->LaTeX conversion as the pybtex path; the engine step
  runs biber.
* :class:`PybtexBackend` resolves every key in Python, formats the entries with a
  pybtex style into rich text, and writes the citation text and the reference
  list into the document, hyperlinked both ways with ``\\hyperlink`` /
  ``\\hypertarget`` (no ``.aux`` round trip), so the engine needs a single pass.
"""
from __future__ import annotations

import re
from typing import Iterable

from pybtex.backends import BaseBackend
from pybtex.richtext import HRef, String, Tag, Text
from pybtex.style.formatting import BaseStyle

from ..bibliography import DOLLAR, Library, Work
from .mathcheck import MathError, check_math
from .text import escape, escape_url

BIB_FILE = "distill-pdf-references.bib"
_MATH = re.compile(r"(?<!\\)\$([^$]+)\$")
ITALIC_TITLE_TYPES = {"book", "misc", "online", "report", "techreport", "manual", "booklet", "proceedings",
                      "collection", "software", "dataset", "electronic", "www", "webpage", "mvbook"}
QUOTED_TITLE_TYPES = {"article", "inproceedings", "incollection", "inbook", "conference", "thesis",
                      "phdthesis", "mastersthesis", "unpublished", "patent"}
_TYPE_ALIASES = {"conference": "inproceedings", "techreport": "report", "phdthesis": "thesis",
                 "mastersthesis": "thesis", "electronic": "online", "www": "online", "webpage": "online",
                 "mvbook": "book", "collection": "book", "proceedings": "book", "booklet": "misc",
                 "software": "misc", "dataset": "misc"}


# --------------------------------------------------------------------------- text -> LaTeX


def latex_text(text: str) -> str:
    """Unicode text of a bibliography field -> LaTeX: escaped (with the fallback fonts
    of :func:`escape`), ``$math$`` kept as checked math, ``~`` as a tie."""
    if not text:
        return ""
    out, pos = [], 0
    for m in _MATH.finditer(text):
        out.append(_plain(text[pos:m.start()]))
        try:
            check_math(m.group(1))
            out.append(f"\\({m.group(1)}\\)")
        except MathError:
            out.append(_plain(m.group(0)))
        pos = m.end()
    out.append(_plain(text[pos:]))
    return "".join(out)


def _plain(text: str) -> str:
    return escape(text).replace(DOLLAR, r"\$").replace("\u00a0", "~")


def _ordinal(number: str) -> str:
    if not number.isdigit():
        return number
    n = int(number)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --------------------------------------------------------------------------- names


def _join(parts: list[str]) -> str:
    return " ".join(p for p in parts if p)


def family(person) -> str:
    """The family name as citations show it: ``van der Maaten``."""
    return _join([" ".join(person.prelast_names), " ".join(person.last_names)])


def given(person) -> str:
    return _join([" ".join(person.first_names), " ".join(person.middle_names)])


def name_last_first(person) -> str:
    jr = " ".join(person.lineage_names)
    return ", ".join(p for p in (family(person), jr, given(person)) if p)


def name_first_last(person) -> str:
    jr = " ".join(person.lineage_names)
    return _join([given(person), family(person)]) + (f", {jr}" if jr else "")


def name_list(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def year_of(work: Work) -> str:
    year = work.get("year") or work.get("date")
    m = re.search(r"\d{4}", year)
    return m.group(0) if m else (year.strip() or "n.d.")


def canonical_type(work: Work) -> str:
    kind = _TYPE_ALIASES.get(work.type, work.type)
    if kind == "inbook" and not work.get("booktitle"):
        return "book"
    return kind


# --------------------------------------------------------------------------- labels


class Labels:
    """Citation labels: names ("Ribeiro et al."), years with a/b for equal author-years,
    and numbers in order of first citation."""

    def __init__(self, library: Library, numeric: bool):
        self.library = library
        self.numeric = numeric
        self.numbers: dict[str, int] = {}
        self.extra: dict[str, str] | None = None

    def names(self, work: Work) -> str:
        people = work.persons.get("author") or work.persons.get("editor")
        if not people:
            return ""
        if len(people) > 2:
            return family(people[0]) + " et al."
        return " and ".join(family(p) for p in people)

    def name_latex(self, work: Work) -> str:
        names = self.names(work)
        if names:
            return latex_text(names)
        return title_latex(work, short=True)

    def year(self, work: Work) -> str:
        return year_of(work) + (self.extra or {}).get(work.key, "")

    def compute_extra(self, keys: Iterable[str]) -> None:
        """2020a, 2020b: works of the same names and year, in reference-list order."""
        groups: dict[tuple[str, str], list[Work]] = {}
        for key in keys:
            work = self.library.works[key]
            groups.setdefault((self.names(work) or work.get("title"), year_of(work)), []).append(work)
        self.extra = {}
        for works in groups.values():
            if len(works) > 1:
                for i, work in enumerate(sorted(works, key=sort_key)):
                    self.extra[work.key] = chr(ord("a") + i) if i < 26 else str(i)

    def number(self, key: str) -> int:
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
        return self.numbers[key]


def sort_key(work: Work):
    """biblatex's nyt: names, year, title."""
    people = work.persons.get("author") or work.persons.get("editor") or []
    names = [(family(p).casefold(), given(p).casefold()) for p in people]
    if not names:
        names = [(work.get("title").casefold(), "")]
    return (names, year_of(work), work.get("title").casefold())


def quoted_title(work: Work) -> bool:
    return canonical_type(work) in QUOTED_TITLE_TYPES or work.type in QUOTED_TITLE_TYPES


def inner_quotes(title: str) -> str:
    """A title printed in double quotes turns its own double quotes into single ones."""
    return title.replace("\u201c", "\u2018").replace("\u201d", "\u2019")


def title_latex(work: Work, short: bool = False) -> str:
    title = work.get("title") or work.key
    if quoted_title(work):
        return f"\u201c{latex_text(inner_quotes(title))}\u201d"
    return f"\\emph{{{latex_text(title)}}}"


# --------------------------------------------------------------------------- pybtex style


class LatexBackend(BaseBackend):
    """pybtex rich text -> LaTeX for our templates: text goes through :func:`latex_text`."""

    default_suffix = ".tex"
    symbols = {"ndash": "\u2013", "newblock": " ", "nbsp": "~"}
    tags = {"em": "emph", "i": "textit", "strong": "textbf", "b": "textbf", "tt": "texttt",
            "sc": "textsc", "sup": "textsuperscript", "sub": "textsubscript"}

    def format_str(self, str_):
        return latex_text(str_)

    def format_tag(self, tag_name, text):
        command = self.tags.get(tag_name)
        return rf"\{command}{{{text}}}" if command and text else text

    def format_href(self, url, text, external=False):
        return rf"\href{{{escape_url(url)}}}{{{text}}}" if text else ""

    def format_protected(self, text):
        return text


class Raw(String):
    """Ready LaTeX inside pybtex rich text (a link target's display, a URL in tt)."""

    def render(self, backend):
        return self.value


def _ends_sentence(text: Text) -> bool:
    plain = str(text).rstrip()
    plain = plain.rstrip("\u201d\u2019\"'")
    return plain.endswith((".", "?", "!"))


def _blocks(blocks: list) -> Text:
    """biblatex's \\newunit\\newblock: blocks separated by '. ', a final period."""
    out = Text()
    for block in blocks:
        if not block:
            continue
        if out:
            out = Text(out, "" if _ends_sentence(out) else ".", " ", block)
        else:
            out = Text(block)
    if out and not _ends_sentence(out):
        out = Text(out, ".")
    return out


class DistillStyle(BaseStyle):
    """Entries as biblatex's ``authoryear`` / ``numeric`` styles print them
    (with ``isbn=false``, ``dashed=false``, ``maxbibnames=99``)."""

    default_name_style = "plain"
    default_label_style = "number"
    default_sorting_style = "none"

    def __init__(self, labels: Labels, numeric: bool):
        # the classes themselves, not their names: finding a plugin by name scans every
        # installed package's entry points (about 30 ms per run; performance)
        from pybtex.style.labels.number import LabelStyle
        from pybtex.style.names.plain import NameStyle
        from pybtex.style.sorting.none import SortingStyle
        super().__init__(label_style=LabelStyle, name_style=NameStyle, sorting_style=SortingStyle)
        self.labels = labels
        self.numeric = numeric

    def format_work(self, work: Work) -> Text:
        kind = canonical_type(work)
        blocks: list = []
        head, title_used = self._head(work)
        blocks.append(head)
        if not title_used:
            blocks.append(self._title(work))
        builder = getattr(self, f"_body_{kind}", self._body_misc)
        blocks.extend(builder(work))
        blocks.extend(self._links(work))
        return _blocks(blocks)

    # -- pieces ---------------------------------------------------------------
    def _names(self, people, first_last: bool = False) -> str:
        if self.numeric or first_last:
            return name_list([name_first_last(p) for p in people])
        return name_list([name_last_first(people[0])] + [name_first_last(p) for p in people[1:]])

    def _head(self, work: Work) -> tuple[Text, bool]:
        authors = work.persons.get("author")
        editors = work.persons.get("editor")
        who, title_used = Text(), False
        if authors:
            who = Text(self._names(authors))
        elif editors:
            who = Text(self._names(editors), ", ", "eds." if len(editors) > 1 else "ed.")
        if self.numeric:
            return who, False
        if not who:
            who, title_used = self._title(work), True
        return Text(who, " (", self.labels.year(work), ")"), title_used

    def _title(self, work: Work) -> Text:
        title = work.get("title")
        if not title:
            return Text()
        if quoted_title(work):
            return Text("\u201c", inner_quotes(title), "\u201d")
        return Text(Tag("em", title))

    def _field(self, work: Work, name: str, before: str = "") -> Text:
        value = work.get(name)
        return Text(before, value) if value else Text()

    def _note(self, work: Work) -> Text:
        return self._field(work, "note")

    def _year_if_numeric(self, work: Work) -> str:
        return year_of(work) if self.numeric else ""

    def _publisher(self, work: Work, *names: str) -> Text:
        """location: publisher, (numeric:) year."""
        who = next((work.get(n) for n in names if work.get(n)), "")
        place = work.get("address") or work.get("location")
        parts = []
        if place and who:
            parts.append(f"{place}: {who}")
        elif who or place:
            parts.append(who or place)
        year = self._year_if_numeric(work)
        if year:
            parts.append(year)
        return Text(", ".join(parts)) if parts else Text()

    def _pages(self, work: Work) -> str:
        pages = work.get("pages")
        if not pages:
            return ""
        pages = re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "\u2013", pages)
        return ("pp. " if re.search(r"[\u2013,]", pages) else "p. ") + pages

    def _with_pages(self, blocks: list, work: Work) -> list:
        pages = self._pages(work)
        if pages:
            filled = [i for i, b in enumerate(blocks) if b]
            if filled:
                blocks[filled[-1]] = Text(blocks[filled[-1]], ", ", pages)
            else:
                blocks.append(Text(pages))
        return blocks

    def _editors(self, work: Work) -> Text:
        editors = work.persons.get("editor")
        if not editors or not work.persons.get("author"):
            return Text()
        return Text("Ed. by ", self._names(editors, first_last=True))

    def _edition(self, work: Work) -> Text:
        edition = work.get("edition")
        if not edition:
            return Text()
        return Text(f"{_ordinal(edition)} ed.") if edition.isdigit() else Text(edition)

    def _series(self, work: Work) -> list:
        out = []
        if work.get("volume") and canonical_type(work) != "article":
            out.append(Text("Vol. ", work.get("volume")))
        if work.get("series"):
            out.append(Text(work.get("series"), f" {work.get('number')}" if work.get("number") else ""))
        return out

    def _links(self, work: Work) -> list:
        out = []
        doi = work.get("doi")
        if doi:
            doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", doi.strip(), flags=re.I)
            out.append(Text(Tag("sc", "doi"), ": ", HRef(f"https://doi.org/{doi}", Raw(_mono(doi)))))
        eprint = work.get("eprint")
        kind = (work.get("eprinttype") or work.get("archiveprefix")).lower()
        if eprint and kind == "arxiv":
            cls = work.get("eprintclass") or work.get("primaryclass")
            shown = _mono(eprint) + (r" \texttt{[" + latex_text(cls) + "]}" if cls else "")
            out.append(Text("arXiv: ", HRef(f"https://arxiv.org/abs/{eprint}", Raw(shown))))
        elif eprint:
            out.append(Text(f"{kind or 'eprint'}: {eprint}"))
        url = work.get("url")
        if url and not (doi and "doi.org/" in url):
            out.append(Text(Tag("sc", "url"), ": ", HRef(url, Raw(_mono(url)))))
        return out

    # -- entry types ----------------------------------------------------------
    def _body_article(self, work: Work) -> list:
        journal = work.get("journal") or work.get("journaltitle")
        issue = work.get("volume") + (f".{work.get('number')}" if work.get("number") and work.get("volume")
                                      else work.get("number"))
        year = f"({year_of(work)})" if self.numeric else ""
        parts = [p for p in (issue, year) if p]
        block = Text("In: ", Tag("em", journal), (" " + " ".join(parts)) if parts else "") if journal else \
            Text(" ".join(parts))
        return self._with_pages([self._editors(work), block, self._note(work)], work)

    def _body_inproceedings(self, work: Work) -> list:
        book = work.get("booktitle")
        blocks = [Text("In: ", Tag("em", book)) if book else Text(), self._editors(work)]
        blocks += self._series(work)
        blocks += [self._note(work), self._publisher(work, "publisher", "organization")]
        return self._with_pages(blocks, work)

    _body_incollection = _body_inproceedings
    _body_inbook = _body_inproceedings

    def _body_book(self, work: Work) -> list:
        blocks = [self._edition(work), self._editors(work), *self._series(work), self._note(work),
                  self._publisher(work, "publisher")]
        return self._with_pages(blocks, work)

    def _body_report(self, work: Work) -> list:
        kind = work.get("type") or ("Tech. rep." if work.type == "techreport" else "")
        number = work.get("number")
        return [Text(kind, f" {number}" if number else ""), self._note(work), self._publisher(work, "institution")]

    def _body_thesis(self, work: Work) -> list:
        kind = work.get("type") or {"phdthesis": "PhD thesis", "mastersthesis": "MA thesis"}.get(work.type,
                                                                                              "Thesis")
        return [Text(kind), self._note(work), self._publisher(work, "school", "institution")]

    def _body_misc(self, work: Work) -> list:
        return [self._field(work, "howpublished"), self._edition(work), self._note(work),
                self._publisher(work, "organization", "institution")]

    _body_online = _body_misc
    _body_manual = _body_misc
    _body_unpublished = _body_misc


_URL_BREAKS = re.compile(r"(?<=[/.\-_?&=:#%~,;])")


def _mono(text: str) -> str:
    """A URL or DOI in the mono font, breakable after its punctuation (as biblatex's \\url)."""
    return r"\texttt{" + r"\allowbreak{}".join(escape(p, "mono") for p in _URL_BREAKS.split(text) if p) + "}"


# --------------------------------------------------------------------------- back ends


class _Backend:
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
                         + self._backlinks(work.key))
        lines.append(r"\end{list}\endgroup")
        return "\n".join(lines) + "\n"

    def _backlinks(self, key: str) -> str:
        places = self.occurrences.get(key, [])
        if not places:
            return ""
        arrow = escape("\u2191")
        if len(places) == 1:
            return rf"\nobreak\ \hyperlink{{dpcite.{places[0]}}}{{{arrow}}}"
        letters = [chr(ord("a") + i) if i < 26 else str(i + 1) for i in range(len(places))]
        links = r"\,".join(rf"\hyperlink{{dpcite.{n}}}{{\textsuperscript{{{c}}}}}" for n, c in zip(places, letters))
        return rf"\nobreak\ {arrow}\,{links}"


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


def make_backend(kind: str, style: str, library: Library, diagnostics) -> _Backend:
    return (BiblatexBackend if kind == "biblatex" else PybtexBackend)(library, style, diagnostics)


# --------------------------------------------------------------------------- .bib for biber

_BIB_TEXT_FIELDS = ("title", "journal", "journaltitle", "booktitle", "publisher", "address", "location",
                    "school", "institution", "organization", "howpublished", "note", "edition", "series",
                    "volume", "number", "type", "eprinttype", "archiveprefix", "eprintclass",
                    "primaryclass")
_BIB_VERBATIM_FIELDS = ("doi", "url", "eprint")


def _bib_value(latex: str) -> str:
    """A field for the .bib: braces balanced whatever the text held."""
    return latex.replace(r"\{", r"\textbraceleft{}").replace(r"\}", r"\textbraceright{}")


def bib_source(works: Iterable[Work]) -> str:
    """The .bib biber reads: the listed works, fields already LaTeX (so biber's and
    pybtex's output agree), crossrefs resolved, names as ``{family}, {jr}, {given}``."""
    out = ["% written by distill-pdf from the post's bibliographies\n"]
    for work in works:
        if not re.fullmatch(r"[^\s,{}()\"#%'=\\]+", work.key):
            continue  # a key biber cannot read (only CSL ids can be this odd)
        lines = []
        for role in ("author", "editor"):
            people = work.persons.get(role)
            if people:
                names = []
                for p in people:
                    parts = [family(p), " ".join(p.lineage_names), given(p)]
                    while parts and not parts[-1]:
                        parts.pop()
                    names.append(", ".join("{" + _bib_value(latex_text(x)) + "}" for x in parts))
                lines.append(f"  {role} = {{{' and '.join(names)}}}")
        for name in _BIB_TEXT_FIELDS:
            if work.get(name):
                value = inner_quotes(work.get(name)) if name == "title" and quoted_title(work) else work.get(name)
                lines.append(f"  {name} = {{{_bib_value(latex_text(value))}}}")
        if work.get("pages"):
            pages = re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "--", work.get("pages"))
            lines.append(f"  pages = {{{_bib_value(latex_text(pages))}}}")
        year = year_of(work)
        if year != "n.d.":
            lines.append(f"  year = {{{_bib_value(latex_text(year))}}}")
        for name in _BIB_VERBATIM_FIELDS:
            value = work.get(name)
            if name == "url" and work.get("doi") and "doi.org/" in value:
                continue
            if value and not re.search(r"[{}\\]" if name == "eprint" else r"[{}\s\\]", value):
                lines.append(f"  {name} = {{{value}}}")
        bib_type = {"thesis": "thesis", "online": "online"}.get(work.type, work.type)
        if work.type == "thesis" and not work.get("type"):
            lines.append("  type = {Thesis}")
        out.append(f"@{bib_type}{{{work.key},\n" + ",\n".join(lines) + "\n}\n")
    return "\n".join(out)
