"""Front matter -> the Post's fields, read as the blogs that wrote it read them.

Astro, Jekyll/al-folio, Hugo, Docusaurus, JOSS and Hugging-Face-style blogs each give
the same fields different shapes. A shape we can read is read (a string of names,
Docusaurus author keys from ``authors.yml``, a toc object, JOSS affiliation indexes);
a shape we cannot use is a warning naming its line and is ignored, so a post the blog
builds is never refused here (``--strict`` makes those warnings errors). Only YAML that
does not parse, or a front matter that is not a mapping, stops the run (load.py).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import Diagnostics

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
DATE_KEYS = ("pubDate", "timestamp", "date", "publishDate", "published")
UPDATED_KEYS = ("updatedTimestamp", "updated", "updatedDate", "lastmod", "modified")
_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%Y/%m/%d", "%Y.%m.%d")
_AUTHORS_FILES = ("authors.yml", "authors.yaml")   # Docusaurus keeps author keys there
_NAME_LIST_SPLIT = re.compile(r"\s*;\s*|\s+and\s+|\s*&\s*")
_AUTHOR_SHAPE = "a list of names or of {name, url, affiliation, email}"


@dataclass
class Author:
    name: str
    url: str | None = None
    affiliation: str | None = None
    email: str | None = None
    orcid: str | None = None


def apply(post, diagnostics: Diagnostics) -> None:
    """Fill a load.Post's fields from its ``meta``."""
    reader = _Reader(post, diagnostics)
    post.title = reader.text("title") or _fallback_title(post, diagnostics)
    post.description = reader.text("description")
    post.published = reader.first_date(DATE_KEYS)
    post.updated = reader.first_date(UPDATED_KEYS)
    post.authors = reader.authors()
    post.tags = reader.string_list("tags")
    post.series = reader.text("series")
    post.toc = reader.flag("toc")
    post.draft = reader.flag("draft")


def clean(text: str) -> str:
    return unicodedata.normalize("NFC", CONTROL.sub("", text)).strip()


class _Reader:
    """One method per field shape; each returns what it could read and warns about the rest."""

    def __init__(self, post, diagnostics: Diagnostics):
        self.post, self.meta, self.diagnostics = post, post.meta, diagnostics

    def ignored(self, key: str, expected: str) -> None:
        value = self.meta[key]
        shown = repr(value) if len(repr(value)) < 40 else type(value).__name__
        self.diagnostics.warn(f"front matter `{key}` must be {expected}, not {shown}; ignored",
                              self.post.path, self.post.meta_line(key))

    def text(self, key: str) -> str | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return clean(str(value)) or None
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        if isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value):
            return clean(" ".join(str(v) for v in value))  # `description: [text]`: YAML read a list
        self.ignored(key, "text")
        return None

    def first_date(self, keys: tuple[str, ...]) -> dt.date | None:
        for key in keys:
            if self.meta.get(key) is not None:
                date = _date(self.meta[key])
                if date is not None:
                    return date
                self.ignored(key, "a date (YYYY-MM-DD)")
        return None

    def string_list(self, key: str) -> list[str]:
        value = self.meta.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [clean(part) for part in value.split(",") if part.strip()]
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            return [clean(str(v)) for v in value]
        self.ignored(key, "a list of strings")
        return []

    def flag(self, key: str) -> bool:
        value = self.meta.get(key, False)
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, (list, dict)):  # al-folio: `toc: [sections]`, `toc: {beginning: true}`
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "yes", "on", "false", "no", "off"):
            return value.lower() in ("true", "yes", "on")
        self.ignored(key, "true or false")
        return False

    def authors(self) -> list[Author]:
        key = "authors" if "authors" in self.meta else "author"
        value = self.meta.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = split_names(value)
        elif isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            self.ignored(key, _AUTHOR_SHAPE)
            return []
        registry: dict | None = None
        affiliations = _affiliation_table(self.meta.get("affiliations"))
        found = []
        for item in value:
            if isinstance(item, str) and item.strip() and isinstance(self.meta.get(key), list):
                if registry is None:
                    registry = _authors_registry(self.post.path)
                item = registry.get(item.strip(), item)  # a Docusaurus key, else a name
            author = _author(item, affiliations)
            if author is None:
                self.ignored(key, _AUTHOR_SHAPE)
                continue
            found.append(author)
        return found


