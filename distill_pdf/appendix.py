"""Where the end of a post meets the template's appendix, so nothing prints twice.

A post that ends with a rule would get a second one from the appendix. A post that ends
with its own "References" (or "Bibliography", ...) heading would get a second heading
over the generated list: when its section is empty (pandoc's convention: the list goes
there) the heading moves to the appendix, in the post's own words; when the post has
written references there, the generated ones follow them in that section.
"""
from __future__ import annotations

import re

DEFAULT_HEADING = "References"
REFERENCE_TITLES = frozenset({
    "references", "reference", "bibliography", "works cited", "literature", "literature cited",
    "cited works", "citations", "sources", "reference list", "references and notes",
})
_RULE_AT_END = re.compile(r"(?:\s*\\dphr\b)+\s*\Z")
# the writer's headings: \section{\texorpdfstring{title}{plain}}\label{sec:slug}
_HEADING = re.compile(r"\\(?:sub)*section\{\\texorpdfstring\{(?P<title>(?:[^{}]|\{[^{}]*\})*)\}"
                      r"\{(?P<plain>[^{}]*)\}\}(?:\\label\{[^{}]*\})?[ \t]*\n?")


def without_closing_rule(body: str) -> str:
    """The appendix opens with a rule of its own."""
    match = _RULE_AT_END.search(body)
    return body[:match.start()] + "\n" if match else body


def place_bibliography(body: str, bibliography: str) -> tuple[str, str, str]:
    """``(body, bibliography for the appendix, the appendix's heading for it)``."""
    last = None
    for last in _HEADING.finditer(body):
        pass
    if not bibliography or last is None or not is_references_title(last.group("plain")):
        return body, bibliography, DEFAULT_HEADING
    section = body[last.end():]
    if not section.strip():
        return body[:last.start()].rstrip() + "\n", bibliography, last.group("title").strip()
    return f"{body.rstrip()}\n\n{bibliography}", "", DEFAULT_HEADING


def is_references_title(plain: str) -> bool:
    return plain.strip().rstrip(":.").strip().lower() in REFERENCE_TITLES
