"""Tests for distill_pdf.images: every fixture is generated in tmp_path."""

from __future__ import annotations

import builtins
import http.server
import io
import os
import socket
import struct
import threading
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, features

from distill_pdf import images
from distill_pdf.images import ImageContext, PreparedImage, prepare_image

FOGRA39 = Path("/usr/share/texlive/texmf-dist/tex/generic/colorprofiles/FOGRA39L_coated.icc")


# --- fixtures -----------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for folder in ("public/img", "src/assets", "src/content/blog/post"):
        (root / folder).mkdir(parents=True)
    (root / "src/content/blog/post/index.md").write_text("# Post\n")
    return root


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def ctx(site: Path, cache: Path) -> ImageContext:
    return ImageContext.for_site(site / "src/content/blog/post/index.md", site, cache)


def post_dir(ctx: ImageContext) -> Path:
    return ctx.post_path.parent


def save(image: Image.Image, path: Path, fmt: str, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt, **options)
    return path


def gradient(size=(64, 48), mode="RGB") -> Image.Image:
    image = Image.linear_gradient("L").resize(size)
    return image.convert(mode)


def open_output(result: PreparedImage) -> Image.Image:
    assert result.problem is None, result.problem
    assert result.path is not None and result.path.is_file()
    image = Image.open(result.path)
    image.load()
    return image


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a huge size but holds no real pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"garbage")
            + chunk(b"IEND", b""))


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Records every file opened through open()/io.open() (pathlib, urllib, Pillow)."""
    seen: list[str] = []
    real_open = io.open

    def spy(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)):
            seen.append(os.path.realpath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", spy)
    monkeypatch.setattr(builtins, "open", spy)
    return seen


# --- formats ------------------------------------------------------------------


def _apng(path: Path) -> Path:
    frames = [gradient(mode="RGBA"), Image.new("RGBA", (64, 48), (255, 0, 0, 128))]
    return save(frames[0], path, "PNG", save_all=True, append_images=frames[1:])


def _gif(path: Path) -> Path:
    """Two frames: left half transparent then red; the second frame is all blue."""
    first = Image.new("P", (64, 48), 1)
    first.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255])
    first.paste(0, (0, 0, 32, 48))
    second = Image.new("P", (64, 48), 2)
    second.putpalette(first.getpalette())
    return save(first, path, "GIF", save_all=True, append_images=[second], transparency=0,
                optimize=False)


FORMATS = {
    "png": lambda p: save(gradient(), p, "PNG"),
    "jpeg": lambda p: save(gradient(), p, "JPEG"),
    "webp": lambda p: save(gradient(mode="RGBA"), p, "WEBP"),
    "gif": _gif,
    "avif": lambda p: save(gradient(), p, "AVIF"),
    "tiff": lambda p: save(gradient(), p, "TIFF"),
    "tiff16": lambda p: save(Image.new("I;16", (64, 48), 40000), p, "TIFF"),
    "bmp": lambda p: save(gradient(), p, "BMP"),
    "apng": _apng,
    "cmyk-jpeg": lambda p: save(gradient(mode="CMYK"), p, "JPEG"),
    "png16": lambda p: save(Image.new("I;16", (64, 48), 40000), p, "PNG"),
}
EXPECTED_KIND = {"jpeg": "JPEG", "cmyk-jpeg": "JPEG"}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_becomes_png_or_jpeg(name, ctx):
    if name == "avif" and not features.check("avif"):
        pytest.skip("this Pillow has no AVIF support")
    FORMATS[name](post_dir(ctx) / f"figure.{name}")
    result = prepare_image(f"./figure.{name}", ctx)
    image = open_output(result)
    assert image.format == EXPECTED_KIND.get(name, "PNG")
    assert result.path.suffix == (".jpg" if image.format == "JPEG" else ".png")
    assert (result.width_px, result.height_px) == (64, 48) == image.size
    assert image.mode in {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"}
    assert result.path.is_relative_to(ctx.cache_dir)


def test_alpha_is_kept_when_converting(ctx):
    save(Image.new("RGBA", (10, 10), (0, 128, 255, 40)), post_dir(ctx) / "a.webp", "WEBP",
         lossless=True)
    image = open_output(prepare_image("a.webp", ctx))
    assert image.mode == "RGBA" and image.getpixel((5, 5))[3] == 40


def test_gif_transparency_and_first_frame(ctx):
    _gif(post_dir(ctx) / "anim.gif")
    image = open_output(prepare_image("anim.gif", ctx)).convert("RGBA")
    assert image.getpixel((0, 0))[3] == 0
    assert image.getpixel((40, 0)) == (255, 0, 0, 255)


def test_apng_first_frame_only(ctx):
    _apng(post_dir(ctx) / "anim.png")
    image = open_output(prepare_image("anim.png", ctx))
    assert getattr(image, "n_frames", 1) == 1
    assert image.getpixel((63, 0)) == gradient(mode="RGBA").getpixel((63, 0))


def test_plain_png_and_jpeg_are_copied_byte_for_byte(ctx):
    png = save(gradient(), post_dir(ctx) / "a.png", "PNG")
    jpeg = save(gradient(), post_dir(ctx) / "b.jpg", "JPEG")
    for source in (png, jpeg):
        result = prepare_image(source.name, ctx)
        assert result.path.read_bytes() == source.read_bytes()


def test_format_comes_from_content_not_extension(ctx):
    save(gradient(), post_dir(ctx) / "liar.jpg", "WEBP")
    result = prepare_image("liar.jpg", ctx)
    assert open_output(result).format == "PNG" and result.path.suffix == ".png"


def test_pdf_passes_through(ctx):
    pdf = save(gradient(), post_dir(ctx) / "figure.pdf", "PDF")
    result = prepare_image("figure.pdf", ctx)
    assert result.problem is None and result.path.suffix == ".pdf"
    assert result.path.read_bytes() == pdf.read_bytes()
    assert (result.width_px, result.height_px) == (None, None)


def test_exif_orientation_is_applied(ctx):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90 degrees clockwise
    save(gradient((80, 20)), post_dir(ctx) / "phone.jpg", "JPEG", exif=exif)
    result = prepare_image("phone.jpg", ctx)
    assert open_output(result).size == (20, 80)
    assert (result.width_px, result.height_px) == (20, 80)


def test_cmyk_jpeg_becomes_rgb(ctx):
    save(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), post_dir(ctx) / "print.jpg", "JPEG")
    image = open_output(prepare_image("print.jpg", ctx))
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((4, 4))
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.skipif(not FOGRA39.is_file(), reason="no CMYK ICC profile on this machine")
def test_cmyk_jpeg_with_profile_is_colour_managed(ctx):
    save(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), post_dir(ctx) / "print.jpg", "JPEG",
         icc_profile=FOGRA39.read_bytes())
    image = open_output(prepare_image("print.jpg", ctx))
    assert image.mode == "RGB" and "icc_profile" not in image.info
    fogra = ImageCms.getOpenProfile(str(FOGRA39))
    expected = ImageCms.profileToProfile(Image.new("CMYK", (1, 1), (0, 255, 255, 0)), fogra,
                                         ImageCms.createProfile("sRGB"), outputMode="RGB")
    got, want = image.getpixel((4, 4)), expected.getpixel((0, 0))
    assert all(abs(a - b) <= 12 for a, b in zip(got, want))  # JPEG loss only


# --- resolution ---------------------------------------------------------------


def test_aliases_resolve_into_src(ctx, site):
    save(gradient(), site / "src/assets/logo.png", "PNG")
    for src in ("~/assets/logo.png", "@/assets/logo.png"):
        assert prepare_image(src, ctx).problem is None


def test_site_absolute_paths_use_public_then_site_root(ctx, site):
    save(gradient((10, 10)), site / "public/img/a.png", "PNG")
    save(gradient((20, 10)), site / "assets/b.png", "PNG")  # Jekyll-style, no public/
    assert prepare_image("/img/a.png", ctx).width_px == 10
    assert prepare_image("/assets/b.png", ctx).width_px == 20


def test_relative_paths_urldecoding_query_and_fragment(ctx, site):
    save(gradient((10, 10)), post_dir(ctx) / "my figure.png", "PNG")
    save(gradient((30, 10)), site / "src/content/blog/shared.png", "PNG")
    assert prepare_image("my%20figure.png?v=2#zoom", ctx).problem is None
    assert prepare_image("./my%20figure.png", ctx).problem is None
    assert prepare_image("../shared.png", ctx).width_px == 30


def test_same_content_shares_one_cache_entry(ctx, site):
    save(gradient(), site / "public/one.webp", "WEBP")
    (post_dir(ctx) / "two.webp").write_bytes((site / "public/one.webp").read_bytes())
    assert prepare_image("/one.webp", ctx).path == prepare_image("two.webp", ctx).path


@pytest.mark.parametrize("src", [
    "../../../../../../../../etc/passwd",
    "/../../../../../../etc/passwd",
    "~/../../../../../etc/passwd",
    "../../../../../secret.png",
    "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.png",
    "~//etc/passwd",
])
def test_traversal_is_refused_without_opening_the_target(src, ctx, tmp_path, opened):
    secret = save(gradient(), tmp_path / "secret.png", "PNG")
    opened.clear()
    result = prepare_image(src, ctx)
    assert result.path is None and "outside the site root" in result.problem
    assert str(secret) not in opened and "/etc/passwd" not in opened


def test_symlink_out_of_the_site_is_refused(ctx, site, tmp_path, opened):
    secret = save(gradient(), tmp_path / "secret.png", "PNG")
    (site / "public/link.png").symlink_to(secret)
    opened.clear()
    result = prepare_image("/link.png", ctx)
    assert "outside the site root" in result.problem and str(secret) not in opened


def test_without_site_root_the_post_folder_is_the_boundary(tmp_path, cache):
    post = tmp_path / "blog/post.md"
    save(gradient(), tmp_path / "blog/ok.png", "PNG")
    save(gradient(), tmp_path / "outside.png", "PNG")
    ctx = ImageContext.for_site(post, None, cache)
    assert prepare_image("ok.png", ctx).problem is None
    assert "outside the site root" in prepare_image("../outside.png", ctx).problem
    assert "missing file" in prepare_image("/ok.png", ctx).problem


@pytest.mark.parametrize("src, problem", [
    ("nope.png", "missing file"),
    ("/img/nope.png", "missing file"),
    ("", "empty image source"),
    ("file:///etc/passwd", "file://"),
    ("ftp://example.com/a.png", "unsupported URL scheme"),
    (".", "missing file"),
    ("bad\0name.png", "unusable path"),
    ("http://[oops/x.png", "malformed URL"),
])
def test_bad_sources_are_reported(src, problem, ctx):
    result = prepare_image(src, ctx)
    assert result.path is None and problem in result.problem


# --- damaged and hostile files ------------------------------------------------


def test_corrupt_and_truncated_images(ctx):
    good = io.BytesIO()
    Image.effect_noise((200, 200), 64).save(good, "PNG")
    (post_dir(ctx) / "truncated.png").write_bytes(good.getvalue()[:2000])
    (post_dir(ctx) / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    (post_dir(ctx) / "half.jpg").write_bytes(good.getvalue()[:10])
    for name in ("truncated.png", "garbage.png"):
        result = prepare_image(name, ctx)
        assert result.path is None and result.problem.startswith("corrupt image"), result
    assert prepare_image("half.jpg", ctx).path is None


def test_not_an_image_is_unsupported(ctx):
    (post_dir(ctx) / "notes.png").write_text("just text")
    (post_dir(ctx) / "page.svg").write_text("<html><body><svg></svg></body></html>")
    assert prepare_image("notes.png", ctx).problem.startswith("unsupported format")
    assert "not <svg>" in prepare_image("page.svg", ctx).problem


@pytest.mark.parametrize("width, height", [(10_001, 10_000), (40_000, 40_000)])
def test_huge_header_refused_quickly_without_decoding(width, height, ctx):
    (post_dir(ctx) / "bomb.png").write_bytes(png_header(width, height))
    start = time.monotonic()
    result = prepare_image("bomb.png", ctx)
    assert time.monotonic() - start < 1
    assert result.path is None and result.problem.startswith("too large")  # not "corrupt"


def test_real_100_megapixel_png_refused(ctx):
    save(Image.new("1", (10_000, 10_001)), post_dir(ctx) / "big.png", "PNG")
    start = time.monotonic()
    assert prepare_image("big.png", ctx).problem.startswith("too large")
    assert time.monotonic() - start < 1


def test_max_pixels_is_configurable(site, cache):
    save(gradient((100, 100)), site / "public/a.png", "PNG")
    ctx = ImageContext.for_site(site / "post.md", site, cache, max_pixels=9_999)
    assert prepare_image("/a.png", ctx).problem.startswith("too large")


# --- downscaling and the cache ------------------------------------------------


def test_downscale_happens_once_and_is_cached(site, cache, monkeypatch):
    ctx = ImageContext.for_site(site / "post.md", site, cache, print_max_px=500)
    save(gradient((1200, 600)), site / "public/wide.png", "PNG")
    first = prepare_image("/wide.png", ctx)
    assert open_output(first).size == (500, 250) == (first.width_px, first.height_px)
    mtime = first.path.stat().st_mtime_ns

    def no_resize(*args, **kwargs):
        raise AssertionError("cached result should have been reused")

    monkeypatch.setattr(Image.Image, "resize", no_resize)
    monkeypatch.setattr(Image.Image, "load", no_resize)  # not even decoded again
    other_post = ImageContext.for_site(site / "other.md", site, cache, print_max_px=500)
    second = prepare_image("/wide.png", other_post)
    assert second.path == first.path and second.path.stat().st_mtime_ns == mtime
    assert [p.name for p in first.path.parent.iterdir() if p.name.startswith(".tmp")] == []


def test_png_as_pdf_decodes_once_and_is_cached(site, cache, monkeypatch):
    """A PNG with an alpha channel becomes a PDF wrapper from the one decode that checks it."""
    from distill_pdf import pngpdf

    image = gradient((320, 200), "RGB").convert("RGBA")
    image.putalpha(gradient((320, 200), "L"))
    save(image, site / "public/alpha.png", "PNG")
    ctx = ImageContext.for_site(site / "post.md", site, cache, png_as_pdf=True)
    opened = []
    real_open = Image.open
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(1) or real_open(*a, **k))
    first = prepare_image("/alpha.png", ctx)
    assert first.problem is None and first.path.suffix == ".pdf"
    assert first.path.read_bytes().startswith(b"%PDF") and b"/SMask" in first.path.read_bytes()
    assert (first.width_px, first.height_px) == (320, 200) == pngpdf.pixel_size(first.path)
    assert len(opened) == 1  # pngpdf split the alpha channel off the pixels images.py decoded

    def no_decode(*args, **kwargs):
        raise AssertionError("the cached wrapper should have been reused")

    monkeypatch.setattr(Image.Image, "load", no_decode)
    again = prepare_image("/alpha.png", ctx)
    assert again.path == first.path and (again.width_px, again.height_px) == (320, 200)
    monkeypatch.undo()
    plain = prepare_image("/alpha.png", ImageContext.for_site(site / "post.md", site, cache))
    assert plain.path.suffix == ".png"  # without png_as_pdf (arXiv bundles) the PNG itself


def _prepare_in_child(args):
    src, ctx = args
    result = prepare_image(src, ctx)
    return result.path, result.problem


def test_racing_processes_share_the_cache_safely(site, cache):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = ImageContext.for_site(site / "post.md", site, cache, print_max_px=400)
    save(Image.effect_noise((1600, 1200), 50).convert("RGB"), site / "public/n.tiff", "TIFF")
    with ProcessPoolExecutor(6, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_prepare_in_child, [("/n.tiff", ctx)] * 12))
    assert {problem for _, problem in results} == {None}
    assert len({path for path, _ in results}) == 1
    assert open_output(prepare_image("/n.tiff", ctx)).size == (400, 300)
    assert [p.name for p in (cache / "prepared").iterdir()] == [results[0][0].name]


def test_print_max_px_is_part_of_the_cache_key(site, cache):
    save(gradient((1200, 600)), site / "public/wide.jpg", "JPEG")
    small = ImageContext.for_site(site / "post.md", site, cache, print_max_px=300)
    large = ImageContext.for_site(site / "post.md", site, cache, print_max_px=600)
    assert prepare_image("/wide.jpg", small).width_px == 300
    result = prepare_image("/wide.jpg", large)
    assert result.width_px == 600 and open_output(result).format == "JPEG"


def test_palette_image_is_downscaled_smoothly(site, cache):
    ctx = ImageContext.for_site(site / "post.md", site, cache, print_max_px=32)
    save(gradient((64, 64), mode="P"), site / "public/p.png", "PNG")
    image = open_output(prepare_image("/p.png", ctx))
    assert image.size == (32, 32) and image.mode == "RGB"


# --- SVG ------------------------------------------------------------------------

SVG = """<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80">
  <rect width="120" height="80" fill="teal"/><circle cx="60" cy="40" r="30" fill="gold"/>
