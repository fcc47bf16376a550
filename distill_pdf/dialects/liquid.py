"""Jekyll's Liquid pass, the part of it that blog posts use, as text -> text.

Jekyll runs Liquid over a post before kramdown sees it; so does this module:

* ``{% raw %}..{% endraw %}`` is kept verbatim, ``{% comment %}..{% endcomment %}`` dropped;
* ``{% capture x %}..{% endcapture %}`` and ``{% assign x = "..." %}`` set variables;
* ``{{ 'path' | relative_url }}`` becomes the site-absolute ``/path``, ``{{ site.baseurl }}``
  nothing, ``{{ x }}`` a variable's value;
* ``{% highlight lang %}..{% endhighlight %}`` becomes a fenced code block, ``{% mermaid %}``
  a ```` ```mermaid ```` one;
* ``{% include figure.html path=... caption=... %}`` (or ``.liquid``) becomes a
  figure marker (see :class:`Figure`), ``{% include video.html %}`` a ``<video>``;
* ``{% twitter url %}`` a ``<iframe>`` link, jekyll-scholar's ``{% cite a b %}`` a ``<d-cite>``;
* ``{% include file %}`` of another file in the site's ``_includes/``: its content;
* any other tag is dropped with a warning (the text between ``{% if %}`` and
  ``{% endif %}`` stays).

Line numbers survive: every replacement holds as many newlines as the text it
replaces, so warnings and LaTeX errors still point at the post's own lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import codeguard

FIGURE_OPEN, FIGURE_CLOSE = "\ue004", "\ue008"  # a figure marker: \ue004<index>\ue008

_TAG = re.compile(r"\{%-?\s*(?P<name>\w+)(?P<args>(?:[^%]|%(?!\}))*?)\s*-?%\}|\{\{-?(?P<expr>(?:[^}]|\}(?!\}))*?)-?\}\}",
                  re.S)
_ARG = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""", re.S)
_STRING = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)')\s*$""", re.S)
_BLOCKS = {"raw": "endraw", "comment": "endcomment", "capture": "endcapture", "highlight": "endhighlight",
           "mermaid": "endmermaid"}
_FIGURE_INCLUDES = {"figure.html", "figure.liquid"}
_VIDEO_INCLUDES = {"video.html", "video.liquid"}
_QUIET_TAGS = {"if", "elsif", "else", "endif", "unless", "endunless", "for", "endfor", "case", "when",
               "endcase", "break", "continue", "cycle", "increment", "decrement", "tablerow", "endtablerow"}

Warn = Callable[[str, int], None]  # (message, line in the text)


@dataclass
class Figure:
    """One ``{% include figure.html %}``: where it points and what it says."""

    src: str
    caption: str = ""   # raw HTML/Markdown, as Jekyll would paste it into <figcaption>
    alt: str = ""
    line: int = 0


@dataclass
class LiquidResult:
    text: str
    figures: list[Figure] = field(default_factory=list)


def site_path(path: str) -> str:
    """``relative_url``: a site-relative path becomes site-absolute (baseurl is empty here)."""
    path = path.strip()
    if not path or re.match(r"^[a-z][a-z0-9+.-]*:|^//|^#", path, re.I):
        return path
    return "/" + path.lstrip("/")


