"""Watch mode's rebuild of the seed after a one-word edit, against the floor (one bare engine pass).

A real `distill-pdf watch` runs over a copy of the seed's site; each round changes one word
and times two things: the build as the watch reports it (its line's seconds: load, parse,
render, one engine pass with the carried aux, publish) and the latency a writer sees, from
the file's write to that line (adds the file-event debounce). Target (issue 16): the build at
most 1.2 x the floor. Apart from bench.py, which is already long, and called from its main;
also runs alone, measuring the floor itself:

    python3 bench/watch_rebuild.py [CORPUS] [--runs 5]
"""
from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = Path("seed/src/content/blog/distill-features-demo.md")

_BUILT = re.compile(r"\bbuilt\b.*?(\d+\.\d+) s")


def bench_watch(seed: Path, work: Path, runs: int, command: list[str], env: dict,
                engines: tuple[str, ...] = ("auto", "xelatex"), between: Callable[[], None] | None = None) -> dict:
    """One row per engine: median build seconds and edit-to-line seconds over ``runs`` edits.
    ``between`` runs before each edit, while the watch waits (the floor, interleaved)."""
    site = work / "watch-site"
    shutil.copytree(seed.parents[3], site, dirs_exist_ok=True)  # corpus/seed: the site, images included
    post = site / seed.relative_to(seed.parents[3])
    rows = {}
    for engine in engines:
        rows[f"watch --engine {engine}: one-word edit"] = _one_engine(post, work / f"watch-{engine}.pdf",
                                                                       runs, env, command, engine, between)
    return rows


def _one_engine(post: Path, output: Path, runs: int, env: dict, command: list[str], engine: str,
                between: Callable[[], None] | None) -> dict:
    proc = subprocess.Popen([*command, "watch", str(post), "-o", str(output), "--engine", engine],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    builds, latencies, failed = [], [], 0
    try:
        _wait_for(lines, "watching")
        text = original = post.read_text(encoding="utf-8")
        for i in range(runs + 1):  # the first edit warms what the first build did not use
            text = text.replace(" the ", " THE ", 1) if i % 2 == 0 else original
            if between and i:
                between()
            written = time.perf_counter()
            post.write_text(text, encoding="utf-8")
            line = _wait_for(lines, "built", "failed")
            seen = time.perf_counter() - written
            found = _BUILT.search(line)
            if not found:
                failed += 1
            elif i:
                builds.append(float(found[1]))
                latencies.append(seen)
        post.write_text(original, encoding="utf-8")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {"build": statistics.median(builds) if builds else None,
            "latency": statistics.median(latencies) if latencies else None,
            "builds": builds, "runs": runs, "failed": failed}


def _wait_for(lines: queue.Queue, *words: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while True:
        line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        if any(word in line for word in words):
            return line


def report_lines(rows: dict, floor: float | None) -> list[str]:
    """The rows as bench.py prints them: build and latency, each against the floor."""
    lines = [f"Watch: rebuild after a one-word edit, median         build s  /floor  edit-to-line s"]
    for name, r in rows.items():
        if r.get("build") is None:
            lines.append(f"  {name:<52} failed ({r['failed']} of {r['runs']})")
            continue
        against = f"{r['build'] / floor:7.2f}" if floor else "      -"
        lines.append(f"  {name:<52} {r['build']:7.2f} {against} {r['latency']:9.2f}")
    lines.append("  target: the build at most 1.2 x the floor (one bare xelatex pass over the seed's .tex)")
    return lines


def floor_pass(seed: Path, work: Path, command: list[str], env: dict) -> Callable[[], float]:
    """bench.py's floor, alone: a bare xelatex pass, from no aux file, over the .tex that
    distill-pdf writes for the seed; returns a function timing one pass."""
    build = work / "floor-build"
    subprocess.run([*command, str(seed), "-o", str(work / "floor.pdf"), "--engine", "xelatex",
                    "--citations", "pybtex", "--keep-build", str(build)], env=env, check=True,
                   stdin=subprocess.DEVNULL, capture_output=True)

    def one() -> float:
        folder = work / "floor"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(build, folder, ignore=shutil.ignore_patterns("main.aux", "main.log", "main.pdf",
                                                                      "main.out", "main.toc", "*.xdv"))
        started = time.perf_counter()
        subprocess.run(["xelatex", "-interaction=nonstopmode", "-halt-on-error", "main.tex"], cwd=folder,
                       check=True, stdin=subprocess.DEVNULL, capture_output=True)
        return time.perf_counter() - started
    return one


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--runs", type=int, default=5, help="edits (and floor passes) per row (median)")
    args = parser.parse_args()
    seed = Path(args.corpus).resolve() / SEED
    command = [sys.executable, "-m", "distill_pdf"]
    with tempfile.TemporaryDirectory(prefix="distill-watch-bench-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, DISTILL_PDF_CACHE=str(work / "cache"))  # cold, as bench.py's
        one_pass, floors = floor_pass(seed, work, command, env), []
        # a floor pass before every edit: a load that comes and goes weighs on both alike
        rows = bench_watch(seed, work, args.runs, command, env, between=lambda: floors.append(one_pass()))
    floor = statistics.median(floors)
    print("\n".join(report_lines(rows, floor)))
    print(f"  floor: {', '.join(f'{f:.2f}' for f in floors)}; builds: " + "; ".join(
        f"{name.split(':')[0]} {', '.join(f'{b:.2f}' for b in row['builds'])}" for name, row in rows.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
