#!/usr/bin/env python3
"""distill-pdf against pandoc, and against one bare XeLaTeX pass (the floor).

    python3 bench/bench.py [CORPUS] [--runs 5] [--archive-runs 5] [--jobs 2] [--quick]

CORPUS defaults to ../shared/corpus (beside the repository). Everything runs on this machine,
in one invocation, interleaved (the order rotates every round), and each number is the median
of --runs rounds (wall-clock seconds; CPU seconds of the process and all its children beside
it; peak resident memory of the largest single process). Prints a table and writes
bench/results.json. Needs the TeX Live of `make setup`; installs the rest itself when missing:
pandoc (PyPI's pypandoc-binary, bench/requirements.txt) and, as root, Debian's `lmodern` (the
LaTeX package pandoc's default template loads).

1. The seed post, end to end from the command line, the default command first:
   - `distill-pdf post.md` with no flags (tectonic when it runs, pybtex citations), cold
     cache: the conversion cache (images, highlighted code, compiled templates) emptied
     before every run; the precompiled preamble (an engine format, like xelatex.fmt itself)
     is kept, and its one-time cost is measured separately ("first run ever");
   - the same, warm cache: the rebuild after an edit;
   - each engine (tectonic, xelatex) x citation back end (pybtex, biblatex + biber), cold;
   - pandoc --citeproc --pdf-engine=xelatex, same post, same bibliography;
   - one bare `xelatex main.tex` over the .tex distill-pdf generated (the floor).
   Every row carries its ratio to pandoc and to the floor.
2. The XDV-to-PDF step's share (xelatex -no-pdf, then xdvipdfmx, at its compression levels).
3. The Python side: build_project (load, parse, render, template) for the seed and for the
   same post ten times over, first call in a fresh process and steady state.
   Then `distill-pdf watch` on the seed: the rebuild after a one-word edit against the floor
   (bench/watch_rebuild.py).
4. The tansanrao archive: `distill-pdf batch -j N` (default engine and citations) cold, against pandoc over the same posts in
   a loop; then an unchanged re-run; then one post touched.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from watch_rebuild import bench_watch, report_lines  # bench/ is on sys.path: run as a script

ROOT = Path(__file__).resolve().parent.parent
SEED = Path("seed/src/content/blog/distill-features-demo.md")
ARCHIVE = Path("tansanrao-archive")
KEEP_IN_COLD_CACHE = {"formats"}  # engine formats: made once per installation and template


# --------------------------------------------------------------------------- measuring


def measure(cmd: list[str], cwd: Path | None = None, env: dict | None = None,
            timeout: float = 900) -> dict:
    """Run ``cmd``: wall seconds, CPU seconds (it and its children), peak RSS (MB), exit code."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-2000:]
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "rc": proc.returncode, "stderr": tail if proc.returncode else ""}


def summary(samples: list[dict]) -> dict:
    ok = [s for s in samples if s["rc"] == 0] or samples
    return {"wall": statistics.median(s["wall"] for s in ok),
            "cpu": statistics.median(s["cpu"] for s in ok),
            "rss_mb": max(s["rss_mb"] for s in ok),
            "runs": len(samples), "failed": sum(1 for s in samples if s["rc"] != 0),
            "walls": [round(s["wall"], 3) for s in samples]}


def rounds(tasks: dict, n: int, results: dict) -> None:
    """Run every task once per round, the order rotating from round to round."""
    names = list(tasks)
    for i in range(n):
        order = names[i % len(names):] + names[:i % len(names)]
        for name in order:
            sample = tasks[name]()
            results.setdefault(name, []).append(sample)
            if sample["rc"] != 0:
                print(f"  ! {name} failed (exit {sample['rc']}): {sample['stderr'][-300:]}",
                      file=sys.stderr)
        print(f"  round {i + 1}/{n}: " + ", ".join(
            f"{k} {results[k][-1]['wall']:.2f}s" for k in names), file=sys.stderr)


