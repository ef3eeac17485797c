"""Downloader middlewares: where requests may go, and bodies that lie about their encoding."""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


def is_private_host(host: str) -> bool:
    """Loopback, private, link-local or reserved: by literal address or by what the name resolves to."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if host == "localhost":
            return True
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return False  # unresolvable: the download fails on its own, with its own reason
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    return any(a.is_private or a.is_loopback or a.is_link_local or a.is_reserved for a in addresses)


class OffsiteAndPrivateGuard:
    """Never leave the site's allowed domains (redirects included: this runs on every request the
    redirect middleware makes), never speak anything but HTTP(S), and never reach a private or
    loopback address unless the site's own base URL is on one (tests, mirrors)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.block_private = crawler.settings.getbool("BLOCK_PRIVATE_ADDRESSES", True)
        self._private_cache: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteAndPrivateGuard:
        return cls(crawler)

    def _refuse(self, request: Request, reason: str, detail: str) -> None:
        self.crawler.stats.inc_value(f"guard/{reason}")
        logger.warning("Refused %s: %s", request.url, detail)
        raise IgnoreRequest(f"{reason}: {request.url}")

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            if parts.scheme == "data" and request.meta.get("internal"):
                return
            self._refuse(request, "bad_scheme", f"scheme {parts.scheme!r} is not followed")
        host = (parts.hostname or "").lower()
        allowed = [d.lower() for d in getattr(spider, "allowed_domains", None) or []]
        if allowed and not any(host == d or host.endswith("." + d) for d in allowed):
            self._refuse(request, "offsite", f"host {host!r} is outside {allowed}")
        if self.block_private and not self._base_is(host, spider):
            if host not in self._private_cache:
                self._private_cache[host] = is_private_host(host)
            if self._private_cache[host]:
                self._refuse(request, "private_address", f"host {host!r} is a private or loopback address")

    @staticmethod
    def _base_is(host: str, spider: Any) -> bool:
        base = getattr(spider, "base_url", None)
        return bool(base) and (urlsplit(base).hostname or "").lower() == host


class BodyDecodeMiddleware:
    """Some Vietnamese servers send gzip bytes with no Content-Encoding header (saved samples of
    baolaocai.vn and vtcnews.vn are such bytes). Decompress by the magic bytes, bounded by
    DOWNLOAD_MAXSIZE so a compression bomb cannot blow up memory."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BodyDecodeMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if response.body[:2] != b"\x1f\x8b" or request.meta.get("keep_gzip"):
            return response
        from scrapy.http import HtmlResponse, TextResponse
        from scrapy.utils.gz import gunzip

        try:
            body = gunzip(response.body, max_size=self.max_size)
        except Exception as exc:  # gunzip raises IOError or DecompressionMaxSizeExceeded
            self.crawler.stats.inc_value("errors/bad_gzip_body")
            logger.warning("Undeclared gzip body of %s could not be decoded: %s", response.url, exc)
            raise IgnoreRequest(f"bad gzip body: {response.url}") from exc
        self.crawler.stats.inc_value("decode/undeclared_gzip")
        if isinstance(response, TextResponse):
            return response.replace(body=body)
        headers = response.headers.copy()
        headers.pop(b"Content-Type", None)  # the declared type described the gzip bytes, not the page
        return HtmlResponse(url=response.url, status=response.status, headers=headers, body=body, request=request)
