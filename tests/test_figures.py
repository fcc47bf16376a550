"""Diagrams and interactive figures printed by headless Chromium (distill_pdf/figures): real
posts, real browsers, real PDFs, no network. Skipped where Chromium or the pinned libraries
are missing (`make setup` installs both; CI runs these)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import distill_pdf
from distill_pdf import figures
from distill_pdf.figures import browser, geojson, libraries

from .conftest import ENGINES, pdf_text_flat, requires_pdftotext, write_post

HAVE_FIGURES = browser.find_chromium() is not None and not libraries.missing()
pytestmark = [pytest.mark.skipif(not ENGINES, reason="no TeX engine installed"), requires_pdftotext]
needs_browser = pytest.mark.skipif(not HAVE_FIGURES, reason="Chromium or the figure libraries missing "
                                   "(make setup: apt-get install chromium; distill-pdf figures install)")

MERMAID = """
Before the diagrams.

```mermaid
graph TD
  A[Alphanode] --> B{Betachoice}
  B --> C[Gammaleaf]
```

```mermaid
sequenceDiagram
  Zuleika->>Quentin: Hello Quentin
```

```vega_lite
{"data": {"values": [{"fruit": "Applesauce", "n": 28}, {"fruit": "Bananabread", "n": 55}]},
 "mark": "bar", "encoding": {"x": {"field": "fruit", "type": "nominal"}, "y": {"field": "n", "type": "quantitative"}}}
```

After the diagrams.
"""

GEOJSON = """
```geojson
{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates":
    [[[-60.11, -2.90], [-60.11, -3.16], [-59.82, -3.16], [-59.82, -2.90], [-60.11, -2.90]]]}},
  {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-59.9, -3.0]}}]}
```
"""


def _render(tmp_path: Path, body: str, **options):
    post = write_post(tmp_path, body)
    return distill_pdf.render(post, tmp_path / "post.pdf", engine=ENGINES[0], allow_remote=False, **options)


@needs_browser
def test_mermaid_and_vega_lite_print_as_vector_figures_and_a_rerun_starts_no_browser(tmp_path, monkeypatch):
    result = _render(tmp_path, MERMAID, keep_build=tmp_path / "build")
    text = pdf_text_flat(result.pdf)
    tex = (tmp_path / "build" / "main.tex").read_text(encoding="utf-8")
    # set where it stands, with its caption in one box: no page break parts them
    assert len(re.findall(r"\\begin\{minipage\}\{\\linewidth\}\\centering\s*\\dpgraphic\{[^}]*\}\{[^}]*\}\\par\s*"
                          r"\\captionof\{figure\}\{[^}]*\}\s*\\end\{minipage\}", tex)) == 3
    for label in ("Alphanode", "Betachoice", "Gammaleaf", "Zuleika", "Hello Quentin", "Applesauce", "Bananabread"):
        assert label in text  # the diagrams' own text, as text: vector, not pixels
    assert "graph TD" not in text and "Mermaid diagram printed" not in str(result.warnings)
    assert "Figure 1: Mermaid diagram" in text and "Figure 3: Vega-Lite chart" in text
    assert not [w for w in result.warnings if "diagram" in w.message.lower() or "chart" in w.message.lower()]

    class NoBrowser:
        def __init__(self, *args, **kwargs):
            raise AssertionError("an unchanged post started a browser")

    browser.discard()
    monkeypatch.setattr(browser, "Browser", NoBrowser)
    again = _render(tmp_path, MERMAID)
    assert "Gammaleaf" in pdf_text_flat(again.pdf)


@needs_browser
def test_a_site_page_in_an_iframe_is_printed_with_its_cdn_library_served_locally(tmp_path):
    page = tmp_path / "assets" / "html" / "plot.html"
    page.parent.mkdir(parents=True)
    page.write_text("""<script src="https://cdn.plot.ly/plotly-2.27.0.min.js"></script>
<div id="p" style="width: 600px; height: 380px"></div>
<script>Plotly.newPlot('p', [{x: [1, 2, 3], y: [3, 1, 2], name: 'Quokkacount'}],
  {title: {text: 'Wombatplot'}, showlegend: true});</script>""", encoding="utf-8")
    (tmp_path / "distill-pdf.toml").write_text("", encoding="utf-8")  # the site's root
    result = _render(tmp_path, '\n<iframe src="/assets/html/plot.html" width="100%" height="400px"></iframe>\n',
                     site_url="https://blog.example.org/")
    text = pdf_text_flat(result.pdf)
    assert "Wombatplot" in text and "Quokkacount" in text
    assert "Interactive content" not in text
    assert "https://blog.example.org/assets/html/plot.html" in text


@needs_browser
def test_a_figure_that_asks_the_network_is_refused_and_named(tmp_path):
    body = """
```vega_lite
{"data": {"url": "https://data.example.org/cars.json"}, "mark": "point",
 "encoding": {"x": {"field": "hp", "type": "quantitative"}}}
```
"""
    result = _render(tmp_path, body)
    warnings = [w.message for w in result.warnings]
    assert any("could not be drawn" in w and "https://data.example.org/cars.json" in w for w in warnings)
    assert 'Vega-Lite chart {"data": {"url"' in pdf_text_flat(result.pdf)  # its source, framed, as before


def _hide_chromium(tmp_path: Path, monkeypatch) -> None:
    """PATH with everything but a browser."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            if entry.name in browser.BROWSER_NAMES or (bin_dir / entry.name).exists():
                continue
            (bin_dir / entry.name).symlink_to(entry.path)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("DISTILL_PDF_CHROMIUM", raising=False)
    assert browser.find_chromium() is None


