"""Bibliography works as CSL-JSON items, the input citeproc-py formats.

Works read from CSL-JSON / CSL YAML / front matter ``references:`` keep their item as
written (``Work.csl_item``); BibTeX/BibLaTeX works are mapped field by field the way
pandoc maps them, from the Unicode text bibliography.py made of their LaTeX.
"""
from __future__ import annotations

import re

from ..bibliography import Work

_TYPES = {"article": "article-journal", "book": "book", "mvbook": "book", "inbook": "chapter",
          "incollection": "chapter", "inproceedings": "paper-conference", "conference": "paper-conference",
          "proceedings": "book", "collection": "book", "phdthesis": "thesis", "mastersthesis": "thesis",
          "thesis": "thesis", "techreport": "report", "report": "report", "manual": "book",
          "online": "webpage", "www": "webpage", "electronic": "webpage", "webpage": "webpage",
          "unpublished": "manuscript", "booklet": "pamphlet", "dataset": "dataset",
          "software": "software", "patent": "patent", "misc": "article"}
_FIELDS = {"title": "title", "volume": "volume", "pages": "page", "publisher": "publisher",
           "address": "publisher-place", "location": "publisher-place", "edition": "edition",
           "series": "collection-title", "doi": "DOI", "url": "URL", "note": "note", "isbn": "ISBN",
           "issn": "ISSN", "abstract": "abstract", "language": "language", "version": "version",
           "shorttitle": "title-short", "howpublished": "medium"}
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"), 1)}
# the variables citeproc-py knows (others only make it warn)
_KNOWN = None


def _known() -> set[str]:
    global _KNOWN
    if _KNOWN is None:
        from .fixes import register_variables
        register_variables()
        from citeproc import VARIABLES
        _KNOWN = {v.replace("_", "-") for v in VARIABLES} | {"DOI", "ISBN", "ISSN", "URL", "PMID", "PMCID"}
    return _KNOWN


def csl_item(work: Work) -> dict:
    """The CSL-JSON item of ``work`` (its id is the work's key)."""
    original = getattr(work, "csl_item", None)
    item = dict(original) if original is not None else _from_bibtex(work)
    item["id"] = work.key
    item.setdefault("type", "article")
    for name in list(item):
        if name not in ("id", "type") and name not in _known():
            del item[name]
        elif name in ("issued", "accessed", "original-date", "event-date", "submitted"):
            item[name] = _date(item[name])
            if item[name] is None:
                del item[name]
        elif name in _NAMES:
            item[name] = _names(item[name])
        elif isinstance(item[name], (int, float)):
            item[name] = str(item[name])
    return item


_NAMES = ("author", "editor", "translator", "collection-editor", "composer", "container-author", "director",
          "editorial-director", "illustrator", "interviewer", "original-author", "recipient", "chair", "compiler",
          "contributor", "curator", "executive-producer", "guest", "host", "narrator", "organizer", "performer",
          "producer", "script-writer", "series-creator")


def _names(value) -> list[dict]:
    """A name list as CSL YAML allows it written: one name, a string, a list of either."""
    values = value if isinstance(value, list) else [value]
    out = []
    for name in values:
        if isinstance(name, dict):
            out.append({k: " ".join(map(str, v)) if isinstance(v, list) else str(v)
                        for k, v in name.items() if v not in (None, "", [])})
        elif isinstance(name, str) and name.strip():
            out.append({"literal": name.strip()})
    return out


