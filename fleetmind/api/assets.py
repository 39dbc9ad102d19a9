"""The web UI's files, read once and served from memory.

They are a few small files, so each request is answered without touching the disk or
a worker thread (Starlette's StaticFiles does both per request). Every answer carries
an ETag and `Cache-Control: no-cache`: a browser revalidates and usually gets a 304,
and an upgraded fleetmind is never hidden behind a stale cache.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".html": "text/html"}


@dataclass(frozen=True)
class Asset:
    """One file: its bytes, media type and entity tag."""

    body: bytes
    media_type: str
    etag: str


def load_assets(directory: Path) -> dict[str, Asset]:
    """Every file directly in `directory`, by name."""
    assets = {}
    for path in sorted(directory.iterdir()):
        if path.is_file():
            body = path.read_bytes()
            media_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            assets[path.name] = Asset(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:16]}"')
    return assets


class Assets:
    """An ASGI app serving `directory`'s files from memory; `/` is `index.html`."""

    def __init__(self, directory: Path) -> None:
        self.files = load_assets(directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer GET and HEAD with the file, 304 when the browser has it, 404 otherwise."""
        name = scope["path"].removeprefix(scope.get("root_path", "")).lstrip("/") or "index.html"
        asset = self.files.get(name)
        response: Response
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or asset is None:
            response = PlainTextResponse(f"nothing at /{name}; the web UI is at /, the API under /api", 404)
        else:
            headers = {"ETag": asset.etag, "Cache-Control": "no-cache"}
            given = dict(scope["headers"]).get(b"if-none-match", b"").decode()
            if asset.etag in given:
                response = Response(status_code=304, headers=headers)
            else:
                response = Response(asset.body, media_type=asset.media_type, headers=headers)
        await response(scope, receive, send)