class _Liquid:
    def __init__(self, text: str, warn: Warn, page: dict, includes: Path | None = None):
        self.text = text
        self.includes = includes
        self.warn = warn
        self.page = page
        self.vars: dict[str, str] = {}
        self.figures: list[Figure] = []

    def line_at(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def run(self) -> str:
        return self.render(0, len(self.text))

    def render(self, start: int, stop: int) -> str:
        out: list[str] = []
        pos = start
        while pos < stop:
            m = _TAG.search(self.text, pos, stop)
            if m is None:
                out.append(self.text[pos:stop])
                break
            out.append(self.text[pos:m.start()])
            if m.group("expr") is not None:
                out.append(self.output(m.group("expr"), m.start()) + "\n" * m.group(0).count("\n"))
                pos = m.end()
                continue
            name = m.group("name")
            if name in _BLOCKS:
                end = self._find_end(_BLOCKS[name], m.end(), stop)
                if end is None:
                    self.warn(f"Liquid `{{% {name} %}}` has no `{{% {_BLOCKS[name]} %}}`; dropped", self.line_at(m.start()))
                    out.append("\n" * m.group(0).count("\n"))
                    pos = m.end()
                    continue
                inner_start, inner_stop, after = m.end(), end.start(), end.end()
                out.append(self.block(name, m.group("args").strip(), inner_start, inner_stop, m, end))
                pos = after
                continue
            out.append(self.tag(name, m.group("args").strip(), m) + "\n" * m.group(0).count("\n"))
            pos = m.end()
        return "".join(out)

    def _find_end(self, end_name: str, start: int, stop: int):
        pattern = re.compile(r"\{%-?\s*" + end_name + r"\s*-?%\}")
        return pattern.search(self.text, start, stop)

    # -- block tags ------------------------------------------------------------
    def block(self, name: str, args: str, start: int, stop: int, opening, closing) -> str:
        inner = self.text[start:stop]
        newlines = "\n" * (opening.group(0).count("\n") + closing.group(0).count("\n"))
        if name == "raw":
            return inner + newlines
        if name == "comment":
            return "\n" * inner.count("\n") + newlines
        if name == "capture":
            var = args.split()[0] if args.split() else ""
            value = self.render(start, stop)
            if var:
                self.vars[var] = value.strip()
            return "\n" * value.count("\n") + newlines
        # highlight (and jekyll-mermaid's mermaid): a fenced code block, the code verbatim
        words = args.split()
        lang = "mermaid" if name == "mermaid" else words[0] if words else ""
        code = inner.strip("\n")
        fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", code)), default=0) + 1)
        block = f"{fence}{lang}\n{code}\n{fence}"
        # same line count as the original: blank lines the fences do not take up follow the block
        missing = inner.count("\n") + len(newlines) - block.count("\n")
        return block + "\n" * max(missing, 0)

    # -- simple tags -------------------------------------------------------------
    def tag(self, name: str, args: str, m) -> str:
        line = self.line_at(m.start())
        if name == "include":
            return self.include(args, line)
        if name == "assign":
            var, _, value = args.partition("=")
            self.vars[var.strip()] = self.output(value, m.start())
            return ""
        if name == "twitter":
            url = args.split()[0] if args.split() else ""
            return f'<iframe data-kind="tweet" src="{_attr(url)}"></iframe>' if url else ""
        if name == "cite":
            keys = [k for k in args.split() if not k.startswith("--")]
            return f'<d-cite key="{_attr(",".join(keys))}"></d-cite>' if keys else ""
        if name in ("link", "post_url"):
            return site_path(args.split()[0]) if args.split() else ""
        if name in _QUIET_TAGS:
            self.warn(f"Liquid `{{% {name} %}}` is not evaluated; the tag is dropped", line)
            return ""
        self.warn(f"Liquid tag `{{% {name} %}}` dropped", line)
        return ""

    def include(self, args: str, line: int) -> str:
        parts = args.split(None, 1)
        name = parts[0] if parts else ""
        params = self.params(parts[1] if len(parts) > 1 else "")
        if name in _FIGURE_INCLUDES:
            src = params.get("path") or params.get("url") or ""
            if not src:
                self.warn(f"`{{% include {name} %}}` without a path; dropped", line)
                return ""
            self.figures.append(Figure(site_path(src), params.get("caption", ""), params.get("alt", ""), line))
            return f"{FIGURE_OPEN}{len(self.figures) - 1}{FIGURE_CLOSE}"
        if name in _VIDEO_INCLUDES:
            src = params.get("path") or params.get("url") or ""
            return f'<video src="{_attr(site_path(src))}"></video>' if src else ""
        file = self.include_file(name)
        if file is not None:
            return self.pasted(file, params)
        self.warn(f"`{{% include {name} %}}` is not supported; dropped", line)
        return ""

    def include_file(self, name: str) -> Path | None:
        """The site's ``_includes/<name>`` (Jekyll's include), when it exists."""
        if self.includes is None or not name or ".." in Path(name).parts:
            return None
        path = self.includes / name
        return path if path.is_file() else None

    def pasted(self, path: Path, params: dict[str, str]) -> str:
        """An include file, rendered as Liquid with ``include.x`` set. HTML goes in on one line
        (the post's line numbers stay right; HTML does not care); any other file is code,
        pasted as it is and masked (:mod:`..codeguard`) like the code around it."""
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        if path.suffix.lower() not in (".html", ".liquid", ".md", ".markdown"):
            return codeguard.hide(text.rstrip("\n"))
        engine = _Liquid(text, lambda message, line: None, self.page, self.includes)
        engine.vars = {**self.vars, **{f"include.{k}": v for k, v in params.items()}}
        engine.figures = self.figures
        html = engine.run()
        html = re.sub(r"</?(?:html|head|body)\b[^>]*>|<meta\b[^>]*>", " ", html, flags=re.I)
        return " ".join(html.split())

    def params(self, text: str) -> dict[str, str]:
        found = {}
        for m in _ARG.finditer(text):
            key, dq, sq, bare = m.groups()
            if dq is not None or sq is not None:
                value = dq if dq is not None else sq
                value = self.render_string(value)
            else:
                value = self.lookup(bare, quiet=True) if not re.match(r"^[\d.]+$|^(true|false)$", bare, re.I) else bare
            found[key] = value
        return found

    def render_string(self, value: str) -> str:
        """An include parameter may hold ``{{ }}`` outputs of its own."""
        if "{{" not in value:
            return value
        return _Liquid(value, lambda message, line: None, self.page).with_vars(self.vars).run()

    def with_vars(self, variables: dict[str, str]) -> "_Liquid":
        self.vars = dict(variables)
        return self

    # -- outputs -----------------------------------------------------------------
    def output(self, expr: str, pos: int) -> str:
        pieces = [p.strip() for p in expr.split("|")]
        head, filters = pieces[0], pieces[1:]
        m = _STRING.match(head)
        if m:
            value = m.group(1) if m.group(1) is not None else m.group(2)
        elif re.fullmatch(r"-?\d+(?:\.\d+)?|true|false", head):  # a number or boolean literal
            value = head
        else:
            value = self.lookup(head, line=self.line_at(pos))
        for flt in filters:
            name, _, arg = flt.partition(":")
            name, arg = name.strip(), _unquote(arg.strip())
            if name in ("relative_url", "absolute_url"):
                value = site_path(value)
            elif name == "prepend":
                value = arg + value
            elif name == "append":
                value = value + arg
            elif name in ("strip", "escape", "xml_escape", "markdownify", "smartify", "slugify", "downcase",
                          "upcase", "date", "default"):
                if name == "strip":
                    value = value.strip()
                elif name == "default" and not value:
                    value = arg
            else:
                self.warn(f"Liquid filter `{name}` ignored", self.line_at(pos))
        return value

    def lookup(self, name: str, line: int | None = None, quiet: bool = False) -> str:
        name = name.strip()
        if name in self.vars:
            return self.vars[name]
        if name in ("site.baseurl", "site.url", "site.base_url"):
            return ""
        if name.startswith("page."):
            value = self.page.get(name[5:])
            if isinstance(value, (str, int, float)):
                return str(value)
        if not quiet:
            self.warn(f"Liquid value `{{{{ {name} }}}}` is unknown here; dropped", line or 0)
        return ""


def _unquote(text: str) -> str:
    m = _STRING.match(text)
    return (m.group(1) if m.group(1) is not None else m.group(2)) if m else text


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;")


def render(text: str, warn: Warn, page: dict | None = None, includes: Path | None = None) -> LiquidResult:
    """Run the Liquid pass over a post body (see the module docstring); ``includes`` is the
    site's ``_includes/`` folder."""
    engine = _Liquid(text, warn, page or {}, includes)
    return LiquidResult(engine.run(), engine.figures)
