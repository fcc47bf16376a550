"""One web page per figure kind: the blog's own drawing code, made to finish and to hold still.

Why pages of our own: the blog's page (theme, scripts, lazy loading) is not at hand, and
printing wants a figure alone, at the top left of an empty page, drawn without animation,
with the print's own sans font. Each page sets ``window.__dpDone``, a promise that settles
once the figure is drawn, and marks the element to crop with ``id="dp-figure"``.
Libraries load from ``/__distill_pdf__/lib/<npm name>`` (browser.py serves them)."""
from __future__ import annotations

import html
import json

COLUMN_PX = 720  # the width figures are drawn at: a blog's column, printed scaled to the print column
CHART_HEIGHT_PX = 400
# a TrueType sans (fonts-liberation): Chromium prints CFF fonts as Type 3, whose text
# pdftotext and copy-paste cannot always read back
FONT = "Liberation Sans"

_HEAD = f"""<!doctype html><html><head><meta charset="utf-8">
<style>
html, body {{ margin: 0; padding: 0; background: white; font-family: '{FONT}', sans-serif; }}
#dp-box {{ width: {COLUMN_PX}px; }}
#dp-figure {{ display: block; }}
</style>"""

# each kind's drawing code: `source` is the fence's text, `box` the element to draw into
_DRAW = {
    "mermaid": ("mermaid", """
mermaid.initialize({startOnLoad: false, securityLevel: 'strict', theme: 'default',
                    fontFamily: "'%s', sans-serif", deterministicIds: true});
const {svg} = await mermaid.render('dp-mermaid', source);
box.innerHTML = svg;
const drawn = box.querySelector('svg');
const width = drawn.getBoundingClientRect().width;
drawn.style.maxWidth = 'none';
drawn.style.display = 'block';
drawn.setAttribute('width', width);
box.style.display = 'inline-block';
box.id = 'dp-figure';  // not the svg's own id: mermaid's styles select it""" % FONT),
    "chartjs": ("chart.js", f"""
const config = JSON.parse(source);
config.options = Object.assign({{}}, config.options, {{animation: false, responsive: false}});
Chart.defaults.font.family = "'{FONT}', sans-serif";
const canvas = document.createElement('canvas');
canvas.width = {COLUMN_PX}; canvas.height = {COLUMN_PX // 2}; canvas.id = 'dp-figure';
box.appendChild(canvas);
new Chart(canvas, config);"""),
    "echarts": ("echarts", f"""
box.style.height = '{CHART_HEIGHT_PX}px'; box.id = 'dp-figure';
const chart = echarts.init(box, null, {{renderer: 'svg'}});
const option = JSON.parse(source);
option.animation = false;
option.textStyle = Object.assign({{fontFamily: "'{FONT}', sans-serif"}}, option.textStyle);
chart.setOption(option);"""),
    "vega_lite": ("vega-embed", """
const result = await vegaEmbed(box, JSON.parse(source), {renderer: 'svg', actions: false,
    config: {font: "'%s', sans-serif"}});
await result.view.runAsync();
box.querySelector('svg').id = 'dp-figure';""" % FONT),
    "plotly": ("plotly.js-dist-min", f"""
const spec = JSON.parse(source);
// plotly's own margins (80-100 px a side) are room for a toolbar and a title it may not have
const margin = {{t: (spec.layout || {{}}).title ? 60 : 20, r: 20, b: 40, l: 50}};
const layout = Object.assign({{width: {COLUMN_PX}, height: {CHART_HEIGHT_PX}, margin}}, spec.layout,
    {{font: Object.assign({{family: "'{FONT}', sans-serif"}}, (spec.layout || {{}}).font)}});
box.id = 'dp-figure';
await Plotly.newPlot(box, spec.data || [], layout, {{staticPlot: true, displayModeBar: false}});"""),
}
_DRAW["vega-lite"] = _DRAW["vega_lite"]
_DRAW["vega"] = _DRAW["vega_lite"]
KINDS = frozenset(_DRAW)
_NEEDS = {"vega-embed": ("vega", "vega-lite", "vega-embed")}


def libraries_for(kind: str) -> tuple[str, ...]:
    library = _DRAW[kind][0]
    return _NEEDS.get(library, (library,))


