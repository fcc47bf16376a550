"""citeproc-py driven the way pandoc drives citeproc: citation clusters in document order,
then the reference list; output is citeproc-py's HTML with placeholders (markup.py).

What pandoc has and citeproc-py lacks is made here: a narrative citation (``@key``) is the
author names followed by the citation without them, and a suppressed author (``[-@key]``)
is the citation with its names taken out. Both find the names by rendering the item once
more with a stand-in name (:data:`STAND_IN`) and comparing.
"""
from __future__ import annotations

import copy
import re
import warnings
from dataclasses import dataclass

from . import fixes
from .disambiguate import disambiguate

STAND_IN = "\ue0e0"
_LABEL = re.compile(r"^\s*((?:<[^>]+>)*\[?\d+\]?\.?(?:</[^>]+>)*)\s*")
# pandoc's locator terms: what a citation's suffix may start with (its CSL label)
_TERMS = {"p": "page", "pp": "page", "page": "page", "pages": "page", "ch": "chapter", "chap": "chapter",
          "chaps": "chapter", "chapter": "chapter", "chapters": "chapter", "sec": "section",
          "secs": "section", "section": "section", "sections": "section", "§": "section", "§§": "section",
          "vol": "volume", "vols": "volume", "volume": "volume", "volumes": "volume", "fig": "figure",
          "figs": "figure", "figure": "figure", "figures": "figure", "para": "paragraph",
          "paras": "paragraph", "paragraph": "paragraph", "¶": "paragraph", "n": "note", "nn": "note",
          "note": "note", "notes": "note", "l": "line", "ll": "line", "line": "line", "lines": "line",
          "col": "column", "cols": "column", "column": "column", "bk": "book", "bks": "book",
          "book": "book", "pt": "part", "pts": "part", "part": "part", "no": "issue", "nos": "issue",
          "v": "verse", "vv": "verse", "verse": "verse", "op": "opus", "opp": "opus", "opus": "opus",
          "s.v": "sub verbo", "s.vv": "sub verbo", "sub verbo": "sub verbo", "fol": "folio",
          "fols": "folio", "folio": "folio", "art": "article", "arts": "article", "article": "article"}
_VALUE = (r"(?P<value>[\dIVXLCivxlc]+[a-z]?(?:\s*(?:[-\u2013\u2014,&]+|and)\s*[\dIVXLCivxlc]+[a-z]?)*"
          r"(?:\s*[-\u2013,]\s*(?=[A-Z])[^\s,]+)?)(?P<rest>.*)$")
_LOCATOR = re.compile(r"^\s*,?\s*(?:(?P<term>s\.vv?|sub verbo|§§?|¶|[^\W\d_]+)\.?\s*)?" + _VALUE, re.S)


@dataclass
class Cite:
    """One item of a citation cluster. ``prefix``/``suffix`` are placeholders (or text)
    that citeproc-py keeps; ``locator`` is ``(label, value)``."""

    key: str
    prefix: str = ""
    suffix: str = ""
    locator: tuple[str, str] | None = None
    suppress_author: bool = False


def split_locator(suffix: str, terms: dict[str, str] = _TERMS) -> tuple[tuple[str, str] | None, str]:
    """``"pp. 33, 35-37, and nowhere else"`` -> ``(("page", "33, 35-37"), ", and nowhere else")``,
    as pandoc reads a suffix; a bare number is a page. ``terms``: what a locator may start
    with (:func:`locator_terms`), the label each means."""
    m = _LOCATOR.match(suffix)
    term = (m.group("term") or "").lower() if m else ""
    # a word that is no locator term, or a bare value not starting with a digit
    # ("VIII, 89"), makes the whole suffix text, as pandoc reads it
    if not m or (term and term not in terms) or (not term and not m.group("value")[:1].isdigit()):
        return None, suffix
    label = terms[term] if term else "page"
    value = m.group("value").strip().rstrip(",").strip()
    rest = m.group("value")[len(m.group("value").rstrip().rstrip(",").rstrip()):] + m.group("rest")
    return (label, value), rest


def locator_terms(style) -> dict[str, str]:
    """The locator words of the style's locale ("S." and "Kap." with ``lang: de``), as
    pandoc reads them, then pandoc's English ones: word (lowercase, no period) -> label."""
    labels = set(_TERMS.values())
    terms: dict[str, str] = {}
    for locale in style.root.locales:  # the post's locale first, then its fallbacks
        for term in locale.iter("{http://purl.org/net/xbiblio/csl}term"):
            if term.get("name") in labels:
                for text in [child.text for child in term] or [term.text]:
                    if text and text.strip():
                        terms.setdefault(text.strip().rstrip(".").lower(), term.get("name"))
    return {**_TERMS, **terms}


