"""The preprint's title block from front matter: authors with affiliation marks, emails
and ORCID iDs, the abstract, keywords and the date.

Front matter forms read (besides what :mod:`distill_pdf.load` reads):

* ``authors: [{name, affiliation, email, orcid}]`` (Astro, al-folio, Hugo);
* JOSS/pandoc: ``affiliation: "1, 2"`` or ``[1, 3]`` indexes into a top-level
  ``affiliations: [{index, name}]`` list;
* ``abstract:`` (else ``description``), which may hold ``$math$`` and several paragraphs;
* ``tags`` (else ``keywords``) for the keyword line.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..load import Post
from ..template import format_date
from ..writer.text import escape, escape_url

_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.I)


@dataclass
class _Affiliation:
    key: str      # what authors point at: an index or the name itself
    name: str


def title_values(post: Post, today: dt.date | None = None) -> dict:
    """The ``arxiv`` dict the arxiv template reads (all strings already LaTeX)."""
    affiliations = _affiliation_table(post)
    per_author = _author_affiliations(post, affiliations)
    used: list[_Affiliation] = []
    for keys in per_author:
        for key in keys:
            if key not in [a.key for a in used]:
                used.append(next(a for a in affiliations if a.key == key))
    numbered = len(used) > 1
    marks = {a.key: str(i + 1) for i, a in enumerate(used)}
    authors = []
    for author, keys in zip(post.authors, per_author):
        orcid = _ORCID.search(author.orcid or "")
        name = escape(author.name)
        if author.url:
            name = rf"\href{{{escape_url(author.url)}}}{{\textcolor{{black}}{{{name}}}}}"
        authors.append({"name": name,
                        "marks": ",".join(marks[k] for k in keys) if numbered else "",
                        "orcid": orcid.group(1).upper() if orcid else ""})
    emails = [a.email.strip() for a in post.authors if a.email and a.email.strip()]
    date = post.published or post.updated or today or dt.date.today()
    return {
        "authors": authors,
        "affiliations": [{"mark": marks[a.key] if numbered else "", "name": escape(a.name)} for a in used],
        "emails": r",\quad ".join(escape(e) for e in emails),
        "orcid": any(a["orcid"] for a in authors),
        "abstract": abstract_latex(post),
        "keywords": r" \textperiodcentered{} ".join(escape(k) for k in _keywords(post)),
        "date": format_date(date),
    }


def _affiliation_table(post: Post) -> list[_Affiliation]:
    table = []
    listed = post.meta.get("affiliations")
    if isinstance(listed, list):
        for i, item in enumerate(listed, start=1):
            if isinstance(item, dict) and item.get("name"):
                table.append(_Affiliation(str(item.get("index", i)).strip(), str(item["name"]).strip()))
            elif isinstance(item, str) and item.strip():
                table.append(_Affiliation(str(i), item.strip()))
    return table


def _author_affiliations(post: Post, table: list[_Affiliation]) -> list[list[str]]:
    """Each author's affiliation keys, adding named affiliations to ``table`` as met."""
    raw_authors = post.meta.get("authors", post.meta.get("author"))
    raw_authors = raw_authors if isinstance(raw_authors, list) else [raw_authors]
    by_key = {a.key: a for a in table}
    result = []
    for index, author in enumerate(post.authors):
        raw = raw_authors[index] if index < len(raw_authors) else None
        value = None
        if isinstance(raw, dict):
            value = raw.get("affiliation", raw.get("affiliations"))
        if value is None:
            value = author.affiliation
        names = _affiliation_names(value)
        keys = []
        for name in names:
            if name not in by_key:
                if table and name.isdigit():
                    continue  # an index the affiliations list lacks
                by_key[name] = _Affiliation(name, name)
                table.append(by_key[name])
            keys.append(name)
        result.append(list(dict.fromkeys(keys)))
    return result


def _affiliation_names(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict):  # al-folio: {name: ..., url: ...}
        return [str(value["name"]).strip()] if value.get("name") else []
    if isinstance(value, list):
        out = []
        for item in value:
            out += _affiliation_names(item)
        return out
    text = str(value).strip()
    if re.fullmatch(r"\d+(\s*[,;]\s*\d+)*", text):  # JOSS: "1, 2, 4"
        return [part.strip() for part in re.split(r"[,;]", text)]
    return [text] if text else []


def _keywords(post: Post) -> list[str]:
    if post.tags:
        return post.tags
    value = post.meta.get("keywords")
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [str(k).strip() for k in value if str(k).strip()]
    return []


def abstract_latex(post: Post) -> str:
    """``abstract:`` (else ``description``) as LaTeX paragraphs, ``$math$`` kept as math."""
    value = post.meta.get("abstract")
    text = value if isinstance(value, str) and value.strip() else (post.description or "")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n\n".join(_with_math(p) for p in paragraphs)


def _with_math(text: str) -> str:
    from ..template import _title_with_math
    return _title_with_math(text) if "$" in text else escape(text)
