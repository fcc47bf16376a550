"""Watch mode's rebuild of the seed after a one-word edit, against the floor (one bare engine pass).

A real `distill-pdf watch` runs over a copy of the seed's site; each round changes one word
and times two things: the build as the watch reports it (its line's seconds: load, parse,
render, one engine pass with the carried aux, publish) and the latency a writer sees, from
the file's write to that line (adds the file-event debounce). Target (issue 16): the build at
most 1.2 x the floor. Apart from bench.py, which is already long, and called from its main.
"""
from __future__ import annotations

import queue
import re
import shutil
import signal
import statistics
import subprocess
import threading
import time
from pathlib import Path

_BUILT = re.compile(r"\bbuilt\b.*?(\d+\.\d+) s")


def bench_watch(seed: Path, work: Path, runs: int, command: list[str], env: dict,
                engines: tuple[str, ...] = ("auto", "xelatex")) -> dict:
    """One row per engine: median build seconds and edit-to-line seconds over ``runs`` edits."""
    site = work / "watch-site"
    shutil.copytree(seed.parents[3], site, dirs_exist_ok=True)  # corpus/seed: the site, images included
    post = site / seed.relative_to(seed.parents[3])
    rows = {}
    for engine in engines:
        rows[f"watch --engine {engine}: one-word edit"] = _one_engine(post, work / f"watch-{engine}.pdf",
                                                                       runs, env, command, engine)
    return rows


def _one_engine(post: Path, output: Path, runs: int, env: dict, command: list[str], engine: str) -> dict:
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
