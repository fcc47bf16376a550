"""Find and prepare the images a post uses, so the LaTeX engine only ever sees PNG, JPEG or PDF.

Everything a post points at is untrusted: paths may try to leave the site, files
may lie about their format, be truncated or be decompression bombs, SVGs may
carry XML entities, servers may be slow or hostile.  None of that raises; it
becomes ``PreparedImage.problem`` and the renderer draws a placeholder.

Every result lives in ``cache_dir`` under a content-addressed name (hex digest
plus the true extension), so LaTeX never meets spaces, ``#`` or a PNG called
``.jpg`` in a file name, and a conversion is done once across runs and posts.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urldefrag, urlsplit
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree
from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError, features

from . import pngpdf, svg

# Bump when the conversion pipeline changes, so stale cache entries are not reused.
_PIPELINE = b"distill-pdf-images/1"
MAX_FILE_BYTES = 200 * 2**20
MAX_DOWNLOAD_BYTES = 50 * 2**20
DOWNSCALE_FACTOR = 1.5  # images more than this times print_max_px are scaled down to it
_CHUNK = 2**16
_USER_AGENT = "distill-pdf image fetcher (Python urllib)"
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"  # RFC 3986 reserved characters, and existing escapes
_SVG_TAGS = ("svg", "{http://www.w3.org/2000/svg}svg")
_PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA"}
_JPEG_QUALITY = 92
# EXIF orientation -> the transpose that undoes it (as in ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
    (b"%PDF-", "PDF"),
)


class _Problem(Exception):
    """Bad input, carried up to prepare_image and reported instead of raised."""


@dataclass(frozen=True)
class ImageContext:
    post_path: Path
    site_root: Path | None
    public_dir: Path | None
    aliases: dict[str, Path]
    cache_dir: Path
    allow_remote: bool = True
    remote_timeout: float = 10.0
    max_pixels: int = 100_000_000
    print_max_px: int = 3000  # what an image far larger than print needs is scaled down to
    png_as_pdf: bool = False  # PNGs as PDF wrappers the engine copies (pngpdf); not for arXiv

    @classmethod
    def for_site(
        cls, post_path: Path, site_root: Path | None, cache_dir: Path, **options
    ) -> ImageContext:
        """Astro's conventions: public/ serves ``/x.png``; ``~/`` and ``@/`` point into src/."""
        if site_root is None:
            return cls(post_path, None, None, {}, cache_dir, **options)
        src = site_root / "src"
        return cls(post_path, site_root, site_root / "public", {"~/": src, "@/": src},
                   cache_dir, **options)


@dataclass
class PreparedImage:
    src: str
    path: Path | None
    problem: str | None
    width_px: int | None
    height_px: int | None
    # Set when ``path`` is promised but not made yet (``prepare_image(..., defer=True)``):
    # ``finish()`` makes it and returns None, or the problem that kept it from being made as
    # promised; meanwhile the engine may typeset with ``stand_in``, a file of the same size.
    finish: Callable[[], str | None] | None = None
    stand_in: bytes | None = None


def prepare_image(src: str, ctx: ImageContext, defer: bool = False) -> PreparedImage:
    """Return an engine-ready file for ``src``, or the reason there is none. ``defer``: a
    slow conversion may be promised instead of done (see :func:`_promise`)."""
    try:
        data = _read_source(src.strip(), ctx)
        promised = _promise(src, data, ctx) if defer else None
        if promised is not None:
            return promised
        path, (width, height) = _prepare(data, ctx)
    except _Problem as problem:
        return PreparedImage(src, None, str(problem), None, None)
    return PreparedImage(src, path, None, width, height)


def _promise(src: str, data: bytes, ctx: ImageContext) -> PreparedImage | None:
    """Performance: a PNG's PDF wrapper, named and sized from the PNG's header now, and made
    (decoded, checked, its alpha split off: 0.1-0.3 s for a large screenshot) by ``finish``
    while the engine typesets its first pass around a same-sized stand-in. Only where the
    header tells the outcome: a PNG that is not cached yet, needs no resampling and that
    pngpdf wraps; anything else is prepared at once."""
    if not ctx.png_as_pdf or _sniff(data) != "PNG":
        return None
    path = _cache_path(ctx, data, _raster_operation(ctx), "pdf")
    if path.is_file():  # made before: nothing to promise
        return None
    stand_in = pngpdf.stand_in(data)
    if stand_in is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _open_raster(data, "PNG") as image:
            width, height = image.size
    if width * height > ctx.max_pixels or _oversized((width, height), ctx.print_max_px):
        return None

    def finish() -> str | None:
        try:
            made, _ = _prepare(data, ctx)
        except _Problem as problem:
            return str(problem)
        return None if made == path else f"prepared as {made.suffix}, not as promised"
    return PreparedImage(src, path, None, width, height, finish=finish, stand_in=stand_in)


