"""Corrections to citeproc-py where it departs from the CSL 1.0.2 specification, applied
once when the engine is first built (:func:`apply`).

Each is a rule of the specification, not a case of one style or one test; pandoc's
citation tests (tools/csl_conformance.py) showed them:

- a ``cs:label`` prints only when its variable has a value (citeproc-py printed the bare
  term: "Edition", "p.");
- ``initialize="false"`` on ``cs:name`` keeps given names whole, only putting the
  ``initialize-with`` mark after initials already there ("John T" -> "John T.");
- a sort key is compared as the plain text a reader sees (citeproc-py compared its HTML,
  or the Python repr of a list: "<i>Stanze" and "['Abelard'" sorted by "<" and "["),
  quotation marks and a term's label ("ed.") left out, as citeproc does;
- a date range with a shared part ("September 24–26, 2011") crashed (TypeError) or
  repeated the shared part; its differing parts are joined by the range delimiter.

Whole features citeproc-py lacks live in their own modules and are installed from here:
names.py (``cs:name`` name by name), disambiguate.py (CSL disambiguation) and
substitute.py (``cs:substitute`` suppressing what it printed) and cluster.py (the cites
of one citation ordered, grouped and collapsed).
"""
from __future__ import annotations

import re

from . import cluster, disambiguate, names, substitute

_applied = False
# CSL 1.0.2's name variables that citeproc-py 0.11 does not know (it dropped them)
NEW_NAMES = ("chair", "compiler", "contributor", "curator", "director", "executive_producer", "guest",
             "host", "narrator", "organizer", "performer", "producer", "script_writer", "series_creator")


def register_variables() -> None:
    """Teach citeproc-py CSL 1.0.2's newer name variables (``director``: a film's maker,
    which styles substitute for a missing author)."""
    import citeproc
    for name in NEW_NAMES:
        if name not in citeproc.NAMES:
            citeproc.NAMES.append(name)
            citeproc.VARIABLES.append(name)


def apply() -> None:
    """Patch citeproc-py's classes (once per process)."""
    global _applied
    if _applied:
        return
    register_variables()
    from citeproc import model
    label_process = model.Label.process
    name_initialize = model.Name.initialize

    def label(self, item, variable=None, plural=None, context=None, **kwargs):
        if kwargs.get("sort_options"):  # a sort key: names without "ed."
            return None
        name = variable or self.get("variable")
        if variable is None and not _has_value(item, name):
            return None
        return label_process(self, item, variable, plural, context, **kwargs)

    def initialize(self, given, mark, context):
        if self.get("initialize", "true") != "false":
            return name_initialize(self, given, mark, context)
        words = given.split()
        return " ".join(name_initialize(self, w, mark, context).strip() if _is_initial(w) else w
                        for w in words)

    model.Label.process = label
    model.Name.initialize = initialize
    model.Key.sort_keys = _plain_sort_keys(model.Key.sort_keys)
    model.Name.process = names.process
    disambiguate.install(model)
    substitute.install(model)
    cluster.install(model)
    model.Date.render_date_range = _render_date_range
    _applied = True


def _plain_sort_keys(sort_keys):
    def plain(self, items, context):
        keys = sort_keys(self, items, context)
        if "macro" not in self.attrib:
            return keys
        return [None if k is None else _plain(k) or None for k in keys]
    return plain


def _plain(key) -> str:
    text = "".join(map(str, key)) if isinstance(key, list) else str(key)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[\u201c\u201d\u2018\u2019\"\[\]()\u00bf\u00a1]", "", text).strip()


def _has_value(item, variable: str | None) -> bool:
    if not variable:
        return False
    if variable == "locator":
        return bool(item.has_locator)
    try:
        value = item.reference[variable.replace("-", "_")]
    except Exception:  # citeproc-py's VariableError, or a reference without it
        return False
    return value not in (None, "", [])


def _is_initial(word: str) -> bool:
    """"J", "J.", "J.F.": initials already, which initialize="false" still marks."""
    return re.fullmatch(r"(?:[A-Z]\.?)+", word) is not None


def _render_date_range(self, date_range, show_parts=None, context=None):
    """CSL's date range: the parts that differ (the most significant one and all below
    it) printed for both ends, joined by that part's range delimiter; the parts both ends
    share printed once, in the date's own order ("September 24\u201326, 2011")."""
    present = {child.get("name") for child in self.iterchildren()}
    shown = [p for p in ("year", "month", "day") if p in present and p in (show_parts or present)]
    if date_range.end.is_nil():
        return self.render_single_date(date_range.begin, shown, context)
    first = next((p for p in shown if _part(date_range.begin, p) != _part(date_range.end, p)), None)
    if first is None:
        return self.render_single_date(date_range.begin, shown, context)
    differing = shown[shown.index(first):]
    order = [child.get("name") for child in self.iterchildren() if child.get("name") in shown]
    runs: list[list[str]] = []
    for name in order:
        if runs and (name in differing) == (runs[-1][0] in differing):
            runs[-1].append(name)
        else:
            runs.append([name])
    segments = []
    for run in runs:
        begin = self.render_single_date(date_range.begin, run, context)
        if run[0] not in differing:
            segments.append(begin)
            continue
        end = self.render_single_date(date_range.end, run, context)
        if begin is None or end is None:
            segments.append(begin or end)
            continue
        begin, end = str(begin), str(end)  # citeproc-py's MixedString has no endswith
        suffix, prefix = _affix(self, run[-1], "suffix"), _affix(self, run[0], "prefix")
        begin = begin[:-len(suffix)] if suffix and begin.endswith(suffix) else begin
        end = end[len(prefix):] if prefix and end.startswith(prefix) else end
        segments.append(begin + _affix(self, first, "range-delimiter", "\u2013") + end)
    segments = [s for s in segments if s]
    if not segments:
        return None
    return (context if self.is_locale_date() and context is not None else self).join(segments)


def _affix(date, part: str, attribute: str, default: str = "") -> str:
    """An attribute of the date's ``part`` (as citeproc-py merged the style's into it)."""
    for child in date.iterchildren():
        if child.get("name") == part:
            return child.get(attribute, default)
    return default


def _part(date, name: str):
    try:
        return getattr(date, name)
    except Exception:  # citeproc-py's VariableError: the part is not given
        return None
