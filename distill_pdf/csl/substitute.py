"""``cs:substitute`` as CSL 1.0.2 says: when a ``cs:names`` has none of its names (no
author), the first child of its ``cs:substitute`` that prints something stands in for
it, and every variable that child printed is suppressed for the rest of the entry or
cite, so a title that stood in for the author is not printed again, nor an editor.

citeproc-py suppressed only a ``cs:text variable`` child written directly in the
substitute (not one printed through a macro, nor names or dates); here the variables are
recorded while the child renders, and checked wherever a variable is printed: text,
names, dates and numbers. A ``cs:names`` in the substitute without its own ``cs:name``
takes the outer one's name and label options, also inside a ``cs:choose``.
"""
from __future__ import annotations

from .cluster import names_printed

_KEY = "\ue0e9substituted"   # the per-item suppressed set, in the layout's ``repressed``
_recording: list[set] = []   # the variables printed by the substitute children being rendered


def _layout_of(element, context):
    for candidate in (context, element):
        try:
            return candidate.get_layout()
        except Exception:  # an element outside a layout (a macro, a locale)
            continue
    return None


def suppressed(element, context) -> set:
    layout = _layout_of(element, context)
    return getattr(layout, "repressed", {}).get(_KEY, set()) if layout is not None else set()


def _base(variable: str) -> str:
    return variable[:-len("-short")] if variable.endswith("-short") else variable


def _record(variable: str) -> None:
    for variables in _recording:
        variables.add(_base(variable).replace("_", "-"))


def install(model) -> None:
    text_variable = model.Text._variable
    names_process = model.Names.process
    date_process = model.Date.process
    number_process = model.Number.process

    def render_substitute(self, item, context=None, **kwargs):
        for child in self.getchildren():
            _recording.append(set())
            try:
                if isinstance(child, model.Names) and child.name is None:
                    names = self.xpath_search("./parent::cs:names[1]")[0]
                    text = child.render(item, names_context=names, context=context, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except model.VariableError:
                text = None
            finally:
                printed = _recording.pop()
            if text:
                layout = _layout_of(self, context)
                if layout is not None:
                    layout.repressed.setdefault(_KEY, set()).update(printed)
                for variables in _recording:  # a substitute inside a substitute
                    variables.update(printed)
                return text
        return None

    def variable_text(self, item, context):
        variable = self.get("variable")
        if _base(variable) in suppressed(self, context):
            return None
        text = text_variable(self, item, context)
        if text:
            _record(variable)
        return text

    def process_names(self, item, names_context=None, context=None, **kwargs):
        if names_context is None and self.name is None:  # in a substitute, even in a choose
            outer = self.xpath_search("./ancestor::cs:substitute[1]/parent::cs:names")
            names_context = outer[0] if outer else None
        hidden = suppressed(self, context) & set(self.get("variable", "").split())
        if hidden:
            item = _Hiding(item, hidden)
        text = names_printed(lambda: names_process(self, item, names_context=names_context,
                                                   context=context, **kwargs))
        if text and not isinstance(text, int):
            for role in set(self.get("variable", "").split()) - hidden:
                if role.replace("-", "_") in item.reference:
                    _record(role)
        return text

    def process_date(self, item, variable=None, show_parts=None, context=None, **kwargs):
        name = variable or self.get("variable")
        if name and not self.is_locale_date() and name in suppressed(self, context):
            return None
        text = date_process(self, item, variable, show_parts, context, **kwargs)
        if text and name:
            _record(name)
        return text

    def process_number(self, item, context=None, **kwargs):
        name = self.get("variable")
        if name in suppressed(self, context):
            return None
        text = number_process(self, item, context=context, **kwargs)
        if text:
            _record(name)
        return text

    model.Substitute.render = render_substitute
    model.Text._variable = variable_text
    model.Names.process = process_names
    model.Date.process = process_date
    model.Number.process = process_number


class _Hiding:
    """A citation item whose reference lacks the ``hidden`` name variables."""

    def __init__(self, item, hidden: set):
        self._item = item
        reference = item.reference
        self.reference = type(reference).__new__(type(reference))
        dict.update(self.reference, {k: v for k, v in reference.items()
                                     if k.replace("_", "-") not in hidden})
        self.reference.__dict__.update(getattr(reference, "__dict__", {}))

    def __getattr__(self, name):
        return getattr(self._item, name)