# --- finding the bytes ------------------------------------------------------


def _read_source(src: str, ctx: ImageContext) -> bytes:
    if not src:
        raise _Problem("empty image source")
    try:
        parts = urlsplit(src)
    except ValueError as exc:  # e.g. an unclosed [ in an IPv6 host
        raise _Problem(f"malformed URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return _download(urldefrag(src).url, ctx)
    if not scheme and parts.netloc:  # protocol-relative //host/x.png
        return _download("https:" + urldefrag(src).url, ctx)
    if scheme == "file":
        raise _Problem("file:// URLs are refused; use a path relative to the post")
    if scheme:
        raise _Problem(f"unsupported URL scheme {scheme}:")
    return _read_local(_resolve(unquote(parts.path), ctx))


def _resolve(path: str, ctx: ImageContext) -> Path:
    """Check the boundary on the symlink-resolved path before anything is opened."""
    boundary = (ctx.site_root or ctx.post_path.parent).resolve()
    candidates = _candidates(path, ctx)
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # symlink loop, NUL byte, name too long
            raise _Problem(f"unusable path {path!r} ({type(exc).__name__})") from None
        if not resolved.is_relative_to(boundary):
            raise _Problem(f"outside the site root: {path}")
        if resolved.is_file():
            return resolved
    if not candidates:
        raise _Problem(f"missing file: {path} (no site root to resolve site-absolute paths)")
    raise _Problem(f"missing file: {path}")


def _candidates(path: str, ctx: ImageContext) -> list[Path]:
    for prefix in sorted(ctx.aliases, key=len, reverse=True):
        if path.startswith(prefix):
            return [ctx.aliases[prefix] / path[len(prefix):]]
    if path.startswith("/"):
        bases = (ctx.public_dir, ctx.site_root)
        return [base / path.lstrip("/") for base in bases if base is not None]
    return [ctx.post_path.parent / path]


def _read_local(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _Problem(f"too large: {path.name} is {size / 2**20:.0f} MB "
                           f"(limit {MAX_FILE_BYTES // 2**20} MB)")
        return path.read_bytes()
    except OSError as exc:
        raise _Problem(f"could not read {path.name}: {exc.strerror or exc}") from None


def _download(url: str, ctx: ImageContext) -> bytes:
    """Keyed by URL so a post builds offline once its images have been fetched."""
    cached = ctx.cache_dir / "downloads" / hashlib.sha256(url.encode()).hexdigest()
    if cached.is_file():
        return cached.read_bytes()
    if not ctx.allow_remote:
        raise _Problem("remote image (downloads disabled)")
    import http.client  # with urllib.request, 15-20 ms to import: only to download (performance)
    import urllib.error
    try:
        data = _fetch(url, ctx.remote_timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise _Problem(f"could not download {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise _Problem(_unreachable(url, exc.reason)) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _Problem(_unreachable(url, exc)) from None
    if _sniff(data) is None:  # an HTML error page must not be cached as the image
        raise _Problem(f"could not download {url}: the response is not an image")
    _write_atomic(cached, data)
    return data


def _unreachable(url: str, reason: object) -> str:
    """A reader's words for a failed connection (it prints in the placeholder), not the
    OS's ("[Errno -2] Name or service not known")."""
    import socket
    import ssl
    if isinstance(reason, socket.gaierror):
        return f"not available offline: {url} (host not found)"
    if isinstance(reason, TimeoutError):
        return f"not available offline: {url} ({str(reason) or 'timed out'})"
    if isinstance(reason, ssl.SSLError):
        return f"could not download {url}: secure connection failed"
    if isinstance(reason, OSError) and reason.strerror:
        return f"not available offline: {url} ({reason.strerror.lower()})"
    return f"could not download {url}: {reason or type(reason).__name__}"


def _fetch(url: str, timeout: float) -> bytes:
    """The timeout bounds the whole transfer: a trickling server must not stall the build."""
    import urllib.request
    deadline = time.monotonic() + timeout
    # Authors paste URLs with spaces or accents, as browsers accept them; HTTP needs ASCII.
    request = urllib.request.Request(quote(url, safe=_URL_SAFE),
                                     headers={"User-Agent": _USER_AGENT})
    chunks, total = [], 0
    with urllib.request.urlopen(request, timeout=timeout) as response:
        while chunk := response.read(_CHUNK):
            total += len(chunk)
            if total > MAX_DOWNLOAD_BYTES:
                raise _Problem(f"could not download {url}: larger than "
                               f"{MAX_DOWNLOAD_BYTES // 2**20} MB")
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:g} s")
            chunks.append(chunk)
    return b"".join(chunks)


# --- making it engine-ready ---------------------------------------------------


def _sniff(data: bytes) -> str | None:
    """Trust the bytes, not the extension: posts often serve WebP or SVG as .png."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and (b"avif" in data[8:32] or b"avis" in data[8:32]):
        return "AVIF"
    if data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and b"<svg" in data[:65536]:
        return "SVG"
    return None


def _prepare(data: bytes, ctx: ImageContext) -> tuple[Path, tuple[int | None, int | None]]:
    kind = _sniff(data)
    if kind is None:
        raise _Problem("unsupported format (not PNG, JPEG, PDF, SVG, WebP, GIF, AVIF, TIFF or BMP)")
    if kind == "PDF":
        return _cached(ctx, data, b"pdf", ("pdf",), lambda: (data, "pdf")), (None, None)
    if kind == "SVG":
        # svg/2: <switch> chosen as a browser does; a conversion cached before that is not reused
        return _cached(ctx, data, b"svg/2", ("pdf",), lambda: (_svg_to_pdf(data), "pdf")), (None, None)
    # Damage becomes a problem message and max_pixels replaces Pillow's bomb warning,
    # so Pillow's warnings would only be noise on the user's terminal.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _prepare_raster(data, kind, ctx)


def _prepare_raster(data: bytes, kind: str, ctx: ImageContext) -> tuple[Path, tuple[int, int]]:
    with _open_raster(data, kind) as image:
        width, height = image.size
        if width * height > ctx.max_pixels:
            raise _Problem(f"too large: {width}x{height} pixels (limit {ctx.max_pixels:,})")
        path = _cached(ctx, data, _raster_operation(ctx), ("jpg", "png", "pdf"),
                       lambda: _print_file(image, data, kind, ctx))
    if path.suffix == ".pdf":
        return path, pngpdf.pixel_size(path)
    with Image.open(path) as done:
        return path, done.size


def _print_file(image: Image.Image, data: bytes, kind: str, ctx: ImageContext) -> tuple[bytes, str]:
    """The bytes the engine gets and their extension: JPEG, PNG, or with ``png_as_pdf`` a PNG
    wrapped as a PDF, from the pixels already decoded here (no second decode)."""
    ready = _print_ready(image, data, kind, ctx.print_max_px)
    if kind == "JPEG":
        return ready, "jpg"
    if ctx.png_as_pdf:
        wrapped = pngpdf.to_pdf(ready, image if ready is data else None)
        if wrapped is not None:
            return wrapped, "pdf"
    return ready, "png"


def _raster_operation(ctx: ImageContext) -> bytes:
    return b"raster max=%d over=%g%s" % (ctx.print_max_px, DOWNSCALE_FACTOR,
                                        b" png-as-pdf" if ctx.png_as_pdf else b"")


def _cache_path(ctx: ImageContext, data: bytes, operation: bytes, ext: str) -> Path:
    """Content-addressed, so the same source is converted once whatever its name or post."""
    key = hashlib.sha256(_PIPELINE + b"\0" + operation + b"\0" + data).hexdigest()
    return ctx.cache_dir / "prepared" / f"{key}.{ext}"


def _cached(ctx: ImageContext, data: bytes, operation: bytes, extensions: tuple[str, ...],
            produce: Callable[[], tuple[bytes, str]]) -> Path:
    """The cached result of ``operation`` on ``data``, else ``produce``'s (the bytes and which
    of ``extensions`` they are), cached."""
    for ext in extensions:
        path = _cache_path(ctx, data, operation, ext)
        if path.is_file():
            return path
    made, ext = produce()
    path = _cache_path(ctx, data, operation, ext)
    _write_atomic(path, made)
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    """Parallel builds share the cache: nobody may see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _open_raster(data: bytes, kind: str) -> Image.Image:
    """Read only the header, so the pixel limit is checked before anything is decoded."""
    if kind == "AVIF" and not features.check("avif"):
        raise _Problem("unsupported format: AVIF (this Pillow build cannot read it)")
    try:
        return Image.open(io.BytesIO(data), formats=[kind])
    except Image.DecompressionBombError:
        raise _Problem(f"too large: over {2 * Image.MAX_IMAGE_PIXELS:,} pixels") from None
    except UnidentifiedImageError:
        raise _Problem(f"corrupt image: damaged {kind} header") from None
    except Exception as exc:  # Pillow's parsers raise almost any type on hostile input
        raise _Problem(f"corrupt image: {exc or type(exc).__name__}") from None


def _print_ready(image: Image.Image, data: bytes, kind: str, max_px: int) -> bytes:
    """Copy PNG/JPEG as they are unless LaTeX would get them wrong or they are oversized."""
    orientation = _decode(image)
    if (kind in ("PNG", "JPEG") and not _oversized(image.size, max_px) and image.mode != "CMYK"
            and not getattr(image, "is_animated", False) and orientation not in _TRANSPOSE):
        return data  # LaTeX ignores EXIF rotation and APNG frames, and mishandles CMYK
    return _reencode(image, kind, max_px, orientation)


def _decode(image: Image.Image) -> object:
    """Decode fully now, so a truncated file is reported here rather than by LaTeX."""
    try:
        image.load()
        return image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception as exc:  # Pillow's decoders raise almost any type on hostile input
        raise _Problem(f"corrupt image: {exc or type(exc).__name__}") from None


def _reencode(image: Image.Image, kind: str, max_px: int, orientation: object) -> bytes:
    icc = image.info.get("icc_profile")
    if orientation in _TRANSPOSE:  # browsers honour EXIF orientation, LaTeX does not
        image = image.transpose(_TRANSPOSE[orientation])
    if image.mode == "CMYK":
        image, icc = _cmyk_to_rgb(image, icc), None
    elif image.mode not in _PNG_MODES:
        image = _to_8bit(image)
    if _oversized(image.size, max_px):
        image = _downscale(_drop_opaque_alpha(image), max_px)
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, "JPEG", quality=_JPEG_QUALITY, icc_profile=icc)
    else:
        image.save(out, "PNG", icc_profile=icc)
    return out.getvalue()


def _cmyk_to_rgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Go through the embedded profile when there is one; Pillow's formula is only a fallback."""
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(image, source, srgb, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile is no reason to lose the image
    return image.convert("RGB")


def _to_8bit(image: Image.Image) -> Image.Image:
    """PNG and LaTeX want plain 8-bit modes; Pillow's own I;16 -> L clips instead of scaling."""
    if image.mode.startswith("I"):
        deep = image.mode.startswith("I;16") or image.getextrema()[1] > 255
        image = image.convert("I")
        return (image.point(lambda value: value / 257) if deep else image).convert("L")
    alpha = image.mode.endswith(("A", "a"))  # LA, La, PA, RGBa; not LAB
    if Image.getmodebase(image.mode) == "L":
        return image.convert("LA" if alpha else "L")
    return image.convert("RGBA" if alpha else "RGB")


def _drop_opaque_alpha(image: Image.Image) -> Image.Image:
    """An alpha channel that is opaque everywhere (most screenshots) changes no pixel:
    without it, resizing and encoding cost a third less, and the PDF back end need not
    split it off at every build (performance)."""
    if image.mode in ("RGBA", "LA") and image.getchannel("A").getextrema() == (255, 255):
        return image.convert("RGB" if image.mode == "RGBA" else "L")
    return image


def _oversized(size: tuple[int, int], max_px: int) -> bool:
    """Far larger than print needs: resampling an image only slightly larger (a 3552-pixel
    screenshot, with 3000 pixels the aim) costs a cold build 0.3 s and saves the reader nothing."""
    return max(size) > max_px * DOWNSCALE_FACTOR


def _downscale(image: Image.Image, max_px: int) -> Image.Image:
    """Print needs ~300 dpi, not camera resolution; smaller files build and view faster."""
    if image.mode in ("1", "P"):  # Pillow would fall back to nearest-neighbour for these
        if "transparency" in image.info:
            image = image.convert("RGBA")
        else:
            image = image.convert("L" if image.mode == "1" else "RGB")
    scale = max_px / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _svg_to_pdf(data: bytes) -> bytes:
    """Vector stays vector; entities are refused before cairosvg ever parses the file."""
    try:
        root = defusedxml.ElementTree.fromstring(data)
    except defusedxml.DefusedXmlException as exc:
        raise _Problem(f"unsafe SVG refused: XML entities are not allowed "
                       f"({type(exc).__name__})") from None
    except ParseError as exc:
        raise _Problem(f"corrupt image: invalid SVG: {exc}") from None
    if root.tag not in _SVG_TAGS:
        raise _Problem(f"unsupported format: XML whose root is <{root.tag}>, not <svg>")
    import cairosvg.surface  # ~0.2 s to import: only when a post has an SVG (performance)
    try:
        return cairosvg.surface.PDFSurface.convert(
            bytestring=svg.browser_ready(root) or data, unsafe=False, url_fetcher=_inline_only)
    except Exception as exc:  # cairosvg has no error hierarchy; a bad figure must not stop a build
        raise _Problem(f"corrupt image: SVG could not be rendered: {exc}") from None


def _inline_only(url: str, resource_type: str) -> bytes:
    """cairosvg fetcher: embedded data: URLs only; files and network stay out of reach."""
    if url.startswith("data:"):
        import urllib.request
        with urllib.request.urlopen(url) as response:
            return response.read()
    return b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
