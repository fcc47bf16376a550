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
