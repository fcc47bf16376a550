"""Vimeo's thumbnail URL for a video id, from its oEmbed service (YouTube's follows from the
id alone). Asked once per video: the answer is cached beside the drawn figures."""
from __future__ import annotations

import json
import urllib.request

from ..resources import user_cache_dir


def vimeo_thumbnail(video_id: str, timeout: float = 10.0) -> str | None:
    cached = user_cache_dir() / "figures" / "vimeo" / f"{video_id}.json"
    if cached.is_file():
        return json.loads(cached.read_text()).get("thumbnail_url")
    url = f"https://vimeo.com/api/oembed.json?url=https%3A//vimeo.com/{video_id}&width=960"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            data = json.loads(answer.read())
    except (OSError, ValueError):  # offline, or no such video: the note stands in
        return None
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(data))
    return data.get("thumbnail_url")
