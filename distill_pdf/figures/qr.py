"""A QR code for the online version of a printed figure, so a reader of the paper can open
the interactive one with a phone. A vector PDF, cached by its URL: segno draws it as SVG
and cairosvg converts it (segno's own PDFs are ones xdvipdfmx cannot include)."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path


def qr_pdf(url: str, cache_dir: Path) -> Path | None:
    """The code's PDF, or None when segno is not installed."""
    try:
        import segno
    except ImportError:
        return None
    path = cache_dir / "figures" / "qr" / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".pdf")
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        svg = io.BytesIO()
        segno.make(url, error="m").save(svg, kind="svg", scale=4, border=1, xmldecl=False)
        import cairosvg  # ~0.15 s to import: only when a code is drawn (performance)
        partial = path.with_suffix(".part")
        partial.write_bytes(cairosvg.svg2pdf(bytestring=svg.getvalue()))
        partial.replace(path)
    return path
