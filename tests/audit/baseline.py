"""The ratchet: every post's numbers may only go down (toward zero), never up.

tests/audit_baseline.json records, per post, the count of each defect the audit measures.
``DISTILL_PDF_AUDIT_UPDATE=1`` takes the improvements into it (a number never rises there);
``DISTILL_PDF_AUDIT_UPDATE=reset`` records the current numbers whatever they are (for a change of
the measure itself, said so in the commit).
"""
from __future__ import annotations

import json
from pathlib import Path

from .run import Record

BASELINE = Path(__file__).resolve().parent.parent / "audit_baseline.json"
UPDATE_ENV = "DISTILL_PDF_AUDIT_UPDATE"
# the defects counted per post, each ratcheted toward 0
METRICS = ("error", "missing", "code_missing", "leaks", "images_unplaced", "overfull", "overlaps", "outside")


def numbers(record: Record) -> dict[str, int]:
    return {"error": int(bool(record.error)), "missing": record.missing, "code_missing": record.code_missing,
            "leaks": record.leak_count, "images_unplaced": record.images_unplaced,
            "overfull": record.overfull, "overlaps": record.overlaps, "outside": record.outside}


def load(path: Path = BASELINE) -> dict:
    if not path.exists():
        return {"posts": {}, "archive_fidelity": 0.0}
    return json.loads(path.read_text(encoding="utf-8"))


def compare(records: list[Record], archive_fidelity: float, baseline: dict) -> tuple[list[str], list[str]]:
    """(regressions, improvements), one line each."""
    worse, better = [], []
    recorded = baseline.get("posts", {})
    for record in records:
        old = recorded.get(record.post)
        if old is None:
            worse.append(f"{record.post}: not in the baseline (a new post: record it with {UPDATE_ENV}=1)")
            continue
        now = numbers(record)
        up = [f"{m} {old.get(m, 0)} -> {now[m]}" for m in METRICS if now[m] > old.get(m, 0)]
        down = [f"{m} {old.get(m, 0)} -> {now[m]}" for m in METRICS if now[m] < old.get(m, 0)]
        if up:
            why = f" ({record.error})" if record.error else ""
            worse.append(f"{record.post}: " + ", ".join(up) + why)
        if down:
            better.append(f"{record.post}: " + ", ".join(down))
    old_archive = baseline.get("archive_fidelity", 0.0)
    if round(archive_fidelity, 3) < old_archive:
        worse.append(f"archive prose-word fidelity {old_archive:.3f}% -> {archive_fidelity:.3f}%")
    elif round(archive_fidelity, 3) > old_archive:
        better.append(f"archive prose-word fidelity {old_archive:.3f}% -> {archive_fidelity:.3f}%")
    return worse, better


def updated(records: list[Record], archive_fidelity: float, baseline: dict, reset: bool) -> dict:
    """The baseline with today's numbers: only the improvements, or (``reset``) all of them."""
    old_posts = baseline.get("posts", {})
    posts = {}
    for record in records:
        now, old = numbers(record), old_posts.get(record.post)
        posts[record.post] = now if reset or old is None else {m: min(now[m], old.get(m, now[m])) for m in METRICS}
    archive = round(archive_fidelity, 3)
    return {"about": "tests/test_audit.py: per post, defects the audit counts; each may only go down. "
                     f"{UPDATE_ENV}=1 records improvements, ={'reset'} records the current truth.",
            "archive_fidelity": archive if reset else max(archive, baseline.get("archive_fidelity", 0.0)),
            "posts": dict(sorted(posts.items()))}


def save(data: dict, path: Path = BASELINE) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
