"""A small HTTP server on 127.0.0.1 that misbehaves on purpose, path by path.

Each route is a `Route`: a status, headers and body, or a fault (`hang`, `reset`, `truncate`,
`stream`, ...), optionally for the first N requests only (`times`), after which the route's normal
page is served (a server that recovers). Only the loopback address is ever bound; the server stops
by itself after `lifetime` seconds or `max_requests` requests, and stops when its context exits.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

HTML = "text/html; charset=utf-8"


def route_key(path_and_query: str) -> str:
    """Query order and percent-encoding differ between a link and the request Scrapy sends."""
    parts = urlsplit(path_and_query)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + ("?" + query if query else "")


@dataclass
class Route:
    """What one path answers.

    fault: None (a normal answer), "status" (answer `fault_status` with a short error page),
    "hang" (read the request, never answer), "slow" (answer after `delay` seconds), "drop" (a TCP
    reset instead of an answer), "reset" (send the headers and `cut_at` bytes of the body, then a TCP
    reset), "truncate" (declare Content-Length `missing` bytes larger than the body, send
    the body, close), "stream" (send `stream_bytes` of filler, with or without Content-Length).
    times: the fault applies to the first `times` requests only (None: always).
    """

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": HTML})
    fault: str | None = None
    times: int | None = None
    fault_status: int = 503
    cut_at: int = 2048
    missing: int = 10_000
    stream_bytes: int = 0
    declare_length: bool = True
    delay: float = 0.0

    def fault_now(self, attempt: int) -> str | None:
        if self.fault is None or (self.times is not None and attempt > self.times):
            return None
        return self.fault


def page(body: bytes | str, ctype: str = HTML, status: int = 200, **headers: str) -> Route:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Route(body=data, status=status, headers={"Content-Type": ctype, **headers})


def redirect(location: str, status: int = 302) -> Route:
    return Route(body=b"", status=status, headers={"Location": location, "Content-Type": HTML})


class _Handler(BaseHTTPRequestHandler):
    server: FaultServer

    def do_GET(self) -> None:
        srv = self.server
        key = route_key(self.path)
        with srv.lock:
            srv.request_count += 1
            count = srv.request_count
            srv.attempts[key] = attempt = srv.attempts.get(key, 0) + 1
            srv.hits.append(self.path)
        if count > srv.max_requests:
            srv.over_budget = True
            self.close_connection = True
            return  # a runaway crawler gets nothing, and the test sees over_budget
        route = srv.routes.get(key)
        if route is None and srv.fallback is not None:
            route = srv.fallback(key)
        if route is None:
            self._answer(404, {"Content-Type": HTML}, b"<html><body><h1>404 Not Found</h1></body></html>")
            return
        fault = route.fault_now(attempt)
        if fault is None:
            self._answer(route.status, route.headers, route.body)
        elif fault == "status":
            self._answer(route.fault_status, {"Content-Type": HTML},
                         f"<html><body><h1>{route.fault_status}</h1></body></html>".encode())
        elif fault == "hang":
            srv.stopping.wait(srv.lifetime)  # bounded: the server's own lifetime, or until it stops
        elif fault == "slow":
            srv.stopping.wait(route.delay)
            self._answer(route.status, route.headers, route.body)
        elif fault == "drop":
            self._reset()
        elif fault == "reset":
            self._head(route.status, route.headers, len(route.body))
            self.wfile.write(route.body[: route.cut_at])
            self.wfile.flush()
            time.sleep(0.05)
            self._reset()
        elif fault == "truncate":
            self._head(route.status, route.headers, len(route.body) + route.missing)
            self.wfile.write(route.body)
            self.close_connection = True
        elif fault == "stream":
            self._stream(route)
        else:
            raise ValueError(f"unknown fault {fault!r}")

    def _head(self, status: int, headers: dict[str, str], length: int | None) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self._head(status, headers, len(body))
        self.wfile.write(body)

    def _stream(self, route: Route) -> None:
        """Filler HTML in 64 KiB chunks until `stream_bytes`, or until the client hangs up."""
        self._head(route.status, route.headers, route.stream_bytes if route.declare_length else None)
        self.close_connection = True
        chunk = (b"<p>" + b"x" * 65_529 + b"</p>")[:65_536]
        key, sent = route_key(self.path), 0
        self.connection.settimeout(1.0)  # a reader that stalls without closing also ends the stream
        try:
            while sent < route.stream_bytes and not self.server.stopping.is_set():
                piece = chunk[: route.stream_bytes - sent]
                self.wfile.write(piece)
                sent += len(piece)
                with self.server.lock:
                    self.server.streamed[key] = sent
        except OSError:
            pass  # the crawler cancelled the download: what the test wants

    def _reset(self) -> None:
        """SO_LINGER with a zero timeout turns close() into a TCP RST."""
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        self.close_connection = True

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the socket was reset on purpose
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Route], *, lifetime: float = 60.0, max_requests: int = 500,
                 tls: ssl.SSLContext | None = None, fallback: Callable[[str], Route | None] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fallback = fallback  # makes routes on demand (large generated sites)
        self.routes = {route_key(k): v for k, v in routes.items()}
        self.lifetime = lifetime
        self.max_requests = max_requests
        self.tls = tls
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.request_count = 0
        self.over_budget = False
        self.attempts: dict[str, int] = {}
        self.hits: list[str] = []
        self.streamed: dict[str, int] = {}

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # handshakes the client refuses (bad certificate) end here; the test checks the crawler

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}/"

    def streamed_of(self, path: str) -> int:
        with self.lock:
            return self.streamed.get(route_key(path), 0)

    def hits_of(self, path: str) -> int:
        key = route_key(path)
        with self.lock:
            return sum(1 for h in self.hits if route_key(h) == key)


@contextmanager
def serve_faults(routes: dict[str, Route], *, lifetime: float = 60.0, max_requests: int = 500,
                 tls: ssl.SSLContext | None = None,
                 fallback: Callable[[str], Route | None] | None = None) -> Iterator[FaultServer]:
    """Serve `routes` on a free port of 127.0.0.1 until the block ends (or `lifetime` runs out)."""
    server = FaultServer(routes, lifetime=lifetime, max_requests=max_requests, tls=tls, fallback=fallback)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    timer = threading.Timer(lifetime, server.stopping.set)
    timer.daemon = True
    timer.start()
    watchdog = threading.Thread(target=lambda: (server.stopping.wait(), server.shutdown()), daemon=True)
    watchdog.start()
    try:
        yield server
    finally:
        timer.cancel()
        server.stopping.set()
        watchdog.join(5)
        server.server_close()


@contextmanager
def trap_listener() -> Iterator[tuple[int, list[Any]]]:
    """A bare listening socket on 127.0.0.1 that records every connection made to it: proof that a
    refused request never reached the network."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.1)
    accepted: list[Any] = []
    done = threading.Event()

    def loop() -> None:
        while not done.is_set():
            try:
                conn, addr = sock.accept()
            except (TimeoutError, OSError):
                continue
            accepted.append(addr)
            conn.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1], accepted
    finally:
        done.set()
        thread.join(2)
        sock.close()


def self_signed_tls(directory: Path, host: str = "127.0.0.1") -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for `host` (no CA will vouch for it)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context
