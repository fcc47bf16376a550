"""PNG figures as one-page PDFs whose image stream is the PNG's own compressed data.

XeTeX's PDF back end (xdvipdfmx) decodes every PNG it includes and compresses it again, at
every build: for a full-width 3000-pixel screenshot that is about 0.15-0.3 s of CPU per image
per build, often more than typesetting the whole post. A PDF's FlateDecode filter with a PNG
predictor reads PNG's IDAT data exactly as it is (the same zlib stream, the same per-row
filters), so wrapping that data in a one-page PDF costs no decoding at all, and xdvipdfmx then
only copies the stream. Images with an alpha channel are split once, with Pillow, into the
colour image and a soft mask (an alpha channel that is fully opaque is dropped). The pixels
are unchanged: lossless both ways.

:func:`to_pdf` gives, for a PNG, the wrapper to include instead (images.py caches it with
the other prepared images), or None for one this module leaves alone (interlaced, 16-bit,
a palette or colour key with transparency, an unusual gamma, or a damaged file).
"""
from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

from PIL import Image

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLORS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


class _Skip(Exception):
    """Not a PNG this module wraps; the engine gets the PNG itself."""


def to_pdf(png: bytes, decoded: Image.Image | None = None) -> bytes | None:
    """The PDF wrapper of a PNG's bytes, or None for a PNG this module leaves alone. Only a
    PNG with an alpha channel is decoded (about 0.1 s for a 3000-pixel screenshot); pass
    ``decoded``, the same PNG already loaded by Pillow, and it is not decoded again."""
    try:
        plan = _plan(png)
        return plan.pdf() if plan.direct else plan.split(png, decoded)
    except Exception:  # _Skip, a damaged header or Pillow on a damaged file: the engine gets the PNG
        return None


def stand_in(png: bytes) -> bytes | None:
    """A PDF of the page size :func:`to_pdf` gives ``png``, showing nothing of it, made from
    the header alone: the engine can typeset with it while the wrapper is being made. None
    for a PNG this module leaves alone."""
    try:
        plan = _plan(png)
    except Exception:
        return None
    return _pdf(_Stream(zlib.compress(b"\xff"), 1, 1, 1, 8, predictor=False), b"/DeviceGray", None,
                plan.size)  # one white pixel: a valid PDF, never printed


def pixel_size(pdf: Path) -> tuple[int, int]:
    """The pixel size of the image in a wrapper this module wrote."""
    m = _IMAGE_SIZE.search(Path(pdf).read_bytes())
    if m is None:
        raise ValueError(f"{pdf}: not a PNG wrapper")
    return int(m[1]), int(m[2])


_IMAGE_SIZE = re.compile(rb"/Subtype /Image /Width (\d+) /Height (\d+)")


# --------------------------------------------------------------------------- PNG reading