def fence_page(kind: str, source: str) -> str:
    scripts = "".join(f'<script src="/__distill_pdf__/lib/{name}"></script>' for name in libraries_for(kind))
    return f"""{_HEAD}{scripts}</head><body><div id="dp-box"><div id="dp-draw"></div></div>
<script>
window.__dpDone = (async () => {{
  await document.fonts.load("16px '{FONT}'");
  const source = {json.dumps(source)};
  const box = document.getElementById('dp-draw');
  {_DRAW[kind][1]}
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}})();
</script></body></html>"""


def iframe_page(src: str, width: int, height: int) -> str:
    """The blog's own interactive page in a frame of the size the post gives it; settled
    once it has loaded, its scripts have had a moment (plots draw after load) and MathJax,
    if it has it, has typeset what it queued (a plot's LaTeX labels)."""
    return f"""{_HEAD}</head><body>
<iframe id="dp-figure" src="{html.escape(src)}" width="{width}" height="{height}"
        style="border: 0; display: block" scrolling="no"></iframe>
<script>
window.__dpDone = new Promise((resolve, reject) => {{
  const frame = document.getElementById('dp-figure');
  frame.addEventListener('load', () => {{
    const style = frame.contentDocument && frame.contentDocument.createElement('style');
    if (style) {{  // the plot's toolbar is for the screen
      style.textContent = '.modebar-container, .vega-actions {{ display: none !important; }}';
      frame.contentDocument.head.appendChild(style);
    }}
    setTimeout(() => {{
      const mathjax = frame.contentWindow.MathJax;
      if (mathjax && mathjax.Hub && mathjax.Hub.Queue) mathjax.Hub.Queue(() => resolve());
      else if (mathjax && mathjax.startup && mathjax.startup.promise) mathjax.startup.promise.then(resolve, resolve);
      else resolve();
    }}, 1200);
  }});
  frame.addEventListener('error', () => reject(new Error('the page did not load')));
}});
</script></body></html>"""


def video_page(src: str) -> str:
    """A video's frame that shows most: of a few early ones (a tenth of a second in, then a
    tenth, a quarter and half of the way), the one whose brightness varies most. The very
    first is often black, and so is the start of a fade-in or a night scene."""
    return f"""{_HEAD}</head><body>
<video id="dp-figure" src="{html.escape(src)}" muted preload="auto" style="display: block; max-width: {COLUMN_PX}px"></video>
<script>
window.__dpDone = new Promise((resolve, reject) => {{
  const video = document.getElementById('dp-figure');
  video.addEventListener('error', () => reject(new Error('the browser cannot play this video')));
  const seek = t => new Promise(done => {{
    video.addEventListener('seeked', () => requestAnimationFrame(() => done()), {{once: true}});
    video.currentTime = t;
  }});
  const canvas = Object.assign(document.createElement('canvas'), {{width: 64, height: 36}});
  const context = canvas.getContext('2d', {{willReadFrequently: true}});
  const spread = () => {{  // the standard deviation of the frame's luma, at 64 x 36
    context.drawImage(video, 0, 0, 64, 36);
    const px = context.getImageData(0, 0, 64, 36).data;
    let sum = 0, squares = 0;
    for (let i = 0; i < px.length; i += 4) {{
      const y = 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
      sum += y; squares += y * y;
    }}
    const n = px.length / 4;
    return Math.sqrt(Math.max(0, squares / n - (sum / n) ** 2));
  }};
  video.addEventListener('loadeddata', async () => {{
    const length = video.duration || 1;
    let best = 0, bestSpread = -1;
    for (const t of [Math.min(0.1, length / 2), length * 0.1, length * 0.25, length * 0.5]) {{
      await seek(t);
      const s = spread();
      if (s > bestSpread) {{ best = t; bestSpread = s; }}
    }}
    await seek(best);
    resolve();
  }}, {{once: true}});
}});
</script></body></html>"""


# What printing needs to know once a page has settled: the figure's box, and whether it
# holds a canvas (printed as a 2x screenshot: a canvas in a PDF is a 1x bitmap anyway).
MEASURE = """(() => {
  const el = document.getElementById('dp-figure');
  const r = el.getBoundingClientRect();
  const docs = [document];
  if (el.tagName === 'IFRAME' && el.contentDocument) docs.push(el.contentDocument);
  const painted = docs.some(d => Array.from(d.querySelectorAll('canvas, video')).some(c => {
    const b = c.getBoundingClientRect(); return b.width > 1 && b.height > 1; }));
  return {x: r.left, y: r.top, width: r.width, height: r.height, raster: painted || el.tagName === 'VIDEO'};
})()"""
