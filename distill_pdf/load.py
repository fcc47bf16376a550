"""Step 1: read a post file into a Post (metadata + Markdown body).

Front matter is YAML (``---``), or TOML (``+++``) and JSON (``{..}``) as Hugo allows.
What would stop a run (no such file, binary data, YAML or TOML that does not parse, a front
matter that is not a mapping) is reported here with its line, before any work starts;
encodings real blogs carry are repaired with a warning. The fields are read in metadata.py.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from . import metadata
from .errors import DistillError, Diagnostics, UsageError
from .metadata import CONTROL as _CONTROL
from .metadata import Author


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
    """Control characters go, with a warning; ESC stays where it opens a terminal colour
    sequence inside code (terminal output, Expressive Code's ``ansi``: writer/ansi.py)."""
    kept, gone = _terminal_colours(text)
    dropped = [(m.start(), m.end()) for m in _CONTROL.finditer(text) if m.start() not in kept]
    if not dropped:
        return text
    line = text.count("\n", 0, dropped[0][0]) + 1
    diagnostics.warn(f"dropped {len(dropped)} control character(s)", path, line)
    spans: list[tuple[int, int]] = []
    for a, b in sorted(dropped + gone):  # a colour sequence in prose goes whole
        if spans and a < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
        else:
            spans.append((a, b))
    return "".join(text[a:b] for a, b in _between(spans, len(text)))


def _terminal_colours(text: str) -> tuple[set[int], list[tuple[int, int]]]:
    """The ESC characters that open an SGR sequence (``ESC[31m``) in code, kept; and the
    spans of such sequences elsewhere, which go whole (not leaving ``[31m`` behind)."""
    if "\x1b[" not in text:
        return set(), []
    from .codeguard import code_ranges
    from .writer.ansi import SGR
    ranges = code_ranges(text)
    kept, gone = set(), []
    for m in SGR.finditer(text):
        if any(a <= m.start() < b for a, b in ranges):
            kept.add(m.start())
        else:
            gone.append((m.start(), m.end()))
    return kept, gone


def _between(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """The pieces of ``range(length)`` outside the sorted, disjoint ``spans``."""
    out, pos = [], 0
    for a, b in spans:
        out.append((pos, a))
        pos = b
    return out + [(pos, length)]


def load_post(path: Path, diagnostics: Diagnostics | None = None) -> Post:
    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    path = Path(path)
    text = read_text(path, diagnostics)
    meta, body, body_line = _split_front_matter(text, path)
    key_lines = _key_lines(text, body_line)
    post = Post(path=path, body=body, body_line=body_line, meta=meta, title="", key_lines=key_lines)
    metadata.apply(post, diagnostics)
    return post


_TOML_FRONT = re.compile(r"\A\+\+\+[ \t]*\r?\n(.*?)^\+\+\+[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def _toml_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str, int] | None:
    """Hugo's TOML front matter between ``+++`` lines."""
    m = _TOML_FRONT.match(text)
    if m is None:
        return None
    import tomllib
    try:
        meta = tomllib.loads(m.group(1))
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+)", str(exc))
        problem = re.sub(r"\s*\(at .*\)$", "", str(exc))
        raise DistillError(f"invalid TOML front matter: {problem}", path, 1 + int(at.group(1)) if at else 1) from None
    return meta, text[m.end():], text.count("\n", 0, m.end()) + 1


def _json_front_matter(text: str) -> tuple[dict[str, Any], str, int] | None:
    """Hugo's JSON front matter: an object that opens the file (else the file has none)."""
    if not text.startswith("{") or text.startswith(("{%", "{{")):
        return None
    try:
        meta, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    if not isinstance(meta, dict):
        return None
    end = text.find("\n", end)
    end = len(text) if end < 0 else end + 1
    return meta, text[end:], text.count("\n", 0, end) + 1


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str, int]:
    found = _toml_front_matter(text, path) or _json_front_matter(text)
    if found is not None:
        return found
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
        m = re.match(r"\s*\"?([A-Za-z_][\w-]*)\"?\s*[:=]", line)  # YAML, TOML, JSON
        if m and m.group(1) not in found:
            found[m.group(1)] = number
    return found
