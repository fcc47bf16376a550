"""distill-pdf: Markdown blog posts -> Distill-style PDFs, archives and arXiv bundles."""
__version__ = "0.1.0"
