"""distill-pdf: Markdown blog posts -> Distill-style PDFs, archives and arXiv bundles."""
from .version import __version__

__all__ = ["__version__", "render"]


def render(post, output=None, **options):
    """Typeset one post; returns a RenderResult (pdf, pages, passes, warnings). See pipeline.Options."""
    from .pipeline import render as _render
    return _render(post, output, **options)
