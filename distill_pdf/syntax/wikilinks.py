"""Wiki links, as Obsidian (and Quartz, Foam, remark-wiki-link) write them; on when the post's
site reads them (:func:`distill_pdf.site.uses_wiki_links`), CommonMark reading them as text.

* ``[[Page]]``, ``[[Page#Heading]]``, ``[[Page|shown text]]``: the text the page shows (the
  alias, else the page name and heading); a link to a note of the vault has no address in
  print, and ``[[#Heading]]`` links to the heading in this post;
* ``![[image.png]]``, ``![[image.png|300]]``: the image (a lone one is a figure, as ``![]()``);
  an embedded note (``![[Other note]]``) cannot be printed: its name stands in, with a warning.
"""
from __future__ import annotations

WIKILINK = r"(?P<wiki_embed>!?)\[\[(?P<wiki_target>[^\[\]|\n]+?)(?:\|(?P<wiki_alias>[^\[\]\n]*))?\]\]"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp", ".pdf")


def parse_wikilink(inline, m, state):
    target = m.group("wiki_target").strip()
    alias = (m.group("wiki_alias") or "").strip()
    if m.group("wiki_embed"):
        if target.lower().endswith(IMAGE_SUFFIXES):
            caption = [] if not alias or alias.replace("x", "").isdigit() else [{"type": "text", "raw": alias}]
            state.append_token({"type": "image", "attrs": {"url": target}, "children": caption})
            return m.end()
        state.append_token({"type": "dropped", "attrs": {"message": f"embedded note ![[{target}]] cannot be "
                                                                    f"printed; its name stands in"}})
    page, _, heading = target.partition("#")
    shown = alias or (f"{page} › {heading}" if page and heading else page or heading)
    if not page and heading:  # a heading of this post
        state.append_token({"type": "link", "attrs": {"url": "#" + heading},
                            "children": [{"type": "text", "raw": shown}]})
    else:
        state.append_token({"type": "text", "raw": shown})
    return m.end()


def wikilinks(md):
    md.inline.register("wikilink", WIKILINK, parse_wikilink, before="link")

