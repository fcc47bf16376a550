"""Bibliographies: find and read a post's ``.bib``/CSL files into a :class:`Library`.

Bibliographies come from front matter ``bibliography:`` (a path or a list,
relative to the post, else to a folder above it up to the site root, or in the
site's ``assets/bibliography/`` or ``_bibliography/`` as al-folio keeps them), ``Options.bib`` (``--bib`` and the config file), else
every ``*.bib`` beside the post; pandoc's inline ``references:`` list is read
too. ``.bib`` files (BibTeX or BibLaTeX) are split into entries here and each
entry parsed on its own with pybtex, so one malformed entry is a warning with
its ``file:line`` and the rest of the file still works. CSL-JSON (``.json``)
and CSL YAML (``.yaml``) are read as well. Every field is turned from LaTeX into
Unicode text here, once and only for the works a post uses (accents,
``{\\TeX}``, ``--``, quotes), so both back ends print the same text.
The pipeline's citation step (citations.py) uses this; this module uses nothing of it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DistillError, Diagnostics, UsageError
from .load import Post
from .site import SITE_MARKERS

DOLLAR = "\ue000"  # a literal `\$` of a .bib field, kept apart from math `$..$`

# fields printed verbatim (never read as LaTeX)
VERBATIM_FIELDS = {"url", "doi", "eprint", "file", "urldate", "isbn", "issn", "crossref", "xdata",
                   "date", "year", "ids", "keywords"}
# a word that looks like a BibTeX key even when no bibliography has it: name2020word
_KEY_SHAPE = re.compile(r"^[^\W\d_][\w'-]*?[_:-]?(?:1[5-9]|20)\d\d(?:[_:.-]?\w+)*$")
_ENTRY_START = re.compile(r"@[ \t]*([A-Za-z][\w-]*)[ \t\r\n]*([{(])")
_LINE_START_ENTRY = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z][\w-]*[ \t]*[{(]")


def looks_like_key(word: str) -> bool:
    return bool(_KEY_SHAPE.match(word))


# --------------------------------------------------------------------------- data


class Work:
    """One bibliography entry, fields as Unicode text (math kept as ``$..$``).

    Entries read from .bib keep their LaTeX until first used: converting every field of
    a large bibliography would cost seconds, and a post cites a handful of works."""

    def __init__(self, key: str, type: str, fields: dict[str, str] | None = None,
                 persons: dict[str, list[Any]] | None = None, source: Path | None = None,
                 line: int | None = None, latex_entry: Any = None):
        self.key = key
        self.type = type                  # lower case: article, book, inproceedings, ...
        self.source = source
        self.line = line
        self._fields = fields
        self._persons = persons
        self.latex_entry = latex_entry    # the pybtex Entry, until converted

    @property
    def fields(self) -> dict[str, str]:   # lower-case names -> Unicode text
        if self._fields is None:
            self._convert()
        return self._fields

    @property
    def persons(self) -> dict[str, list[Any]]:  # role -> pybtex Person (parts in Unicode)
        if self._persons is None:
            self._convert()
        return self._persons

    def raw_field(self, name: str) -> str:
        """A field before conversion (no LaTeX is read: for crossref keys)."""
        if self.latex_entry is not None and self._fields is None:
            for key, value in self.latex_entry.fields.items():
                if key.lower() == name:
                    return value.strip()
            return ""
        return self.fields.get(name, "")

    def _convert(self) -> None:
        from pybtex.database import Person
        entry, fields, persons = self.latex_entry, {}, {}
        for name, value in entry.fields.items():
            name = name.lower()
            fields[name] = (value.strip().strip("{}").strip() if name in VERBATIM_FIELDS
                            else to_unicode(value))
        for role, people in entry.persons.items():
            persons[role.lower()] = [Person(first=to_unicode(" ".join(p.first_names)),
                                            middle=to_unicode(" ".join(p.middle_names)),
                                            prelast=to_unicode(" ".join(p.prelast_names)),
                                            last=to_unicode(" ".join(p.last_names)),
                                            lineage=to_unicode(" ".join(p.lineage_names)))
                                     for p in people]
        self._fields, self._persons = fields, persons
        parent = getattr(self, "parent", None)
        if parent is not None:
            self.parent = None  # a crossref cycle stops here
            for name, value in parent.fields.items():
                if name not in ("crossref", "ids"):
                    self._fields.setdefault("booktitle" if name == "title" else name, value)
            for role, people in parent.persons.items():
                self._persons.setdefault(role, people)

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


@dataclass
class Library:
    """All works of a post's bibliographies, first definition of a key wins."""

    works: dict[str, Work] = field(default_factory=dict)
    folded: dict[str, str] = field(default_factory=dict)   # casefolded key -> key
    files: list[Path] = field(default_factory=list)

    def add(self, work: Work, diagnostics: Diagnostics) -> None:
        first = self.works.get(work.key) or self.works.get(self.folded.get(work.key.casefold(), ""))
        if first is not None:
            where = f" (first in {_where(first)})" if first.source else ""
            diagnostics.warn(f"duplicate citation key {work.key}; the first one is used{where}",
                             work.source, work.line)
            return
        self.works[work.key] = work
        self.folded.setdefault(work.key.casefold(), work.key)

    def lookup(self, key: str) -> str | None:
        """The key as the bibliography spells it, or None."""
        if key in self.works:
            return key
        return self.folded.get(key.casefold())