class Engine:
    """One post's citations in one CSL style: :meth:`start` with the keys in first-cited
    order, then :meth:`cite` each cluster in document order, then :meth:`entries`."""

    def __init__(self, style, items: list[dict]):
        from citeproc import CitationStylesBibliography, formatter
        from citeproc.source.json import CiteProcJSON
        fixes.apply()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            source = CiteProcJSON(items)
        self.style = style
        self.bib = CitationStylesBibliography(style, source, formatter.html)
        self.keys = {str(item["id"]).lower(): str(item["id"]) for item in items}
        self.started = False
        self.quote_punctuation = _punctuation_in_quote(style)
        self.locator_terms = locator_terms(style)

    @property
    def is_note(self) -> bool:
        return self.style.root.get("class") == "note"

    @property
    def has_bibliography(self) -> bool:
        return self.style.has_bibliography()

    def start(self, keys: list[str]) -> None:
        """Register the works (numbers follow this order) and sort the list."""
        from citeproc import Citation, CitationItem
        known = [k for k in keys if k.lower() in self.bib.source]
        if known:
            self.bib.register(Citation([CitationItem(k) for k in known]))
        if self.has_bibliography:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.bib.sort()
        disambiguate(self.bib)
        self.started = True

    def number(self, key: str) -> int | None:
        """The work's place in the reference list (its ``citation-number``)."""
        try:
            return self.bib.keys.index(key.lower()) + 1
        except ValueError:
            return None

    # -- citations ---------------------------------------------------------------
    def cite(self, cites: list[Cite], narrative: bool = False) -> tuple[str, str]:
        """``(in_text, citation)`` HTML. ``in_text`` is the author names of a narrative
        citation ("" otherwise), ``citation`` the cluster, names left out where asked."""
        if not self.started:
            self.start([c.key for c in cites])
        authors = ""
        if narrative and len(cites) == 1:
            cites = [copy.copy(cites[0])]
            authors = self._names_of(cites[0])
            cites[0].suppress_author = bool(authors)
        suppressed = [c.key for c in cites if c.suppress_author]
        if not suppressed:
            return authors, self._render(cites, keep=True)
        text = self._render(cites, stand_in=suppressed, keep=True)
        return authors, re.sub(STAND_IN + r"(?:\s*(?:</?[a-z]+[^>]*>)*[,.:;]?\s*)?", "", text)

    def _names_of(self, cite: Cite) -> str:
        """The names a citation of ``cite`` shows ("Doe and Roe"), or "" (numeric styles)."""
        plain = Cite(cite.key)
        full = self._render([plain])
        marked = self._render([plain], stand_in=[cite.key])
        if STAND_IN not in marked:
            return ""
        before, after = marked.split(STAND_IN, 1)
        if STAND_IN in after or not (full.startswith(before) and full.endswith(after)):
            return ""
        names = full[len(before):len(full) - len(after)]
        return re.sub(r"^(?:</[^>]+>)+|(?:<[^/][^>]*>)+$", "", names).strip()

    def _render(self, cites: list[Cite], stand_in: list[str] = (), keep: bool = False) -> str:
        """One cluster; ``keep``: it counts for later positions (ibid, subsequent)."""
        from citeproc import Citation, CitationItem, Locator
        items = []
        for c in cites:
            options = {"prefix": c.prefix, "suffix": c.suffix}
            if c.locator:
                options["locator"] = Locator(*c.locator)
            items.append(CitationItem(c.key, **options))
        citation = Citation(items)
        citation.bibliography = self.bib
        seen = len(self.bib._cites)
        swapped = {key.lower(): self.bib.source.get(key.lower()) for key in stand_in}
        try:
            for key, reference in swapped.items():
                if reference is not None:
                    self.bib.source[key] = _with_stand_in(reference)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                text = self._quotes(str(self.bib.cite(citation, lambda item: None)))
        finally:
            for key, reference in swapped.items():
                if reference is not None:
                    self.bib.source[key] = reference
            if not keep:
                del self.bib._cites[seen:]
        return text

    def _quotes(self, text: str) -> str:
        """American punctuation: "Title." (the locale's punctuation-in-quote, which
        citeproc-py does not apply)."""
        if not self.quote_punctuation:
            return text
        return re.sub(r"((?:</[a-z]+>)*)([\u201d\u2019])((?:</[a-z]+>)*)([.,])(?![.,\d])", r"\4\1\2\3", text)

    # -- the reference list ------------------------------------------------------
    def entries(self) -> list[tuple[str, str, str]]:
        """``(key, label, text)`` HTML per listed work, in the style's order; ``label`` is
        the number a numeric style puts in the margin (second-field-align), else ""."""
        if not self.has_bibliography or not self.bib.items:
            return []
        aligned = self.style.root.bibliography.get("second-field-align") is not None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rendered = [self._quotes(str(text)) for text in self.bib.bibliography()]
        out = []
        for item, text in zip(self.bib.items, rendered):
            label = ""
            m = _LABEL.match(text) if aligned else None
            if m:
                label, text = m.group(1), text[m.end():]
            out.append((self.keys.get(item.key, item.key), label, text))
        return out


def _punctuation_in_quote(style) -> bool:
    """The first locale (the style's own, then citeproc-py's) that says it decides."""
    for locale in style.root.locales:
        for element in locale.iter("{http://purl.org/net/xbiblio/csl}style-options"):
            value = element.get("punctuation-in-quote")
            if value is not None:
                return value == "true"
    return False


_NAME_VARIABLES = ("author", "editor", "translator", "collection_editor", "composer", "director",
                   "interviewer", "illustrator", "recipient", "container_author")


def _with_stand_in(reference):
    """The reference with its first name list (the one a citation shows) one stand-in name."""
    from citeproc.source import Name
    changed = type(reference).__new__(type(reference))
    dict.update(changed, reference)  # copy.copy would ask CustomDict for __setstate__ and fail
    # no names: the stand-in is an author, so it marks where the style's substitute (a
    # title: "Stanze in lode (1547)") stands
    variable = next((v for v in _NAME_VARIABLES if v in changed), "author")
    dict.__setitem__(changed, variable, [Name(family=STAND_IN)])
    return changed
