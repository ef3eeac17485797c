"""Serves a generated site on 127.0.0.1 from its own process, with raw asyncio (HTTP/1.1 keep-alive).

    python -m benchmarks.crawl.server ROOT      # prints "PORT <n>" once listening

http.server's thread per connection costs more CPU per request than the crawl itself on a small
machine; this answers from one event loop and reads each page from disk (the OS page cache), so a
10,000-page site costs no server memory. `server_rate` measures what it sustains with concurrent
keep-alive clients, so the benchmark can show that the server is not the bottleneck.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[2]


class Site:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.n_listings = len(list((root / "listings").glob("[0-9]*.html")))

    def lookup(self, target: str) -> Path | None:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if parts.path == "/robots.txt":
            return self.root / "robots.txt"
        if parts.path in ("/web/guest/chi-tiet", "/web/guest/chinh-quyen/chi-tiet"):
            aid = query.get("id", [""])[0]
            path = self.root / "articles" / f"{aid}.html"
            return path if aid.isdigit() and path.is_file() else None
        if parts.path == "/web/guest/chinh-quyen/danh-muc" and query.get("id") == ["3"]:
            cur = query.get("cur", ["1"])[0]
            if not cur.isdigit():
                return None
            n = int(cur)
            return self.root / "listings" / (f"{n}.html" if 1 <= n <= self.n_listings else "empty.html")
        return None


class HttpProtocol(asyncio.Protocol):
    def __init__(self, site: Site) -> None:
        self.site = site
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buf += data
        while (end := self.buf.find(b"\r\n\r\n")) >= 0:
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            line = head.split(b"\r\n", 1)[0].split(b" ")
            target = line[1].decode("latin-1") if len(line) >= 2 else "/"
            path = self.site.lookup(target)
            if path is None:
                status, body, ctype = b"404 Not Found", b"not found", b"text/plain"
            else:
                status, body = b"200 OK", path.read_bytes()
                ctype = b"text/plain; charset=utf-8" if path.suffix == ".txt" else b"text/html; charset=utf-8"
            close = b"connection: close" in head.lower()
            self.transport.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype + b"\r\nContent-Length: "
                + str(len(body)).encode() + (b"\r\nConnection: close" if close else b"") + b"\r\n\r\n"
            )
            self.transport.write(body)
            if close:
                self.transport.close()
                return


async def _serve(root: Path, port: int) -> None:
    loop = asyncio.get_running_loop()
    site = Site(root)
    server = await loop.create_server(lambda: HttpProtocol(site), "127.0.0.1", port, backlog=1024)
    sock = server.sockets[0]
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


@contextmanager
def serve_site(root: Path) -> Iterator[str]:
    """Runs the server in a child process; yields its base URL."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.crawl.server", str(root)],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/"
    finally:
        proc.terminate()
        proc.wait(10)


async def _client(host: str, port: int, paths: list[str]) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    got = 0
    for path in paths:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
        got += len(await reader.readexactly(length))
    writer.close()
    return got


def server_rate(base_url: str, paths: list[str], concurrency: int = 16) -> tuple[float, float]:
    """(requests per second, MB per second) the server sustains for `paths` over `concurrency`
    keep-alive connections."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    async def run() -> int:
        shares = [paths[i::concurrency] for i in range(concurrency)]
        sizes = await asyncio.gather(*(_client(host, port, s) for s in shares if s))
        return sum(sizes)

    t0 = time.perf_counter()
    total = asyncio.run(run())
    wall = time.perf_counter() - t0
    return len(paths) / wall, total / wall / 1e6


def main() -> None:
    root = Path(sys.argv[1])
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    with suppress(KeyboardInterrupt):
        asyncio.run(_serve(root, port))


if __name__ == "__main__":
    main()
