"""Small screenshots for progress events: what a person watching the fleet sees of each device.

A thumbnail is made only from a screenshot the device was allowed to take (secure
screens have none) and only for steps that may leave the device (never for a
private subtask or a screen showing sensitive data: the caller decides).
"""

from __future__ import annotations

import io

from PIL import Image

__all__ = ["THUMBNAIL_WIDTH", "thumbnail"]

THUMBNAIL_WIDTH = 240
"""Pixels across; the height keeps the screen's proportions."""


def thumbnail(png: bytes, width: int = THUMBNAIL_WIDTH) -> bytes | None:
    """`png` scaled down to `width` pixels across, as a small PNG; None if it cannot be read."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            height = max(1, round(image.height * width / max(1, image.width)))
            # an integer box reduction first (cheap, keeps text legible), then a small resize
            factor = max(1, image.width // (width * 2))
            small = image.convert("RGB").reduce(factor).resize((width, height), Image.Resampling.BILINEAR)
    except (OSError, ValueError):
        return None
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()