</svg>"""


def test_svg_becomes_pdf(ctx):
    (post_dir(ctx) / "diagram.svg").write_text(SVG)
    result = prepare_image("diagram.svg", ctx)
    assert result.problem is None and result.path.suffix == ".pdf"
    assert result.path.read_bytes().startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    page = pypdf.PdfReader(result.path).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (90, 60)  # 96 dpi -> pt


def _ink(pdf: Path, tmp_path: Path) -> float:
    """The share of dark pixels of a one-page PDF, rendered by poppler."""
    import subprocess
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(pdf), str(tmp_path / "ink")],
                   check=True)
    grey = Image.open(tmp_path / "ink.png").convert("L")
    return sum(grey.histogram()[:128]) / (grey.width * grey.height)


NON_SCALING = """<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">
  <g transform="matrix(40, 0, 0, 40, 0, 0)"><g style="fill: white; stroke: black; stroke-width: 1.2">
    <rect x="0.5" y="0.5" width="4" height="4" style="vector-effect: non-scaling-stroke;"/>
  </g></g></svg>"""


def test_svg_non_scaling_stroke_keeps_its_screen_width(ctx, tmp_path):
    """As browsers draw it: a 1.2-pixel outline, not a 48-unit black slab (the ICLR raspy post)."""
    (post_dir(ctx) / "box.svg").write_text(NON_SCALING)
    result = prepare_image("box.svg", ctx)
    assert result.problem is None and result.path.suffix == ".pdf"
    assert _ink(result.path, tmp_path) < 0.1  # the scaled stroke blackened about 60% of it
    (post_dir(ctx) / "plain.svg").write_text(NON_SCALING.replace("vector-effect: non-scaling-stroke;", ""))
    assert _ink(prepare_image("plain.svg", ctx).path, tmp_path) > 0.4


DRAWIO_X = "http://www.w3.org/TR/SVG11/feature#Extensibility"
DRAWIO = f"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
  width="200" height="60" viewBox="0 0 200 60">
<switch><foreignObject width="100%" height="100%" requiredFeatures="{DRAWIO_X}">
  <div xmlns="http://www.w3.org/1999/xhtml"><div>Input <mjx-container class="MathJax" jax="SVG">
  <svg xmlns="http://www.w3.org/2000/svg" width="2ex" height="2ex" viewBox="0 -750 900 900"
   style="vertical-align: -0.25ex;"><g fill="currentColor" transform="scale(1,-1)">
   <rect x="0" y="0" width="900" height="700"/></g></svg></mjx-container></div></div>
</foreignObject><text x="100" y="30" font-size="12px" text-anchor="middle">Input $$\\boldsymbo...</text></switch>
<switch><g requiredFeatures="{DRAWIO_X}"/><a transform="translate(0,-5)" xlink:href="https://x.org">
<text text-anchor="middle" font-size="10px" x="50%" y="100%">Text is not SVG - cannot display</text></a></switch>
</svg>"""


