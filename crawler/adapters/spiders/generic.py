"""`scrapy crawl generic -a start_urls=URL[,URL...]`: any site, no configuration.

Discovery, in order: sitemaps named in robots.txt, then /sitemap.xml; feeds announced with
<link rel="alternate"> (or at common paths); then listing pages inside the start URLs' domains with
pagination detection and a depth limit. Whether a page is an article is decided from the page itself.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse

from crawler.adapters.spiders.base import DiscoverySpider
from crawler.discovery import (
    ARTICLE_URL_PATTERNS,
    COMMON_FEED_PATHS,
    feed_links,
    looks_like_article_url,
    looks_like_pagination,
    should_skip,
)
from crawler.sites.registry import SiteConfig

logger = logging.getLogger(__name__)


def generic_site(start_urls: list[str]) -> SiteConfig:
    hosts: list[str] = []
    for url in start_urls:
        host = (urlsplit(url).hostname or "").lower()
        for candidate in (host, host.removeprefix("www.")):
            if candidate and candidate not in hosts:
                hosts.append(candidate)
    return SiteConfig(
        slug="generic",
        name=hosts[0] if hosts else "generic",
        province=None,
        allowed_domains=tuple(hosts),
        start_urls={"listing": tuple(start_urls)},
        article_allow=ARTICLE_URL_PATTERNS,
        kind="national",
    )


class GenericSpider(DiscoverySpider):
    name = "generic"

    def __init__(self, *args: Any, start_urls: str = "", max_depth: str | int = 1, **kwargs: Any) -> None:
        urls = [u.strip() for u in start_urls.split(",") if u.strip()] if isinstance(start_urls, str) else []
        if not urls:
            raise ValueError("generic spider: give -a start_urls=URL[,URL...]")
        for url in urls:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"generic spider: not an http(s) URL: {url!r}")
        self.site = generic_site(urls)
        self.start_url_list = urls
        self.max_depth = int(max_depth)
        self._requested = 0
        super().__init__(*args, **kwargs)

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        if not self.base_url:
            self.allowed_domains = list(self.site.allowed_domains)

    def real_host_url(self) -> str:
        parts = urlsplit(self.start_url_list[0])
        return f"{parts.scheme}://{parts.netloc}/"

    def under_cap(self) -> bool:
        """`-a max_pages=N` bounds every request the generic spider makes."""
        if self.max_pages is None:
            return True
        self._requested += 1
        if self._requested > self.max_pages:
            self.crawler.stats.inc_value("discovery/capped")
            return False
        return True

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_url_list:
            parts = urlsplit(url)
            root = f"{parts.scheme}://{parts.netloc}"
            yield self.page_request(root + "/robots.txt", self.parse_robots, guessed=True, root=root)
            yield self.page_request(url, self.parse_page, depth=0, start=True)

    # Sitemaps first: robots.txt names them, else the conventional /sitemap.xml.
    def parse_robots(self, response: Response, root: str) -> Iterator[Request]:
        from scrapy.utils.sitemap import sitemap_urls_from_robots

        urls = list(sitemap_urls_from_robots(response.body, base_url=root + "/")) if response.status == 200 else []
        if not urls:
            urls = [root + "/sitemap.xml"]
        for url in urls:
            yield self.page_request(self.to_real(url), self.parse_sitemap, guessed=True, listing=url, page=1, stale=0)

    def accept_discovered(self, real_url: str) -> bool:
        return not should_skip(real_url)

    def allow_request(self) -> bool:
        return self.under_cap()

    def parse_page(self, response: Response, depth: int, start: bool = False, hops: int = 0) -> Iterator[Any]:
        """A page reached by following links: an article becomes an item, anything else a listing.
        `depth` counts section hops from the start page; `hops` counts "next page" steps, which stay
        at the listing's depth (a section's page 7 is no deeper than its page 2) up to MAX_HOPS."""
        real_url = self.page_url(response)
        if not isinstance(response, TextResponse):
            return
        if not start:
            items = list(self.parse_article(response))
            # An article page still leads on (related stories, a misjudged category's pagination).
            yield from items
            if not items:
                self.crawler.stats.inc_value("discovery/listing_pages")
        else:
            self.crawler.stats.inc_value("discovery/listing_pages")
        if depth == 0:
            yield from self.discover_feeds(response, real_url)
        for url, text in self.links(response, real_url):
            if not self.is_own(url) or should_skip(url):
                continue
            if looks_like_article_url(url):
                request = self.article_request(url)
                if request is not None:
                    yield request
            elif looks_like_pagination(url) or self.is_next_text(text):
                if hops < self.MAX_HOPS:
                    yield from self.follow(url, depth, hops + 1)
            elif depth < self.max_depth and self.is_section_link(url):
                yield from self.follow(url, depth + 1, 0)

    MAX_HOPS = 50

    def follow(self, url: str, depth: int, hops: int) -> Iterator[Request]:
        if url in self._seen_pages or not self.under_cap():
            return
        self._seen_pages.add(url)
        yield self.page_request(url, self.parse_page, depth=depth, hops=hops)

    @staticmethod
    def is_next_text(text: str) -> bool:
        from crawler.discovery import is_next_link_text

        return is_next_link_text(text)

    def is_section_link(self, url: str) -> bool:
        """Category pages linked from the start page: short paths without an article id."""
        path = urlsplit(url).path.strip("/")
        return bool(path) and path.count("/") <= 1 and not any(ch.isdigit() for ch in path[-8:])

    def discover_feeds(self, response: TextResponse, real_url: str) -> Iterator[Request]:
        alternates = [
            (node.attrib.get("type", ""), node.attrib.get("href", ""))
            for node in response.xpath("//link[@rel='alternate'][@href]")
        ]
        feeds = [self.to_real(u) for u in feed_links(alternates, real_url)]
        if not feeds:
            root = f"{urlsplit(real_url).scheme}://{urlsplit(real_url).netloc}"
            feeds = [root + path for path in COMMON_FEED_PATHS[:2]]
        for url in feeds:
            if self.is_own(url) and url not in self._seen_pages:
                self._seen_pages.add(url)
                yield self.page_request(url, self.parse_feed_tolerant, guessed=True, listing=url, page=1, stale=0)

    def parse_feed_tolerant(self, response: Response, listing: str, page: int, stale: int) -> Iterator[Request]:
        """A guessed feed path that answers with HTML (or 404) is not an error."""
        if response.status != 200 or response.body.lstrip()[:1] != b"<" or b"<html" in response.body[:512].lower():
            return
        yield from self.parse_feed(response, listing, page, stale)

