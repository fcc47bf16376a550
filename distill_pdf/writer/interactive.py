"""Figures the blog's JavaScript draws, printed: diagram and chart fences, the site's own
interactive pages in ``<iframe>``s, videos (their first frame; YouTube and Vimeo their
thumbnail), each a numbered figure where it stands, with a QR code in the margin for its
online version when that URL is known.

Why here and not in the HTML translator or the renderer: one place decides, for all of
them, between the drawn figure and the framed note of old, and says so once. When no
browser can draw them (:mod:`distill_pdf.figures` is optional) the post still prints, with
its notes and a single warning that says how to enable figures."""
from __future__ import annotations

import re
from pathlib import Path

from .. import figures
from .graphics import PT_PER_COLUMN, pdf_width_pt
from .text import escape, escape_url

_YOUTUBE = re.compile(r"^(?:https?:)?//(?:www\.)?(?:youtube(?:-nocookie)?\.com/(?:embed/|watch\?v=)|youtu\.be/)([\w-]{6,})")
_VIMEO = re.compile(r"^(?:https?:)?//(?:player\.)?vimeo\.com/(?:video/)?(\d+)")


def diagram(r, token, state) -> str:
    """A fence such as ```` ```mermaid ````: drawn, else its source framed under its label."""
    kind, label = token["attrs"]["kind"], token["attrs"]["label"]
    renderer = r.drawing
    browserless = kind in figures.BROWSERLESS_KINDS  # a map: drawn here, with or without a browser
    if renderer is not None and kind in figures.KINDS and (browserless or not _unavailable(r, label, True)):
        try:
            drawn = renderer.fence(kind, token["raw"])
        except figures.FigureFailed as exc:
            r.warn(f"{label} could not be drawn ({exc}); printed as its source")
        else:
            return _printed(r, drawn, escape(label), renderer.post_url, True)
    elif renderer is None or kind not in figures.KINDS:
        r.warn(f"{label} printed as its source")
    source = r.block_code({"raw": token["raw"], "attrs": {"info": token["attrs"].get("language")}}, state)
    return f"\\par\\dpdetailstitle{{{escape(label)}}}\\nopagebreak\n{source}\n"


def embed(r, tag: str, src: str, attrs: dict, caption: str = "", numbered: bool = True) -> str:
    """An ``<iframe>``/``<video>`` (and ``<embed>``, ``<object>``, ...): printed when it is a
    page or video of the site, or a YouTube/Vimeo video (remote access allowed); else the
    framed "see the online version" note. ``caption`` (LaTeX) is the author's, from a
    ``<figcaption>`` or the caption under it, in place of the generic "Video"; unnumbered
    where the post numbers its figures itself ("Figure 3: ..." would disagree with ours)."""
    renderer = r.drawing
    link = r._absolute_url(src) if src else None
    if renderer is not None and tag in ("iframe", "video") and src:
        # Jekyll's video include writes a YouTube or Vimeo embed as a <video>: a thumbnail too
        thumbnail = _thumbnail(src) if renderer.allow_remote else None
        if thumbnail is not None:
            prepared = r.prepare_graphic(thumbnail)
            if prepared is not None:
                watch = _watch_url(src)
                shown = rf"\href{{{escape_url(watch)}}}{{{escape(watch)}}}"
                return _printed(r, prepared, f"{caption} (video: {shown})" if caption else f"Video: {shown}",
                                watch, numbered)
        local = renderer.site_file(src) if not re.match(r"^(?:[a-z]+:)?//", src, re.I) else None
        if local is not None and (tag == "video" or local[0].suffix.lower() in (".html", ".htm")):
            if _unavailable(r, f"<{tag}> {src}", needs_libraries=False):
                return _note(r, tag, link, caption, numbered)
            try:
                drawn = (renderer.video_frame(*local) if tag == "video" else
                         renderer.site_page(*local, *_frame_size(attrs)))
            except figures.FigureFailed as exc:
                r.warn(f"<{tag}> {src} could not be drawn ({exc}); a link to the online version stands in")
                return _note(r, tag, link, caption, numbered)
            online = link or renderer.post_url
            caption = caption or escape(attrs.get("title") or ("Video" if tag == "video" else "Interactive figure"))
            if online:
                caption += rf" (online: \href{{{escape_url(online)}}}{{{escape(online)}}})"
            return _printed(r, drawn, caption, online, numbered)
    r.warn(f"<{tag}> cannot be printed; a link to the online version stands in")
    return _note(r, tag, link, caption, numbered)


