"""``cs:name`` rendered name by name, so disambiguation (disambiguate.py) can show more
names of one cite, or one name of it with initials or its full given name.

citeproc-py's ``Name.process`` takes its options for the whole list; this is the same
method with two inputs more, read from the cite's :class:`~.disambiguate.Choices`:
``names`` (how many names before "et al.") and ``given`` (per name position, how far it
is expanded: :func:`expansions`). Both apply in citations only, as CSL 1.0.2 says.
"""
from __future__ import annotations


def expansions(form: str, initialize_with: str | None, initials_only: bool = False) -> list[tuple]:
    """The ways one name can be shown, least first, as CSL's name expansion steps:
    ``(form, initialize_with)``. A short name gets its initials (or its given name, when
    the style sets no ``initialize-with``), then its given name in full."""
    steps = [(form, initialize_with)]
    if form == "short":
        steps.append(("long", initialize_with))
    if initialize_with is not None:
        steps.append(("long", None))
    if initials_only:  # "-with-initials" rules: never the full given name
        steps = [s for s in steps if s == steps[0] or s[1] is not None]
    return list(dict.fromkeys(steps))


CITATION_DEPTH = [0]  # cs:citation renders under way (disambiguate.install counts them)


def in_citation() -> bool:
    """Whether a ``cs:citation`` is being rendered (disambiguation applies there only)."""
    return CITATION_DEPTH[0] > 0


def choices_of(item, context):
    """The disambiguation choices for ``item`` when it is rendered in a citation."""
    if not in_citation():
        return None
    try:
        state = getattr(item.bibliography, "disambiguation", None)
    except Exception:  # an item outside a citation (sorting)
        return None
    return state.choices.get(item.key) if state is not None else None


def process(self, item, variable, context=None, sort_options=None, **kwargs):
    """citeproc-py's ``Name.process`` (see the module docstring)."""
    def option(name):
        return self.get_option(name, context, sort_options)

    choices = None if sort_options else choices_of(item, context)
    form = option("form")
    initialize_with = option("initialize-with")
    et_al_min, et_al_use_first = option("et-al-min"), option("et-al-use-first")
    names = item.reference.get(variable, [])
    if form == "count":
        return min(len(names), et_al_use_first) if et_al_min and len(names) >= et_al_min else len(names)
    key = variable.replace("-", "_")
    shown_count = choices.names.get(key) if choices is not None else None
    if shown_count is not None:
        et_al_use_first = max(et_al_use_first, shown_count)
    truncate = len(names) > 1 and et_al_min and len(names) >= et_al_min and et_al_use_first < len(names)
    use_last = option("et-al-use-last") and et_al_use_first <= et_al_min - 2
    if truncate:
        names = names[:et_al_use_first] + ([names[-1]] if use_last else [])
    rule = self.get_root().citation.get("givenname-disambiguation-rule", "by-cite")
    steps = expansions(form, initialize_with, rule.endswith("with-initials"))
    output = []
    for i, name in enumerate(names):
        level = choices.given.get((key, i), 0) if choices is not None else 0
        name_form, name_initials = steps[min(level, len(steps) - 1)]
        output.append(_one_name(self, name, i, name_form, name_initials, option, context))
    return _joined(self, output, truncate, use_last, option)


def _one_name(self, name, i, form, initialize_with, option, context):
    given, family, dp, ndp, suffix = name.parts()
    if given is not None and initialize_with is not None:
        given = self.initialize(given, initialize_with, context)

    def parts(given, family):
        for part in self.findall("cs:name-part", self.nsmap):
            given, family = part.format_part(given, family)
        return given, family

    if form == "short":
        return parts(given, " ".join(n for n in (ndp, family) if n))[1]
    sort_order = option("name-as-sort-order")
    if sort_order == "all" or (sort_order == "first" and i == 0):
        if option("demote-non-dropping-particle") in ("never", "sort-only"):
            family = " ".join(n for n in (ndp, family) if n)
            given = " ".join(n for n in (given, dp) if n)
        else:
            given = " ".join(n for n in (given, dp, ndp) if n)
        given, family = parts(given, family)
        return option("sort-separator").join(n for n in (family, given, suffix) if n)
    given, family = parts(given, " ".join(n for n in (dp, ndp, family) if n))
    return " ".join(n for n in (given, family, suffix) if n)


def _joined(self, output, truncate, use_last, option):
    delimiter = option("delimiter")
    et_al = self.et_al()
    if truncate and et_al:
        if use_last:
            output[-1] = self.unicode_character("horizontal ellipsis") + " " + output[-1]
            return self.join(output, delimiter)
        precedes = option("delimiter-precedes-et-al")
        if precedes == "always" or (precedes == "contextual" and len(output) >= 2):
            return self.join(output + [et_al], delimiter)
        return self.join(output, delimiter) + " " + et_al
    and_ = option("and")
    if and_ is not None and len(output) > 1:
        term = self.get_single_term(name="and") if and_ == "text" else self.preformat("&")
        text = self.join(output[:-1], ", ")
        precedes = option("delimiter-precedes-last")
        if precedes == "always" or (precedes == "contextual" and len(output) > 2):
            text = self.join([text, ""], ", ")
        else:
            text += " "
        return text + f"{term} " + output[-1]
    return self.join(output, delimiter)
