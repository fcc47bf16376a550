"""``python -m distill_pdf.fonts``: rebuild the coverage file, print the preamble, check a text."""

from __future__ import annotations

import sys

from . import __doc__ as PACKAGE_DOC
from .catalogue import ROLES
from .cmaps import rebuild_coverage
from .coverage import COVERAGE_FILE
from .runs import fallback_runs, uncovered
from .tex_preamble import preamble


def _main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m distill_pdf.fonts",
                                 description=PACKAGE_DOC.splitlines()[0])
    ap.add_argument("--rebuild-coverage", action="store_true",
                    help=f"recompute {COVERAGE_FILE.name} from the font cmaps")
    ap.add_argument("--preamble", action="store_true", help="print the LaTeX preamble")
    ap.add_argument("--check", metavar="TEXT", help="show the runs and uncovered characters")
    ap.add_argument("--role", default="serif", choices=sorted(ROLES))
    args = ap.parse_args(argv)
    if args.rebuild_coverage:
        data = rebuild_coverage()
        for kind in ("roles", "fallbacks"):
            for name, flat in data[kind].items():
                n = sum(b - a + 1 for a, b in zip(flat[0::2], flat[1::2]))
                print(f"{name:12s} {n:6d} code points")
        print(f"wrote {COVERAGE_FILE}")
    if args.preamble:
        print(preamble())
    if args.check is not None:
        for key, run in fallback_runs(args.check, args.role):
            print(f"{key or '-':12s} {run!r}")
        miss = uncovered(args.check, args.role)
        if miss:
            print("uncovered:", " ".join(f"U+{ord(c):04X}" for c in sorted(miss)))
    if not (args.rebuild_coverage or args.preamble or args.check is not None):
        ap.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(_main())