def _unavailable(r, what: str, needs_libraries: bool) -> bool:
    """True when figures cannot be drawn here; the first time in a post, a warning says how to enable them."""
    reason = r.drawing.unavailable(needs_libraries)
    if reason is not None and not r.drawing.notice_given:
        r.drawing.notice_given = True
        r.warn(f"{what} and the post's other diagrams and interactive figures are printed as framed notes: "
               f"{reason}; to print them: {figures.INSTALL_HINT}")
    return reason is not None


def _printed(r, drawn, caption: str, online: str | None, numbered: bool) -> str:
    """The figure where it stands (a float would leave the caption and the text about it behind),
    with its caption in one unbreakable box: ``\\captionof`` alone lets a page break in
    between, leaving a caption at the head of the next page (a note sets it as text)."""
    graphic = f"\\dpgraphic{{{_width(drawn)}}}{{{r.include_name(drawn)}}}"
    if r.in_note:
        return r.figure_in_place(graphic, caption) + "\n"
    kept = _kept(graphic, caption, numbered)
    qr = figures.qr_pdf(online, r.drawing.cache_dir) if online and not r.boxed else None
    if qr is not None:  # a margin note cannot be in a minipage: after it
        kept += f"\\dpfigqr{{{r.include_name(_File(qr))}}}{{{escape_url(online)}}}"
    return r.figure_in_place(kept, "") + "\n"


class _File:
    def __init__(self, path: Path):
        self.path = path
        self.width_px = None


def _kept(body: str, caption: str, numbered: bool) -> str:
    star = "" if numbered else "*"
    return (f"\\begin{{minipage}}{{\\linewidth}}\\centering\n{body}\\par\n"
            f"\\captionof{star}{{figure}}{{{caption}}}\n\\end{{minipage}}")


def _note(r, tag: str, link: str | None, caption: str, numbered: bool) -> str:
    """The framed note; under it the author's caption, when there is one, as the figure's."""
    shown = f"\\href{{{escape_url(link)}}}{{{escape(link)}}}" if link else ""
    note = f"\\dpinteractive{{{escape(tag)}}}{{{shown}}}"
    if not caption:
        return note
    if r.in_note:
        return f"{note}{caption}\\endgraf "
    return r.figure_in_place(_kept(note, caption, numbered), "")


def _width(drawn) -> str:
    """The share of the column: the screen size (0.75 pt a CSS pixel; a PNG has two pixels to one)."""
    if drawn.width_px:
        points = drawn.width_px / 2 * 0.75
    else:
        points = pdf_width_pt(drawn.path) or PT_PER_COLUMN
    return f"{min(1.0, max(0.2, points / PT_PER_COLUMN)):.2f}"


def _frame_size(attrs: dict) -> tuple[int, int]:
    """The frame's size in CSS pixels; a percentage (or none) is the drawing column."""
    def pixels(value: str, default: int) -> int:
        m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$", value or "")
        return int(float(m.group(1))) if m else default
    return (min(pixels(attrs.get("width", ""), figures.COLUMN_PX), 1600),
            min(pixels(attrs.get("height", ""), 450), 2000))


def _thumbnail(src: str) -> str | None:
    """A YouTube or Vimeo embed's thumbnail image URL (Vimeo's through its oEmbed service)."""
    if m := _YOUTUBE.match(src):
        return f"https://img.youtube.com/vi/{m.group(1)}/hqdefault.jpg"
    if m := _VIMEO.match(src):
        return figures.vimeo_thumbnail(m.group(1))
    return None


def _watch_url(src: str) -> str:
    if m := _YOUTUBE.match(src):
        return f"https://www.youtube.com/watch?v={m.group(1)}"
    if m := _VIMEO.match(src):
        return f"https://vimeo.com/{m.group(1)}"
    return src
