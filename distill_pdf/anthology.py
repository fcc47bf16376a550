"""`batch --combine archive.pdf`: the exported posts as one anthology PDF.

A title page and a table of contents are typeset with LaTeX (same fonts and
colours as the posts), then the posts' PDFs are appended with pypdf:

- PDF bookmarks: one per post (under one per collection when there are
  several), each with the post's own section bookmarks beneath it;
- the contents entries are links to the posts (typeset as ``dppost:N`` URIs,
  rewritten to in-document jumps once the page of each post is known);
- page labels: i, ii... for the front matter, then 1, 2... matching the contents;
- links inside each post keep working: their named destinations (``section.2``
  exists in every post) are resolved to pages before merging, so they cannot
  collide across posts.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .version import __version__
from .errors import DistillError

LINK_SCHEME = "dppost:"


@dataclass
class Article:
    title: str
    pdf: Path
    name: str = ""
    date: dt.date | None = None
    collection: str | None = None
    pages: int = 0


def order(articles: list[Article]) -> list[Article]:
    """By collection (the largest first, as the blog's main one), then oldest first."""
    sizes: dict[str | None, int] = {}
    for article in articles:
        sizes[article.collection] = sizes.get(article.collection, 0) + 1
    return sorted(articles, key=lambda a: (-sizes[a.collection], a.collection or "", a.date is None,
                                           a.date or dt.date.min, a.title.lower()))


def combine(articles: list[Article], output: str | Path, *, title: str, subtitle: str | None = None,
            engine: str = "auto", bundle: Path | None = None, paper: str = "a4") -> int:
    """Write the anthology to ``output``; returns its page count."""
    from pypdf import PdfReader, PdfWriter

    output = Path(output)
    if output.suffix.lower() != ".pdf":
        raise DistillError("--combine must name a .pdf file", output)
    if not articles:
        raise DistillError("no exported post to combine", output)
    articles = order(articles)
    readers = []
    for article in articles:
        try:
            reader = PdfReader(article.pdf)
            article.pages = len(reader.pages)
            shown = (reader.metadata or {}).get("/Title")  # the title the post was typeset with
            if isinstance(shown, str) and shown.strip():
                article.title = " ".join(shown.split())
        except Exception as exc:
            raise DistillError(f"cannot read {article.pdf} for the anthology: {exc}") from None
        readers.append(reader)
    starts, page = [], 1
    for article in articles:
        starts.append(page)
        page += article.pages

    writer = PdfWriter()
    with tempfile.TemporaryDirectory(prefix="distill-pdf-anthology-") as tmp:
        front = _front_matter(articles, starts, Path(tmp), title=title, subtitle=subtitle,
                              engine=engine, bundle=bundle, paper=paper)
        writer.append(PdfReader(front), import_outline=False)
    front_pages = len(writer.pages)
    offsets = []
    for reader in readers:
        _resolve_named_links(reader)
        offsets.append(len(writer.pages))
        writer.append(reader, import_outline=False)

    _outline(writer, articles, readers, offsets, front_pages)
    _link_contents(writer, front_pages, offsets)
    writer.set_page_label(0, front_pages - 1, style="/r")
    writer.set_page_label(front_pages, len(writer.pages) - 1, style="/D", start=1)
    writer.add_metadata({"/Title": title, "/Creator": f"distill-pdf {__version__}",
                         "/Producer": f"distill-pdf {__version__} (pypdf)"})
    writer.page_mode = "/UseOutlines"
    _write_atomic(writer, output)
    return len(writer.pages)


# --- title page and contents --------------------------------------------------


PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[%(paper)spaper,left=1.15in,right=1.15in,top=1in,bottom=1in]{geometry}
\usepackage{xcolor,array}
\usepackage{fontspec}
\defaultfontfeatures[\rmfamily,\sffamily]{}
%(fonts)s
\usepackage[hyphens]{xurl}
\usepackage{hyperref}
\hypersetup{hidelinks, pdftitle={%(pdftitle)s}, pdfcreator={distill-pdf %(version)s}}
\definecolor{dpgrey}{HTML}{6B6B6B}
\definecolor{dplabel}{HTML}{8A8A8A}
\definecolor{dprule}{HTML}{D0D0D0}
\definecolor{dplink}{HTML}{004276}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0pt}
\pagestyle{empty}
\newcommand{\dplabel}[1]{{\sffamily\fontsize{7}{9}\selectfont\color{dplabel}\MakeUppercase{#1}}}
\newcommand{\dpentry}[4]{%% link, title, details, page
  \par\noindent\begin{minipage}[t]{\dimexpr\linewidth-4em\relax}\raggedright
  {\fontsize{11}{14}\selectfont\href{#1}{#2}}\par\vspace{1pt}
  {\sffamily\footnotesize\color{dplabel}#3}\end{minipage}%%
  \hfill\makebox[3.5em][r]{\sffamily\small\color{dpgrey}\href{#1}{#4}}\par\vspace{0.85em}}
\begin{document}
"""


def _front_matter(articles: list[Article], starts: list[int], folder: Path, *, title: str,
                  subtitle: str | None, engine: str, bundle: Path | None, paper: str) -> Path:
    from . import compile as engines
    from . import fonts
    from .writer.text import escape, escape_pdf_string, escape_url

    dates = [a.date for a in articles if a.date]
    years = sorted({d.year for d in dates})
    span = (f"{years[0]}\u2013{years[-1]}" if len(years) > 1 else str(years[0])) if years else ""
    today = dt.date.today()
    columns = [("Posts", str(len(articles))), ("Written", span),
               ("Exported", f"{today:%B} {today.day}, {today.year}")]
    columns = [(label, value) for label, value in columns if value]
    lines = [PREAMBLE % {"paper": "letter" if paper == "letter" else "a4", "fonts": fonts.preamble(),
                         "pdftitle": escape_pdf_string(title), "version": __version__}]
    lines += [r"\vspace*{0.22\textheight}",
              rf"{{\sffamily\bfseries\fontsize{{30}}{{36}}\selectfont\raggedright {escape(title)}\par}}"]
    if subtitle:
        link = subtitle if subtitle.startswith(("http://", "https://")) else None
        text = escape(subtitle)
        lines += [r"\vspace{0.9em}",
                  r"{\fontsize{14}{19}\selectfont\color{dpgrey}"
                  + (rf"\href{{{escape_url(link)}}}{{{text}}}" if link else text) + r"\par}"]
    width = f"{1 / max(len(columns), 1):.3f}"
    spec = "".join(rf">{{\raggedright\arraybackslash}}p{{\dimexpr{width}\linewidth-1em}}" for _ in columns)
    lines += [r"\vspace{1.8em}", r"{\color{dprule}\rule{\linewidth}{0.4pt}}\par", r"\vspace{0.6em}",
              r"\begingroup\renewcommand{\arraystretch}{1.3}",
              rf"\begin{{tabular}}{{@{{}}{spec}@{{}}}}",
              " & ".join(rf"\dplabel{{{label}}}" for label, _ in columns) + r" \\",
              " & ".join(rf"{{\sffamily\small {escape(value)}}}" for _, value in columns) + r" \\",
              r"\end{tabular}\endgroup\par", r"\vspace{0.4em}", r"{\color{dprule}\rule{\linewidth}{0.4pt}}\par",
              r"\vfill",
              rf"{{\sffamily\footnotesize\color{{dplabel}}Typeset with distill-pdf {__version__}.\par}}",
              r"\newpage",
              r"{\sffamily\bfseries\fontsize{20}{24}\selectfont Contents\par}", r"\vspace{1.6em}"]
    grouped = len({a.collection for a in articles}) > 1
    current = object()
    for index, (article, start) in enumerate(zip(articles, starts)):
        if grouped and article.collection != current:
            current = article.collection
            # \noindent first: a colour switch in vertical mode would be a place to break the page
            lines += [r"\par\vspace{0.8em}",
                      rf"\noindent{{\sffamily\bfseries\small\color{{dpgrey}}{escape(_collection_title(article.collection))}}}"
                      r"\par\nopagebreak\vspace{0.2em}\noindent{\color{dprule}\rule{\linewidth}{0.4pt}}\par"
                      r"\nopagebreak\vspace{0.7em}"]
        details = [f"{article.date:%B} {article.date.day}, {article.date.year}" if article.date else "",
                   f"{article.pages} page{'s' if article.pages != 1 else ''}"]
        lines.append(rf"\dpentry{{{LINK_SCHEME}{index}}}{{{escape(article.title)}}}"
                     rf"{{{escape(' · '.join(d for d in details if d))}}}{{{start}}}")
    lines.append(r"\end{document}")
    tex = folder / "front.tex"
    tex.write_text("\n".join(lines) + "\n", encoding="utf-8")
    engine_found = engines.find_engine(engine, bundle)
    result = engines.compile_tex(tex, engine_found)
    if result.errors or not result.pdf.exists():
        first = result.errors[0].message if result.errors else "no PDF"
        raise DistillError(f"the anthology's title page did not compile: {first}")
    return result.pdf


def _collection_title(collection: str | None) -> str:
    return (collection or "posts").replace("-", " ").replace("_", " ").title()


# --- merging ---------------------------------------------------------------------


def _resolve_named_links(reader) -> None:
    """Point each internal link of one post at its page instead of a name shared with other posts."""
    from pypdf.generic import ArrayObject, NameObject

    try:
        named = reader.named_destinations
    except Exception:
        return
    for page in reader.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        for ref in annots.get_object():
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            if "/Dest" in annot and _name(annot["/Dest"]) in named:
                annot[NameObject("/Dest")] = ArrayObject(named[_name(annot["/Dest"])].dest_array)
            action = annot.get("/A")
            if action is None:
                continue
            action = action.get_object()
            if action.get("/S") == "/GoTo" and _name(action.get("/D")) in named:
                action[NameObject("/D")] = ArrayObject(named[_name(action.get("/D"))].dest_array)


def _name(value) -> str | None:
    from pypdf.generic import ByteStringObject, TextStringObject
    if isinstance(value, TextStringObject):
        return str(value)
    if isinstance(value, ByteStringObject):
        return bytes(value).decode("latin-1")
    if isinstance(value, str) and not value.startswith("/"):
        return value
    return None


def _outline(writer, articles: list[Article], readers, offsets: list[int], front_pages: int) -> None:
    writer.add_outline_item(title="Contents", page_number=min(1, front_pages - 1))
    grouped = len({a.collection for a in articles}) > 1
    parent, current = None, object()
    for article, reader, offset in zip(articles, readers, offsets):
        if grouped and article.collection != current:
            current = article.collection
            parent = writer.add_outline_item(title=_collection_title(article.collection), page_number=offset)
        item = writer.add_outline_item(title=article.title, page_number=offset, parent=parent)
        try:
            _copy_outline(writer, reader, reader.outline, offset, item)
        except Exception:  # a post's own bookmarks are a bonus; a damaged outline is skipped
            pass


def _copy_outline(writer, reader, items, offset: int, parent) -> None:
    last = None
    for item in items:
        if isinstance(item, list):
            if last is not None:
                _copy_outline(writer, reader, item, offset, last)
            continue
        page = reader.get_destination_page_number(item)
        if page is None or page < 0:
            continue
        last = writer.add_outline_item(title=str(item.title), page_number=offset + page, parent=parent)


def _link_contents(writer, front_pages: int, offsets: list[int]) -> None:
    """`dppost:N` links of the contents -> jumps to the first page of post N."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    for page in writer.pages[:front_pages]:
        annots = page.get("/Annots")
        if annots is None:
            continue
        for ref in annots.get_object():
            annot = ref.get_object()
            action = annot.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if not uri.startswith(LINK_SCHEME):
                continue
            try:
                target = writer.pages[offsets[int(uri[len(LINK_SCHEME):])]]
            except (ValueError, IndexError):
                continue
            annot[NameObject("/A")] = DictionaryObject({
                NameObject("/S"): NameObject("/GoTo"),
                NameObject("/D"): ArrayObject([target.indirect_reference, NameObject("/Fit")]),
            })


def _write_atomic(writer, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".distill-pdf-", suffix=".pdf", dir=output.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer.write(handle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