def _where(work: Work) -> str:
    return f"{work.source.name}:{work.line}" if work.line else work.source.name


# --------------------------------------------------------------------------- LaTeX -> Unicode

_converter = None


def _latex_converter():
    global _converter
    if _converter is None:
        from pylatexenc import latexwalker, macrospec
        from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
        walker_db = latexwalker.get_default_latex_context_db()
        walker_db.add_context_category("distill-pdf", prepend=True, macros=[
            macrospec.MacroSpec("href", "{{"), macrospec.MacroSpec("url", "{"),
            macrospec.MacroSpec("nolinkurl", "{"), macrospec.MacroSpec("mbox", "{"),
            macrospec.MacroSpec("hbox", "{"), macrospec.MacroSpec("textsc", "{"),
            macrospec.MacroSpec("textnormal", "{"), macrospec.MacroSpec("noopsort", "{"),
        ])
        text_db = get_default_latex_context_db()
        text_db.add_context_category("distill-pdf", prepend=True, macros=[
            MacroTextSpec("TeX", simplify_repl="TeX"), MacroTextSpec("LaTeX", simplify_repl="LaTeX"),
            MacroTextSpec("LaTeXe", simplify_repl="LaTeX2e"), MacroTextSpec("BibTeX", simplify_repl="BibTeX"),
            MacroTextSpec("XeTeX", simplify_repl="XeTeX"), MacroTextSpec("XeLaTeX", simplify_repl="XeLaTeX"),
            MacroTextSpec("href", simplify_repl="%(2)s"), MacroTextSpec("url", simplify_repl="%(1)s"),
            MacroTextSpec("nolinkurl", simplify_repl="%(1)s"), MacroTextSpec("mbox", simplify_repl="%(1)s"),
            MacroTextSpec("hbox", simplify_repl="%(1)s"), MacroTextSpec("textsc", simplify_repl="%(1)s"),
            MacroTextSpec("textnormal", simplify_repl="%(1)s"), MacroTextSpec("noopsort", simplify_repl=""),
        ])
        _converter = (walker_db, LatexNodes2Text(latex_context=text_db, math_mode="verbatim",
                                                 strict_latex_spaces=True))
    return _converter


