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
    (b"+++\ntitle = 'ok'\ndate = 2024-13-40\n+++\nbody\n", "invalid TOML front matter", 3),
    (b"", "empty file", None),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file", None),
])
def test_bad_front_matter_and_files(tmp_path, data, message, line):
    with pytest.raises(DistillError) as info:
        load(tmp_path, data)
    assert message in str(info.value)
    if line:
        assert info.value.line == line


@pytest.mark.parametrize("data", [
    b'+++\ntitle = "A Hugo post"\ndate = 2024-01-02\ntags = ["go", "web"]\n+++\n\nThe body.\n',
    b'{\n  "title": "A Hugo post",\n  "date": "2024-01-02",\n  "tags": ["go", "web"]\n}\n\nThe body.\n',
])
def test_hugo_toml_and_json_front_matter(tmp_path, data):
    post = load(tmp_path, data)
    assert post.title == "A Hugo post" and post.meta["tags"] == ["go", "web"]
    assert post.body.strip() == "The body." and post.body_line == 6
    assert post.key_lines["date"] == 3 and str(post.published) == "2024-01-02"


def test_missing_title_uses_first_heading_then_file_name(tmp_path):
    diagnostics = Diagnostics()
    assert load(tmp_path, b"intro\n\n## The Heading\n", diagnostics).title == "The Heading"
    assert load(tmp_path, b"no heading\n", diagnostics).title == "Post"
    assert len(diagnostics) == 2


def test_yaml_backspace_escape_in_title_is_dropped_with_warning(tmp_path):
    diagnostics = Diagnostics()
    post = load(tmp_path, b'---\ntitle: "A\\bB"\n---\nx\n', diagnostics)
    assert post.title == "AB"


# --------------------------------------------------------------------------- shapes blogs use


@pytest.mark.parametrize("front, message, line", [
    ("tags: 5", "`tags` must be a list of strings", 3),
    ("authors: 5", "`authors` must be a list", 3),
    ("date: tomorrow", "`date` must be a date", 3),
    ("draft: maybe", "`draft` must be true or false", 3),
    ("title: [1, {a: b}]", "`title` must be text", 2),
])
def test_a_shape_we_cannot_use_is_a_warning_and_ignored(tmp_path, front, message, line):
    """Only unparsable YAML or a non-mapping stops; --strict makes the warning an error."""
    data = f"---\ntitle: t\n{front}\n---\nbody\n".replace("title: t\ntitle:", "title:").encode()
    if front.startswith("title:"):
        data = f"---\n{front}\n---\n# Heading\n".encode()
    diagnostics = Diagnostics()
    post = load(tmp_path, data, diagnostics)
    assert post.path.name == "post.md"
    warned = [d for d in diagnostics if message in d.message]
    assert warned and warned[0].line == line and "ignored" in warned[0].message
    with pytest.raises(DistillError, match=message):
        load(tmp_path, data, Diagnostics(strict=True))


@pytest.mark.parametrize("value, names", [
    ('"Rush, Alexander; Karamcheti, Sidd"', ["Alexander Rush", "Sidd Karamcheti"]),
    ('"Kumar, Ashutosh"', ["Ashutosh Kumar"]),
    ('"Ada Lovelace and Alan Turing"', ["Ada Lovelace", "Alan Turing"]),
    ('"Ada Lovelace, Alan Turing, Grace Hopper"', ["Ada Lovelace", "Alan Turing", "Grace Hopper"]),
    ("[{user: hf-person}, {name: B, guest: true}]", ["hf-person", "B"]),
])
def test_authors_as_a_string_of_names_or_hugging_face_users(tmp_path, value, names):
    diagnostics = Diagnostics()
    post = load(tmp_path, f"---\ntitle: t\nauthors: {value}\n---\nbody\n".encode(), diagnostics)
    assert [a.name for a in post.authors] == names and not list(diagnostics)


def test_docusaurus_author_keys_come_from_authors_yml(tmp_path):
    (tmp_path / "authors.yml").write_text(
        "slorber:\n  name: S\u00e9bastien Lorber\n  title: Docusaurus maintainer\n  url: https://x.example\n",
        encoding="utf-8")
    folder = tmp_path / "2022" / "a-post"
    folder.mkdir(parents=True)
    post = load(folder, b"---\ntitle: t\nauthors: [slorber, {name: Guest, title: Friend, image_url: x.png}]\n"
                        b"---\nbody\n")
    assert [(a.name, a.affiliation, a.url) for a in post.authors] == [
        ("S\u00e9bastien Lorber", "Docusaurus maintainer", "https://x.example"), ("Guest", "Friend", None)]


def test_al_folio_toc_objects_and_joss_affiliations(tmp_path):
    post = load(tmp_path, b"---\ntitle: t\ntoc: {sidebar: left}\n---\nbody\n")
    assert post.toc is True
    post = load(tmp_path, b"""---
title: t
authors:
  - name: A
    affiliation: "1, 2"
  - name: B
    affiliation: [2]
affiliations:
  - {index: 1, name: Open Journals}
  - {index: 2, name: GitHub}
---
body
""")
    assert [a.affiliation for a in post.authors] == ["Open Journals; GitHub", "GitHub"]
