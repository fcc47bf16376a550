"""MDX comments ``{/* truncate */}`` in posts the MDX pass does not see: Docusaurus reads its
``.md`` files as MDX too, and its ``{/* truncate */}`` marks where the blog's excerpt ends.
The comment is removed, wherever it stands (code and math are other tokens)."""
from __future__ import annotations

COMMENT = r"\{/\*[\s\S]*?\*/\}"


def parse_comment(inline, m, state):
    return m.end()


def mdx_comments(md):
    md.inline.register("mdx_comment", COMMENT, parse_comment, before="link", start_chars="{")
