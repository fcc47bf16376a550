"""The build cache of `distill-pdf batch`: a post is rebuilt only when one of its inputs changed.

Inputs, all compared by content hash (SHA-256), never by modification time:

- the post's source file;
- every local image it uses: the candidate paths its ``src`` resolves to
  (a missing candidate is recorded as missing, so adding the file later counts);
- its bibliography files (``--bib``/config, and ``bibliography:`` in front matter);
- the template (the folder of a custom template, plus the built-in ones it may extend);
- the fonts the template loads;
- the effective options (site config and CLI flags, the post's URL);
- the tool: its version, and the code of each distill-pdf module that was loaded to build the post.

One JSON record per post in ``OUT_DIR/.distill-pdf-cache/posts/``, written
atomically after the PDF is in place. Each post's build runs under a lock file
(``flock``), and re-checks the record once it holds it, so two runs racing on
the same output folder never build a post twice nor leave a record that does
not match its PDF. Paths in records are relative to the site folder, so a
cache made by one CI job is valid in another checkout.
"""
from __future__ import annotations

import ast
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from .version import __version__

CACHE_DIRNAME = ".distill-pdf-cache"
FORMAT = 1
MISSING = "missing"
PACKAGE_DIR = Path(__file__).resolve().parent
# Options that change how a build runs, not what it makes.
NOT_OUTPUT_OPTIONS = {"timeout", "keep_build", "cache_dir", "strict", "bundle"}
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """The file's SHA-256, or MISSING when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return MISSING
    return digest.hexdigest()


def digest_files(files: Iterable[Path], base: Path | None = None) -> str:
    """One digest over several files: their names (relative to base) and contents."""
    digest = hashlib.sha256()
    for path in sorted(set(files)):
        name = path.relative_to(base).as_posix() if base and path.is_relative_to(base) else str(path)
        digest.update(f"{name}\0{sha256_file(path)}\0".encode())
    return digest.hexdigest()


def _tree(folder: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and (suffixes is None or p.suffix in suffixes)]


# Modules that orchestrate builds but play no part in typesetting one post.
NOT_TYPESETTING = {"batch.py", "batch_console.py", "incremental.py", "anthology.py", "discover.py",
                   "config.py", "cli.py", "__main__.py", "bundle.py"}


def tool_digest() -> str:
    """The tool's version (its code is tracked per post: see :func:`typesetting_code`)."""
    return hashlib.sha256(f"distill-pdf {__version__}".encode()).hexdigest()


def typesetting_code() -> list[Path]:
    """The distill-pdf modules this process has loaded to typeset, after a build: exactly the code
    a post's PDF depends on (a module a changed one starts to import is caught by that change)."""
    import sys
    files = []
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "")
        path = getattr(module, "__file__", None)
        if not path or not (name == "distill_pdf" or name.startswith("distill_pdf.")):
            continue
        path = Path(path).resolve()
        if path.is_relative_to(PACKAGE_DIR) and not (path.parent == PACKAGE_DIR and path.name in NOT_TYPESETTING):
            files.append(path)
    return sorted(files)


def fonts_digest() -> str:
    from . import fonts
    files = list(fonts.font_files()) if hasattr(fonts, "font_files") else _tree(fonts.FONT_DIR)
    coverage = getattr(fonts, "COVERAGE_FILE", fonts.FONT_DIR / "coverage.json")
    return digest_files([*files, Path(coverage)], fonts.FONT_DIR)


