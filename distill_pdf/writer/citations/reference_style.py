"""The reference list's entries as pybtex rich text, in biblatex's look, and that text as LaTeX."""
from __future__ import annotations

import re

from pybtex.backends import BaseBackend
from pybtex.richtext import HRef, String, Tag, Text
from pybtex.style.formatting import BaseStyle

from ...bibliography import Work
from ..text import escape_url
from .works import (Labels, canonical_type, inner_quotes, latex_text, name_first_last, name_last_first,
                    name_list, quoted_title, url_latex, year_of)


def _ordinal(number: str) -> str:
    """An edition number as biblatex prints it: 2 -> 2nd."""
    if not number.isdigit():
        return number
    n = int(number)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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
            # "DOI", not small-caps "doi": xdvipdfmx maps the font's small capitals back to capitals
            # and its i.sc to "ı", so copying or searching gave "DOı"
            out.append(Text("DOI: ", HRef(f"https://doi.org/{doi}", Raw(url_latex(doi)))))
        eprint = work.get("eprint")
        kind = (work.get("eprinttype") or work.get("archiveprefix")).lower()
        if eprint and kind == "arxiv":
            cls = work.get("eprintclass") or work.get("primaryclass")
            shown = url_latex(eprint) + (r" \texttt{[" + latex_text(cls) + "]}" if cls else "")
            out.append(Text("arXiv: ", HRef(f"https://arxiv.org/abs/{eprint}", Raw(shown))))
        elif eprint:
            out.append(Text(f"{kind or 'eprint'}: {eprint}"))
        url = work.get("url")
        if url and not (doi and "doi.org/" in url):
            out.append(Text("URL: ", HRef(url, Raw(url_latex(url)))))
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