def clear_cache(cache: Path) -> None:
    if cache.is_dir():
        for entry in cache.iterdir():
            if entry.name not in KEEP_IN_COLD_CACHE:
                shutil.rmtree(entry, ignore_errors=True)


# --------------------------------------------------------------------------- set-up


def pandoc_path() -> str:
    def found() -> str | None:
        try:
            import pypandoc
        except ImportError:
            return None
        binary = Path(pypandoc.__file__).parent / "files" / "pandoc"
        return str(binary) if binary.is_file() else None
    path = found()
    if path is None:
        print("installing pandoc (bench/requirements.txt) ...", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                               "-r", str(ROOT / "bench" / "requirements.txt")])
        import importlib
        importlib.invalidate_caches()
        path = found()
    if path is None:
        sys.exit("pandoc is missing: pip install -r bench/requirements.txt")
    return path


def ensure_lmodern() -> None:
    """pandoc's default LaTeX template loads lmodern.sty (Debian: package lmodern)."""
    def present() -> bool:
        return bool(subprocess.run(["kpsewhich", "lmodern.sty"], capture_output=True,
                                   text=True).stdout.strip())
    if present():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing lmodern (apt) for pandoc's LaTeX template ...", file=sys.stderr)
        quiet = {"stdout": subprocess.DEVNULL, "env": dict(os.environ, DEBIAN_FRONTEND="noninteractive")}
        if subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "lmodern"],
                          **quiet).returncode:
            subprocess.run(["apt-get", "update", "-qq"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "lmodern"],
                           check=True, **quiet)
    if not present():
        sys.exit("pandoc's LaTeX template needs lmodern.sty: apt-get install lmodern")


def distill_command() -> list[str]:
    exe = shutil.which("distill-pdf")
    return [exe] if exe else [sys.executable, "-m", "distill_pdf"]


def version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


def git_revision() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+local changes" if dirty else "")
    except OSError:
        return "?"


TECTONIC_VERSION = ("import subprocess; from distill_pdf.compile import find_engine; "
                    "print(subprocess.run([find_engine('tectonic').executable, '--version'], "
                    "capture_output=True, text=True).stdout)")


def has_tectonic() -> bool:
    probe = subprocess.run([sys.executable, "-c", "from distill_pdf.compile import find_engine; "
                            "find_engine('tectonic')"], capture_output=True)
    return probe.returncode == 0


# --------------------------------------------------------------------------- 1-3: the seed


DEFAULT = "distill-pdf post.md (no flags), cold cache"
DEFAULT_WARM = "distill-pdf post.md (no flags), warm cache"
PANDOC = "pandoc --citeproc --pdf-engine=xelatex"
FLOOR = "floor: one bare xelatex pass"
COMBINATIONS = [(engine, citations) for engine in ("tectonic", "xelatex") for citations in ("pybtex", "biblatex")]


def combination(engine: str, citations: str) -> str:
    return f"--engine {engine} --citations {citations}, cold cache"


