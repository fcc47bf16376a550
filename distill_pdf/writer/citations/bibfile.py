"""The ``.bib`` file biber reads for the biblatex back end, its fields already LaTeX."""
from __future__ import annotations

import re
from typing import Iterable

from ...bibliography import Work
from .works import family, given, inner_quotes, latex_text, quoted_title, year_of

BIB_FILE = "distill-pdf-references.bib"
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
