"""GFM tables as GitHub and remark render them (the GFM spec's table rules), parsed and printed.

The spec's own table examples run in test_conformance.py; these are constructed cases of each
rule, and one real compile whose text must show every cell and no pipe of table markup.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import distill_pdf
from distill_pdf.load import Post
from distill_pdf.parse import parse_post

from .conftest import ENGINES, pdf_text, requires_pdftotext, write_post


def blocks(markdown: str) -> list[dict]:
    return parse_post(Post(path=Path("t.md"), body=markdown, body_line=1, meta={}, title="")).tokens


def table_of(markdown: str) -> list[list[str]]:
    """The only table's rows (header first) as the cells' visible text."""
    tables = [t for t in _walk(blocks(markdown)) if t["type"] == "table"]
    assert len(tables) == 1, f"{len(tables)} tables in {markdown!r}"
    rows = []
    for part in tables[0]["children"]:
        for row in [part] if part["type"] == "table_head" else part["children"]:
            rows.append(["".join(t.get("raw", "") for t in _walk(cell["children"])) for cell in row["children"]])
    return rows


def _walk(tokens):
    for token in tokens:
        yield token
        yield from _walk(token.get("children") or [])


def types(markdown: str) -> list[str]:
    return [t["type"] for t in blocks(markdown) if t["type"] != "blank_line"]


def test_short_rows_get_empty_cells_and_long_rows_lose_the_excess():
    assert table_of("| a | b | c |\n|---|---|---|\n| 1 |\n| 1 | 2 | 3 | 4 | 5 |\n") == [
        ["a", "b", "c"], ["1", "", ""], ["1", "2", "3"]]


def test_outer_pipes_are_optional_in_every_row():
    expected = [["a", "b"], ["1", "2"]]
    assert table_of("a | b\n--- | ---\n1 | 2\n") == expected
    assert table_of("| a | b |\n--- | ---\n1 | 2 |\n") == expected
    assert table_of("a | b\n|:--|--:|\n| 1 | 2\n") == expected


def test_alignment_from_the_delimiter_row():
    table = next(t for t in blocks("a | b | c | d\n:-- | :-: | --: | ---\n") if t["type"] == "table")
    assert [c["attrs"]["align"] for c in table["children"][0]["children"]] == ["left", "center", "right", None]


def test_escaped_pipes_are_pipes_in_cells_and_in_code_spans():
    rows = table_of("| expr | meaning |\n|---|---|\n| `a \\| b` | a or b |\n| x \\| y | $\\|x\\|$ norm |\n")
    assert rows[1] == ["a | b", "a or b"]
    assert rows[2][0] == "x | y"
    maths = [t["raw"] for t in _walk(blocks("| n |\n|---|\n| $\\|x\\|$ |\n")) if t["type"] == "inline_math"]
    assert maths == ["|x|"]


def test_an_unescaped_pipe_splits_a_cell_even_in_code_as_on_github():
    assert table_of("| a | b |\n|---|---|\n| `x|y` |\n")[1] == ["`x", "y`"]


@pytest.mark.parametrize("after, block", [
    ("> quoted", "block_quote"), ("# Heading", "heading"), ("```\ncode\n```", "block_code"),
    ("- item", "list"), ("***", "thematic_break"), ("\nparagraph", "paragraph"),
])
def test_a_table_ends_at_a_blank_line_or_another_block(after, block):
    markdown = f"| a | b |\n|---|---|\n| 1 | 2 |\n{after}\n"
    assert types(markdown) == ["table", block]
    assert table_of(markdown) == [["a", "b"], ["1", "2"]]


def test_any_other_line_is_a_row_pipes_or_not():
    assert table_of("| a | b |\n|---|---|\n| 1 | 2 |\nloose text\n") == [["a", "b"], ["1", "2"], ["loose text", ""]]


def test_a_table_interrupts_a_paragraph_whose_last_line_is_its_header():
    markdown = "Some text\nmore text\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert types(markdown) == ["paragraph", "table"]
    assert table_of(markdown) == [["a", "b"], ["1", "2"]]


def test_a_header_without_body_rows_is_a_table():
    assert table_of("| a | b |\n| --- | --- |\n") == [["a", "b"]]


@pytest.mark.parametrize("markdown, kind", [
    ("| a | b |\n|---|\n| 1 | 2 |\n", "paragraph"),      # header and delimiter differ in cells
    ("a | b\n---\n", "heading"),                          # setext heading
    ("Title\n---\n", "heading"),
    ("| a | b |\n| -- | x |\n", "paragraph"),             # not a delimiter row
    ("    | a | b |\n    |---|---|\n", "block_code"),     # indented code
])
def test_what_is_not_a_table(markdown, kind):
    assert types(markdown) == [kind]


def test_tables_in_lists_and_block_quotes():
    in_list = blocks("- item\n\n  a | b\n  --- | ---\n  1 | 2\n")
    assert any(t["type"] == "table" for t in _walk(in_list))
    in_quote = blocks("> | a | b |\n> |---|---|\n> | 1 |\n")
    assert any(t["type"] == "table" for t in _walk(in_quote))


def test_table_lines_are_the_header_lines():
    tokens = parse_post(Post(path=Path("t.md"), body="intro\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
                             body_line=5, meta={}, title="")).tokens
    assert next(t for t in tokens if t["type"] == "table")["line"] == 7


TABLES_POST = r"""
Short and long rows:

| Model | Params | Score |
|-------|-------:|:-----:|
| Alpha | 7B |
| Beta | 13B | 71.2 | surplus-cell-dropped |

No outer pipes:

Name | Role
--- | ---
Ada | compilers
Grace | languages

Escaped pipes:

| Operator | Reads as |
|---|---|
| `a \| b` | either-or |
| cond \| other | alternative |
"""


@pytest.mark.skipif(not ENGINES, reason="no TeX engine installed")
@requires_pdftotext
def test_tables_print_as_tables(tmp_path):
    post = write_post(tmp_path, TABLES_POST)
    engine = "xelatex" if "xelatex" in ENGINES else ENGINES[0]
    distill_pdf.render(post, tmp_path / "t.pdf", engine=engine)
    text = pdf_text(tmp_path / "t.pdf")
    for row in (["Model", "Params", "Score"], ["Alpha", "7B"], ["Beta", "13B", "71.2"],
                ["Name", "Role"], ["Ada", "compilers"], ["Grace", "languages"], ["Operator", "Reads", "as"],
                ["a | b", "either-or"], ["cond | other", "alternative"]):
        assert re.search(r"\s+".join(re.escape(cell) for cell in row), text), (row, text)
    assert "surplus-cell-dropped" not in text
    assert not re.search(r"-{3}|:-|\|\s*\|", text), text      # no delimiter row, no empty-cell pipes
    assert text.count("|") == 2, text                          # only the two escaped pipes