def _chunks(data: bytes):
    if not data.startswith(_SIGNATURE):
        raise _Skip("not a PNG")
    pos = len(_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length:
            raise _Skip("truncated")
        yield kind, body
        pos += 12 + length
        if kind == b"IEND":
            return
    raise _Skip("no IEND")


class _Plan:
    """What a PNG's header says: wrap its IDAT data as it is (``direct``), or split off its
    alpha channel with Pillow first."""

    def __init__(self, idat, width, height, depth, ctype, icc, size, palette):
        self.idat, self.width, self.height, self.depth = idat, width, height, depth
        self.ctype, self.icc, self.size, self.palette = ctype, icc, size, palette
        self.direct = ctype in (0, 2, 3)

    def pdf(self) -> bytes:
        if self.ctype == 3:
            space = ("indexed", _device(2, self.icc), len(self.palette) // 3 - 1, self.palette)
            return _pdf(_Stream(self.idat, self.width, self.height, 1, self.depth), space, None,
                        self.size)
        image = _Stream(self.idat, self.width, self.height, _COLORS[self.ctype], self.depth)
        return _pdf(image, _device(self.ctype, self.icc), None, self.size)

    def split(self, data: bytes, decoded: Image.Image | None = None) -> bytes:
        """Colour and soft mask, each deflated as raw samples (no predictor): about as small
        as PNG's filtered rows for screenshots and plots, and three times faster to make."""
        if decoded is None:
            with Image.open(io.BytesIO(data)) as im:
                im.load()
                return self.split(data, im)
        grey = self.ctype == 4
        alpha = decoded.getchannel("A")
        colour = decoded.convert("L" if grey else "RGB")
        image = _Stream(zlib.compress(colour.tobytes(), 6), colour.width, colour.height,
                        1 if grey else 3, 8, predictor=False)
        mask = None
        if alpha.getextrema() != (255, 255):  # a fully opaque alpha channel is dropped
            mask = _Stream(zlib.compress(alpha.tobytes(), 6), alpha.width, alpha.height, 1, 8,
                           predictor=False)
        return _pdf(image, _device(0 if grey else 2, self.icc), mask, self.size)


def _plan(data: bytes) -> _Plan:
    idat: list[bytes] = []
    chunks: dict[bytes, bytes] = {}
    for kind, body in _chunks(data):
        if kind == b"IDAT":
            idat.append(body)
        elif kind in (b"acTL", b"fcTL"):
            raise _Skip("animated")  # images.py flattens APNGs already; be safe
        else:
            chunks.setdefault(kind, body)
    ihdr = chunks.get(b"IHDR")
    if not ihdr or not idat or len(ihdr) != 13:
        raise _Skip("no image data")
    width, height, depth, ctype, _comp, _filter, interlace = struct.unpack(">IIBBBBB", ihdr)
    if interlace or depth == 16 or ctype not in _COLORS or not width or not height:
        raise _Skip("interlaced, 16-bit or unknown colour type")
    gamma = chunks.get(b"gAMA")
    if gamma and b"sRGB" not in chunks and b"iCCP" not in chunks:
        if abs(struct.unpack(">I", gamma)[0] - 45455) > 2000:  # not about 1/2.2
            raise _Skip("unusual gamma")
    if b"tRNS" in chunks and ctype in (0, 2, 3):
        raise _Skip("colour-key or palette transparency")
    palette = chunks.get(b"PLTE") or b""
    if ctype == 3 and (not palette or len(palette) % 3):
        raise _Skip("bad palette")
    return _Plan(b"".join(idat), width, height, depth, ctype, _icc_profile(chunks.get(b"iCCP")),
                 _natural_size(width, height, chunks.get(b"pHYs")), palette)


def _icc_profile(iccp: bytes | None) -> bytes | None:
    if not iccp:
        return None
    try:
        name_end = iccp.index(b"\0")
        return zlib.decompress(iccp[name_end + 2:])
    except (ValueError, zlib.error):
        return None


def _natural_size(width: int, height: int, phys: bytes | None) -> tuple[float, float]:
    """In PostScript points, as XeTeX sizes a PNG: by its pHYs resolution, else 72 dpi."""
    if phys and len(phys) == 9:
        x, y, unit = struct.unpack(">IIB", phys)
        if unit == 1 and x and y:  # pixels per metre
            return width * 72 / (x * 0.0254), height * 72 / (y * 0.0254)
    return float(width), float(height)


# --------------------------------------------------------------------------- PDF writing


class _Stream:
    """Deflated image samples: PNG's IDAT data (``predictor``: rows carry PNG filter bytes)
    or plain deflated samples."""

    def __init__(self, data: bytes, columns: int, rows: int, colors: int, depth: int,
                 predictor: bool = True):
        self.data, self.columns, self.rows, self.colors, self.depth = data, columns, rows, colors, depth
        self.predictor = predictor

    def parms(self) -> bytes:
        if not self.predictor:
            return b"/Filter /FlateDecode"
        return (b"/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors %d "
                b"/BitsPerComponent %d /Columns %d >>" % (self.colors, self.depth, self.columns))


def _device(ctype: int, icc: bytes | None):
    grey = ctype in (0, 4)
    if icc:
        return ("icc", 1 if grey else 3, icc)
    return b"/DeviceGray" if grey else b"/DeviceRGB"


def _pdf(image: _Stream, space, mask: _Stream | None, size: tuple[float, float]) -> bytes:
    width_pt, height_pt = size
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(head: bytes, data: bytes) -> bytes:
        return b"<< " + head + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"

    def colour_space(value) -> bytes:
        if isinstance(value, bytes):
            return value
        if value[0] == "icc":
            _, n, profile = value
            compressed = zlib.compress(profile)
            ref = add(stream(b"/N %d /Alternate %s /Filter /FlateDecode" % (
                n, b"/DeviceGray" if n == 1 else b"/DeviceRGB"), compressed))
            return b"[/ICCBased %d 0 R]" % ref
        _, base, hival, palette = value
        return b"[/Indexed %s %d <%s>]" % (colour_space(base), hival, palette.hex().encode())

    # object numbers: 1 catalog, 2 pages, 3 page, 4 content, then images and colour spaces
    objects.extend([b"", b"", b"", b""])
    content = b"q %s 0 0 %s 0 0 cm /Im0 Do Q" % (_num(width_pt), _num(height_pt))
    objects[3] = stream(b"", content)
    head = b"/Type /XObject /Subtype /Image /Width %d /Height %d" % (image.columns, image.rows)
    smask = b""
    if mask is not None:
        mask_ref = add(stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                              b"/ColorSpace /DeviceGray /BitsPerComponent 8 " % (
                                  mask.columns, mask.rows) + mask.parms(), mask.data))
        smask = b" /SMask %d 0 R" % mask_ref
    cs = colour_space(space)
    image_ref = add(stream(head + b" /ColorSpace " + cs + b" /BitsPerComponent %d " % image.depth
                           + image.parms() + smask, image.data))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    objects[2] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Contents 4 0 R "
                  b"/Resources << /XObject << /Im0 %d 0 R >> >> >>" % (
                      _num(width_pt), _num(height_pt), image_ref))
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _num(value: float) -> bytes:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.encode()
