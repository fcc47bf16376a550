r"""Preprint tables float: a short table the writer set as a ``longtable`` (which
breaks across pages but stays where it is) becomes a ``table`` float with a
``tabular``, placed near its first mention like the figures. Long tables, and
tables with footnotes (a ``tabular`` loses them), stay longtables. The line
count is kept, so main.tex lines still map to the post.
"""
from __future__ import annotations

import re

MAX_FLOAT_ROWS = 30

_LONGTABLE = re.compile(
    r"^\{\\dptablefont\n\\begin\{longtable\}\{(?P<spec>.*)\}\n(?P<head>(?:.*\n)*?)\\endhead\n"
    r"\\bottomrule\n\\endlastfoot\n(?P<body>(?:.*\n)*?)\\end\{longtable\}\}$", re.M)


def float_short_tables(body: str, max_rows: int = MAX_FLOAT_ROWS) -> str:
    return _LONGTABLE.sub(lambda m: _as_float(m, max_rows), body)


def _as_float(m: re.Match, max_rows: int) -> str:
    rows = m.group("body").count("\\\\\n")
    if rows > max_rows or "\\footnote" in m.group(0):  # footnotes in a tabular are lost
        return m.group(0)
    head = m.group("head")
    return ("\\begin{table}[!htbp]\\centering{\\dptablefont\n"
            f"\\begin{{tabular}}{{{m.group('spec')}}}\n"
            f"{head}%\n%\n%\n"
            f"{m.group('body')}\\bottomrule\\end{{tabular}}}}\\end{{table}}")
