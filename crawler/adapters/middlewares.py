"""Downloader middlewares: where requests may go, per-host transport options, and bodies that lie
about their encoding. Also `describe_failure`, which names the reason of a failed request for the
spiders' errback (`errors/<reason>` in the stats). The fault model is in docs/faults.md.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import logging
import re
import socket
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import settings as project_settings

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class RequestRefused(IgnoreRequest):
    """A request this project refused on purpose. It is already counted under `stats_key` and logged
    with its URL, so the spider's errback does not count it again."""

    def __init__(self, reason: str, url: str, stats_key: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.reason = reason
        self.stats_key = stats_key


def describe_failure(failure: Any) -> tuple[str, bool]:
    """(reason, already_counted) of a failed request: the name under which it is counted in
    `errors/<reason>`, and whether a middleware or Scrapy already counted it under its own key
    (guard/*, robotstxt/forbidden), in which case the errback only logs it."""
    exc = getattr(failure, "value", failure)
    if isinstance(exc, RequestRefused):
        return exc.reason, True
    if isinstance(exc, HttpError):
        return f"HttpError_{exc.response.status}", False
    message = str(exc)
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in message:
            return "robots_forbidden", True  # Scrapy counts robotstxt/forbidden
        if "max redirections" in message:
            return "too_many_redirects", False
        if "DOWNLOAD_MAXSIZE" in message:  # HttpCompressionMiddleware: a compression bomb
            return "too_large", False
        return "IgnoreRequest", False
    if isinstance(exc, DownloadCancelledError):
        # The HTTP/1.1 handler cancels a download only for DOWNLOAD_MAXSIZE (declared or received).
        return "too_large", False
    if "certificate verify failed" in message or "CERTIFICATE_VERIFY_FAILED" in message:
        return "tls_certificate", False
    if "SSL routines" in message or "unsafe legacy renegotiation" in message:
        return "tls_error", False
    return type(exc).__name__, False


def is_private_host(host: str) -> bool:
    """Loopback, private, link-local or reserved: by literal address or by what the name resolves to."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return False  # unresolvable: the download fails on its own, with its own reason
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    return any(a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_unspecified
               for a in addresses)


def _netloc_key(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port


class OffsiteAndPrivateGuard:
    """Never leave the site's allowed domains (redirects included: this runs on every request, and
    it replaces Scrapy's OffsiteMiddleware, which drops redirects silently at scheduling time and
    lets `dont_filter` requests through), never speak anything but HTTP(S), and never reach a
    private or loopback address unless the operator named that very host and port (the site's
    `-a base_url`, the generic spider's start URLs: tests, mirrors). Links, redirects and meta
    refreshes to any other private host stay refused. Refused before any connection; counted as
    guard/<reason>."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # Fails closed when the project's settings are not loaded (a bare crawler): the default is
        # crawler/settings.py's, stated there once.
        default = project_settings.BLOCK_PRIVATE_ADDRESSES
        self.block_private = crawler.settings.getbool("BLOCK_PRIVATE_ADDRESSES", default)
        self._private_cache: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteAndPrivateGuard:
        return cls(crawler)

    def _refuse(self, request: Request, reason: str, detail: str) -> None:
        key = f"guard/{reason}"
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)
        real = request.meta.get("real_url")
        via = f" (linked as {real})" if real and real != request.url else ""
        logger.warning("Refused %s%s: %s", request.url, via, detail)
        raise RequestRefused(reason, request.url, key)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        host = self.check(request, spider)
        if host is None:
            return
        if host not in self._private_cache:
            # The name lookup runs in a worker thread: a slow resolver must not stall the reactor,
            # which in `crawlall` serves every site of the run.
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                private = is_private_host(host)
            else:
                private = await loop.run_in_executor(None, is_private_host, host)
            self._private_cache[host] = private
        if self._private_cache[host]:
            self._refuse(request, "private_address", f"host {urlsplit(request.url).netloc!r} is a private or "
                         "loopback address")

    def check(self, request: Request, spider: Spider | None = None) -> str | None:
        """Refuses what the URL alone rules out (scheme, offsite, a cached private host); returns the
        host whose addresses still need a look, or None when nothing more is to check."""
        spider = spider or self.crawler.spider
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            if parts.scheme == "data" and request.meta.get("internal"):
                return None
            self._refuse(request, "bad_scheme", f"scheme {parts.scheme!r} is not followed")
        host = (parts.hostname or "").lower()
        allowed = [d.lower() for d in getattr(spider, "allowed_domains", None) or []]
        if allowed and not any(host == d or host.endswith("." + d) for d in allowed):
            self._refuse(request, "offsite", f"host {host!r} is outside the allowed domains {allowed}")
        if not self.block_private or self._trusted(request.url, spider):
            return None
        if self._private_cache.get(host):
            self._refuse(request, "private_address", f"host {parts.netloc!r} is a private or loopback address")
        return None if host in self._private_cache else host

    @staticmethod
    def _trusted(url: str, spider: Any) -> bool:
        """Same host and port as an address the operator gave (another port on 127.0.0.1 is another
        service)."""
        origins = getattr(spider, "trusted_origins", None) or ()
        return _netloc_key(url) in {_netloc_key(origin) for origin in origins}


