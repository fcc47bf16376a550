"""One citation's cites as CSL 1.0.2 orders, groups and collapses them, which citeproc-py
does not (it always put them in reference-list order, and never grouped them):

- order: the style's ``cs:citation/cs:sort`` if it has one, else the order written;
- grouping (``cite-group-delimiter`` or a ``collapse`` by year): cites whose names read
  the same are brought together where the first of them stands;
- ``collapse="year"`` (and ``year-suffix``, ``year-suffix-ranged``): after the first
  cite of a group the names are left out, "(Doe 2010, 2007; Roe 2008)", the group's
  cites joined by ``cite-group-delimiter`` (", "), the groups by the layout delimiter
  (``after-collapse-delimiter`` after a collapsed group); the year-suffix forms also
  shorten "2000a, 2000b" to "2000a, b" (``year-suffix-delimiter``), ranged "a–c";
- ``collapse="citation-number"``: three or more consecutive numbers become a range
  "1–3";
- in the reference list, ``subsequent-author-substitute`` ("———") stands for names that
  read as the entry before's (rule ``complete-all``, the default, and ``complete-each``).

The names of a cite are what its first ``cs:names`` printed (substitute.py calls
:func:`names_printed`); leaving them out renders that ``cs:names`` as nothing, its
substitute still run so what it printed stays suppressed.
"""
from __future__ import annotations

import re

_STATE = {"names": None, "depth": 0, "omit": False, "active": False, "instead": None}


def names_printed(render):
    """Wrap one ``cs:names`` rendering: record the item's first names, or omit them."""
    top = _STATE["active"] and _STATE["depth"] == 0 and _STATE["names"] is None
    _STATE["depth"] += 1
    try:
        text = render()
    finally:
        _STATE["depth"] -= 1
    if top and text:
        _STATE["names"] = re.sub(r"<[^>]+>", "", str(text))
        if _STATE["omit"]:
            return _STATE["instead"]
    return text


def install(model) -> None:
    def render_citation(self, citation, callback):
        parent = self.getparent()
        good = [cite for cite in citation.cites if not cite.is_bad()]
        if parent.sort is not None:
            good.sort(key=lambda item: citation.bibliography.keys.index(item.key))
            good = parent.sort.sort(good, self)
        cites = []  # (item, text, names)
        for item in good:
            text, names = _render_item(self, model, item)
            if text is not None:
                cites.append((item, text, names))
                parent.cites.append(item)
        out = _collapsed(self, model, parent, cites)
        out += [callback(item) or f"{item.key}?" for item in citation.cites if item.is_bad()]
        return self.format(self.wrap("".join(out)))

    def render_bibliography(self, items):
        substitute = self.getparent().get("subsequent-author-substitute")
        output, previous = [], None
        for item in items:
            text, names = _render_item(self, model, item, affixes=False)
            if substitute is not None and names and names == previous:
                text = _render_item(self, model, item, omit_names=True, instead=substitute, affixes=False)[0]
            previous = names
            if text is not None:
                output.append(self.format(self.wrap(text)))
        return output

    model.Layout.render_citation = render_citation
    model.Layout.render_bibliography = render_bibliography


def _render_item(layout, model, item, omit_names: bool = False, instead=None, affixes: bool = True):
    """``(prefix + text + suffix, names)`` of one cite (or list entry: no ``affixes``), or
    ``(None, None)``; ``omit_names``: its first names printed as ``instead``."""
    layout.repressed = {}
    _STATE.update(names=None, depth=0, omit=omit_names, active=True, instead=instead)
    try:
        output = layout.render_children(item)
    except model.VariableError:
        output = None
    finally:
        _STATE["active"] = False
    if output is None:
        return None, None
    if not affixes:
        return output, _STATE["names"]
    return item.get("prefix", "") + output + item.get("suffix", ""), _STATE["names"]


def _collapsed(layout, model, citation, cites) -> list:
    """The cites' texts with their delimiters, grouped and collapsed as the style says."""
    delimiter = layout.get("delimiter", "")
    collapse = citation.get("collapse")
    if collapse == "citation-number":
        return _number_ranges(cites, delimiter)
    group_delimiter = citation.get("cite-group-delimiter")
    by_year = collapse in ("year", "year-suffix", "year-suffix-ranged")
    if not (by_year or group_delimiter is not None):
        return _joined([text for _, text, _ in cites], delimiter)
    group_delimiter = ", " if group_delimiter is None else group_delimiter
    after = citation.get("after-collapse-delimiter", delimiter)
    groups: dict = {}
    for n, (item, text, names) in enumerate(cites):
        groups.setdefault(names if names else ("", n), []).append((item, text))
    out, previous = [], []
    for members in groups.values():
        texts = [str(members[0][1])]
        for item, full in members[1:]:
            short = _render_item(layout, model, item, omit_names=True)[0] if by_year else None
            texts.append(str(full if short is None else short))
        if collapse in ("year-suffix", "year-suffix-ranged"):
            texts = _suffixes(citation, members, texts, collapse == "year-suffix-ranged")
        if out:
            out.append(after if by_year and len(previous) > 1 else delimiter)
        out.append(_joined(texts, group_delimiter)[0])
        previous = members
    return out


def _joined(texts, delimiter) -> list:
    return [str(delimiter).join(str(t) for t in texts)] if texts else []


def _suffixes(citation, members, texts, ranged: bool) -> list:
    """"2000a, 2000b" -> "2000a, b" (ranged: "2000a–c"): a cite whose text is the one
    before it but for its year suffix prints the suffix alone."""
    delimiter = citation.get("year-suffix-delimiter", citation.layout.get("delimiter", ", "))
    out = [[texts[0], [_suffix(members[0][0])]]]
    for n in range(1, len(texts)):
        item, before = members[n][0], members[n - 1][0]
        suffix, previous = _suffix(item), _suffix(before)
        if suffix and previous and not item.has_locator and not before.has_locator \
                and texts[n].replace(suffix, "", 1) == texts[n - 1].replace(previous, "", 1) \
                and out[-1][1][-1] == previous:
            out[-1][1].append(suffix)
        else:
            out.append([texts[n], [suffix]])
    result = []
    for text, letters in out:
        rest = letters[1:]
        if ranged and len(letters) >= 3 and all(ord(b) == ord(a) + 1 for a, b in zip(letters, letters[1:])
                                                if len(a) == len(b) == 1):
            rest = ["\u2013" + letters[-1]]
            result.append(_with_suffixes(text, letters[0], rest, ""))
        else:
            result.append(_with_suffixes(text, letters[0], rest, delimiter))
    return result


def _with_suffixes(text: str, first: str, rest: list, delimiter: str) -> str:
    """``rest`` put right after the first suffix in ``text`` ("2000a" -> "2000a, b")."""
    if not rest:
        return text
    at = text.find(first) + len(first) if first in text else len(text)
    return text[:at] + "".join(delimiter + r if delimiter else r for r in rest) + text[at:]


def _suffix(item) -> str:
    try:
        return str(item.reference.get("year_suffix") or "")
    except Exception:
        return ""


def _number_ranges(cites, delimiter) -> list:
    """Three or more consecutive citation numbers (no locators) as "first–last"."""
    runs: list[list] = []
    for item, text, _ in cites:
        number = item.number if not item.has_locator else None
        if runs and number is not None and runs[-1][-1][0] is not None and number == runs[-1][-1][0] + 1:
            runs[-1].append((number, text))
        else:
            runs.append([(number, text)])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(str(run[0][1]) + "\u2013" + str(run[-1][1]))
        else:
            parts.extend(str(text) for _, text in run)
    return _joined(parts, delimiter)
