"""``python -m tests.audit [-j N] [--engine E] [--json FILE] [SUBSTRING ...]``: the audit's table.

With substrings, only the posts whose names contain one of them."""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict

from . import corpus_posts
from .report import table
from .run import audit_all


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.audit", description=__doc__)
    parser.add_argument("names", nargs="*", help="audit only posts whose path contains one of these")
    parser.add_argument("-j", "--workers", type=int, default=2)
    parser.add_argument("--engine", default="xelatex")
    parser.add_argument("--json", help="also write every record to this file")
    args = parser.parse_args()
    posts = {name: path for name, path in corpus_posts().items()
             if not args.names or any(part in name for part in args.names)}
    started = time.monotonic()
    records = audit_all(posts, args.engine, args.workers)
    print(table(records))
    print(f"audit time: {time.monotonic() - started:.0f} s with {args.workers} workers")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump([asdict(r) for r in records], handle, indent=1, ensure_ascii=False)


main()