def _from_bibtex(work: Work) -> dict:
    kind = work.type
    item: dict = {"type": _TYPES.get(kind, "article")}
    for name, csl in _FIELDS.items():
        if work.get(name) and csl not in item:
            item[csl] = work.get(name)
    container = work.get("journal") or work.get("journaltitle") or work.get("booktitle")
    if container:
        item["container-title"] = container
    if work.get("number"):
        item["issue" if kind == "article" else "number"] = work.get("number")
    if kind in ("phdthesis", "mastersthesis", "thesis", "techreport", "report"):
        item["publisher"] = work.get("school") or work.get("institution") or work.get("publisher")
        genre = work.get("type") or {"phdthesis": "PhD thesis", "mastersthesis": "Master\u2019s thesis",
                                     "techreport": "Technical report"}.get(kind, "")
        if genre:
            item["genre"] = genre
    elif not item.get("publisher") and (work.get("organization") or work.get("institution")):
        item["publisher"] = work.get("organization") or work.get("institution")
    if item.get("page"):
        item["page"] = re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "-", item["page"])
    if work.get("eprint") and (work.get("eprinttype") or work.get("archiveprefix")).lower() == "arxiv":
        item.setdefault("URL", f"https://arxiv.org/abs/{work.get('eprint')}")
    issued = _bib_date(work.get("date") or work.get("year"), work.get("month"))
    if issued:
        item["issued"] = issued
    accessed = _bib_date(work.get("urldate"), "")
    if accessed:
        item["accessed"] = accessed
    for role in ("author", "editor", "translator"):
        people = work.persons.get(role)
        if people:
            item[role] = [_name(p) for p in people]
    return item


def _name(person) -> dict:
    family = " ".join(person.last_names)
    given = " ".join(person.first_names + person.middle_names)
    if not given and not person.prelast_names and " " in family:
        return {"literal": family}  # {Google Research}: an institution
    name = {"family": family, "given": given}
    if person.prelast_names:
        name["non-dropping-particle"] = " ".join(person.prelast_names)
    if person.lineage_names:
        name["suffix"] = " ".join(person.lineage_names)
    return {k: v for k, v in name.items() if v}


def _bib_date(text: str, month: str) -> dict | None:
    m = re.match(r"\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", text or "")
    if not m:
        return {"literal": text.strip()} if text and text.strip() else None
    parts = [int(m.group(1))]
    if m.group(2):
        parts.append(int(m.group(2)))
        if m.group(3):
            parts.append(int(m.group(3)))
    elif month:
        number = _MONTHS.get(month.strip().lower()[:3]) or (int(month) if month.strip().isdigit() else None)
        if number:
            parts.append(number)
    return {"date-parts": [parts]}


def _date(value) -> dict | None:
    """CSL dates as citeproc-py reads them: ``date-parts`` with integers; pandoc-citeproc's
    ``{year, month, day, season}`` (one, or a list: a range); ``raw``, literal and EDTF-ish
    strings ("2005-03", "1996/2004", "1996_2004") parsed; anything else a literal."""
    if isinstance(value, (str, int)):
        return _text_date(str(value))
    if hasattr(value, "year"):  # YAML read 2011-09-24 as a date
        return {"date-parts": [[value.year, value.month, value.day]]}
    if isinstance(value, dict) and "date-parts" not in value and "year" in value:
        value = [value]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        parts = [[int(v[k]) for k in ("year", "month", "day") if str(v.get(k, "")).strip().isdigit()]
                 for v in value]
        seasons = {str(v["season"]) for v in value if v.get("season")}
        value = {"date-parts": parts, **({"season": seasons.pop()} if len(seasons) == 1 else {})}
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and all(isinstance(p, list) for p in parts):
        clean = []
        for part in parts:
            numbers = [int(x) for x in part if str(x).strip().lstrip("-").isdigit()]
            if numbers:
                clean.append(numbers[:3])
        if clean:
            out = {"date-parts": clean}
            if value.get("circa"):
                out["circa"] = 1
            if value.get("season"):
                out["season"] = int(value["season"]) if str(value["season"]).isdigit() else value["season"]
            return out
    for key in ("raw", "literal"):
        if value.get(key):
            return _text_date(str(value[key]))
    return None


def _text_date(text: str) -> dict | None:
    """A date written as text; two dates joined by ``/`` (EDTF) or ``_`` are a range."""
    ends = re.split(r"\s*[/_]\s*", text.strip()) if re.fullmatch(r"[\d-]+\s*[/_]\s*[\d-]+", text.strip()) else [text]
    dates = [_bib_date(end, "") for end in ends]
    if len(dates) == 2 and all(d and "date-parts" in d for d in dates):
        return {"date-parts": dates[0]["date-parts"] + dates[1]["date-parts"]}
    return dates[0]