def test_svg_html_label_drawn_as_a_browser_draws_it(ctx, tmp_path):
    """A draw.io label whose HTML holds MathJax output: the browser shows the typeset math,
    not the fallback's cut-short TeX, and never the 'Text is not SVG' warning (understanding-icl)."""
    import subprocess
    (post_dir(ctx) / "drawio.svg").write_text(DRAWIO)
    result = prepare_image("drawio.svg", ctx)
    assert result.problem is None
    text = subprocess.run(["pdftotext", str(result.path), "-"], capture_output=True, text=True).stdout
    assert text.split() == ["Input"]
    assert _ink(result.path, tmp_path) > 0.01  # the math's own glyph box is drawn


def test_svg_served_as_png_is_still_svg(ctx):
    (post_dir(ctx) / "diagram.png").write_text(SVG)
    assert prepare_image("diagram.png", ctx).path.suffix == ".pdf"


def test_svg_external_entity_is_refused(ctx, tmp_path, opened):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    (post_dir(ctx) / "xxe.svg").write_text(
        f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        "<text>&xxe;</text></svg>")
    opened.clear()
    result = prepare_image("xxe.svg", ctx)
    assert result.path is None and result.problem.startswith("unsafe SVG")
    assert str(secret) not in opened


def test_svg_external_dtd_is_not_loaded(ctx, tmp_path, opened):
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY leak SYSTEM "file:///etc/passwd">')
    (post_dir(ctx) / "dtd.svg").write_text(
        f'<?xml version="1.0"?><!DOCTYPE svg SYSTEM "file://{dtd}">'
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    opened.clear()
    prepare_image("dtd.svg", ctx)
    assert str(dtd) not in opened and "/etc/passwd" not in opened


def test_svg_entity_expansion_is_refused(ctx):
    (post_dir(ctx) / "laughs.svg").write_text(
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>')
    assert prepare_image("laughs.svg", ctx).problem.startswith("unsafe SVG")


def test_svg_cannot_pull_in_files_or_urls(ctx, tmp_path, opened):
    secret = save(Image.effect_noise((300, 300), 80).convert("RGB"), tmp_path / "s.png", "PNG")
    css = tmp_path / "s.css"
    css.write_text("rect { fill: red }")
    (post_dir(ctx) / "refs.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        f' width="300" height="300"><style>@import url("file://{css}");</style>'
        f'<image href="file://{secret}" width="300" height="300"/>'
        f'<image xlink:href="{secret}" width="300" height="300"/>'
        f'<image href="http://127.0.0.1:9/x.png" width="300" height="300"/></svg>')
    opened.clear()
    result = prepare_image("refs.svg", ctx)
    assert result.problem is None
    assert str(secret) not in opened and str(css) not in opened
    assert result.path.stat().st_size < 20_000  # the 270 kB of noise was not embedded


def test_svg_with_inline_data_image_renders(ctx):
    import base64

    png = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(png, "PNG")
    data = base64.b64encode(png.getvalue()).decode()
    (post_dir(ctx) / "inline.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
        f'<image href="data:image/png;base64,{data}" width="40" height="40"/></svg>')
    result = prepare_image("inline.svg", ctx)
    assert result.problem is None and b"/Image" in result.path.read_bytes()


def test_broken_svg_is_corrupt(ctx):
    (post_dir(ctx) / "broken.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect')
    assert prepare_image("broken.svg", ctx).problem.startswith("corrupt image")


# --- remote images --------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {}

    def do_GET(self):
        status, ctype, body = self.routes.get(self.path, (404, "text/html", b"<h1>404</h1>"))
        if self.path == "/slow.png":
            time.sleep(1.5)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except ConnectionError:  # the client gave up (timeout test)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    png = io.BytesIO()
    gradient((33, 22)).save(png, "PNG")
    _Handler.routes = {
        "/a.png": (200, "image/png", png.getvalue()),
        "/slow.png": (200, "image/png", png.getvalue()),
        "/page.png": (200, "text/html", b"<html>login first</html>"),
        "/caf%C3%A9%20menu.png": (200, "image/png", png.getvalue()),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def base_url(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def test_remote_download_and_offline_reuse(server, ctx):
    url = base_url(server) + "/a.png#section"
    first = prepare_image(url, ctx)
    assert first.problem is None and (first.width_px, first.height_px) == (33, 22)
    server.shutdown()
    server.server_close()
    again = prepare_image(url, ctx)
    assert again.problem is None and again.path == first.path
    offline = ImageContext.for_site(ctx.post_path, ctx.site_root, ctx.cache_dir,
                                    allow_remote=False)
    assert prepare_image(url, offline).problem is None


def test_remote_url_with_spaces_and_accents(server, ctx):
    assert prepare_image(base_url(server) + "/café menu.png", ctx).problem is None
    assert prepare_image(base_url(server) + "/caf%C3%A9%20menu.png", ctx).problem is None


def test_protocol_relative_url_means_https(ctx):
    off = ImageContext.for_site(ctx.post_path, ctx.site_root, ctx.cache_dir, allow_remote=False)
    assert prepare_image("//example.invalid/a.png", off).problem == (
        "remote image (downloads disabled)")


def test_remote_404(server, ctx):
    result = prepare_image(base_url(server) + "/missing.png", ctx)
    assert result.path is None
    assert result.problem.startswith("could not download http://127.0.0.1")
    assert "404" in result.problem


def test_remote_non_image_is_not_cached(server, ctx):
    result = prepare_image(base_url(server) + "/page.png", ctx)
    assert "not an image" in result.problem
    assert not (ctx.cache_dir / "downloads").exists()


def test_remote_timeout(server, site, cache):
    ctx = ImageContext.for_site(site / "post.md", site, cache, remote_timeout=0.3)
    start = time.monotonic()
    result = prepare_image(base_url(server) + "/slow.png", ctx)
    assert time.monotonic() - start < 1.4
    assert result.path is None and "timed out" in result.problem


def test_remote_silent_socket_times_out(site, cache):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        ctx = ImageContext.for_site(site / "post.md", site, cache, remote_timeout=0.3)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x.png"
        assert "timed out" in prepare_image(url, ctx).problem
    finally:
        listener.close()


def test_remote_refused_connection(site, cache):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    ctx = ImageContext.for_site(site / "post.md", site, cache)
    assert prepare_image(f"http://127.0.0.1:{port}/x.png", ctx).problem == (
        f"not available offline: http://127.0.0.1:{port}/x.png (connection refused)")  # no "[Errno 111]"


def test_unknown_host_reads_as_offline(ctx, monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    url = "https://images.example.invalid/a.png"
    assert prepare_image(url, ctx).problem == f"not available offline: {url} (host not found)"


def test_remote_size_cap(server, ctx, monkeypatch):
    monkeypatch.setattr(images, "MAX_DOWNLOAD_BYTES", 100)
    assert "larger than" in prepare_image(base_url(server) + "/a.png", ctx).problem


def test_downloads_disabled(ctx):
    off = ImageContext.for_site(ctx.post_path, ctx.site_root, ctx.cache_dir, allow_remote=False)
    result = prepare_image("https://example.invalid/a.png", off)
    assert result.path is None and result.problem == "remote image (downloads disabled)"


# --- never raises ---------------------------------------------------------------


def _samples() -> list[bytes]:
    out = []
    for fmt in ("PNG", "JPEG", "GIF", "WEBP", "TIFF", "BMP", "AVIF"):
        buffer = io.BytesIO()
        gradient((16, 16)).save(buffer, fmt)
        out.append(buffer.getvalue())
    return out + [SVG.encode()]


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 300)), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sample=st.sampled_from(_samples()), cut=st.integers(0, 4000),
       flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=6))
def test_damaged_files_never_raise(ctx, sample, cut, flips):
    data = bytearray(sample[: max(cut, 1)] if cut < len(sample) else sample)
    for position, value in flips:
        data[position % len(data)] = value
    (post_dir(ctx) / "fuzz.img").write_bytes(bytes(data))
    result = prepare_image("fuzz.img", ctx)
    assert (result.path is None) != (result.problem is None)
    if result.path is not None and result.path.suffix != ".pdf":
        open_output(result)