class RedirectTargetGuard:
    """Sees a 3xx response before Scrapy's RedirectMiddleware does (priority above 600): a Location
    in another scheme (file:, ftp:, javascript:...) would otherwise come back as an anonymous
    HttpError, and a redirect loop would be dropped silently by the duplicate filter. Both are
    refused here, named and counted (guard/bad_scheme, errors/redirect_loop)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectTargetGuard:
        return cls(crawler)

    def _refuse(self, request: Request, key: str, reason: str, detail: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)
        logger.warning("Refused redirect of %s: %s", request.meta.get("real_url", request.url), detail)
        raise RequestRefused(reason, request.url, key)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if response.status not in REDIRECT_STATUSES or b"Location" not in response.headers:
            return response
        # The same exemptions as RedirectMiddleware: responses it would hand to the callback as they are.
        if (request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all")
                or response.status in request.meta.get("handle_httpstatus_list", ())
                or response.status in getattr(spider or self.crawler.spider, "handle_httpstatus_list", ())):
            return response
        raw = (response.headers.get(b"Location") or b"").decode("latin-1").strip()
        target = urljoin(request.url, raw)
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            self._refuse(request, "guard/bad_scheme", "bad_scheme",
                         f"Location {raw!r}: scheme {scheme!r} is not followed")
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if target.split("#", 1)[0] in chain:
            self._refuse(request, "errors/redirect_loop", "redirect_loop",
                         f"Location {raw!r} loops back ({len(chain)} hop(s))")
        return response


class TransportMiddleware:
    """Per-host options of the site registry's [transport] table (see crawler/adapters/transport.py):
    `timeout` sets the request's download_timeout, `http_only` fetches https URLs over http."""

    def __init__(self, crawler: Crawler) -> None:
        from crawler.adapters.transport import HostTransport

        self.crawler = crawler
        self.transport = HostTransport.from_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TransportMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> Request | None:
        parts = urlsplit(request.url)
        host = (parts.hostname or "").lower()
        if not host:
            return None
        options, _origin = self.transport.lookup(host)
        if options.http_only and parts.scheme == "https":
            netloc = host if parts.port in (None, 443) else f"{host}:{parts.port}"
            plain = urlunsplit(("http", netloc, parts.path, parts.query, parts.fragment))
            if plain in request.meta.get("redirect_urls", ()):
                # The server sends http to https and the site says http only: nothing can be fetched.
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value("errors/redirect_loop")
                logger.warning("Refused %s: the server redirects to https, but the site file says http_only", plain)
                raise RequestRefused("redirect_loop", request.url, "errors/redirect_loop")
            self.transport.note(host, "http_only", "true: https URLs fetched over http")
            return request.replace(url=plain)
        if options.timeout and "download_timeout" not in request.meta:
            request.meta["download_timeout"] = options.timeout
            self.transport.note(host, "timeout", f"{options.timeout:g} s")
        return None


# Single-byte charsets a server declares by default (Apache, IIS) while the page is really UTF-8.
_LATIN_DEFAULTS = {"cp1252", "latin_1", "iso8859-1", "iso8859-15", "ascii"}


def _codec(name: str | None) -> str:
    try:
        return codecs.lookup(name or "").name
    except LookupError:
        return ""


