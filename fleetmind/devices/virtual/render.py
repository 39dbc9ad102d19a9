"""Two outside views of a frame: the uiautomator XML dump and a PNG screenshot.

The PNG is drawn cheaply on purpose: a palette image (so encoding is fast),
rectangles for views, text for labels, switches as pills. It is meant to be
recognisable to a vision model and to a person reading a trace, not pretty.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .frame import Frame, Window
from .ui import KEYBOARD_TOP, NAV_TOP, SCREEN_H, SCREEN_W, Node

__all__ = ["black_png", "render_png", "ui_xml"]

XML_HEADER = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"


def _attr(value: str) -> str:
    # uiautomator writes one line: escape markup and line breaks, drop what XML 1.0 forbids.
    out = []
    for ch in value:
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == '"':
            out.append("&quot;")
        elif ch in "\n\r\t":
            out.append(f"&#{ord(ch)};")
        elif ord(ch) >= 0x20 and ch not in "\ufffe\uffff":
            out.append(ch)
    return "".join(out)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _xml_node(node: Node, index: int, package: str, out: list[str]) -> None:
    b = node.bounds
    out.append(
        f'<node index="{index}" text="{_attr(node.text)}" resource-id="{_attr(node.resource_id)}" '
        f'class="{_attr(node.cls)}" package="{_attr(node.package or package)}" '
        f'content-desc="{_attr(node.description)}" checkable="{_flag(node.checkable)}" '
        f'checked="{_flag(node.checked)}" clickable="{_flag(node.clickable)}" '
        f'enabled="{_flag(node.enabled)}" focusable="{_flag(node.focusable)}" '
        f'focused="{_flag(node.focused)}" scrollable="{_flag(node.scrollable)}" '
        f'long-clickable="{_flag(node.long_clickable)}" password="{_flag(node.password)}" '
        f'selected="{_flag(node.selected)}" bounds="[{b.left},{b.top}][{b.right},{b.bottom}]"'
    )
    if not node.children:
        out.append(" />")
        return
    out.append(">")
    for i, child in enumerate(node.children):
        _xml_node(child, i, package, out)
    out.append("</node>")


def ui_xml(frame: Frame) -> str:
    """The frame as `uiautomator dump` writes it; nodes in element-id order."""
    out = [XML_HEADER, '<hierarchy rotation="0">']
    index = 0
    for window in frame.windows:
        for node in window.nodes:
            _xml_node(node, index, window.package, out)
            index += 1
    out.append("</hierarchy>")
    return "".join(out)


# Palette indices; the light and dark themes map them to different colours.
BG, SURFACE, TEXT, MUTED, LINE, ACCENT, ON_ACCENT, BAR, KEYS, HOME = range(10)
_LIGHT = [
    (255, 255, 255),
    (238, 240, 244),
    (20, 20, 24),
    (110, 112, 120),
    (200, 202, 208),
    (26, 115, 232),
    (255, 255, 255),
    (225, 228, 235),
    (210, 213, 220),
    (214, 228, 250),
]
_DARK = [
    (18, 18, 20),
    (40, 42, 48),
    (236, 236, 240),
    (150, 152, 160),
    (70, 72, 80),
    (138, 180, 248),
    (18, 18, 20),
    (30, 31, 36),
    (52, 54, 60),
    (28, 36, 56),
]


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:  # no DejaVu on this system: Pillow's bundled font still scales
        return ImageFont.load_default(size=size)


def _fit(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "\u2026") > width:
        text = text[:-1]
    return text + "\u2026"


def _draw_node(d: ImageDraw.ImageDraw, n: Node) -> None:
    b = n.bounds
    rect = (b.left, b.top, b.right - 1, b.bottom - 1)
    label = n.text or n.description
    size = max(18, min(44, int(b.height * 0.4)))
    colour = TEXT if n.enabled else MUTED
    if n.cls.endswith("Switch"):
        on = n.checked
        d.rounded_rectangle(rect, radius=b.height // 2, fill=ACCENT if on else LINE)
        r = b.height // 2 - 8
        cx = b.right - r - 12 if on else b.left + r + 12
        d.ellipse((cx - r, b.top + 8, cx + r, b.bottom - 9), fill=ON_ACCENT if on else BG)
        if n.text:  # quick-settings tiles carry their label inside
            d.text((b.left + 24, b.bottom + 4), _fit(n.text, _font(30), b.width), fill=TEXT, font=_font(30))
        return
    if n.cls.endswith("SeekBar"):
        mid = (b.top + b.bottom) // 2
        d.line((b.left, mid, b.right, mid), fill=LINE, width=8)
        maximum = n.seek[1] if n.seek else 100
        x = b.left + int(b.width * int(n.text or 0) / max(1, maximum))
        d.line((b.left, mid, x, mid), fill=ACCENT, width=8)
        d.ellipse((x - 20, mid - 20, x + 20, mid + 20), fill=ACCENT)
        return
    if n.editable:
        d.rectangle(rect, outline=ACCENT if n.focused else LINE, width=6 if n.focused else 3)
        hint = n.text == n.description
        d.text(
            (b.left + 24, b.top + (b.height - size) // 2),
            _fit(n.text, _font(size), b.width - 48),
            fill=MUTED if hint else colour,
            font=_font(size),
        )
        return
    if n.cls.endswith(("Button", "ImageButton")):
        d.rounded_rectangle(rect, radius=24, fill=SURFACE, outline=LINE, width=2)
        text = _fit(label, _font(min(size, 36)), b.width - 24)
        w = _font(min(size, 36)).getlength(text)
        d.text(
            (b.left + (b.width - w) / 2, b.top + (b.height - min(size, 36)) // 2),
            text,
            fill=ACCENT if n.enabled else MUTED,
            font=_font(min(size, 36)),
        )
        return
    if n.clickable and n.children:  # a list row: a divider under it
        d.line((b.left + 48, b.bottom - 1, b.right - 48, b.bottom - 1), fill=LINE, width=2)
    if n.text and not n.children:
        d.text(
            (b.left, b.top + max(0, (b.height - size) // 2)),
            _fit(n.text, _font(size), b.width),
            fill=colour,
            font=_font(size),
        )
    elif n.cls.endswith("ImageView"):
        d.rectangle(rect, fill=MUTED)


def _draw_icon(d: ImageDraw.ImageDraw, n: Node) -> None:
    # A launcher icon: a tile with the app's initial, its label underneath.
    b = n.bounds
    cx = (b.left + b.right) // 2
    d.rounded_rectangle((cx - 80, b.top + 30, cx + 80, b.top + 190), radius=40, fill=ACCENT)
    initial = n.text[:1]
    d.text((cx - _font(80).getlength(initial) / 2, b.top + 60), initial, fill=ON_ACCENT, font=_font(80))
    label = _fit(n.text, _font(36), b.width - 16)
    d.text((cx - _font(36).getlength(label) / 2, b.top + 210), label, fill=TEXT, font=_font(36))


def _draw_window(d: ImageDraw.ImageDraw, w: Window) -> None:
    a = w.area
    if w.name == "keyboard":
        d.rectangle((0, KEYBOARD_TOP, SCREEN_W, NAV_TOP), fill=KEYS)
        for row, keys in enumerate(("qwertyuiop", "asdfghjkl", "zxcvbnm")):
            left = 6 + row * 54
            for i, ch in enumerate(keys):
                x, y = left + i * 107, KEYBOARD_TOP + 40 + row * 190
                d.rounded_rectangle((x, y, x + 95, y + 160), radius=12, fill=BG)
                d.text((x + 32, y + 50), ch, fill=TEXT, font=_font(48))
        return
    if w.name in ("status_bar", "nav_bar"):
        d.rectangle((a.left, a.top, a.right, a.bottom), fill=BAR)
    elif w.name == "home":
        d.rectangle((a.left, a.top, a.right, a.bottom), fill=HOME)
    elif w.name in ("shade", "recents"):
        d.rectangle((a.left, a.top, a.right, a.bottom), fill=SURFACE)
    elif w.name == "app":
        d.rectangle((a.left, a.top, a.right, a.bottom), fill=BG)
        d.line((0, 260, SCREEN_W, 260), fill=LINE, width=2)

    def visit(n: Node) -> None:
        if w.name == "home" and n.clickable:
            _draw_icon(d, n)
            return
        if w.name == "dialog" and n.resource_id == "android:id/parentPanel":
            b = n.bounds
            d.rounded_rectangle((b.left, b.top, b.right, b.bottom), radius=40, fill=BG, outline=TEXT, width=4)
        _draw_node(d, n)
        for child in n.children:
            visit(child)

    for node in w.nodes:
        visit(node)


def render_png(frame: Frame, dark: bool) -> bytes:
    """A 1080x2400 PNG of the frame, windows drawn bottom-up."""
    image = Image.new("P", (SCREEN_W, SCREEN_H), BG)
    palette = _DARK if dark else _LIGHT
    image.putpalette([c for rgb in palette for c in rgb])
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"  # no anti-aliasing: a palette image cannot blend, and it is faster
    for window in reversed(frame.windows):
        _draw_window(draw, window)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


@lru_cache(maxsize=1)
def black_png() -> bytes:
    """What `screencap` gives on a FLAG_SECURE screen: an all-black 1080x2400 PNG."""
    out = io.BytesIO()
    Image.new("L", (SCREEN_W, SCREEN_H), 0).save(out, "PNG", compress_level=6)
    return out.getvalue()
