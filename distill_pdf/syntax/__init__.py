"""Our mistune plugins: syntax the blogs use beyond CommonMark + GFM."""


def inline_tokens(inline, state, text: str) -> list:
    """``text`` parsed as inline Markdown inside a plugin's token (a citation's pre- and
    post-note, a Distill footnote), in the state of the text around it."""
    if not text:
        return []
    child = inline.state_cls(state.env)
    child.src = text
    child.in_link = state.in_link
    return inline.render(child)


def block_children(block, state, text: str, first_line_pos: int) -> list:
    """``text`` (the body of a container: a directive, an admonition, a shortcode) parsed as
    blocks; ``first_line_pos`` is where that body starts in ``state.src``, for line numbers."""
    child = state.__class__(state)
    child.process(text)
    if hasattr(child, "line_base"):  # our LinedBlockState: the body's first line in the post
        child.line_base = state.line_base + state.src.count("\n", 0, first_line_pos)
    rules = None
    if state.depth() >= block.max_nested_level - 1:  # as mistune's quotes: no deeper containers
        rules = [rule for rule in block.rules if rule not in ("block_quote", "list")]
    block.parse(child, rules)
    return child.tokens


def register_block(md, name: str, pattern: str, parse, before: str) -> None:
    """A block rule at the top level and inside block quotes and list items."""
    md.block.register(name, pattern, parse, before=before)
    for rules in (md.block.block_quote_rules, md.block.list_rules):
        md.block.insert_rule(rules, name, before=before)


def table_token(head: list | None, rows: list) -> dict:
    """mistune's own table token, from a head row's cells and body rows' cells."""
    children = [{"type": "table_head", "children": head}] if head else []
    if rows:
        children.append({"type": "table_body", "children": [{"type": "table_row", "children": r} for r in rows]})
    return {"type": "table", "children": children}


def markdown_image(src: str, alt: str) -> str:
    """``![alt](src)`` for markup read as an image (a shortcode, a directive, a component):
    the alt text's brackets escaped, a source with spaces in ``<..>``."""
    alt = alt.replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({f'<{src}>' if ' ' in src else src})"
