"""The default dialect: CommonMark + GFM (+ remark-math), read as it is (see the package)."""
from __future__ import annotations

from pathlib import Path

from ..errors import Diagnostics
from ..load import Post
from ..site import uses_wiki_links


class AstroDialect:
    """The default: the post is read as it is."""

    name = "astro"
    plugins: list = []
    site_root: Path | None = None
    html_translator = None

    def prepare(self, post: Post, diagnostics: Diagnostics) -> None:
        if "[[" in post.body and uses_wiki_links(post.path):
            from ..syntax.wikilinks import wikilinks
            self.plugins = [*self.plugins, wikilinks]
        if "<" in post.body:  # Distill's <d-footnote> and script-filled figure references
            from .. import codeguard
            from .htmlprep import prepare
            masked = codeguard.mask(post.body)
            post.body = masked.restore(prepare(masked.text))

    def preamble_latex(self) -> str:
        return ""
