"""CSS colours (the names, `#hex` and `rgb()` MathJax and browsers accept) for xcolor."""
from __future__ import annotations

from PIL import ImageColor


def css_hex(spec: str) -> str | None:
    """``RRGGBB`` for a CSS colour (`orange`, `#5DADEC`, `#abc`, `rgb(1, 2, 3)`), else None."""
    try:
        rgb = ImageColor.getrgb(spec.strip())   # a copy: PIL's colormap table caches tuples
    except ValueError:
        return None
    return "".join(f"{channel:02X}" for channel in rgb[:3])


def xcolor_argument(spec: str) -> str | None:
    """A CSS colour as an xcolor argument (``[HTML]{5DADEC}``), or None when it is not one
    (a name the post or xcolor defines stays a name)."""
    value = css_hex(spec)
    return f"[HTML]{{{value}}}" if value else None
