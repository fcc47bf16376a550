"""The fidelity and layout audit (issues 12 and 13): every corpus post compiled as a user would,
its PDF measured against its source, the numbers ratcheted against tests/audit_baseline.json.

``python -m tests.audit [-j 2] [NAME-SUBSTRING ...]`` prints the table for humans.
"""
from __future__ import annotations

from pathlib import Path

from ..conftest import EXAMPLE, SHARED
from ..test_commonmark import load_posts

ARCHIVE = "tansanrao-archive/"


def corpus_posts() -> dict[str, Path]:
    """{name: path}: every real post of the shared corpus (as the compile tests find them) and
    the bundled example."""
    posts = {str(path.relative_to(SHARED)): path for path in load_posts()}
    if EXAMPLE.exists():
        posts["examples/distill-demo/post.md"] = EXAMPLE
    return posts
