"""distill-pdf: Markdown blog posts -> Distill-style PDFs, archives and arXiv bundles."""
__version__ = "0.1.0"


def render(post, output=None, **options):
    """Typeset one post; returns a RenderResult (pdf, pages, passes, warnings). See pipeline.Options."""
    from .pipeline import render as _render
    return _render(post, output, **options)
