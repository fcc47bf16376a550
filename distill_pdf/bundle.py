"""The offline tectonic bundle: a flat folder of links into the local TeX Live trees.

Tectonic normally downloads its TeX files from a web bundle. Offline it accepts
``--bundle DIR``: a FLAT directory of files looked up by name, plus ``SHA256SUM``
(64 hex digits naming the bundle; tectonic keys its format cache on it) and
``tectonic-format-latex.tex`` (how to build the LaTeX format).

:func:`build_bundle` makes such a directory out of symlinks to every file in the
installed TeX Live trees, so tectonic typesets with exactly the packages xelatex
would see. Build it with ``python3 -m distill_pdf.bundle DEST`` (``tools/install-tectonic``
does this for ``/opt/distill-pdf/bundle``).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from distill_pdf.errors import DistillError, EngineMissing, UsageError

DIGEST_FILE = "SHA256SUM"
FORMAT_FILE = "tectonic-format-latex.tex"
FORMAT_SOURCE = "\\input xelatex.ini\n"
ENV_VAR = "DISTILL_PDF_BUNDLE"
SYSTEM_BUNDLE = Path("/opt/distill-pdf/bundle")

# Debian's trees in kpathsea's own precedence order (TEXMF in texmf.cnf:
# TEXMFLOCAL, TEXMFSYSCONFIG, TEXMFSYSVAR, TEXMFDEBIAN, TEXMFDIST), so that where a
# name exists twice (language.dat, language.def, pdftexconfig.tex, paper configs)
# tectonic gets the locally configured file, the same one xelatex reads.
DEFAULT_ROOTS = (
    Path("/usr/local/share/texmf"),
    Path("/etc/texmf"),
    Path("/var/lib/texmf"),
    Path("/usr/share/texmf"),
    Path("/usr/share/texlive/texmf-dist"),
)
KPSE_VARS = ("TEXMFLOCAL", "TEXMFSYSCONFIG", "TEXMFSYSVAR", "TEXMFMAIN", "TEXMFDIST")
# top-level TDS folders that never hold files TeX reads
SKIP_TOP = frozenset({"doc", "source"})
RESERVED = frozenset({DIGEST_FILE, FORMAT_FILE})


def _kpse_roots() -> list[Path]:
    exe = shutil.which("kpsewhich")
    if not exe:
        return []
    roots = []
    for var in KPSE_VARS:
        try:
            out = subprocess.run([exe, f"-var-value={var}"], capture_output=True,
                                 text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        # a value may be a list ("{a,b}" or "a:b") with "!!" prefixes
        for part in out.strip("{}").replace(":", ",").split(","):
            part = part.strip().lstrip("!")
            if part:
                roots.append(Path(part))
    return roots


def default_roots() -> list[Path]:
    """The TeX trees present on this machine, highest precedence first, each once."""
    seen: set[str] = set()
    roots = []
    for root in [*DEFAULT_ROOTS, *_kpse_roots()]:
        try:
            real = os.path.realpath(root)
        except OSError:
            continue
        if real in seen or not os.path.isdir(real):
            continue
        seen.add(real)
        roots.append(root)
    return roots


def _walk(root: Path):
    """Yield (name, path, stat) for every regular file under root, in a stable order."""
    stack = [(str(root), True)]
    visited: set[tuple[int, int]] = set()  # guards against symlink loops
    while stack:
        top, is_root = stack.pop()
        try:
            st = os.stat(top)
            if (st.st_dev, st.st_ino) in visited:
                continue
            visited.add((st.st_dev, st.st_ino))
            with os.scandir(top) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for e in entries:
            try:
                if e.is_dir():  # follows symlinks, like kpathsea
                    if not (is_root and e.name in SKIP_TOP):
                        subdirs.append(e.path)
                    continue
                if not e.is_file():
                    continue  # dangling link, socket, ...
                st = e.stat()
            except OSError:
                continue
            yield e.name, e.path, st
        # files of a folder before its subfolders; subfolders in name order
        stack.extend((d, False) for d in reversed(subdirs))


def _collect(roots: list[Path]) -> dict[str, tuple[str, int, int]]:
    files: dict[str, tuple[str, int, int]] = {}
    seen_dirs: set[str] = set()
    for root in roots:
        real = os.path.realpath(root)
        if real in seen_dirs or not os.path.isdir(real):
            continue
        seen_dirs.add(real)
        for name, path, st in _walk(Path(root)):
            if name in RESERVED or name in files:
                continue  # first name wins
            files[name] = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    return files


def _digest(files: dict[str, tuple[str, int, int]]) -> str:
    """Stable for an unchanged tree; changes when a file is added, moved or updated
    (tectonic caches its format under this digest, so a TeX Live upgrade must change it)."""
    h = hashlib.sha256()
    for name in sorted(files):
        target, size, mtime = files[name]
        h.update(f"{name}\t{target}\t{size}\t{mtime}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def build_bundle(dest: Path, roots: list[Path] | None = None) -> int:
    """Build (or rebuild) the flat bundle directory ``dest``; return the number of files.

    ``roots`` are searched in order and the first file of a given name wins; by default
    the TeX Live trees of this machine (see :func:`default_roots`). The bundle is built
    beside ``dest`` and renamed into place, so a reader never sees a half-built bundle.
    """
    dest = Path(dest).expanduser().absolute()
    roots = default_roots() if roots is None else [Path(r) for r in roots]
    if dest.exists():
        if not dest.is_dir():
            raise UsageError("bundle destination exists and is not a directory", dest)
        if any(dest.iterdir()) and not (dest / DIGEST_FILE).is_file():
            raise UsageError("refusing to replace a non-empty directory that is not a "
                             "bundle (it has no SHA256SUM)", dest)
    files = _collect(roots)
    if not files:
        where = ", ".join(map(str, roots)) or "(no TeX trees found)"
        raise EngineMissing(
            f"no TeX files to bundle under {where}; install TeX Live first: "
            "apt-get install texlive-xetex texlive-latex-extra texlive-fonts-recommended")

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        for name, (target, _size, _mtime) in files.items():
            os.symlink(target, tmp / name)
        (tmp / FORMAT_FILE).write_text(FORMAT_SOURCE, encoding="utf-8")
        (tmp / DIGEST_FILE).write_text(_digest(files) + "\n", encoding="ascii")
        os.chmod(tmp, 0o755)
        _replace_dir(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return len(files)


def _replace_dir(new: Path, dest: Path) -> None:
    if not dest.exists() and not dest.is_symlink():
        os.rename(new, dest)
        return
    # rename(2) cannot replace a non-empty directory: swap via a sibling name
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
    os.rmdir(old)
    os.rename(dest, old)
    try:
        os.rename(new, dest)
    except BaseException:
        os.rename(old, dest)
        raise
    shutil.rmtree(old, ignore_errors=True)


def is_bundle(path: Path) -> bool:
    return (Path(path) / DIGEST_FILE).is_file()


def candidate_bundle_dirs() -> list[Path]:
    """Where :func:`default_bundle_dir` looks, in order."""
    out = []
    env = os.environ.get(ENV_VAR)
    if env:
        out.append(Path(env).expanduser())
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    out.append(Path(cache) / "distill-pdf" / "bundle")
    out.append(SYSTEM_BUNDLE)
    return out


def default_bundle_dir() -> Path | None:
    """``$DISTILL_PDF_BUNDLE``, ``~/.cache/distill-pdf/bundle``, ``/opt/distill-pdf/bundle``:
    the first that exists and has a SHA256SUM; None when there is no bundle."""
    for cand in candidate_bundle_dirs():
        if is_bundle(cand):
            return cand
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python3 -m distill_pdf.bundle DEST [ROOT ...]\n"
              "Build an offline tectonic bundle in DEST from the TeX Live trees "
              "(or the given ROOTs, first name wins).", file=sys.stderr)
        return 0 if argv else 2
    dest = Path(argv[0])
    roots = [Path(r) for r in argv[1:]] or None
    try:
        n = build_bundle(dest, roots)
    except DistillError as e:
        print(f"distill-pdf: {e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:
        print(f"distill-pdf: {dest}: {e}", file=sys.stderr)
        return 1
    print(f"bundle: {n} files in {dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
