"""What citations and reference entries read off a work: its fields as LaTeX, names,
year, type and title, and the labels ("Ribeiro et al., 2016a", "[3]") both back ends print."""
from __future__ import annotations

import re
from typing import Iterable

from ...bibliography import DOLLAR, Library, Work
from ..mathcheck import MathError, check_math
from ..text import escape

_MATH = re.compile(r"(?<!\\)\$([^$]+)\$")
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


_URL_BREAKS = re.compile(r"(?<=[/.\-_?&=:#%~,;])")


def url_latex(text: str) -> str:
    """A URL or DOI in the mono font, breakable after its punctuation (as biblatex's \\url)."""
    return r"\texttt{" + r"\allowbreak{}".join(escape(p, "mono") for p in _URL_BREAKS.split(text) if p) + "}"



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
        return title_latex(work)

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


def title_latex(work: Work) -> str:
    title = work.get("title") or work.key
    if quoted_title(work):
        return f"\u201c{latex_text(inner_quotes(title))}\u201d"
    return f"\\emph{{{latex_text(title)}}}"