def template_digest(template: str | Path | None) -> str:
    """The chosen template's files, with the built-in ones (a custom template may extend them)."""
    from .template import BUILTIN, TEMPLATES_DIR
    files = [p for p in TEMPLATES_DIR.iterdir() if p.is_file()]  # base.tex.j2 and friends
    name = str(template or "distill")
    files += _tree(TEMPLATES_DIR / name if name in BUILTIN else Path(name).resolve())
    return hashlib.sha256(f"{name}\0{digest_files(files, TEMPLATES_DIR)}".encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def option_defaults() -> dict[str, Any]:
    """pipeline.Options' literal defaults, read from its source: importing the pipeline (images,
    cairo, ...) would cost a second, more than a whole up-to-date run."""
    defaults: dict[str, Any] = {}
    try:
        tree = ast.parse((PACKAGE_DIR / "pipeline.py").read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return defaults
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Options":
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
                    try:
                        defaults[stmt.target.id] = ast.literal_eval(stmt.value)
                    except ValueError:
                        pass
    return defaults


def options_digest(options: dict[str, Any], extra: dict[str, Any] | None = None) -> str:
    """The options that shape the PDF (plus e.g. the post's URL), canonically serialised;
    a value left out and the same value given explicitly are the same."""
    shaped = {k: v for k, v in {**option_defaults(), **options}.items() if k not in NOT_OUTPUT_OPTIONS}
    shaped.update(extra or {})
    text = json.dumps(shaped, sort_keys=True, default=_jsonable)
    return hashlib.sha256(text.encode()).hexdigest()


def _jsonable(value: Any):
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return repr(value)


class BuildCache:
    """The records and locks of one output folder."""

    def __init__(self, out_dir: str | Path):
        self.root = Path(out_dir) / CACHE_DIRNAME

    def _key(self, name: str) -> str:
        return hashlib.sha256(name.encode()).hexdigest()[:24]

    def record_path(self, name: str) -> Path:
        return self.root / "posts" / f"{self._key(name)}.json"

    def load(self, name: str) -> dict | None:
        try:
            record = json.loads(self.record_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("name") != name:
            return None
        return record

    def save(self, name: str, record: dict) -> None:
        path = self.record_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": FORMAT, "name": name, **record}, handle, indent=1, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def forget(self, name: str) -> None:
        self.record_path(name).unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self, name: str):
        """Exclusive per post, across processes and concurrent runs; released on exit or crash."""
        path = self.root / "locks" / f"{self._key(name)}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def relative(path: Path, base: Path) -> str:
    path = Path(path)
    return path.relative_to(base).as_posix() if path.is_absolute() and path.is_relative_to(base) else str(path)


def absolute(name: str, base: Path) -> Path:
    path = Path(name)
    return path if path.is_absolute() else base / path


def hash_inputs(paths: Iterable[Path], base: Path) -> dict[str, str]:
    return {relative(p, base): sha256_file(p) for p in dict.fromkeys(Path(p) for p in paths)}


class HashMemo(dict):
    """File hashes within one check pass, so shared files (the code, a shared image) are read once."""

    def sha256(self, path: Path) -> str:
        key = str(path)
        if key not in self:
            self[key] = sha256_file(path)
        return self[key]


def bib_names(folder: Path) -> list[str]:
    """The .bib files in a folder: a post that names no bibliography uses these."""
    return sorted(p.name for p in Path(folder).glob("*.bib"))


def why_stale(record: dict | None, *, expected: dict[str, str], base: Path, output: Path,
              memo: HashMemo | None = None) -> str | None:
    """Why the post must be rebuilt (a short phrase), or None when its PDF is up to date.

    ``expected`` holds the run-wide digests (tool, fonts, template, options).
    """
    digest = memo.sha256 if memo is not None else sha256_file
    if record is None:
        return "not built before"
    for key, label in (("tool", "distill-pdf changed"), ("fonts", "fonts changed"),
                       ("template", "template changed"), ("options", "config or options changed")):
        if record.get(key) != expected.get(key):
            return label
    for name, value in (record.get("code") or {}).items():
        if digest(PACKAGE_DIR / name) != value:
            return f"distill-pdf changed: {name}"
    for kind, label in (("source", "source changed"), ("assets", "image changed"),
                        ("bibliography", "bibliography changed")):
        for name, value in (record.get(kind) or {}).items():
            if digest(absolute(name, base)) != value:
                return f"{label}: {name}"
    for folder, names in (record.get("bib_folders") or {}).items():
        if bib_names(absolute(folder, base)) != names:  # a .bib appeared beside the post, or went
            return f"bibliography changed: {folder}"
    pdf = record.get("pdf") or {}
    if not output.is_file() or output.stat().st_size != pdf.get("size") or sha256_file(output) != pdf.get("sha256"):
        return "PDF missing or changed"
    return None
