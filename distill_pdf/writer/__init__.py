"""Step 3: the LaTeX writer (tokens -> LaTeX body), pandoc-style: text, code, tables, HTML, math as units."""
