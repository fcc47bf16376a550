"""Step 1: read a post file into a Post (metadata + Markdown body).

Everything a user's file can get wrong (encoding, binary data, YAML syntax,
wrong types) is reported here with the line it is on, before any work starts.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .errors import DistillError, Diagnostics, UsageError


@dataclass
class Author:
    name: str
    url: str | None = None
    affiliation: str | None = None
    email: str | None = None
    orcid: str | None = None


@dataclass
class Post:
    path: Path
    body: str
    body_line: int  # file line number of the body's first line
    meta: dict[str, Any]
    title: str
    description: str | None = None
    published: dt.date | None = None
    updated: dt.date | None = None
    authors: list[Author] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    series: str | None = None
    toc: bool = False
    draft: bool = False
    key_lines: dict[str, int] = field(default_factory=dict)

    def meta_line(self, key: str) -> int:
        return self.key_lines.get(key, 1)

    @property
    def slug(self) -> str:
        return self.path.parent.name if self.path.stem == "index" else self.path.stem


_MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u2122]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
_DATE_KEYS = ("pubDate", "timestamp", "date", "publishDate", "published")
_UPDATED_KEYS = ("updatedTimestamp", "updated", "updatedDate", "lastmod", "modified")
_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%Y/%m/%d", "%Y.%m.%d")


def read_text(path: Path, diagnostics: Diagnostics) -> str:
    """Decode a post, tolerating the encodings real blogs carry."""
    if not path.exists():
        raise UsageError("no such file", path)
    if path.is_dir():
        raise UsageError("is a directory, not a Markdown file (use `distill-pdf batch` for folders)", path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror}", path) from None
    if not data.strip():
        raise DistillError("empty file", path)
    if b"\x00" in data[:8192] and not _utf8(data):  # a stray NUL in text is dropped below
        raise DistillError("binary file, not Markdown text", path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.decode("cp1252", errors="replace")
        if "\ufffd" in text:
            text = data.decode("latin-1")
        diagnostics.warn("not UTF-8; decoded as Windows-1252/Latin-1", path, line)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", " ").replace("\u2029", "\n")
    text = _repair_mojibake(text, path, diagnostics)
    return _drop_control_characters(text, path, diagnostics)


def _repair_mojibake(text: str, path: Path, diagnostics: Diagnostics) -> str:
    """UTF-8 once decoded as Windows-1252 ("â€”" for "—") is repaired, line by line, with a warning."""
    if not _MOJIBAKE_HINT.search(text):
        return text
    import ftfy  # 40 ms to import: only for text that looks mis-encoded (performance)
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if _MOJIBAKE_HINT.search(line):
            fixed = ftfy.fix_encoding(line)
            if fixed != line:
                diagnostics.warn("repaired mis-encoded characters (UTF-8 read as Windows-1252)", path, number + 1)
                lines[number] = fixed
    return "\n".join(lines)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _drop_control_characters(text: str, path: Path, diagnostics: Diagnostics) -> str:
    first = _CONTROL.search(text)
    if not first:
        return text
    count = len(_CONTROL.findall(text))
    line = text.count("\n", 0, first.start()) + 1
    diagnostics.warn(f"dropped {count} control character(s)", path, line)
    return _CONTROL.sub("", text)


def load_post(path: Path, diagnostics: Diagnostics | None = None) -> Post:
    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    path = Path(path)
    text = read_text(path, diagnostics)
    meta, body, body_line = _split_front_matter(text, path)
    key_lines = _key_lines(text, body_line)
    post = Post(path=path, body=body, body_line=body_line, meta=meta, title="", key_lines=key_lines)
    _apply_metadata(post, diagnostics)
    return post


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str, int]:
    handler = frontmatter.detect_format(text, frontmatter.handlers)
    if not isinstance(handler, frontmatter.YAMLHandler):
        return {}, text, 1
    try:
        fm, body = handler.split(text)
    except ValueError:
        return {}, text, 1
    body_line = text.count("\n", 0, text.index(body)) + 1 if body else text.count("\n") + 1
    try:
        meta = yaml.safe_load(fm) if fm.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None and mark.index >= len(fm.rstrip()) and getattr(exc, "context_mark", None):
            mark = exc.context_mark  # "unexpected end of stream": where the unclosed thing began
        first = text.count("\n", 0, text.index(fm)) + 1 if fm else 1  # the file line of fm's line 0
        line = first + mark.line if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DistillError(f"invalid YAML front matter: {problem}", path, line) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise DistillError("front matter must be a mapping of keys to values", path, 2)
    return meta, body, body_line


def _key_lines(text: str, body_line: int) -> dict[str, int]:
    lines = text.split("\n")[: max(body_line - 1, 0)]
    found = {}
    for number, line in enumerate(lines, start=1):
        m = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if m and m.group(1) not in found:
            found[m.group(1)] = number
    return found


def _apply_metadata(post: Post, diagnostics: Diagnostics) -> None:
    meta = post.meta
    post.title = _optional_text(post, "title") or _fallback_title(post, diagnostics)
    post.description = _optional_text(post, "description")
    post.published = _first_date(post, _DATE_KEYS)
    post.updated = _first_date(post, _UPDATED_KEYS)
    post.authors = _authors(post)
    post.tags = _string_list(post, "tags")
    post.series = _optional_text(post, "series")
    post.toc = _flag(post, "toc")
    post.draft = _flag(post, "draft")
    if isinstance(meta.get("toc"), list):  # al-folio lists its sections; a list means "yes"
        post.toc = True


def _type_error(post: Post, key: str, expected: str) -> DistillError:
    value = post.meta[key]
    shown = repr(value) if len(repr(value)) < 40 else type(value).__name__
    return DistillError(f"front matter `{key}` must be {expected}, not {shown}", post.path, post.meta_line(key))


def _optional_text(post: Post, key: str) -> str | None:
    value = post.meta.get(key)
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return _clean(str(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value):
        return _clean(" ".join(str(v) for v in value))  # `description: [text]`: YAML read a list
    raise _type_error(post, key, "text")


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", _CONTROL.sub("", text)).strip()


def _fallback_title(post: Post, diagnostics: Diagnostics) -> str:
    for number, line in enumerate(post.body.split("\n"), start=post.body_line):
        m = re.match(r" {0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
        if m:
            diagnostics.warn("no title in front matter; using the first heading", post.path, number)
            return m.group(1)
    diagnostics.warn("no title in front matter; using the file name", post.path, 1)
    return post.slug.replace("-", " ").replace("_", " ").strip().capitalize() or post.path.name


def _first_date(post: Post, keys: tuple[str, ...]) -> dt.date | None:
    for key in keys:
        if key in post.meta and post.meta[key] is not None:
            return _date(post, key)
    return None


def _date(post: Post, key: str) -> dt.date:
    value = post.meta[key]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
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
    raise _type_error(post, key, "a date (YYYY-MM-DD)")


def _authors(post: Post) -> list[Author]:
    value = post.meta.get("authors", post.meta.get("author"))
    key = "authors" if "authors" in post.meta else "author"
    if value is None:
        return []
    if isinstance(value, (str, dict)) and key == "author":
        value = [value]
    if not isinstance(value, list):
        raise _type_error(post, key, "a list of names or of {name, url, affiliation, email}")
    authors = []
    for item in value:
        if isinstance(item, str):
            authors.append(Author(name=_clean(item)))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            authors.append(_author_from_mapping(item))
        else:
            raise _type_error(post, key, "a list of names or of {name, url, affiliation, email}")
    return authors


def _author_from_mapping(item: dict[str, Any]) -> Author:
    affiliation = item.get("affiliation", item.get("affiliations"))
    if isinstance(affiliation, dict):  # al-folio: affiliations: {name: ...}
        affiliation = affiliation.get("name")
    if isinstance(affiliation, list):
        affiliation = "; ".join(a.get("name", "") if isinstance(a, dict) else str(a) for a in affiliation)
    text = {k: _clean(str(v)) if v is not None else None for k, v in
            (("url", item.get("url")), ("affiliation", affiliation), ("email", item.get("email")),
             ("orcid", item.get("orcid")))}
    return Author(name=_clean(item["name"]), **text)


def _string_list(post: Post, key: str) -> list[str]:
    value = post.meta.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [_clean(part) for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [_clean(str(v)) for v in value]
    raise _type_error(post, key, "a list of strings")


def _flag(post: Post, key: str) -> bool:
    value = post.meta.get(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "yes", "false", "no"):
        return value.lower() in ("true", "yes")
    raise _type_error(post, key, "true or false")
