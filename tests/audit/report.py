"""The audit's table for humans, and its summary numbers."""
from __future__ import annotations

from dataclasses import dataclass

from . import ARCHIVE
from .run import Record


@dataclass
class Summary:
    posts: int
    failed: int               # posts without a PDF
    mean_fidelity: float      # mean of the posts' prose-word fidelity, %
    overall_fidelity: float   # all posts' words found / all words, %
    archive_fidelity: float   # the same over tansanrao-archive
    leaks: int
    images_unplaced: int
    overfull: int
    overlaps: int
    outside: int
    code_missing: int


def _pooled(records: list[Record]) -> float:
    words = sum(r.words for r in records)
    return 100.0 * sum(r.found for r in records) / words if words else 100.0


def archive_fidelity(records: list[Record]) -> float:
    return _pooled([r for r in records if r.post.startswith(ARCHIVE)])


def summarize(records: list[Record]) -> Summary:
    return Summary(
        posts=len(records), failed=sum(bool(r.error) for r in records),
        mean_fidelity=sum(r.fidelity for r in records) / len(records) if records else 100.0,
        overall_fidelity=_pooled(records), archive_fidelity=archive_fidelity(records),
        leaks=sum(r.leak_count for r in records), images_unplaced=sum(r.images_unplaced for r in records),
        overfull=sum(r.overfull for r in records), overlaps=sum(r.overlaps for r in records),
        outside=sum(r.outside for r in records), code_missing=sum(r.code_missing for r in records))


def _short(name: str, width: int) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1):]


def table(records: list[Record]) -> str:
    """One row per post, then the summary."""
    head = (f"{'post':<58} {'fidel%':>6} {'miss':>5} {'code':>5} {'leaks':>5} {'img r/p/ph':>10} "
            f"{'ovf':>4} {'ovl':>4} {'out':>4}  missing words sample / leaks / error")
    rows = [head, "-" * len(head)]
    for r in records:
        detail = r.error or " ".join(r.missing_sample[:6])
        if r.leaks:
            detail += "  leaks: " + " ".join(f"{k}×{n}" for k, n in r.leaks.items())
        rows.append(f"{_short(r.post, 58):<58} {r.fidelity:6.2f} {r.missing:5d} {r.code_missing:5d} "
                    f"{r.leak_count:5d} {f'{r.images_ref}/{r.images_placed}/{r.placeholders}':>10} "
                    f"{r.overfull:4d} {r.overlaps:4d} {r.outside:4d}  {detail[:90]}")
    s = summarize(records)
    rows += ["-" * len(head),
             f"{s.posts} posts ({s.failed} without a PDF); prose-word fidelity: mean {s.mean_fidelity:.2f}%, "
             f"all words {s.overall_fidelity:.2f}%, archive {s.archive_fidelity:.3f}%; code words missing "
             f"{s.code_missing}; leaks {s.leaks}; images not placed {s.images_unplaced}; "
             f"overfull>10pt {s.overfull}; overlapping glyphs {s.overlaps}; outside the page {s.outside}"]
    return "\n".join(rows)