class BodyDecodeMiddleware:
    """Bodies that lie about their encoding.

    Some Vietnamese servers send gzip bytes with no Content-Encoding header (saved samples of
    baolaocai.vn and vtcnews.vn are such bytes): decompress by the magic bytes, bounded by
    DOWNLOAD_MAXSIZE so a compression bomb cannot blow up memory. Some declare a Latin charset
    (iso-8859-1, windows-1252: server defaults) for a page that is UTF-8 Vietnamese: decode it as
    UTF-8 when the body is valid UTF-8 with multi-byte characters, which Latin text practically
    never is."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BodyDecodeMiddleware:
        return cls(crawler)

    def _count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if response.body[:2] == b"\x1f\x8b" and not request.meta.get("keep_gzip"):
            response = self._gunzip(request, response)
        if isinstance(response, TextResponse):
            response = self._fix_charset(response)
        return response

    def _gunzip(self, request: Request, response: Response) -> Response:
        from scrapy.utils._compression import _DecompressionMaxSizeExceeded
        from scrapy.utils.gz import gunzip

        max_size = request.meta.get("download_maxsize", self.max_size)
        try:
            body = gunzip(response.body, max_size=max_size)
        except _DecompressionMaxSizeExceeded as exc:
            self._count("errors/too_large")
            logger.warning("Undeclared gzip body of %s is larger than DOWNLOAD_MAXSIZE (%d B) once "
                           "decompressed: dropped", request.meta.get("real_url", response.url), max_size)
            raise RequestRefused("too_large", response.url, "errors/too_large") from exc
        except Exception as exc:  # gunzip raises OSError, EOFError or zlib.error on garbage
            self._count("errors/bad_gzip_body")
            logger.warning("Undeclared gzip body of %s could not be decoded: %s",
                           request.meta.get("real_url", response.url), exc)
            raise RequestRefused("bad_gzip_body", response.url, "errors/bad_gzip_body") from exc
        self._count("decode/undeclared_gzip")
        if isinstance(response, TextResponse):
            return response.replace(body=body)
        headers = response.headers.copy()
        headers.pop(b"Content-Type", None)  # the declared type described the gzip bytes, not the page
        return HtmlResponse(url=response.url, status=response.status, headers=headers, body=body, request=request)

    def _fix_charset(self, response: TextResponse) -> TextResponse:
        declared = _codec(response.encoding)
        if declared not in _LATIN_DEFAULTS or response.body.isascii():
            return response
        try:
            response.body.decode("utf-8")
        except UnicodeDecodeError:
            return response  # really a Latin page
        self._count("decode/charset_corrected")
        logger.info("%s declares charset %s but its body is UTF-8: decoded as UTF-8", response.url,
                    response.encoding)
        return response.replace(encoding="utf-8")


# An internal DTD subset that declares entities: "billion laughs" expansion or external entities
# (XXE: SYSTEM "file:///etc/passwd"). Sitemaps and feeds never need one.
# That is `<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY` found anywhere, but that search, tried from every
# "<!DOCTYPE" and every "[", was quadratic (a head of repeated "<!DOCTYPE[" took seconds). Written as
# one anchored left-to-right pass with possessive loops, as a scanner with four states: A (no
# declaration open), B (a "<!DOCTYPE" not yet closed by ">" or "["), C0 (inside its "[" subset) and
# C1 (inside the subset, with a later "<!DOCTYPE" pending: on "]" it is B again). Same answer on
# every input (checked against the plain form on random token strings).
_DTD_A = rb"(?:[^<]|<(?!!doctype))"  # stays in A
_DTD_B = rb"[^>\[]"  # stays in B
_DTD_C0 = rb"(?:[^<\]]|<(?!!entity|!doctype))"  # stays in C0
_DTD_C1 = rb"(?:[^<>\[\]]|<(?!!entity))"  # stays in C1
_DTD_C = _DTD_C0 + rb"*+(?:<!doctype" + _DTD_C1 + rb"*+[>\[]" + _DTD_C0 + rb"*+)*+"  # C0 <-> C1, ends in C0
_DTD_B_LOOP = rb"(?:" + _DTD_B + rb"*+\[" + _DTD_C + rb"<!doctype" + _DTD_C1 + rb"*+\])*+"  # B -> C -> B
_ENTITY_DTD = re.compile(
    rb"\A(?:" + _DTD_A + rb"*+<!doctype" + _DTD_B_LOOP + _DTD_B + rb"*+(?:>|\[" + _DTD_C + rb"\]))*+"  # back to A
    + _DTD_A + rb"*+<!doctype" + _DTD_B_LOOP + _DTD_B + rb"*+\["  # the last declaration's subset...
    + _DTD_C + rb"(?:<!doctype" + _DTD_C1 + rb"*+)?<!entity",  # ...declares an entity
    re.IGNORECASE,
)
_XML_START = (b"<?xml", b"<!doctype", b"\xef\xbb\xbf<?xml")


class XmlEntityGuard:
    """Refuses XML documents that declare entities before any spider parses them (counted as
    errors/xml_entities, logged with the URL). The parsers are safe on their own (lxml with
    resolve_entities=False and no network, in Scrapy's Sitemap and crawler.discovery); this makes a
    hostile sitemap or feed visible instead of silently yielding nothing."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> XmlEntityGuard:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        head = response.body[:65_536].lstrip()
        # Every HTML page starts with "<!DOCTYPE": the scan (~2 ms on 64 KB) runs only when the
        # head holds an entity declaration at all.
        if not head[:9].lower().startswith(_XML_START) or b"<!entity" not in head.lower():
            return response
        if not _ENTITY_DTD.search(head):
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("errors/xml_entities")
        logger.warning("Refused %s: an XML document declaring entities (entity expansion or XXE), not parsed",
                       request.meta.get("real_url", response.url))
        raise RequestRefused("xml_entities", response.url, "errors/xml_entities")