def bench_seed(corpus: Path, work: Path, runs: int, with_tectonic: bool, pandoc: str) -> dict:
    seed = corpus / SEED
    if not seed.is_file():
        sys.exit(f"no seed post at {seed} (give the corpus folder as the first argument)")
    cache = work / "cache"
    env = dict(os.environ, DISTILL_PDF_CACHE=str(cache))
    ours = distill_command()

    def distill(out: str, *flags: str) -> list[str]:
        return [*ours, str(seed), "-o", str(work / out), *flags]

    print("seed: first run ever, default command (empty cache: the engine format is made too)",
          file=sys.stderr)
    first = measure(distill("first.pdf"), env=env)
    if first["rc"] != 0:
        sys.exit(f"distill-pdf failed on the seed: {first['stderr']}")
    made = measure(distill("floor.pdf", "--engine", "xelatex", "--citations", "pybtex",
                           "--keep-build", str(work / "build")), env=env)
    if made["rc"] != 0:
        sys.exit(f"distill-pdf --engine xelatex failed on the seed: {made['stderr']}")
    build = work / "build"

    def floor() -> dict:
        folder = work / "floor"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(build, folder, ignore=shutil.ignore_patterns("main.aux", "main.log", "main.pdf",
                                                                      "main.out", "main.toc", "*.xdv"))
        return measure(["xelatex", "-interaction=nonstopmode", "-halt-on-error", "main.tex"], cwd=folder)

    def cold(*flags: str):
        def run():
            clear_cache(cache)
            return measure(distill("ours.pdf", *flags), env=env)
        return run

    tasks = {
        DEFAULT: cold(),
        DEFAULT_WARM: lambda: measure(distill("ours.pdf"), env=env),
        PANDOC: lambda: measure([pandoc, seed.name, "--citeproc", "--bibliography", "references.bib",
                                 "--pdf-engine=xelatex", "-o", str(work / "pandoc.pdf")], cwd=seed.parent),
        FLOOR: floor,
    }
    for engine, citations in COMBINATIONS:
        if engine == "tectonic" and not with_tectonic:
            continue
        tasks[combination(engine, citations)] = cold("--engine", engine, "--citations", citations)
    print(f"seed: {runs} rounds", file=sys.stderr)
    samples: dict[str, list] = {}
    rounds(tasks, runs, samples)
    table = {name: summary(s) for name, s in samples.items()}
    table["distill-pdf post.md, first run ever (makes the format)"] = summary([first])
    return {"rows": table, "checks": seed_checks(seed, work, env, with_tectonic),
            "xdv": xdv_share(build, work, runs), "python": python_side(seed, work)}


