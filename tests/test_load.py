"""Loading posts: encodings, front matter, metadata normalisation."""
from __future__ import annotations

import datetime as dt

import pytest

from distill_pdf.errors import DistillError, Diagnostics
from distill_pdf.load import load_post


def load(tmp_path, data: bytes, diagnostics=None):
    path = tmp_path / "post.md"
    path.write_bytes(data)
    return load_post(path, diagnostics if diagnostics is not None else Diagnostics())


def test_metadata_keys(tmp_path):
    post = load(tmp_path, b"""---
title: T
description: D
timestamp: 2024-03-05T10:00:00Z
updatedTimestamp: 2024-04-01
authors:
  - name: A
    url: https://a.example
    affiliation: Uni
    email: a@example.org
  - B
tags: [x, y]
series: S
toc: true
draft: true
---
body
""")
    assert (post.title, post.description, post.series, post.toc, post.draft) == ("T", "D", "S", True, True)
    assert post.published == dt.date(2024, 3, 5) and post.updated == dt.date(2024, 4, 1)
    assert [a.name for a in post.authors] == ["A", "B"] and post.authors[0].affiliation == "Uni"
    assert post.tags == ["x", "y"] and post.body_line + post.body.count("\n", 0, post.body.index("body")) == 17


def test_bom_crlf_and_mojibake(tmp_path):
    diagnostics = Diagnostics()
    post = load(tmp_path, "\ufeff---\r\ntitle: Caf\u00e9\r\n---\r\nsay \u00e2\u20ac\u201d this\r\n".encode("utf-8"),
                diagnostics)
    assert post.title == "Caf\u00e9" and post.body.strip() == "say \u2014 this"
    assert [d.line for d in diagnostics] == [4]


def test_cp1252_is_decoded_with_a_warning(tmp_path):
    diagnostics = Diagnostics()
    post = load(tmp_path, "---\ntitle: x\n---\nna\u00efve \u2014 caf\u00e9\n".encode("cp1252"), diagnostics)
    assert post.body.strip() == "na\u00efve \u2014 caf\u00e9"
    assert "not UTF-8" in str(list(diagnostics)[0])


@pytest.mark.parametrize("data,message,line", [
    (b"---\ntitle: [unclosed\nx: 1\n---\nbody\n", "invalid YAML front matter", None),
    (b"---\n- a\n- b\n---\nbody\n", "must be a mapping", 2),
    (b"---\ntitle: t\ntags: 5\n---\nbody\n", "`tags` must be a list of strings", 3),
    (b"---\ntitle: t\nauthors: {}\n---\nbody\n", "`authors` must be a list", 3),
    (b"---\ntitle: t\ndate: tomorrow\n---\nbody\n", "`date` must be a date", 3),
    (b"", "empty file", None),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file", None),
])
def test_bad_front_matter_and_files(tmp_path, data, message, line):
    with pytest.raises(DistillError) as info:
        load(tmp_path, data)
    assert message in str(info.value)
    if line:
        assert info.value.line == line


def test_missing_title_uses_first_heading_then_file_name(tmp_path):
    diagnostics = Diagnostics()
    assert load(tmp_path, b"intro\n\n## The Heading\n", diagnostics).title == "The Heading"
    assert load(tmp_path, b"no heading\n", diagnostics).title == "Post"
    assert len(diagnostics) == 2


def test_yaml_backspace_escape_in_title_is_dropped_with_warning(tmp_path):
    diagnostics = Diagnostics()
    post = load(tmp_path, b'---\ntitle: "A\\bB"\n---\nx\n', diagnostics)
    assert post.title == "AB"
