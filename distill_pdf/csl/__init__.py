"""CSL citation styles (``--csl``), formatted with citeproc-py as pandoc and Quarto do.

styles.py finds and loads a style, items.py turns works into CSL-JSON, engine.py drives
citeproc-py, markup.py turns its output into LaTeX, backend.py is the citation back end
the pipeline's citation step (distill_pdf/citations.py) uses, refs.py places the list.
"""