def split_names(text: str) -> list[str]:
    """``"Rush, Alexander; Karamcheti, Sidd"``, ``"Ada Lovelace and Alan Turing"``."""
    parts = [p for p in _NAME_LIST_SPLIT.split(text.strip()) if p.strip()]
    if len(parts) == 1 and text.count(",") > 1:  # "Ada Lovelace, Alan Turing, Grace Hopper"
        parts = [p for p in text.split(",") if p.strip()]
    return [_first_last(p) for p in parts]


def _first_last(name: str) -> str:
    """BibTeX's "Last, First" as the byline prints it: "First Last"."""
    if name.count(",") == 1:
        last, first = (p.strip() for p in name.split(","))
        if last and first:
            return f"{first} {last}"
    return name.strip()


def _author(item: Any, affiliations: dict[str, str]) -> Author | None:
    if isinstance(item, (str, int, float)) and not isinstance(item, bool) and str(item).strip():
        return Author(name=clean(str(item)))
    if not isinstance(item, dict):
        return None
    name = item.get("name") or item.get("user") or item.get("username")  # Hugging Face: {user: x}
    if not isinstance(name, (str, int)) or not str(name).strip():
        return None
    affiliation = _affiliation(item.get("affiliation", item.get("affiliations")), affiliations)
    if affiliation is None and isinstance(item.get("title"), str):  # Docusaurus: the author's role
        affiliation = item["title"]
    url = item.get("url") or item.get("website") or item.get("page")
    fields = {"url": url, "affiliation": affiliation, "email": item.get("email"), "orcid": item.get("orcid")}
    return Author(name=clean(str(name)), **{k: clean(str(v)) if isinstance(v, (str, int)) and str(v).strip()
                                              else None for k, v in fields.items()})


def _affiliation(value: Any, table: dict[str, str]) -> str | None:
    """al-folio ``{name, url}``, a list, JOSS indexes ``"1, 2"`` / ``[1, 3]`` into ``affiliations:``."""
    if value is None:
        return None
    if isinstance(value, dict):
        return str(value["name"]) if value.get("name") else None
    if isinstance(value, list):
        names = [_affiliation(v, table) for v in value]
        return "; ".join(n for n in names if n) or None
    text = str(value).strip()
    if table and re.fullmatch(r"\d+(\s*[,;]\s*\d+)*", text):
        names = [table.get(part.strip()) for part in re.split(r"[,;]", text)]
        return "; ".join(n for n in names if n) or None
    return text or None


def _affiliation_table(listed: Any) -> dict[str, str]:
    table = {}
    if isinstance(listed, list):
        for i, item in enumerate(listed, start=1):
            if isinstance(item, dict) and item.get("name"):
                table[str(item.get("index", i)).strip()] = str(item["name"]).strip()
            elif isinstance(item, str) and item.strip():
                table[str(i)] = item.strip()
    return table


def _authors_registry(post_path: Path) -> dict[str, dict]:
    """Docusaurus's ``authors.yml`` (blog folder or a folder above): key -> {name, title, url}."""
    folder = post_path.resolve().parent
    for candidate in [folder, *folder.parents][:5]:
        for name in _AUTHORS_FILES:
            path = candidate / name
            if path.is_file():
                try:
                    data = yaml.safe_load(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, yaml.YAMLError):
                    return {}
                return {str(k): v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}
    return {}


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    for parse in (dt.datetime.fromisoformat, lambda s: dt.datetime.strptime(s[:10], "%Y-%m-%d")):
        try:
            return parse(text).date()
        except ValueError:
            continue
    words = " ".join(re.sub(r"(?<=\d)(st|nd|rd|th)\b|,", " ", value).split())
    for fmt in _DATE_FORMATS:  # what JavaScript's Date (Astro's z.coerce.date) also reads
        try:
            return dt.datetime.strptime(words, fmt).date()
        except ValueError:
            continue
    return None


def _fallback_title(post, diagnostics: Diagnostics) -> str:
    for number, line in enumerate(post.body.split("\n"), start=post.body_line):
        m = re.match(r" {0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
        if m:
            diagnostics.warn("no title in front matter; using the first heading", post.path, number)
            return m.group(1)
    diagnostics.warn("no title in front matter; using the file name", post.path, 1)
    return post.slug.replace("-", " ").replace("_", " ").strip().capitalize() or post.path.name
