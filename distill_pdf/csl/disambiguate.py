"""CSL 1.0.2 disambiguation, which citeproc-py lacks: two works whose citations read the
same ("Doe 2000") are told apart, in this order, as the style's ``cs:citation`` allows:

1. ``disambiguate-add-names``: names hidden by et-al abbreviation are shown, one more at
   a time, while that separates cites;
2. ``disambiguate-add-givenname``: names are expanded (initials, then the full given
   name), following ``givenname-disambiguation-rule``: ``all-names``, ``primary-name``
   and their ``-with-initials`` forms expand every name (or every first name) that two
   different people share in any cite, ambiguous or not; ``by-cite`` (the default)
   expands only the names of ambiguous cites, name by name, until they differ;
3. ``cs:if disambiguate="true"`` holds for the cites still ambiguous;
4. ``disambiguate-add-year-suffix``: the cites still ambiguous get "a", "b", ... in the
   order of the reference list, in citations and list alike (the ``year-suffix``
   variable; where the style does not print it, after the first year of ``issued``).

:func:`disambiguate` runs once, when all works are registered and sorted; it leaves its
:class:`Choices` on the bibliography, which names.py and the patches here read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .names import CITATION_DEPTH, in_citation

_STATE = {"pending": None}
NAME_VARIABLES = ("author", "editor", "translator", "collection_editor", "composer", "director",
                  "interviewer", "illustrator", "recipient", "container_author")


@dataclass
class Choices:
    """What one cite needs to differ: names shown per variable, name expansions per
    ``(variable, position)``, whether ``disambiguate="true"`` holds."""

    names: dict = field(default_factory=dict)
    given: dict = field(default_factory=dict)
    condition: bool = False


@dataclass
class State:
    choices: dict = field(default_factory=dict)   # item key -> Choices

    def of(self, key: str) -> Choices:
        return self.choices.setdefault(key, Choices())


# -- the patches citeproc-py gets (fixes.apply calls install) --------------------------------

def install(model) -> None:
    citation_render = model.Citation.render
    if_render = model.If.render
    date_process = model.Date.process
    part_process = model.Date_Part.process

    def render_citation(self, citation, cites, callback):
        CITATION_DEPTH[0] += 1
        try:
            return citation_render(self, citation, cites, callback)
        finally:
            CITATION_DEPTH[0] -= 1

    def render_if(self, item, context=None, delimiter="", **kwargs):
        """``disambiguate="true"``, with the other tests of the element as ``match`` says."""
        if "disambiguate" not in self.attrib:
            return if_render(self, item, context=context, delimiter=delimiter, **kwargs)
        choices = _choices(item)
        holds = (self.get("disambiguate") == "true") == bool(in_citation() and choices and choices.condition)
        match = self.get("match", "all")
        others = set(self.attrib) - {"disambiguate", "match"}
        if (match == "any" and holds) or (not others and holds == (match != "none")):
            return self.render_children(item, context=context, delimiter=delimiter, **kwargs)
        if not others or holds == (match == "none"):
            raise model.ConditionFailed
        return if_render(self, item, context=context, delimiter=delimiter, **kwargs)

    def process_date(self, item, variable=None, show_parts=None, context=None, **kwargs):
        """The year suffix after the first year of ``issued`` the layout renders, where the
        style prints no ``year-suffix`` itself."""
        variable = variable or self.get("variable")
        outer = _STATE["pending"] is None
        if outer and variable == "issued" and not self.is_locale_date() and not _prints_suffix(self) \
                and not _used(self if context is None else context):
            _STATE["pending"] = _suffix(item)
        try:
            text = date_process(self, item, variable, show_parts, context, **kwargs)
        finally:
            if outer:
                if _STATE["pending"] == "":  # consumed
                    _mark_used(self if context is None else context)
                _STATE["pending"] = None
        return text

    def process_part(self, date, context=None):
        text = part_process(self, date, context)
        if self.get("name") == "year" and _STATE["pending"] and text is not None:
            text, _STATE["pending"] = str(text) + _STATE["pending"], ""
        return text

    model.Citation.render = render_citation
    model.If.render = render_if
    model.Else_If.render = render_if
    model.Date.process = process_date
    model.Date_Part.process = process_part


def _choices(item) -> Choices | None:
    try:
        state = getattr(item.bibliography, "disambiguation", None)
    except Exception:
        return None
    return state.choices.get(item.key) if state is not None else None


def _suffix(item) -> str | None:
    try:
        return item.reference.get("year_suffix") or None
    except Exception:
        return None


def _prints_suffix(element) -> bool:
    return bool(element.get_root().xpath_search(".//cs:text[@variable='year-suffix']"))


_USED = "\ue0e9year-suffix"  # a key in the layout's per-item ``repressed`` dict


def _used(context) -> bool:
    try:
        return _USED in context.get_layout().repressed
    except Exception:
        return False


def _mark_used(context) -> None:
    try:
        context.get_layout().repressed[_USED] = True
    except Exception:
        pass


# -- the disambiguation ---------------------------------------------------------------------

def disambiguate(bib) -> None:
    """Decide every registered work's :class:`Choices` and year suffix (see the module
    docstring); ``bib`` is citeproc-py's CitationStylesBibliography, sorted."""
    citation = bib.style.root.citation
    state = bib.disambiguation = State()
    for key in bib.keys:
        bib.source[key].pop("year_suffix", None)
    if len(bib.keys) < 2:
        return
    option = citation.get
    if option("disambiguate-add-givenname") == "true":
        rule = option("givenname-disambiguation-rule", "by-cite")
        if rule != "by-cite":
            _expand_shared_names(bib, state, rule)
    renders = _Renders(bib)
    if option("disambiguate-add-names") == "true":
        for group in renders.ambiguous():
            _add_names(bib, state, renders, group)
    if option("disambiguate-add-givenname") == "true" and \
            option("givenname-disambiguation-rule", "by-cite") == "by-cite":
        for group in renders.ambiguous():
            _add_givennames(bib, state, renders, group)
    if bib.style.root.xpath_search(".//cs:*[@disambiguate='true']"):
        for group in renders.ambiguous():
            for key in group:
                state.of(key).condition = True
            renders.update(group)
    if option("disambiguate-add-year-suffix") == "true":
        for group in renders.ambiguous():
            for n, key in enumerate(sorted(group, key=bib.keys.index)):
                bib.source[key]["year_suffix"] = _letters(n)


