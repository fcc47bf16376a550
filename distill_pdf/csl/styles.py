"""Which CSL style and locale a post is printed with: a bundled name or a ``.csl`` file.

The bundled styles live beside this module (``styles/``, CC BY-SA, see its README) so a
wheel works offline; any other style is given as a file. A style that cannot be found or
read is a usage error naming it (exit 2), found before anything is typeset.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import UsageError

STYLES_DIR = Path(__file__).resolve().parent / "styles"
BUNDLED = ("apa", "chicago-author-date", "ieee", "nature", "acm-sig-proceedings", "vancouver",
           "harvard-cite-them-right", "modern-language-association")
_NS = "{http://purl.org/net/xbiblio/csl}"


def style_path(name: str, base: Path | None = None) -> Path:
    """A bundled style's file, or ``name`` as a path (relative to ``base``)."""
    text = str(name).strip()
    if text.lower() in BUNDLED:
        return STYLES_DIR / f"{text.lower()}.csl"
    path = Path(text).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    if path.is_file():
        return path.resolve()
    if not path.suffix and (STYLES_DIR / f"{text}.csl").is_file():
        return STYLES_DIR / f"{text}.csl"
    raise UsageError(f"CSL style not found: {name} (a .csl file, or one of {', '.join(BUNDLED)})")


def load_style(path: Path, lang: str | None = None):
    """A citeproc-py style for ``path`` in the locale ``lang`` (else the style's own, else
    en-US). Not a CSL style, or not well-formed XML: a usage error naming the file."""
    from citeproc import CitationStylesStyle
    from lxml import etree
    try:
        style = CitationStylesStyle(str(path), locale=locale_for(lang), validate=False)
    except (etree.XMLSyntaxError, OSError, ValueError) as exc:
        raise UsageError(f"invalid CSL style {path}: {exc}") from None
    root = style.root
    if root.tag != f"{_NS}style" or root.find(f"{_NS}citation") is None:
        raise UsageError(f"invalid CSL style {path}: not a CSL <style> with a <citation>")
    return style


def locale_for(lang: str | None) -> str | None:
    """``lang: de`` -> ``de-DE``; an unknown language falls back to the style's locale."""
    if not lang:
        return None
    from citeproc import LOCALES_PATH
    lang = str(lang).strip().replace("_", "-")
    if os.path.isfile(os.path.join(LOCALES_PATH, f"locales-{lang}.xml")):
        return lang
    with open(os.path.join(LOCALES_PATH, "locales.json"), encoding="utf-8") as handle:
        dialects = json.load(handle).get("primary-dialects", {})
    return dialects.get(lang.split("-")[0].lower())