def seed_checks(seed: Path, work: Path, env: dict, with_tectonic: bool) -> dict:
    """Engine passes, bookmarks and links of the seed's PDF, per engine."""
    code = r"""
import json, sys
import distill_pdf
from pypdf import PdfReader
out = {}
for engine in sys.argv[3:]:
    pdf = sys.argv[2] + f"/check-{engine}.pdf"
    r = distill_pdf.render(sys.argv[1], pdf, engine=engine, citations="pybtex")
    reader = PdfReader(pdf)
    def titles(items):
        return [titles(i) if isinstance(i, list) else i.title for i in items]
    names = set(reader.named_destinations)
    links = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            action = a.get("/A") or {}
            if a.get("/Subtype") == "/Link":
                links.append((str(action.get("/S")), str(action.get("/D") or action.get("/URI") or a.get("/Dest"))))
    internal = [d for s, d in links if s == "/GoTo"]
    out[engine] = {"passes": r.passes, "pages": r.pages, "bookmarks": titles(reader.outline),
                   "links": len(links), "internal_links": len(internal),
                   "internal_links_resolved": sum(1 for d in internal if d in names)}
print(json.dumps(out))
"""
    engines = ["xelatex"] + (["tectonic"] if with_tectonic else [])
    proc = subprocess.run([sys.executable, "-c", code, str(seed), str(work), *engines],
                          capture_output=True, text=True, env=env)
    if proc.returncode:
        return {"error": proc.stderr[-1000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def xdv_share(build: Path, work: Path, runs: int) -> dict:
    folder = work / "xdv"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(build, folder, ignore=shutil.ignore_patterns("main.aux", "main.log", "main.pdf"))
    tasks = {"xelatex -no-pdf": lambda: measure(["xelatex", "-no-pdf", "-interaction=nonstopmode",
                                                 "main.tex"], cwd=folder)}
    samples: dict[str, list] = {}
    rounds(tasks, 1, samples)  # makes main.xdv
    for level in (9, 6, 1):
        tasks[f"xdvipdfmx -z {level}"] = (lambda z=level: measure(
            ["xdvipdfmx", "-q", "-z", str(z), "-o", f"z{z}.pdf", "main.xdv"], cwd=folder))
    samples = {}
    rounds(tasks, runs, samples)
    out = {name: summary(s) for name, s in samples.items()}
    for level in (9, 6, 1):
        pdf = folder / f"z{level}.pdf"
        out[f"xdvipdfmx -z {level}"]["pdf_bytes"] = pdf.stat().st_size if pdf.exists() else None
    tex, pdf = out["xelatex -no-pdf"]["cpu"], out["xdvipdfmx -z 9"]["cpu"]
    out["share_of_pass_cpu"] = pdf / (tex + pdf) if tex + pdf else None
    return out


def python_side(seed: Path, work: Path) -> dict:
    """build_project on the seed and on a post ten times as long, in fresh processes."""
    long_dir = work / "long" / "src" / "content" / "blog"
    long_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(seed.parent.parent.parent / "assets", work / "long" / "src" / "assets", dirs_exist_ok=True)
    for bib in seed.parent.glob("*.bib"):
        shutil.copy(bib, long_dir / bib.name)
    text = seed.read_text(encoding="utf-8")
    front, body = re.match(r"(?s)(---\n.*?\n---\n)(.*)", text).groups()
    copies = [re.sub(r"\[\^(\w+)\]", lambda m, k=k: f"[^{m[1]}x{k}]", body) for k in range(10)]
    long_post = long_dir / "long.md"
    long_post.write_text(front + "\n".join(copies), encoding="utf-8")
    code = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from pathlib import Path
from distill_pdf import pipeline
from distill_pdf.errors import Diagnostics
t1, c1 = time.perf_counter(), time.process_time()
options = pipeline.Options(citations="pybtex")
def once():
    t, c = time.perf_counter(), time.process_time()
    project = pipeline.build_project(Path(sys.argv[1]), options, Diagnostics())
    return time.perf_counter() - t, time.process_time() - c, len(project.post.body), len(project.tex)
first = once()
steady = sorted(once() for _ in range(15))[7]
print(json.dumps({"import_wall": t1 - t0, "import_cpu": c1 - c0, "first_wall": first[0],
                  "first_cpu": first[1], "steady_wall": steady[0], "steady_cpu": steady[1],
                  "markdown_chars": first[2], "tex_chars": first[3]}))
"""
    out = {}
    for name, post in (("seed", seed), ("seed x10", long_post)):
        for cache_state in ("cold", "warm"):
            cache = work / f"pycache-{name.replace(' ', '')}"
            if cache_state == "cold":
                shutil.rmtree(cache, ignore_errors=True)
            env = dict(os.environ, DISTILL_PDF_CACHE=str(cache))
            runs = []
            for _ in range(3 if cache_state == "warm" else 1):
                proc = subprocess.run([sys.executable, "-c", code, str(post)], capture_output=True,
                                      text=True, env=env)
                if proc.returncode:
                    runs.append({"error": proc.stderr[-500:]})
                    break
                runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            good = [r for r in runs if "error" not in r]
            out[f"{name}, {cache_state} cache"] = (
                {k: statistics.median(r[k] for r in good) for k in good[0]} if good else runs[-1])
    seed_steady = out["seed, warm cache"].get("steady_cpu")
    long_steady = out["seed x10, warm cache"].get("steady_cpu")
    if seed_steady and long_steady:
        out["x10_time_ratio"] = long_steady / seed_steady
    return out


# --------------------------------------------------------------------------- 4: the archive


def bench_archive(corpus: Path, work: Path, runs: int, jobs: int, pandoc: str) -> dict:
    source = corpus / ARCHIVE
    if not source.is_dir():
        return {"skipped": f"no archive at {source}"}
    site = work / "archive"
    shutil.copytree(source, site, symlinks=True)  # a copy: one post gets touched
    for path in [site, *site.rglob("*")]:
        try:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
        except OSError:
            pass
    content = site / "src" / "content"
    out_dir, cache, report = work / "archive-out", work / "archive-cache", work / "report.json"
    env = dict(os.environ, DISTILL_PDF_CACHE=str(cache))
    batch = [*distill_command(), "batch", str(content), "-o", str(out_dir), "-j", str(jobs),
             "--no-remote", "--report", str(report)]   # default engine and citations

    print("archive: a first export (learns the posts, makes the engine format)", file=sys.stderr)
    first = measure(batch, env=env, timeout=3600)
    data = json.loads(report.read_text())
    posts = [Path(p["source"]) for p in data["posts"] if p["status"] in ("built", "failed")]
    failed = [p["name"] for p in data["posts"] if p["status"] == "failed"]
    pandoc_out = work / "pandoc-out"

    def ours_cold() -> dict:
        shutil.rmtree(out_dir, ignore_errors=True)
        clear_cache(cache)
        return measure(batch, env=env, timeout=3600)

    pandoc_failures: list[int] = []

    def pandoc_loop() -> dict:
        shutil.rmtree(pandoc_out, ignore_errors=True)
        pandoc_out.mkdir()
        total = {"wall": 0.0, "cpu": 0.0, "rss_mb": 0.0, "rc": 0, "stderr": ""}
        bad = 0
        for i, post in enumerate(posts):
            s = measure([pandoc, post.name, "-f", "markdown", "--citeproc", "--pdf-engine=xelatex",
                         "-o", str(pandoc_out / f"{i}.pdf")], cwd=post.parent, timeout=600)
            total["wall"] += s["wall"]
            total["cpu"] += s["cpu"]
            total["rss_mb"] = max(total["rss_mb"], s["rss_mb"])
            bad += s["rc"] != 0
        pandoc_failures.append(bad)
        return total

    print(f"archive: {len(posts)} posts, {runs} rounds of batch -j {jobs} (cold) and pandoc in a loop",
          file=sys.stderr)
    samples: dict[str, list] = {}
    rounds({f"distill-pdf batch -j {jobs}, cold": ours_cold, "pandoc in a loop": pandoc_loop},
           runs, samples)
    cold_posts = json.loads(report.read_text())["posts"] if report.exists() else []
    per_post = sorted(p["seconds"] for p in cold_posts if p["status"] == "built")

    print("archive: unchanged re-runs", file=sys.stderr)
    rounds({"unchanged re-run": lambda: measure(batch, env=env)}, max(runs, 5), samples)

    touched = max(posts, key=lambda p: p.stat().st_size) if posts else None
    built_after_touch: list[int] = []

    def touch() -> dict:
        with open(touched, "a", encoding="utf-8") as handle:
            handle.write("\n")
        s = measure(batch, env=env)
        built_after_touch.append(json.loads(report.read_text())["counts"].get("built", 0))
        return s
    if touched:
        print(f"archive: one post touched ({touched.name})", file=sys.stderr)
        rounds({"one post touched": touch}, max(runs, 5), samples)
    touched_seconds = [p["seconds"] for p in cold_posts
                       if touched and Path(p["source"]).resolve() == touched.resolve()]

    table = {name: summary(s) for name, s in samples.items()}
    table["first export (makes the engine format)"] = summary([first])
    return {
        "rows": table, "posts": len(posts), "failed_posts": failed,
        "pandoc_failed_posts": statistics.median(pandoc_failures) if pandoc_failures else None,
        "touched_post": touched.name if touched else None,
        "touched_post_cold_seconds": touched_seconds[0] if touched_seconds else None,
        "posts_built_after_touch": built_after_touch,
        "median_post_seconds": statistics.median(per_post) if per_post else None,
    }


# --------------------------------------------------------------------------- report


def ratio(a, b):
    return a / b if a and b else None


def report(results: dict) -> str:
    lines = []
    seed = results.get("seed", {})
    rows = seed.get("rows", {})

    def row(name, r, extra=""):
        return (f"  {name:<52} {r['wall']:7.2f} {r['cpu']:7.2f} {r['rss_mb']:7.0f}"
                + (f"  ({r['failed']} of {r['runs']} failed)" if r.get("failed") else "") + extra)
    if rows:
        lines.append(f"Seed post, median of {rows[PANDOC]['runs']} runs     "
                     f"                          wall s   cpu s  peak MB   /pandoc  /floor")
        for name, r in rows.items():
            lines.append(row(name, r, f"  {ratio(r['wall'], rows[PANDOC]['wall']):7.2f} "
                                      f"{ratio(r['wall'], rows[FLOOR]['wall']):7.2f}"))
        t = results["targets"]["seed"]
        lines.append(f"  default command: {t['default_vs_pandoc']:.2f} x pandoc (target <= 0.5), "
                     f"{t['default_vs_floor']:.2f} x the floor (target <= 1.15); warm cache "
                     f"{t['warm_vs_pandoc']:.2f} x pandoc, {t['warm_vs_floor']:.2f} x the floor")
        if t.get("tectonic_vs_xelatex"):
            lines.append(f"  tectonic / xelatex (pybtex): {t['tectonic_vs_xelatex']:.2f} (target <= 1.15)")
        lines.append(f"  CPU time: default/pandoc {t['default_vs_pandoc_cpu']:.2f}, "
                     f"default/floor {t['default_vs_floor_cpu']:.2f}")
        for engine, c in seed.get("checks", {}).items():
            if isinstance(c, dict):
                lines.append(f"  {engine}: {c.get('passes')} engine pass(es), {c.get('pages')} pages, "
                             f"bookmarks {c.get('bookmarks')}, links {c.get('links')} "
                             f"({c.get('internal_links_resolved')}/{c.get('internal_links')} internal resolve)")
        x = seed.get("xdv", {})
        if x:
            lines.append("XDV to PDF (the floor's .tex), median cpu s: " + ", ".join(
                f"{k} {v['cpu']:.3f}" + (f" ({v['pdf_bytes'] // 1024} KB)" if v.get("pdf_bytes") else "")
                for k, v in x.items() if isinstance(v, dict))
                + f"; xdvipdfmx share of the pass: {x.get('share_of_pass_cpu', 0):.0%}")
        py = seed.get("python", {})
        if py:
            lines.append("Python side (build_project: load, parse, render, template), ms wall / cpu:")
            for name, v in py.items():
                if isinstance(v, dict) and "first_wall" in v:
                    lines.append(f"  {name:<22} first call {1000 * v['first_wall']:6.1f} / "
                                 f"{1000 * v['first_cpu']:6.1f}   steady {1000 * v['steady_wall']:6.1f} / "
                                 f"{1000 * v['steady_cpu']:6.1f}   imports {1000 * v['import_wall']:5.0f} / "
                                 f"{1000 * v['import_cpu']:5.0f}   ({v['markdown_chars']} chars)")
            if py.get("x10_time_ratio"):
                lines.append(f"  10x longer post: {py['x10_time_ratio']:.1f}x the time (steady, cpu)")
    arch = results.get("archive", {})
    if arch.get("rows"):
        lines.append(f"Archive ({arch['posts']} posts; {len(arch['failed_posts'])} failed with distill-pdf,"
                     f" {arch['pandoc_failed_posts']} with pandoc)       wall s   cpu s  peak MB")
        for name, r in arch["rows"].items():
            lines.append(row(name, r))
        t = results["targets"]["archive"]
        lines.append(f"  throughput ours/pandoc: {t['throughput_vs_pandoc']:.1f}x (target >= 3); "
                     f"unchanged re-run {t['unchanged_rerun']:.2f} s (target < 1); one touched post "
                     f"{t['touched']:.2f} s vs that post's own build {arch.get('touched_post_cold_seconds')} s, "
                     f"median post {arch.get('median_post_seconds')} s")
    return "\n".join(lines)


def targets(results: dict) -> dict:
    out = {}
    rows = results.get("seed", {}).get("rows", {})
    if rows:
        default, warm = rows[DEFAULT], rows[DEFAULT_WARM]
        pandoc, floor = rows[PANDOC], rows[FLOOR]
        tectonic, xelatex = rows.get(combination("tectonic", "pybtex")), rows.get(combination("xelatex", "pybtex"))
        out["seed"] = {
            "default_vs_pandoc": ratio(default["wall"], pandoc["wall"]),
            "default_vs_floor": ratio(default["wall"], floor["wall"]),
            "warm_vs_pandoc": ratio(warm["wall"], pandoc["wall"]),
            "warm_vs_floor": ratio(warm["wall"], floor["wall"]),
            "default_vs_pandoc_cpu": ratio(default["cpu"], pandoc["cpu"]),
            "default_vs_floor_cpu": ratio(default["cpu"], floor["cpu"]),
            "tectonic_vs_xelatex": ratio(tectonic["wall"], xelatex["wall"]) if tectonic and xelatex else None,
        }
        seed = out["seed"]
        seed["met"] = bool(seed["default_vs_pandoc"] and seed["default_vs_pandoc"] <= 0.5
                           and seed["default_vs_floor"] and seed["default_vs_floor"] <= 1.15
                           and (seed["tectonic_vs_xelatex"] or 1) <= 1.15)
        py = results["seed"].get("python", {}).get("seed, warm cache", {})
        seed["python_steady_ms"] = 1000 * py["steady_wall"] if "steady_wall" in py else None
    arch = results.get("archive", {}).get("rows")
    if arch:
        ours = next(v for k, v in arch.items() if k.startswith("distill-pdf batch"))
        out["archive"] = {
            "throughput_vs_pandoc": ratio(arch["pandoc in a loop"]["wall"], ours["wall"]),
            "unchanged_rerun": arch["unchanged re-run"]["wall"],
            "touched": arch["one post touched"]["wall"] if "one post touched" in arch else None,
        }
        a = out["archive"]
        a["met"] = bool(a["throughput_vs_pandoc"] and a["throughput_vs_pandoc"] >= 3
                        and a["unchanged_rerun"] < 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--runs", type=int, default=5, help="rounds for the seed (median)")
    parser.add_argument("--archive-runs", type=int, default=5, help="rounds for the archive")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="batch workers (default 2)")
    parser.add_argument("--quick", action="store_true", help="3 seed rounds, 1 archive round")
    parser.add_argument("--skip-archive", action="store_true")
    parser.add_argument("--no-tectonic", action="store_true", help="leave tectonic's rows out")
    parser.add_argument("-o", "--output", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args()
    if args.quick:
        args.runs, args.archive_runs = 3, 1
    corpus = Path(args.corpus).resolve()
    # bytecode, as a regular pip install writes it: an editable install on a machine with
    # PYTHONDONTWRITEBYTECODE would otherwise compile distill-pdf's sources on every run (80 ms)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "distill_pdf")], check=True)
    pandoc = pandoc_path()
    ensure_lmodern()
    with_tectonic = not args.no_tectonic and has_tectonic()
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_before": os.getloadavg()},
        "versions": {"distill-pdf": git_revision(), "xelatex": version(["xelatex", "--version"]),
                     "pandoc": version([pandoc, "--version"]),
                     "tectonic": version([sys.executable, "-c", TECTONIC_VERSION]) if with_tectonic else None},
        "settings": {"runs": args.runs, "archive_runs": args.archive_runs, "jobs": args.jobs,
                     "corpus": str(corpus)},
    }
    with tempfile.TemporaryDirectory(prefix="distill-bench-") as tmp:
        work = Path(tmp)
        (work / "seed").mkdir()
        results["seed"] = bench_seed(corpus, work / "seed", args.runs, with_tectonic, pandoc)
        results["watch"] = bench_watch(corpus / SEED, work, args.runs, distill_command(),
                                       env=dict(os.environ, DISTILL_PDF_CACHE=str(work / "seed" / "cache")))
        if not args.skip_archive:
            (work / "archive").mkdir()
            results["archive"] = bench_archive(corpus, work / "archive", args.archive_runs, args.jobs, pandoc)
    results["machine"]["load_after"] = os.getloadavg()
    results["targets"] = targets(results)
    text = report(results)
    text += "\n" + "\n".join(report_lines(results["watch"], results["seed"]["rows"][FLOOR]["wall"]))
    print(text)
    Path(args.output).write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.output} (load average {results['machine']['load_before'][0]:.1f} before, "
          f"{results['machine']['load_after'][0]:.1f} after: other work on this machine skews wall times)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