def to_unicode(value: str) -> str:
    """A .bib field (LaTeX) -> Unicode text: accents, ``{\\TeX}``, ``--``, quotes, braces.
    Math stays ``$..$``; a literal ``\\$`` becomes :data:`DOLLAR`."""
    if not value:
        return ""
    if not any(ch in value for ch in "\\{}$~`'-"):
        return " ".join(value.split())
    value = value.replace("\\$", DOLLAR)
    from pylatexenc import latexwalker
    walker_db, converter = _latex_converter()
    try:
        nodes = latexwalker.LatexWalker(value, latex_context=walker_db,
                                        tolerant_parsing=True).get_latex_nodes()[0]
        text = converter.nodelist_to_text(nodes)
    except Exception:  # pylatexenc raises assorted errors on broken input: strip the markup
        text = re.sub(r"\\[A-Za-z]+\*?|[{}\\]", "", value)
    return " ".join(text.split())


# --------------------------------------------------------------------------- reading .bib


@dataclass
class _Chunk:
    kind: str          # lower-cased entry type, "string", "preamble", "comment"
    text: str
    line: int
    complete: bool     # its braces closed before the next entry began


def split_bib(text: str) -> list[_Chunk]:
    """Cut a .bib file at its ``@type{`` boundaries, tracking lines. An entry whose
    braces do not close ends where the next line starting with ``@type{`` begins."""
    chunks: list[_Chunk] = []
    pos, line, line_pos = 0, 1, 0
    while True:
        m = _ENTRY_START.search(text, pos)
        if m is None:
            return chunks
        line += text.count("\n", line_pos, m.start())
        line_pos = m.start()
        limit = _LINE_START_ENTRY.search(text, m.end())
        stop = limit.start() if limit else len(text)
        end = _closing(text, m.end() - 1, stop, m.group(2))
        chunks.append(_Chunk(m.group(1).lower(), text[m.start():end or stop], line, end is not None))
        pos = end or stop


def _closing(text: str, opener: int, stop: int, kind: str) -> int | None:
    """The end of an entry opened at ``opener`` by ``{`` or ``(``, None if it never closes."""
    depth = 0
    pattern = _BRACES if kind == "{" else _BRACES_PARENS
    for m in pattern.finditer(text, opener if kind == "{" else opener + 1, stop):
        ch = m.group(0)
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if kind == "{" and depth == 0:
                return m.end()
        elif depth == 0:  # ")" outside braces closes a (...) entry
            return m.end()
    return None


_BRACES = re.compile(r"[{}]")
_BRACES_PARENS = re.compile(r"[{})]")


def read_bib(path: Path, diagnostics: Diagnostics) -> list[Work]:
    """Every well-formed entry of a .bib file; each malformed one is a warning."""
    from pybtex.database.input.bibtex import Parser, month_names
    from pybtex.exceptions import PybtexError
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read bibliography: {exc.strerror}", path) from None
    macros = dict(month_names)
    works: list[Work] = []
    for chunk in split_bib(text):
        if chunk.kind in ("preamble", "comment"):
            continue
        parser = Parser(macros=macros)
        try:
            if not chunk.complete:
                raise PybtexError("unbalanced braces")
            data = parser.parse_string(chunk.text)
        except PybtexError as exc:
            what = "@string" if chunk.kind == "string" else "entry"
            diagnostics.warn(f"malformed bibliography {what} skipped: {_pybtex_message(exc)}",
                             path, chunk.line)
            continue
        if chunk.kind == "string":
            macros.update(parser.macros)
            continue
        for key, entry in data.entries.items():
            works.append(_work_from_pybtex(key, entry, path, chunk.line))
    return works


def _pybtex_message(exc) -> str:
    message = str(exc).split("\n")[0]
    return re.sub(r"^syntax error in line \d+: ", "", message)


def _work_from_pybtex(key: str, entry, path: Path, line: int) -> Work:
    return Work(key, entry.type.lower(), source=path, line=line, latex_entry=entry)


# --------------------------------------------------------------------------- reading CSL