def test_without_chromium_the_notes_stay_with_one_warning(tmp_path, monkeypatch):
    _hide_chromium(tmp_path, monkeypatch)
    assert figures.drawn_kinds() == {"geojson"}  # what the audit expects as figures here
    body = MERMAID + '\n<iframe src="/assets/html/none.html"></iframe>\n' + GEOJSON
    result = _render(tmp_path / "post", body)
    text = pdf_text_flat(result.pdf)
    assert "Mermaid diagram graph TD" in text and "Mermaid diagram sequenceDiagram" in text
    assert "Vega-Lite chart {" in text and "Figure 2" not in text
    assert "Interactive content (iframe)" in text
    assert "Figure 1: GeoJSON map" in text  # a map needs no browser
    figure_warnings = [w.message for w in result.warnings if "Chromium" in w.message]
    assert len(figure_warnings) == 1 and "distill-pdf figures install" in figure_warnings[0]
    assert not [w for w in result.warnings if "printed as its source" in w.message]


def test_cdn_urls_of_the_pinned_libraries_are_answered_locally():
    plotly = libraries.bundle("plotly.js-dist-min")
    assert libraries.cdn_file("https://cdn.plot.ly/plotly-2.27.0.min.js") == plotly
    assert libraries.cdn_file("https://cdnjs.cloudflare.com/ajax/libs/plotly.js/2.27.0/plotly.min.js") == plotly
    assert libraries.cdn_file("https://cdn.jsdelivr.net/npm/mermaid@10/dist/mermaid.min.js") == \
        libraries.package_dir("mermaid") / "dist" / "mermaid.min.js"
    assert libraries.cdn_file("https://unpkg.com/vega-embed@6") == libraries.bundle("vega-embed")
    mathjax = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.5/"  # and the files it loads beside itself
    assert libraries.cdn_file(mathjax + "MathJax.js?config=TeX-AMS-MML_SVG") == libraries.bundle("mathjax")
    assert libraries.cdn_file(mathjax + "config/TeX-AMS-MML_SVG.js?V=2.7.5") == \
        libraries.package_dir("mathjax") / "config" / "TeX-AMS-MML_SVG.js"
    assert libraries.cdn_file("https://cdn.jsdelivr.net/npm/left-pad@1") is None
    assert libraries.cdn_file("https://example.org/plotly.min.js") is None


def test_a_geojson_fence_prints_as_a_framed_map_with_its_graticule(tmp_path):
    result = _render(tmp_path, "Before the map.\n" + GEOJSON + "\nAfter the map.\n")
    text = pdf_text_flat(result.pdf)
    assert "Figure 1: GeoJSON map" in text
    assert "60.0°W" in text and "3.0°S" in text and "km" in text  # meridians, parallels, scale bar: vector text
    assert "FeatureCollection" not in text and not [w for w in result.warnings if "GeoJSON" in w.message]

    broken = _render(tmp_path / "broken", '```geojson\n{"type": "Polygon", "coordinates": [[1, 2]]}\n```\n')
    assert any("GeoJSON map could not be drawn (malformed Polygon coordinates)" in w.message
               for w in broken.warnings)
    assert "GeoJSON map {" in pdf_text_flat(broken.pdf)  # its source, framed


def test_geojson_shapes_are_projected_into_the_frame():
    drawing = geojson.svg('''{"type": "GeometryCollection", "geometries": [
        {"type": "MultiPolygon", "coordinates": [[[[0, 0], [10, 0], [10, 10], [0, 0]], [[2, 1], [8, 1], [8, 7], [2, 1]]]]},
        {"type": "LineString", "coordinates": [[-5, 60], [5, 62]]}, {"type": "MultiPoint", "coordinates": [[3, 89.9]]}]}''')
    assert drawing.startswith("<svg") and 'fill-rule="evenodd"' in drawing and "<circle" in drawing
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', drawing).groups())
    for x, y in re.findall(r"[ML] (-?[\d.]+) (-?[\d.]+)", drawing):
        assert 0 <= float(x) <= width and 0 <= float(y) <= height
    with pytest.raises(geojson.GeoJSONError):
        geojson.svg('{"type": "FeatureCollection", "features": []}')


def test_a_site_file_is_answered_in_the_ranges_a_video_asks_for():
    body = bytes(range(100))
    assert browser._ranged(body, {}) == (200, body, [])
    assert browser._ranged(body, {"Range": "bytes=10-19"}) == (
        206, body[10:20], [{"name": "Content-Range", "value": "bytes 10-19/100"}])
    assert browser._ranged(body, {"range": "bytes=90-"})[1] == body[90:]
    assert browser._ranged(body, {"Range": "bytes=-5"})[1] == body[95:]
    assert browser._ranged(body, {"Range": "bytes=200-"})[0] == 200


def test_an_arxiv_bundle_counts_a_figure_qr_code_as_included():
    from distill_pdf.arxiv import checks
    tex = r"\dpgraphic{0.8}{figures/img1.pdf}\dpfigqr{figures/img2.pdf}{https://blog.example.org/post/}"
    files = {"main.tex": b"", "figures/img1.pdf": b"%PDF-1.5\n", "figures/img2.pdf": b"%PDF-1.5\n"}
    assert checks.check_graphics(tex, files, []).status == checks.OK
