"""VirtualWeb: a small offline website for browser devices, served on loopback.

The machines fleetmind is built and tested on have no internet, so the embedded
fleet's browsers need somewhere to go. VirtualWeb serves a portal with a weather
service, an encyclopedia with search, and a contact form, deterministic for a seed.
Like the VirtualPhone, its state (what was searched, what forms were sent) can be
read by tests and benchmark checkers.
"""

from __future__ import annotations

import html
import random
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ARTICLES = {
    "Ada Lovelace": "Ada Lovelace (1815-1852) was an English mathematician who wrote the first published"
    " algorithm intended for Charles Babbage's Analytical Engine.",
    "Grace Hopper": "Grace Hopper (1906-1992) was an American computer scientist who led the team that"
    " built the first compiler, A-0, and helped design COBOL.",
    "Alan Turing": "Alan Turing (1912-1954) was an English mathematician who formalised computation with the"
    " Turing machine and worked on breaking the Enigma cipher.",
    "Paris": "Paris is the capital of France, on the Seine, with about 2.1 million inhabitants.",
    "Kyoto": "Kyoto was the capital of Japan for over a thousand years and has some 1,600 temples.",
}
CONDITIONS = ("sunny", "partly cloudy", "light rain", "overcast", "windy", "clear")

_STYLE = """body{font-family:sans-serif;margin:24px;max-width:720px}nav a{margin-right:16px}
label{display:block;margin-top:12px}input,textarea{font-size:16px;padding:6px;width:320px}
button{font-size:16px;margin-top:12px;padding:6px 16px}.result{font-size:20px;margin-top:20px}"""


@dataclass
class WebState:
    """What happened on the site: searches, forecasts looked up, messages sent."""

    searches: list[str] = field(default_factory=list)
    forecasts: list[str] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)


class VirtualWeb:
    """The site and its loopback server. `with VirtualWeb() as web: web.url`."""

    def __init__(self, seed: int = 0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.seed = seed
        self.state = WebState()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The portal's address, e.g. http://127.0.0.1:40123/."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> VirtualWeb:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="virtual-web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> VirtualWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def forecast(self, city: str) -> str:
        """The (deterministic) weather for a city."""
        rng = random.Random(f"{self.seed}:{city.strip().lower()}")
        return f"{rng.randint(-5, 32)}°C, {rng.choice(CONDITIONS)}"

    # pages -----------------------------------------------------------------------------

    def page(self, path: str, query: dict[str, str]) -> tuple[HTTPStatus, str, str]:
        """(status, title, body html) for a request; pure apart from recording state."""
        if path == "/":
            return HTTPStatus.OK, "Portal", (
                "<h1>Portal</h1><p>Everything you need, offline.</p><ul>"
                '<li><a href="/weather">Weather</a> - forecasts for any city</li>'
                '<li><a href="/wiki">Encyclopedia</a> - search articles</li>'
                '<li><a href="/contact">Contact us</a> - send us a message</li></ul>'
            )
        if path == "/weather":
            city = query.get("city", "").strip()
            body = (
                '<h1>Weather</h1><form action="/weather"><label for="city">City</label>'
                '<input id="city" name="city" placeholder="City">'
                '<button type="submit">Get forecast</button></form>'
            )
            if city:
                with self._lock:
                    self.state.forecasts.append(city)
                body += f'<p class="result" role="status">Weather in {html.escape(city)}: {self.forecast(city)}</p>'
            return HTTPStatus.OK, "Weather", body
        if path == "/wiki":
            q = query.get("q", "").strip()
            body = (
                '<h1>Encyclopedia</h1><form action="/wiki"><label for="q">Search articles</label>'
                '<input id="q" name="q" type="search" placeholder="Search articles">'
                '<button type="submit">Search</button></form>'
            )
            if q:
                with self._lock:
                    self.state.searches.append(q)
                hits = [t for t in ARTICLES if q.lower() in t.lower() or q.lower() in ARTICLES[t].lower()]
                items = "".join(f'<li><a href="/wiki/{html.escape(t)}">{html.escape(t)}</a></li>' for t in hits)
                body += f"<h2>Results for {html.escape(q)}</h2><ul>{items or '<li>No articles found</li>'}</ul>"
            return HTTPStatus.OK, "Encyclopedia", body
        if path.startswith("/wiki/"):
            title = path.removeprefix("/wiki/").replace("%20", " ")
            if title not in ARTICLES:
                return HTTPStatus.NOT_FOUND, "Not found", f"<h1>No article {html.escape(title)}</h1>"
            return HTTPStatus.OK, title, f"<h1>{html.escape(title)}</h1><p class='result'>{ARTICLES[title]}</p>"
        if path == "/contact":
            name, message = query.get("name", "").strip(), query.get("message", "").strip()
            if name or message:
                with self._lock:
                    self.state.messages.append({"name": name, "message": message})
                return HTTPStatus.OK, "Contact us", f"<h1>Thank you, {html.escape(name)}</h1><p>Message sent.</p>"
            return HTTPStatus.OK, "Contact us", (
                '<h1>Contact us</h1><form action="/contact"><label for="name">Name</label>'
                '<input id="name" name="name"><label for="message">Message</label>'
                '<textarea id="message" name="message"></textarea><button type="submit">Send</button></form>'
            )
        return HTTPStatus.NOT_FOUND, "Not found", "<h1>Page not found</h1>"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, title, body = web.page(parts.path, query)
                nav = '<nav><a href="/">Portal</a><a href="/weather">Weather</a><a href="/wiki">Encyclopedia</a></nav>'
                doc = (
                    f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                    f"<style>{_STYLE}</style></head><body>{nav}{body}</body></html>"
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(doc)))
                self.end_headers()
                self.wfile.write(doc)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: the agent logs its steps
                pass

        return Handler
