"""Data an MDX page exports and hands to a component (``export const links = [{title, url,
description}, ...]`` then ``<Linkroll links={links} />``): the page shows the data through
the component, so print it, a list of its items, rather than a "see the online version" note.

The literal is read with json5 (JavaScript object syntax: bare keys, single quotes,
trailing commas), never run; anything not a plain literal is left alone.
"""
from __future__ import annotations

import html
import re

_EXPORT = re.compile(r"^\s*export\s+(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(.*?)\s*;?\s*$", re.S)
_TITLE_KEYS = ("title", "name", "label", "text")
_LINK_KEYS = ("url", "href", "link", "website")
_NOTE_KEYS = ("description", "desc", "summary", "subtitle", "role")


def exported(statement: str) -> tuple[str, list[dict]] | None:
    """``(name, items)`` when ``statement`` exports a list of plain objects."""
    m = _EXPORT.match(statement)
    if m is None or not m.group(2).startswith("["):
        return None
    import json5  # only for a page that exports a literal
    try:
        value = json5.loads(m.group(2))
    except ValueError:
        return None
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return m.group(1), value
    return None


def _field(item: dict, keys: tuple[str, ...]) -> str:
    return next((str(item[k]) for k in keys if isinstance(item.get(k), (str, int, float))), "")


def as_html(items: list[dict]) -> str | None:
    """The items as one line of HTML (the page's line numbers stay): each its title, linked,
    and its description; None when the items have no titles to show."""
    rows = []
    for item in items:
        title, link, note = _field(item, _TITLE_KEYS), _field(item, _LINK_KEYS), _field(item, _NOTE_KEYS)
        if not title and not link:
            return None
        shown = html.escape(title or link)
        shown = f'<a href="{html.escape(link, quote=True)}">{shown}</a>' if link else shown
        rows.append(f"<li>{shown}{' — ' + html.escape(note) if note else ''}</li>")
    return f"<ul>{''.join(rows)}</ul>"