_CSL_TYPES = {"article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
              "article": "article", "paper-conference": "inproceedings", "book": "book",
              "chapter": "incollection", "report": "report", "thesis": "thesis", "webpage": "online",
              "post-weblog": "online", "post": "online", "manuscript": "unpublished",
              "dataset": "misc", "software": "misc"}
_CSL_FIELDS = {"title": "title", "volume": "volume", "issue": "number", "page": "pages",
               "DOI": "doi", "URL": "url", "publisher": "publisher", "publisher-place": "address",
               "edition": "edition", "note": "note", "collection-title": "series",
               "genre": "type", "number": "number"}


def read_csl_json(path: Path, diagnostics: Diagnostics) -> list[Work]:
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read bibliography: {exc.strerror}", path) from None
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        diagnostics.warn(f"malformed CSL-JSON bibliography skipped: {exc.msg}", path, exc.lineno)
        return []
    if isinstance(items, dict):
        items = items.get("items", items.get("references", [items]))
    return csl_works(items if isinstance(items, list) else [], path, diagnostics, text)


def read_csl_yaml(path: Path, diagnostics: Diagnostics) -> list[Work]:
    """CSL YAML, as pandoc writes it: a list of items, or ``references:`` holding one."""
    import yaml
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8-sig", errors="replace"))
    except OSError as exc:
        raise UsageError(f"cannot read bibliography: {exc.strerror}", path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        diagnostics.warn(f"malformed CSL YAML bibliography skipped: {getattr(exc, 'problem', exc)}", path,
                         mark.line + 1 if mark is not None else None)
        return []
    if isinstance(items, dict):
        items = items.get("references", [])
    return csl_works(items if isinstance(items, list) else [], path, diagnostics)


def csl_works(items: list, path: Path | None, diagnostics: Diagnostics, text: str = "",
              line: int | None = None) -> list[Work]:
    from pybtex.database import Person
    works = []
    lines = _csl_item_lines(text) if text else []
    for index, item in enumerate(items):
        item_line = lines[index] if index < len(lines) else line
        if not isinstance(item, dict) or not isinstance(item.get("id"), (str, int)):
            diagnostics.warn(f"bibliography item {index + 1} has no id; skipped", path, item_line)
            continue
        kind = str(item.get("type", ""))
        bib_type = _CSL_TYPES.get(kind, "misc")
        fields = {}
        for csl, bib in _CSL_FIELDS.items():
            if item.get(csl) not in (None, ""):
                value = str(item[csl])
                fields[bib] = value if bib in VERBATIM_FIELDS else " ".join(value.split())
        container = item.get("container-title")
        if isinstance(container, list):
            container = container[0] if container else None
        if container:
            fields["journal" if bib_type == "article" else "booktitle"] = " ".join(str(container).split())
        year = _csl_year(item.get("issued"))
        if year:
            fields["year"] = year
        if kind == "thesis":
            fields.setdefault("school", fields.pop("publisher", ""))
        persons = {}
        for role in ("author", "editor"):
            names = item.get(role)
            if isinstance(names, list):
                people = []
                for name in names:
                    if not isinstance(name, dict):
                        continue
                    if name.get("literal"):
                        people.append(Person(last=str(name["literal"])))
                    else:
                        particle = " ".join(str(name.get(k, "")) for k in ("dropping-particle", "non-dropping-particle")
                                            if name.get(k))
                        people.append(Person(first=str(name.get("given", "")), prelast=particle,
                                             last=str(name.get("family", "")), lineage=str(name.get("suffix", ""))))
                if people:
                    persons[role] = people
        work = Work(str(item["id"]), bib_type, {k: v for k, v in fields.items() if v}, persons,
                    path, item_line)
        work.csl_item = item  # the item as written, for CSL styles (csl/items.py)
        works.append(work)
    return works


def _csl_year(issued) -> str:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return str(parts[0][0])
        for key in ("raw", "literal"):
            m = re.search(r"\d{4}", str(issued.get(key, "")))
            if m:
                return m.group(0)
    if isinstance(issued, (str, int)):
        m = re.search(r"\d{4}", str(issued))
        return m.group(0) if m else ""
    return ""


def _csl_item_lines(text: str) -> list[int]:
    """The line each item of a top-level JSON array starts on."""
    decoder = json.JSONDecoder()
    start = text.find("[")
    if start < 0 or text[:start].strip():
        return []
    lines, pos = [], start + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return lines
        lines.append(text.count("\n", 0, pos) + 1)
        try:
            _, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return lines


# --------------------------------------------------------------------------- finding files


# where sites keep the files front matter names: al-folio / Distill Jekyll (assets/bibliography,
# jekyll-scholar's _bibliography), or simply a folder up (tailwind-nextjs-starter-blog's data/)
_SITE_BIB_FOLDERS = ("", "assets/bibliography", "_bibliography", "bibliography", "public")


def find_bibliography(name: str, post: Post, options) -> Path | None:
    """A front matter ``bibliography:`` file: beside the post, else in a folder above it
    (up to the site root) or in one of the site's bibliography folders."""
    path = Path(name).expanduser()
    if path.is_absolute() and path.is_file():
        return path.resolve()
    relative = name.lstrip("/")
    folder = post.path.resolve().parent
    site_root = getattr(options, "site_root", None)
    site_root = Path(site_root).resolve() if site_root else None
    for candidate_folder in [folder, *folder.parents][:6]:
        for sub in _SITE_BIB_FOLDERS:
            candidate = candidate_folder / sub / relative
            if candidate.is_file():
                return candidate.resolve()
        if candidate_folder == site_root or any((candidate_folder / marker).exists()
                                                for marker in (*SITE_MARKERS, ".git")):
            break
    return None


def bibliography_files(post: Post, options) -> list[Path]:
    """Front matter ``bibliography:`` + Options.bib, else every *.bib beside the post."""
    files: list[Path] = []
    value = post.meta.get("bibliography")
    if value is not None:
        names = value if isinstance(value, list) else [value]
        for name in names:
            if not isinstance(name, str) or not name.strip():
                raise DistillError("front matter `bibliography` must be a path or a list of paths",
                                   post.path, post.meta_line("bibliography"))
            path = find_bibliography(name.strip(), post, options)
            if path is None:
                raise DistillError(f"bibliography file not found: {name.strip()}", post.path,
                                   post.meta_line("bibliography"))
            files.append(path)
    for name in options.bib or ():
        path = Path(name).expanduser()
        if not path.is_file():
            raise UsageError("bibliography file not found", path)
        files.append(path.resolve())
    if not files and not post.meta.get("references"):
        files = sorted(p.resolve() for p in post.path.resolve().parent.glob("*.bib") if p.is_file())
    unique: list[Path] = []
    for path in files:
        if path not in unique:
            unique.append(path)
    return unique


def load_library(post: Post, options, diagnostics: Diagnostics) -> Library:
    library = Library()
    references = post.meta.get("references")
    if isinstance(references, list):
        for work in csl_works(references, post.path, diagnostics, line=post.meta_line("references")):
            library.add(work, diagnostics)
    for path in bibliography_files(post, options):
        library.files.append(path)
        suffix = path.suffix.lower()
        if suffix == ".json":
            works = read_csl_json(path, diagnostics)
        elif suffix in (".yaml", ".yml"):
            works = read_csl_yaml(path, diagnostics)
        else:
            works = read_bib(path, diagnostics)
        for work in works:
            library.add(work, diagnostics)
    _inherit_crossrefs(library)
    return library


def _inherit_crossrefs(library: Library) -> None:
    """``crossref = {parent}``: missing fields come from the parent (a proceedings' title
    is its papers' booktitle), as BibTeX and biber do. Resolved when a work is first used."""
    for work in library.works.values():
        parent_key = library.lookup(work.raw_field("crossref"))
        parent = library.works.get(parent_key) if parent_key else None
        if parent is not None and parent is not work:
            work.parent = parent