class _Renders:
    """Each work's first citation alone, as plain text, kept up to date."""

    def __init__(self, bib):
        self.bib = bib
        self.text = {key: self.render(key) for key in bib.keys}

    def render(self, key: str) -> str:
        from citeproc import Citation, CitationItem
        citation = Citation([CitationItem(key)])
        citation.bibliography = self.bib
        text = self.bib.style.root.citation.render(citation, [], lambda item: None)
        return re.sub(r"<[^>]+>", "", str(text or ""))

    def update(self, keys) -> None:
        for key in keys:
            self.text[key] = self.render(key)

    def ambiguous(self) -> list[list[str]]:
        groups: dict[str, list[str]] = {}
        for key in self.bib.keys:
            groups.setdefault(self.text[key], []).append(key)
        return [group for group in groups.values() if len(group) > 1]

    def distinct(self, key: str, group) -> bool:
        return all(self.text[key] != self.text[other] for other in group if other != key)


def _names(reference) -> list[tuple[str, list]]:
    return [(v, reference[v]) for v in NAME_VARIABLES if v in reference and reference[v]]


def _add_names(bib, state, renders, group) -> None:
    """Show one name more at a time in the cites of ``group`` while some still agree."""
    most = max((len(names) for key in group for _, names in _names(bib.source[key])), default=0)
    pending = list(group)
    for count in range(2, most + 1):
        before = dict(renders.text)
        for key in pending:
            for variable, _ in _names(bib.source[key]):
                state.of(key).names[variable] = count
        renders.update(pending)
        if all(renders.text[k] == before[k] for k in pending):
            continue
        pending = [k for k in pending if not renders.distinct(k, group)]
        if not pending:
            return
    for key in pending:  # names that did not help are not shown
        state.of(key).names.clear()
    renders.update(pending)


def _add_givennames(bib, state, renders, group) -> None:
    """by-cite expansion: name by name, a step at a time, in the cites still ambiguous; an
    expansion that separates no cite is taken back."""
    pending = list(group)
    positions = max((len(names) for key in group for _, names in _names(bib.source[key])), default=0)
    for position in range(positions):
        for level in (1, 2):
            before = {key: dict(state.of(key).given) for key in pending}
            for key in pending:
                for variable, names in _names(bib.source[key]):
                    if position < len(names):
                        state.of(key).given[(variable, position)] = level
            renders.update(pending)
            still = [k for k in pending if not renders.distinct(k, group)]
            if len(still) == len(pending):
                for key in pending:
                    state.of(key).given = before[key]
                renders.update(pending)
            pending = still
            if not pending:
                return


def _expand_shared_names(bib, state, rule: str) -> None:
    """all-names / primary-name rules: a name two people share (same family name, other
    given names) is expanded in every cite until the two differ, initials first."""
    primary = rule.startswith("primary-name")
    seen: dict[str, set[str]] = {}
    for key in bib.keys:
        for variable, names in _names(bib.source[key])[:1]:
            for i, name in enumerate(names[:1] if primary else names):
                if "family" in name:
                    seen.setdefault(name["family"], set()).add(name.get("given", ""))
    for key in bib.keys:
        for variable, names in _names(bib.source[key])[:1]:
            for i, name in enumerate(names[:1] if primary else names):
                givens = seen.get(name.get("family"), set())
                if len(givens) < 2:
                    continue
                mine = _initials(name.get("given", ""))
                same_initials = sum(_initials(g) == mine for g in givens) > 1
                level = 2 if same_initials and not rule.endswith("with-initials") else 1
                state.of(key).given[(variable, i)] = level


def _initials(given: str) -> str:
    return "".join(word[0] for word in re.split(r"[\s.\-]+", given) if word)


def _letters(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa, ..., as citeproc numbers year suffixes."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out
