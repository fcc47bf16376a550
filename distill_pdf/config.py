"""Site configuration: ``distill-pdf.toml`` (or ``[tool.distill-pdf]`` in pyproject.toml).

Found by walking up from a post (``distill-pdf post.md``) or a content folder
(``distill-pdf batch``); the nearest file wins. Relative paths in it are
relative to the file's folder. When no config names the site URL, the site
generator's own config gives it: Astro's ``site:`` (astro.config.*), Hugo's
``baseURL``, Jekyll's ``url`` + ``baseurl``.

Example ``distill-pdf.toml``::

    site_url = "https://example.com"
    title = "Example Blog: the archive"      # title page of `batch --combine`
    authors = ["Ada Lovelace", {name = "Alan Turing", url = "https://turing.example"}]
    bibliography = "refs.bib"                # or a list
    template = "distill"                     # built-in name or a folder
    paper = "letter"                         # a4 | letter
    public_dir = "public"                    # serves /x.png
    engine = "auto"                          # auto | tectonic | xelatex
    smartypants = false                      # straight quotes and dashes (default: as the blog)
    csl = "ieee"                             # a CSL citation style: bundled name or .csl file
    [aliases]
    "@assets/" = "src/assets"

CLI flags override every value here.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError

CONFIG_FILE = "distill-pdf.toml"
PYPROJECT = "pyproject.toml"
ASTRO_CONFIGS = ("astro.config.mjs", "astro.config.ts", "astro.config.js", "astro.config.mts",
                 "astro.config.cjs", "astro.config.cts")
HUGO_CONFIGS = ("hugo.toml", "config.toml")
JEKYLL_CONFIG = "_config.yml"
PAPERS = ("a4", "letter")
ENGINES = ("auto", "tectonic", "xelatex")
AUTHOR_FIELDS = ("name", "url", "affiliation", "email", "orcid")
# Accepted spellings -> canonical key.
KEYS = {
    "site_url": "site_url", "site-url": "site_url", "site": "site_url", "url": "site_url",
    "title": "title", "authors": "authors", "author": "authors",
    "bibliography": "bibliography", "bib": "bibliography",
    "template": "template", "paper": "paper",
    "public_dir": "public_dir", "public-dir": "public_dir", "public": "public_dir",
    "aliases": "aliases", "engine": "engine", "smartypants": "smartypants", "csl": "csl",
}
_ASTRO_SMARTYPANTS_OFF = re.compile(r"""(?:^|[\s{,])smartypants\s*:\s*false\b""", re.M)
_ASTRO_SITE = re.compile(r"""(?:^|[\s{,])site\s*:\s*(["'`])(?P<url>[^"'`]+)\1""", re.M)


@dataclass
class SiteConfig:
    """What the site's config files say; every field is None/empty when unset."""

    root: Path | None = None            # folder of `source` (relative paths start here)
    source: Path | None = None          # distill-pdf.toml or pyproject.toml, if any
    site_url: str | None = None
    site_url_from: Path | None = None   # the file that gave site_url
    title: str | None = None
    authors: list[dict[str, str]] = field(default_factory=list)
    bibliography: list[Path] = field(default_factory=list)
    template: str | None = None
    paper: str | None = None
    public_dir: Path | None = None
    aliases: dict[str, Path] = field(default_factory=dict)
    engine: str | None = None
    smartypants: bool | None = None     # Astro's `markdown.smartypants` when the config says nothing
    csl: str | None = None              # a bundled CSL style name, or a .csl file (absolute)
    warnings: list[str] = field(default_factory=list)

    def render_options(self) -> dict[str, Any]:
        """The values that are set, as keyword arguments of ``pipeline.Options``."""
        values = {"site_url": self.site_url, "template": self.template, "paper": self.paper,
                  "engine": self.engine, "public_dir": self.public_dir, "smartypants": self.smartypants,
                  "csl": self.csl}
        out = {key: value for key, value in values.items() if value is not None}
        if self.authors:
            out["authors"] = tuple(dict(a) for a in self.authors)
        if self.bibliography:
            out["bib"] = tuple(self.bibliography)
        if self.aliases:
            out["aliases"] = dict(self.aliases)
        return out


def find_config(start: str | Path) -> SiteConfig:
    """The config for a post or folder: the nearest distill-pdf.toml / [tool.distill-pdf] above it."""
    start = Path(start).resolve()
    folder = start if start.is_dir() else start.parent
    config = SiteConfig()
    for candidate in (folder, *folder.parents):
        found = _table_in(candidate)
        if found is not None:
            source, table = found
            config = parse_table(table, source)
            break
    if config.smartypants is None and _astro_smartypants_off(folder):
        config.smartypants = False
    if config.site_url is None:
        found_url = site_url_from_generator(folder)
        if found_url:
            config.site_url, config.site_url_from = found_url
    return config


def _table_in(folder: Path) -> tuple[Path, dict] | None:
    own = folder / CONFIG_FILE
    if own.is_file():
        return own, _read_toml(own)
    pyproject = folder / PYPROJECT
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
            return None  # somebody else's broken pyproject is not our config
        table = data.get("tool", {}).get("distill-pdf")
        if isinstance(table, dict):
            return pyproject, table
    return None


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise UsageError(f"invalid TOML: {exc}", path, int(line.group(1)) if line else None) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config: {exc}", path) from None


def parse_table(table: dict[str, Any], source: Path) -> SiteConfig:
    """Validate one config table; paths become absolute (relative to the file's folder)."""
    root = source.parent.resolve()
    config = SiteConfig(root=root, source=source)
    for raw_key, value in table.items():
        key = KEYS.get(raw_key)
        if key is None:
            config.warnings.append(f"{source}: unknown setting `{raw_key}` (ignored)")
            continue
        setattr(config, key, _CHECKS[key](value, raw_key, source, root))
    return config


def _error(source: Path, key: str, expected: str, value: Any) -> UsageError:
    shown = repr(value) if len(repr(value)) < 40 else type(value).__name__
    return UsageError(f"`{key}` must be {expected}, not {shown}", source)


def _text(value, key, source, root) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error(source, key, "a non-empty string", value)
    return value.strip()


def _site_url(value, key, source, root) -> str:
    url = _text(value, key, source, root)
    if not re.match(r"^https?://[^/\s]+", url):
        raise _error(source, key, "an http(s) URL such as https://example.com", value)
    return url.rstrip("/")


def _authors(value, key, source, root) -> list[dict[str, str]]:
    items = [value] if isinstance(value, (str, dict)) else value
    if not isinstance(items, list):
        raise _error(source, key, "a list of names or of {name, url, affiliation}", value)
    authors = []
    for item in items:
        if isinstance(item, str) and item.strip():
            authors.append({"name": item.strip()})
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            unknown = set(item) - set(AUTHOR_FIELDS)
            if unknown:
                raise _error(source, key, f"authors with only {', '.join(AUTHOR_FIELDS)}",
                             sorted(unknown))
            authors.append({k: str(v) for k, v in item.items() if v is not None})
        else:
            raise _error(source, key, "a list of names or of {name, url, affiliation}", item)
    return authors


def _path(value, key, source, root) -> Path:
    return (root / _text(value, key, source, root)).resolve()


def _paths(value, key, source, root) -> list[Path]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise _error(source, key, "a path or a list of paths", value)
    return [_path(v, key, source, root) for v in items]


def _template(value, key, source, root) -> str:
    text = _text(value, key, source, root)
    if "/" in text or "\\" in text or text.startswith(".") or (root / text).is_dir():
        return str((root / text).resolve())
    return text  # a built-in name (distill, article, ...)


def _csl(value, key, source, root) -> str:
    """A CSL style: a file relative to the config, else a bundled name (checked when used)."""
    text = _text(value, key, source, root)
    return str((root / text).resolve()) if (root / text).is_file() else text


def _choice(choices):
    def check(value, key, source, root) -> str:
        if not isinstance(value, str) or value.lower() not in choices:
            raise _error(source, key, " or ".join(choices), value)
        return value.lower()
    return check


def _aliases(value, key, source, root) -> dict[str, Path]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _error(source, key, 'a table such as {"@assets/" = "src/assets"}', value)
    return {prefix: (root / target).resolve() for prefix, target in value.items()}


def _bool(value, key, source, root) -> bool:
    if not isinstance(value, bool):
        raise _error(source, key, "true or false", value)
    return value


_CHECKS = {"site_url": _site_url, "title": _text, "authors": _authors, "bibliography": _paths,
           "template": _template, "paper": _choice(PAPERS), "public_dir": _path,
           "aliases": _aliases, "engine": _choice(ENGINES),
           "smartypants": _bool, "csl": _csl}


def site_url_from_generator(start: Path) -> tuple[str, Path] | None:
    """The site URL the generator's config gives, from the nearest folder that has one."""
    for folder in (start, *start.parents):
        for name in ASTRO_CONFIGS:
            path = folder / name
            if path.is_file():
                m = _ASTRO_SITE.search(_read_quietly(path))
                return (m.group("url").rstrip("/"), path) if m else None
        for name in HUGO_CONFIGS:
            path = folder / name
            if path.is_file():
                try:
                    data = tomllib.loads(_read_quietly(path))
                except tomllib.TOMLDecodeError:
                    return None
                url = data.get("baseURL") or data.get("baseurl")
                return (url.rstrip("/"), path) if _is_url(url) else None
        path = folder / JEKYLL_CONFIG
        if path.is_file():
            import yaml
            try:
                data = yaml.safe_load(_read_quietly(path)) or {}
            except yaml.YAMLError:
                return None
            url = data.get("url") if isinstance(data, dict) else None
            if _is_url(url):
                base = data.get("baseurl") or ""
                base = base.strip("/") if isinstance(base, str) else ""
                return (url.rstrip("/") + (f"/{base}" if base else ""), path)
            return None
    return None


def _astro_smartypants_off(start: Path) -> bool:
    """astro.config's ``markdown: { smartypants: false }``, from the nearest Astro config."""
    for folder in (start, *start.parents):
        for name in ASTRO_CONFIGS:
            if (folder / name).is_file():
                return bool(_ASTRO_SMARTYPANTS_OFF.search(_read_quietly(folder / name)))
    return False


def _is_url(value) -> bool:
    return isinstance(value, str) and bool(re.match(r"^https?://[^/\s]+", value))


def _read_quietly(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def post_url(site_url: str | None, url_path: str | None) -> str | None:
    """Where the post lives online: site URL + its path (``/blog/slug``)."""
    if not site_url or url_path is None:
        return None
    return site_url.rstrip("/") + "/" + url_path.strip("/")


def merge_options(config: SiteConfig, cli: dict[str, Any], explicit: set[str]) -> dict[str, Any]:
    """CLI values given on the command line win; then the config; then the CLI's defaults."""
    merged = dict(cli)
    merged.update(config.render_options())
    merged.update({key: value for key, value in cli.items() if key in explicit})
    return merged


def options_for(path: str | Path, cli: dict[str, Any], explicit: set[str]) -> tuple[dict[str, Any], SiteConfig]:
    """pipeline.Options keyword arguments for a post or content folder: the site config found
    above ``path``, overridden by the CLI values named in ``explicit`` (flags actually given)."""
    config = find_config(path)
    return merge_options(config, cli, explicit), config
