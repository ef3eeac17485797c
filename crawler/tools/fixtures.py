"""Fixture sites: saved or reconstructed pages served on 127.0.0.1 for tests and the offline demo.

Each site lives in `tests/fixtures/sites/<slug>/` with a `fixture.toml`:

    reconstructed = true            # false when every page is a real saved page
    origin = "where the markup comes from (real sample path, or the evidence it was rebuilt from)"
    [routes]                        # request path (+ query) -> file in this folder
    "/web/guest/chi-tiet?id=54019&_c=3" = "article_54019.html"
    [redirects]                     # optional: request path (+ query) -> Location, answered with 302
    "/" = "/web/guest/trang-chu"    # or { location = "/web/guest/trang-chu", status = 301 }
    [[articles]]                    # article pages with the expected extraction
    route = "/web/guest/chi-tiet?id=54019&_c=3"
    expected = "article_54019.expected.json"

`expected_verdict = "failed"` marks a fixture whose crawl must fail (a robots.txt refusal).

Only loopback addresses are ever bound.
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures" / "sites"

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".gz": "application/x-gzip",
}


def _route_key(path_and_query: str) -> str:
    """Query order and percent-encoding differ between a link and the request Scrapy sends."""
    parts = urlsplit(path_and_query)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + ("?" + query if query else "")


@dataclass
class FixtureSite:
    slug: str
    directory: Path
    routes: dict[str, Path]
    articles: list[dict[str, Any]] = field(default_factory=list)
    reconstructed: bool = True
    origin: str = ""
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # The verdict a crawl of the fixture must give when it is not ok/quiet (baolangson's robots.txt
    # refuses the crawler, as the real site's does: "failed").
    expected_verdict: str | None = None
    redirects: dict[str, tuple[int, str]] = field(default_factory=dict)  # route -> (status, Location)

    def expected(self, article: dict[str, Any]) -> dict[str, Any]:
        import json

        result: dict[str, Any] = json.loads((self.directory / article["expected"]).read_text("utf-8"))
        return result

    def file_for(self, path_and_query: str) -> Path | None:
        return self.routes.get(_route_key(path_and_query))

    def redirect_for(self, path_and_query: str) -> tuple[int, str] | None:
        return self.redirects.get(_route_key(path_and_query))


def _redirect(meta_path: Path, route: str, value: Any) -> tuple[int, str]:
    if isinstance(value, str):
        return 302, value
    if isinstance(value, dict) and isinstance(value.get("location"), str):
        status = int(value.get("status", 302))
        if status in (301, 302, 303, 307, 308):
            return status, value["location"]
    raise ValueError(f"{meta_path}: redirect {route!r} must be a Location string or {{ location, status = 30x }}")


def load_fixture_site(slug: str, root: Path = FIXTURES_DIR) -> FixtureSite:
    directory = root / slug
    meta_path = directory / "fixture.toml"
    with meta_path.open("rb") as fh:
        meta = tomllib.load(fh)
    routes = {}
    for route, filename in meta.get("routes", {}).items():
        target = directory / filename
        if not target.is_file():
            raise FileNotFoundError(f"{meta_path}: route {route!r} names missing file {filename!r}")
        routes[_route_key(route)] = target
    return FixtureSite(
        slug=slug,
        directory=directory,
        routes=routes,
        articles=list(meta.get("articles", [])),
        reconstructed=bool(meta.get("reconstructed", True)),
        origin=str(meta.get("origin", "")),
        headers={_route_key(k): v for k, v in meta.get("headers", {}).items()},
        expected_verdict=meta.get("expected_verdict"),
        redirects={_route_key(k): _redirect(meta_path, k, v) for k, v in meta.get("redirects", {}).items()},
    )


def fixture_slugs(root: Path = FIXTURES_DIR) -> list[str]:
    return sorted(p.parent.name for p in root.glob("*/fixture.toml"))


class _Handler(BaseHTTPRequestHandler):
    site: FixtureSite
    hits: list[str]
    agents: list[str]
    delays: dict[str, float]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.agents.append(self.headers.get("User-Agent", ""))
        for fragment, seconds in self.delays.items():
            if fragment in self.path:
                time.sleep(seconds)  # a slow server, for tests that must catch a crawl mid-way
                break
        redirect = self.site.redirect_for(self.path)
        if redirect is not None:
            status, location = redirect
            self._send(status, b"", "text/html; charset=utf-8", {"Location": location})
            return
        target = self.site.file_for(self.path)
        if target is None and urlsplit(self.path).path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")
            return
        if target is None:
            self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html; charset=utf-8")
            return
        body = target.read_bytes()
        ctype = _CONTENT_TYPES.get(target.suffix, mimetypes.guess_type(target.name)[0] or "text/html")
        extra = dict(self.site.headers.get(_route_key(self.path), {}))
        if extra.pop("x-fixture-gzip", None):
            body = gzip.compress(body)
        self._send(200, body, extra.pop("content-type", ctype), extra)

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test and demo output quiet


@dataclass
class RunningSite:
    site: FixtureSite
    base_url: str
    hits: list[str]
    agents: list[str] = field(default_factory=list)  # the User-Agent of each request


@contextmanager
def serve_sites(
    slugs: list[str], root: Path = FIXTURES_DIR, delays: dict[str, float] | None = None
) -> Iterator[dict[str, RunningSite]]:
    """Serve each fixture site on its own free port of 127.0.0.1 (paths of different sites collide).
    `delays` maps a path fragment to seconds to wait before answering requests containing it."""
    servers: list[ThreadingHTTPServer] = []
    running: dict[str, RunningSite] = {}
    try:
        for slug in slugs:
            site = load_fixture_site(slug, root)
            hits: list[str] = []
            agents: list[str] = []
            handler = type(f"Handler_{slug}", (_Handler,),
                           {"site": site, "hits": hits, "agents": agents, "delays": delays or {}})
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            server.daemon_threads = True
            # A short poll interval: shutdown() waits for it, once per server.
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            servers.append(server)
            running[slug] = RunningSite(site, f"http://127.0.0.1:{server.server_address[1]}/", hits, agents)
        yield running
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
