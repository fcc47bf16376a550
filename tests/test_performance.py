"""Performance measures that must not change what is printed: PNG figures as PDF wrappers,
fallback fonts declared only when used, images prepared ahead in threads."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from distill_pdf import compile as compile_module
from distill_pdf import fonts, pipeline, pngpdf, render

from .conftest import ENGINES, pdf_text_flat, write_post


def _gradient(mode: str, size=(37, 23)) -> Image.Image:
    rgb = Image.new("RGB", size)
    rgb.putdata([((x * 7) % 256, (y * 11) % 256, (x * y) % 256) for y in range(size[1])
                 for x in range(size[0])])
    if mode == "RGB":
        return rgb
    if mode in ("RGBA", "LA"):
        alpha = Image.new("L", size)
        alpha.putdata([(x * 255) // size[0] for y in range(size[1]) for x in range(size[0])])
        out = rgb.copy() if mode == "RGBA" else rgb.convert("L")
        out.putalpha(alpha)
        return out
    if mode == "P":
        return rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return rgb.convert(mode)


def _wrapped(png: Path) -> Path:
    made = pngpdf.to_pdf(png.read_bytes())
    assert made is not None, png
    pdf = png.with_suffix(".pdf")
    pdf.write_bytes(made)
    return pdf


def _samples(pdf: Path) -> tuple[Image.Image, Image.Image | None, list[float]]:
    """The image (and soft mask) a wrapper holds, decoded independently of pngpdf."""
    data = pdf.read_bytes()
    objects = dict((int(n), body) for n, body in
                   __import__("re").findall(rb"(\d+) 0 obj\n(.*?)\nendobj", data, flags=16))
    page = objects[3]
    box = [float(v) for v in page.split(b"/MediaBox [")[1].split(b"]")[0].split()[2:]]
    image_ref = int(page.split(b"/Im0 ")[1].split(b" ")[0])

    def decode(body: bytes):
        head, stream = body.split(b"\nstream\n", 1)
        stream = stream.rsplit(b"\nendstream", 1)[0]
        width = int(head.split(b"/Width ")[1].split()[0])
        height = int(head.split(b"/Height ")[1].split()[0])
        bpc = int(head.split(b"/BitsPerComponent ")[1].split()[0])
        raw = zlib.decompress(stream)
        space = head.split(b"/ColorSpace ")[1]
        colors = 3 if space.startswith((b"/DeviceRGB", b"[/ICCBased")) and b"/N 1" not in space else 1
        if space.startswith(b"[/Indexed"):
            colors = 1
        if b"/Predictor 15" in head:  # undo PNG row filters
            stride = (width * colors * bpc + 7) // 8
            bpp = max(1, colors * bpc // 8)
            rows, prev = [], bytearray(stride)
            for y in range(height):
                kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
                for i in range(stride):
                    a = row[i - bpp] if i >= bpp else 0
                    b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pred = {0: 0, 1: a, 2: b, 3: (a + b) // 2,
                            4: min((abs(p - a), a), (abs(p - b), b), (abs(p - c), c))[1]}[kind]
                    row[i] = (row[i] + pred) % 256
                rows.append(bytes(row))
                prev = row
            raw = b"".join(rows)
        mode = {(3, 8): "RGB", (1, 8): "L", (1, 1): "1", (1, 4): "P", (1, 2): "P"}[(colors, bpc)]
        if mode == "P" or (space.startswith(b"[/Indexed") and bpc == 8):
            image = Image.frombytes("P" if bpc == 8 else "P", (width, height), raw,
                                    "raw", "P" if bpc == 8 else f"P;{bpc}")
            palette = bytes.fromhex(space.split(b"<")[1].split(b">")[0].decode())
            image.putpalette(palette)
            return image.convert("RGB")
        return Image.frombytes(mode, (width, height), raw)

    image = decode(objects[image_ref])
    mask = None
    if b"/SMask" in objects[image_ref]:
        mask = decode(objects[int(objects[image_ref].split(b"/SMask ")[1].split()[0])])
    return image, mask, box


@pytest.mark.parametrize("mode", ["RGB", "L", "1", "P", "RGBA", "LA"])
def test_png_wrapper_is_lossless(tmp_path, mode):
    original = _gradient(mode)
    png = tmp_path / "a.png"
    original.save(png)
    pdf = _wrapped(png)
    assert pdf.read_bytes().startswith(b"%PDF-1.5")
    image, mask, box = _samples(pdf)
    assert box == [37.0, 23.0]  # 72 dpi without pHYs, as XeTeX sizes a PNG
    expected = original.convert("RGBA" if mode in ("RGBA", "LA") else "RGB")
    assert image.convert("RGB").tobytes() == expected.convert("RGB").tobytes()
    if mode in ("RGBA", "LA"):
        assert mask is not None and mask.tobytes() == expected.getchannel("A").tobytes()
    else:
        assert mask is None


def test_opaque_alpha_is_dropped_and_resolution_kept(tmp_path):
    image = _gradient("RGB").convert("RGBA")
    png = tmp_path / "a.png"
    image.save(png, dpi=(144, 144))
    pdf = _wrapped(png)
    samples, mask, box = _samples(pdf)
    assert mask is None and samples.tobytes() == image.convert("RGB").tobytes()
    assert box == pytest.approx([18.5, 11.5], abs=0.01)
    assert pngpdf.pixel_size(pdf) == image.size


def test_pngs_it_leaves_alone(tmp_path):
    _gradient("RGB").save(tmp_path / "interlaced.png")  # Pillow cannot write Adam7: say so
    data = bytearray((tmp_path / "interlaced.png").read_bytes())
    data[28] = 1  # IHDR interlace method
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    (tmp_path / "interlaced.png").write_bytes(bytes(data))
    Image.new("I;16", (8, 8), 300).save(tmp_path / "deep.png")
    transparent = _gradient("P")
    transparent.info["transparency"] = 0
    transparent.save(tmp_path / "keyed.png", transparency=0)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    for name in ("interlaced.png", "deep.png", "keyed.png", "broken.png"):
        png = tmp_path / name
        assert pngpdf.to_pdf(png.read_bytes()) is None, name


def test_unusual_gamma_is_left_alone(tmp_path):
    png = tmp_path / "g.png"
    _gradient("RGB").save(png)
    data = png.read_bytes()
    body = struct.pack(">I", 100000)  # gamma 1.0
    chunk = struct.pack(">I", 4) + b"gAMA" + body + struct.pack(">I", zlib.crc32(b"gAMA" + body))
    png.write_bytes(data[:33] + chunk + data[33:])
    assert pngpdf.to_pdf(png.read_bytes()) is None


def test_only_used_fallback_fonts_are_declared():
    tex = (fonts.preamble() + "\\begin{document}\n{\\dpfontCJK 中文} {\\dpfontHebrew x}\n"
           "\\end{document}\n")
    out = pipeline._drop_unused_fallback_fonts(tex)
    assert out.count("\n") == tex.count("\n")
    assert "\\newfontfamily\\dpfontCJKface{" in out and "\\newfontfamily\\dpfontHebrew{" in out
    assert "\\newfontfamily\\dpfontArabic" not in out and "\\newcommand\\dpfontArabic{}" in out
    assert "\\newfontfamily\\dpfontEmoji" not in out
    assert pipeline._drop_unused_fallback_fonts("no fonts block") == "no fonts block"


def test_image_urls_in_document_order():
    tokens = [{"type": "paragraph", "children": [
        {"type": "image", "attrs": {"url": "a.png"}, "children": []},
        {"type": "text", "raw": "x"},
        {"type": "link", "children": [{"type": "image", "attrs": {"url": "b.png"}}]}]},
        {"type": "image", "attrs": {"url": "a.png"}}]
    assert pipeline._image_urls(tokens) == ["a.png", "b.png"]


def _embedded_images(pdf: Path) -> list[tuple[int, int, bool]]:
    """(width, height, has a soft mask) of every image drawn in a PDF, read with pypdf."""
    from pypdf import PdfReader
    found = []
    for page in PdfReader(pdf).pages:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        stack = [xobjects[name].get_object() for name in xobjects]
        while stack:
            obj = stack.pop()
            if obj.get("/Subtype") == "/Image":
                found.append((int(obj["/Width"]), int(obj["/Height"]), "/SMask" in obj))
            elif obj.get("/Subtype") == "/Form":
                inner = (obj.get("/Resources") or {}).get("/XObject") or {}
                stack.extend(inner[name].get_object() for name in inner)
    return found


def _alpha_png(path: Path, size=(900, 500)) -> Path:
    image = _gradient("RGBA", size)
    image.save(path)
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_figures_made_while_the_engine_typesets_are_the_real_ones(tmp_path, monkeypatch, engine):
    """A PNG wrapper not yet cached is promised: the engine typesets its first pass around a
    same-sized stand-in (xelatex -no-pdf, tectonic --outfmt xdv) and the PDF is made once the
    wrapper is ready. The PDF must hold the real image, with its soft mask, never the
    one-pixel stand-in."""
    monkeypatch.setenv("DISTILL_PDF_CACHE", str(tmp_path / "fresh-cache"))
    _alpha_png(tmp_path / "shot.png")
    post = write_post(tmp_path, "Text before.\n\n![A screenshot](shot.png)\n\nText after.\n")
    calls = []
    real_run = compile_module.Runner.run
    monkeypatch.setattr(compile_module.Runner, "run",
                        lambda self, cmd, env=None: calls.append(cmd) or real_run(self, cmd, env))
    result = render(post, tmp_path / "out.pdf", engine=engine)
    assert _embedded_images(result.pdf) == [(900, 500, True)]
    assert result.passes == 1 and not result.warnings
    driver = next(i for i, cmd in enumerate(calls) if Path(cmd[0]).name == "xdvipdfmx")
    assert ("-no-pdf" if engine == "xelatex" else "xdv") in calls[driver - 1]
    monkeypatch.setattr(compile_module.Runner, "run", real_run)
    again = render(post, tmp_path / "again.pdf", engine=engine)  # cached now: one plain pass
    assert _embedded_images(again.pdf) == [(900, 500, True)]


@pytest.mark.parametrize("engine", ENGINES[-1:])
def test_a_promise_broken_by_damaged_pixels_becomes_the_usual_placeholder(tmp_path, monkeypatch, engine):
    """A PNG whose header is sound but whose pixel data is damaged is only found out while the
    engine typesets: the post is built again without promises and the image is a placeholder."""
    monkeypatch.setenv("DISTILL_PDF_CACHE", str(tmp_path / "fresh-cache"))
    data = bytearray(_alpha_png(tmp_path / "good.png").read_bytes())
    start = data.index(b"IDAT") + 4
    data[start + 40:start + 400] = bytes(360)  # zeroes inside the zlib stream, CRC left stale
    (tmp_path / "bad.png").write_bytes(bytes(data))
    post = write_post(tmp_path, "Text.\n\n![Damaged](bad.png)\n\n![Fine](good.png)\n")
    builds = []
    real_build = pipeline.build_project
    monkeypatch.setattr(pipeline, "build_project", lambda *a, **k: builds.append(k) or real_build(*a, **k))
    result = render(post, tmp_path / "out.pdf", engine=engine)
    assert [k.get("defer_images", False) for k in builds] == [True, False]  # promised, then built again
    messages = [w.message for w in result.warnings]
    assert len(messages) == 1 and messages[0].startswith("image bad.png: corrupt image"), messages
    assert _embedded_images(result.pdf) == [(900, 500, True)]  # only the sound one
    assert "bad.png" in pdf_text_flat(result.pdf)  # the placeholder names it
