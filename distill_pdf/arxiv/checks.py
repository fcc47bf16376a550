r"""The named checks an arXiv bundle passes before it is packed, each a :class:`Check`.

* ``graphics``   every figure is in the bundle, a real PDF/PNG/JPEG under its
  name, at most 34 megapixels (arXiv's warning threshold); no image was
  replaced by a placeholder;
* ``citations``  every citation key resolved (no ``\dpunknowncite``), no
  ``@key`` left as text for want of a bibliography, and no biblatex (whose
  .bbl arXiv would have to match);
* ``paths``      every file main.tex names is relative, without ``..``, and in
  the bundle;
* ``file names`` only ASCII letters, digits, ``.``, ``_``, ``-`` and ``/``; no
  hidden files; only the kinds of file a bundle holds;
* ``characters`` (pdfLaTeX) every character can be set;
* ``size``       the total, with a warning over 10 MB.

The compile check (:mod:`distill_pdf.arxiv.verify`) comes after packing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import bibliography

MAX_PIXELS = 34_000_000
SIZE_WARNING_BYTES = 10 * 1000 * 1000
OK, WARNING, FAILED = "ok", "warning", "failed"

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)*$")
_ALLOWED = (re.compile(r"^main\.tex$"), re.compile(r"^main\.bbl$"), re.compile(r"^00README\.json$"),
            re.compile(r"^figures/[^/]+\.(?:pdf|png|jpg)$"), re.compile(r"^[^/]+\.(?:sty|cls|bst)$"),
            re.compile(r"^fonts/[^/]+/[^/]+\.(?:otf|ttf|ttc|txt)$"))
_FILE_ARGS = re.compile(
    r"\\(?:dpgraphic\{[^{}]*\}|dpblockimage\{[^{}]*\}|dpinlineimage|dpfigqr|includegraphics(?:\[[^\]]*\])?"
    r"|input|include|bibliography|addbibresource)\{([^{}]*)\}")
_FONT_PATHS = re.compile(r"Path=([^,\]\s]+)")
_MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".pdf": b"%PDF-"}


@dataclass
class Check:
    name: str
    status: str          # ok | warning | failed
    detail: str

    @property
    def ok(self) -> bool:
        return self.status != FAILED

    def __str__(self) -> str:
        return f"{self.name}: {self.status} ({self.detail})" if self.detail else f"{self.name}: {self.status}"


def check_graphics(tex: str, files: dict[str, bytes | Path], placeholders: list[str]) -> Check:
    """``placeholders``: the image sources the writer could not use."""
    problems = [f"{src}: not available" for src in placeholders]
    figures = sorted(name for name in files if name.startswith("figures/"))
    for name in figures:
        data = _read(files[name])
        suffix = PurePosixPath(name).suffix
        if not data.startswith(_MAGIC.get(suffix, b"\0\0\0\0")):
            problems.append(f"{name}: not a {suffix[1:].upper()} file")
            continue
        if suffix != ".pdf":
            pixels = _pixels(data)
            if pixels is None:
                problems.append(f"{name}: unreadable image")
            elif pixels > MAX_PIXELS:
                problems.append(f"{name}: {pixels / 1e6:.1f} megapixels (over {MAX_PIXELS // 1_000_000})")
    named = {name for name in _file_args(tex) if name.startswith("figures/")}
    for name in sorted(named - set(figures)):
        problems.append(f"{name}: included but not in the bundle")
    for name in sorted(set(figures) - named):
        problems.append(f"{name}: in the bundle but never included")
    if problems:
        return Check("graphics", FAILED, _listed(problems))
    return Check("graphics", OK, f"{len(figures)} figure{'s' if len(figures) != 1 else ''}")


def check_citations(tex: str, post_body: str, cited: int | None, listed: int) -> Check:
    """``cited``: keys cited (None when the post has no bibliography); ``listed``: references."""
    if re.search(r"\\usepackage(?:\[[^\]]*\])?\{biblatex\}|\\printbibliography\b", tex):
        return Check("citations", FAILED, "biblatex needs biber and a .bbl of arXiv's biblatex version; "
                                          "the references must be typeset into main.tex")
    unknown = sorted(set(re.findall(r"\\dpunknowncite\{([^{}]*)\}", tex)))
    if unknown:
        return Check("citations", FAILED, "unresolved: " + ", ".join(unknown))
    if cited is None:
        keys = sorted({m.group(1) for m in re.finditer(r"(?<![\w.@/\\])@([A-Za-z][\w:.-]*\w)", post_body)
                       if bibliography.looks_like_key(m.group(1))})
        if keys:
            return Check("citations", FAILED,
                         f"no bibliography found for {', '.join('@' + k for k in keys[:5])}"
                         + (" ..." if len(keys) > 5 else "") + " (front matter `bibliography:` or --bib)")
        return Check("citations", OK, "none")
    return Check("citations", OK, f"{listed} reference{'s' if listed != 1 else ''}, all resolved")


def check_paths(tex: str, names: list[str]) -> Check:
    problems = []
    referenced = _file_args(tex) + _FONT_PATHS.findall(tex)
    for ref in referenced + names:
        path = PurePosixPath(ref)
        if path.is_absolute() or re.match(r"^[A-Za-z]:[\\/]", ref) or ref.startswith("~"):
            problems.append(f"absolute path {ref}")
        elif ".." in path.parts:
            problems.append(f"path leaves the bundle: {ref}")
    for ref in referenced:
        folder = ref.rstrip("/") + "/"
        if ref not in names and f"{ref}.tex" not in names and not any(n.startswith(folder) for n in names):
            problems.append(f"{ref} is not in the bundle")
    if problems:
        return Check("paths", FAILED, _listed(list(dict.fromkeys(problems))))
    return Check("paths", OK, f"{len(referenced)} file reference{'s' if len(referenced) != 1 else ''}, all relative")


def check_file_names(names: list[str]) -> Check:
    problems = []
    for name in names:
        if not _SAFE_NAME.match(name):
            problems.append(f"unsafe name {name!r}")
        elif any(part.startswith(".") for part in name.split("/")):
            problems.append(f"hidden file {name}")
        elif not any(p.match(name) for p in _ALLOWED):
            problems.append(f"unexpected file {name}")
    if "main.tex" not in names:
        problems.append("no main.tex")
    if problems:
        return Check("file names", FAILED, _listed(problems))
    return Check("file names", OK, f"{len(names)} files")


def check_characters(unsupported: dict[str, int], engine: str) -> Check:
    if engine != "pdflatex":
        return Check("characters", OK, f"{engine}: fonts shipped")
    if not unsupported:
        return Check("characters", OK, "all settable by pdfLaTeX")
    shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in list(unsupported)[:8])
    more = f" and {len(unsupported) - 8} more" if len(unsupported) > 8 else ""
    return Check("characters", WARNING, f"pdfLaTeX cannot set {shown}{more}; use --engine xelatex")


def check_size(files: dict[str, bytes | Path], packed: int) -> Check:
    total = sum(len(v) if isinstance(v, bytes) else Path(v).stat().st_size for v in files.values())
    detail = f"{human(total)} in {len(files)} files, {human(packed)} packed"
    if packed > SIZE_WARNING_BYTES or total > 5 * SIZE_WARNING_BYTES:
        return Check("size", WARNING, detail + f"; over {human(SIZE_WARNING_BYTES)}")
    return Check("size", OK, detail)


def human(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    if size < 1000 * 1000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1e6:.1f} MB"


def _listed(problems: list[str], most: int = 4) -> str:
    more = f"; and {len(problems) - most} more" if len(problems) > most else ""
    return "; ".join(problems[:most]) + more


def _file_args(tex: str) -> list[str]:
    """The files main.tex names (not the ``#1`` of a macro definition)."""
    return [m.group(1) for m in _FILE_ARGS.finditer(tex) if not m.group(1).startswith("#")]


def _read(value: bytes | Path) -> bytes:
    return value if isinstance(value, bytes) else Path(value).read_bytes()


def _pixels(data: bytes) -> int | None:
    import io

    from PIL import Image
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.width * image.height
    except Exception:  # Pillow raises assorted errors on damaged files
        return None
