"""Discovery shared by the site spiders and the generic spider.

URLs are handled in the site's own URL space ("real" URLs). With `-a base_url=`, requests go to that
host instead, and items still carry the real URL, so ids are the same as in a live crawl.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.adapters.seen import SeenSet
from crawler.adapters.spiders.paging import next_page_url
from crawler.adapters.state import CrawlState, open_state
from crawler.assemble import assemble_item
from crawler.dates_window import parse_day
from crawler.extract import extract_article
from crawler.sites.registry import SiteConfig

logger = logging.getLogger(__name__)

# Media, print and language-switch links are never articles or listings.
SKIP_URL = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|bmp|ico|mp4|mp3|avi|mov|wmv|flv|pdf|docx?|xlsx?|pptx?|zip|rar|7z|css|js)"
    r"(?:\?|$)|/(?:tags?|tim-kiem|search|print|in-bai|rss)(?:/|\?|$)|[?&](?:print|languageId)=|"
    r"update_language|^mailto:|^javascript:|^tel:",
    re.IGNORECASE,
)


class DiscoverySpider(scrapy.Spider):
    """Base: listings with pagination, feeds, sitemaps; article pages handed to extraction."""

    site: SiteConfig
    crawl_state: CrawlState

    def __init__(
        self,
        *args: Any,
        since: str | None = None,
        until: str | None = None,
        base_url: str | None = None,
        max_pages: str | int | None = None,
        refresh_days: str | int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.since: date | None = parse_day(since, "since") if since else None
        self.until: date | None = parse_day(until, "until") if until else None
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        self.base_url = base_url.rstrip("/") + "/" if base_url else None
        self.max_pages = int(max_pages) if max_pages else None
        self.refresh_days = int(refresh_days) if refresh_days else 0
        # On disk, not Python sets: memory stays flat however many pages a crawl discovers.
        self._seen_articles = SeenSet()
        self._seen_pages = SeenSet()

    # -- wiring -------------------------------------------------------------------------------

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if not settings.getdict("FEEDS"):
            settings.set("FEEDS", settings.getdict("DEFAULT_FEEDS"), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DiscoverySpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler)
        return spider

    def configure(self, crawler: Crawler) -> None:
        """Allowed domains follow the base URL when rebased; the state store is shared with pipelines."""
        if self.base_url:
            host = urlsplit(self.base_url).hostname or ""
            self.allowed_domains = [host]
        else:
            self.allowed_domains = list(self.site.allowed_domains)
        self.crawl_state = open_state(crawler)

    def closed(self, reason: str) -> None:
        self._seen_articles.close()
        self._seen_pages.close()

    @classmethod
    def handles_request(cls, request: Request) -> bool:
        site = getattr(cls, "site", None)
        return bool(site and site.owns_host(urlsplit(request.url).hostname or ""))

    # -- URL spaces ---------------------------------------------------------------------------

    def to_fetch(self, real_url: str) -> str:
        """The URL to request: the real one, or the same path on the base URL's host."""
        if not self.base_url:
            return real_url
        parts, base = urlsplit(real_url), urlsplit(self.base_url)
        return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))

    def real_host_url(self) -> str:
        first = next((u for _, u in self.site.all_start_urls()), f"https://{self.site.allowed_domains[0]}/")
        parts = urlsplit(first)
        return f"{parts.scheme}://{parts.netloc}/"

    def to_real(self, url: str) -> str:
        """Map a link seen on a rebased page back to the site's own host."""
        if not self.base_url:
            return url
        parts, base = urlsplit(url), urlsplit(self.base_url)
        if parts.netloc != base.netloc:
            return url
        real = urlsplit(self.real_host_url())
        return urlunsplit((real.scheme, real.netloc, parts.path, parts.query, ""))

    def page_url(self, response: Response) -> str:
        """The page's URL in the site's own URL space: where a redirect led, not the link followed,
        so relative links resolve against the right page."""
        if response.meta.get("redirect_urls"):
            return self.to_real(response.url)
        return str(response.meta.get("real_url", response.url))

    def is_own(self, real_url: str) -> bool:
        return self.site.owns_host(urlsplit(real_url).hostname or "")

    def links(self, response: Response, real_page_url: str) -> Iterator[tuple[str, str]]:
        """(real URL, anchor text) of every link; resolved against the page URL, not <base href>,
        which some sites point at a static-template folder."""
        if not isinstance(response, TextResponse):
            return
        for anchor in response.xpath("//a[@href]"):
            href = (anchor.attrib.get("href") or "").strip()
            if not href or href.startswith("#") or SKIP_URL.search(href):
                continue
            url = self.to_real(urljoin(real_page_url, href))
            url = url.split("#", 1)[0]
            if urlsplit(url).scheme not in ("http", "https"):
                continue
            yield url, " ".join(anchor.xpath(".//text()").getall()).strip()

    # -- start --------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for request in self.start_requests_for_site():
            yield request

    def start_requests_for_site(self) -> Iterable[Request]:
        if self.refresh_days:
            # Recent articles are fetched again even when no listing links them any more.
            for url in self.crawl_state.recent_urls(self.site.slug, self.refresh_days):
                self._seen_articles.add(self.crawl_state.canonical(url))
                self.crawler.stats.inc_value("discovery/refresh")
                yield Request(self.to_fetch(url), callback=self.parse_article, meta={"real_url": url},
                              errback=self.on_error)
        callbacks = {
            "sitemap": self.parse_sitemap,
            "feed": self.parse_feed,
            "listing": self.parse_listing,
            "search": self.parse_listing,
        }
        for kind, url in self.site.all_start_urls():
            self.crawler.stats.inc_value(f"discovery/start/{kind}")
            yield self.page_request(url, callbacks[kind], listing=url, page=1, stale=0)

    def page_request(self, real_url: str, callback: Any, *, guessed: bool = False, **cb_kwargs: Any) -> Request:
        """guessed=True for URLs tried by convention (/robots.txt, /sitemap.xml, /rss): a 404 there is
        an answer, not an error, so the callback sees it."""
        meta: dict[str, Any] = {"real_url": real_url}
        if guessed:
            # Not "all": 3xx must still be followed (http -> https moves of /robots.txt and feeds).
            meta["handle_httpstatus_list"] = [400, 401, 403, 404, 410, 500, 502, 503]
        return Request(self.to_fetch(real_url), callback=callback, cb_kwargs=cb_kwargs, meta=meta,
                       errback=self.on_error)

    def article_request(self, real_url: str, hint: datetime | date | None = None) -> Request | None:
        """A request for an article not yet seen in this run (nor emitted in an earlier run)."""
        if not self._seen_articles.add(self.crawl_state.canonical(real_url)):
            return None
        if self.is_known(real_url):
            self.crawler.stats.inc_value("discovery/skipped_known")
            return None
        if not self.allow_request():
            return None
        self.crawler.stats.inc_value("discovery/article_requests")
        return Request(
            self.to_fetch(real_url),
            callback=self.parse_article,
            meta={"real_url": real_url, "date_hint": hint},
            errback=self.on_error,
        )

    def allow_request(self) -> bool:
        """A hook for request caps (the generic spider's -a max_pages)."""
        return True

    def is_known(self, real_url: str) -> bool:
        """Articles emitted by an earlier run are not fetched again (unless refreshing recent ones)."""
        return self.crawl_state.should_skip(real_url, self.refresh_days)

    def on_error(self, failure: Any) -> None:
        from crawler.adapters.middlewares import describe_failure

        request = getattr(failure, "request", None)
        url = request.meta.get("real_url", request.url) if request is not None else "?"
        reason, counted = describe_failure(failure)
        if counted:  # refused on purpose (guard/*, robots.txt), counted and logged where refused
            if reason == "robots_forbidden":
                logger.info("Not fetched, robots.txt disallows it: %s", url)
            return
        self.crawler.stats.inc_value(f"errors/{reason}")
        logger.warning("Request failed (%s): %s: %s", reason, url, failure.getErrorMessage())

    # -- listings -----------------------------------------------------------------------------

    def parse_listing(self, response: Response, listing: str, page: int, stale: int) -> Iterator[Request]:
        real_url = self.page_url(response)
        self.crawler.stats.inc_value("discovery/listing_pages")
        new = 0
        older_than_since = 0
        dated = 0
        for url, _text in self.links(response, real_url):
            if not self.is_own(url) or not self.site.is_article_url(url):
                continue
            request = self.article_request(url)
            if request is not None:
                new += 1
                yield request
        if self.since and isinstance(response, TextResponse):
            dated, older_than_since = self.listing_dates_before_since(response)
        stale = 0 if new else stale + 1
        limit = self.max_pages or self.site.pagination.max_pages
        if stale >= self.stale_limit():
            logger.info("Pagination of %s stops at page %d: nothing new", listing, page)
            return
        if dated and older_than_since == dated:
            logger.info("Pagination of %s stops at page %d: older than since=%s", listing, page, self.since)
            return
        if page >= limit:
            return
        nxt = next_page_url(self.site.pagination, listing, real_url, page, response)
        if nxt:
            nxt = self.to_real(nxt)
            if self.is_own(nxt) and self._seen_pages.add(nxt):
                yield self.page_request(nxt, self.parse_listing, listing=listing, page=page + 1, stale=stale)

    def stale_limit(self) -> int:
        configured = self.settings.getint("STOP_AFTER_STALE_PAGES", 1)
        return max(1, self.site.pagination.stop_after_stale, configured)

    def listing_dates_before_since(self, response: TextResponse) -> tuple[int, int]:
        """Of the dates printed next to the listing's article links (not the header strip or the
        footer), how many there are and how many fall before `since`."""
        from crawler.text.dates import find_dates

        assert self.since is not None
        dated = older = 0
        for anchor in response.xpath("//a[@href]"):
            url = self.to_real(urljoin(self.page_url(response), anchor.attrib["href"]))
            if not self.site.is_article_url(url):
                continue
            box = anchor.xpath("ancestor::*[self::li or self::article or self::div or self::tr][1]")
            text = " ".join((box or anchor).xpath(".//text()").getall())
            found = [v for _span, v in find_dates(text)]
            if found:
                dated += 1
                older += _day(found[0]) < self.since
        return dated, older

    # -- feeds and sitemaps -------------------------------------------------------------------

    def parse_feed(self, response: Response, listing: str, page: int, stale: int) -> Iterator[Request]:
        from crawler.discovery import parse_feed_entries

        self.crawler.stats.inc_value("discovery/feeds")
        real_url = self.page_url(response)
        entries = parse_feed_entries(response.body, real_url)
        if entries is None:
            self.crawler.stats.inc_value("errors/malformed_feed")
            logger.warning("Malformed feed: %s", real_url)
            return
        for link, published in entries:
            link = self.to_real(link)
            if not self.is_own(link) or not self.wanted_by_date(published):
                continue
            if self.accept_discovered(link):
                request = self.article_request(link, hint=published)
                if request is not None:
                    yield request

    def parse_sitemap(self, response: Response, listing: str, page: int, stale: int) -> Iterator[Request]:
        real_url = self.page_url(response)
        if response.status != 200:
            self.crawler.stats.inc_value(f"discovery/sitemap_status/{response.status}")
            return
        body = self.sitemap_body(response)
        if body is None:
            return
        if urlsplit(real_url).path.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(body, base_url=real_url):
                yield self.page_request(self.to_real(url), self.parse_sitemap, listing=url, page=1, stale=0)
            return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises several types on garbage
            self.crawler.stats.inc_value("errors/malformed_sitemap")
            logger.warning("Malformed sitemap %s: %s", real_url, exc)
            return
        self.crawler.stats.inc_value("discovery/sitemaps")
        for entry in sitemap:
            raw_loc = entry.get("loc", "").strip()
            if not raw_loc:  # an empty <loc> would resolve to the sitemap's own URL
                continue
            loc = self.to_real(urljoin(real_url, raw_loc))
            if not self.is_own(loc):
                continue
            lastmod = self.entry_date(entry)
            if sitemap.type == "sitemapindex":
                if self.since and isinstance(lastmod, (date, datetime)) and _day(lastmod) < self.since:
                    continue
                yield self.page_request(loc, self.parse_sitemap, listing=loc, page=1, stale=0)
            elif self.wanted_by_date(lastmod) and self.accept_discovered(loc):
                request = self.article_request(loc, hint=None)  # lastmod is not a publish date
                if request is not None:
                    yield request

    def entry_date(self, entry: dict[str, Any]) -> datetime | date | None:
        from crawler.text.dates import parse_iso

        raw = entry.get("lastmod") or (entry.get("news", {}) or {}).get("publication_date")
        return parse_iso(raw) if isinstance(raw, str) and raw.strip() else None

    def sitemap_body(self, response: Response) -> bytes | None:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            max_size = self.settings.getint("DOWNLOAD_MAXSIZE")
            try:
                body = gunzip(body, max_size=max_size)
            except Exception as exc:
                self.crawler.stats.inc_value("errors/malformed_sitemap")
                logger.warning("Bad gzip sitemap %s: %s", response.url, exc)
                return None
        return body

    def accept_discovered(self, real_url: str) -> bool:
        return self.site.is_article_url(real_url)

    def wanted_by_date(self, value: datetime | date | None) -> bool:
        if value is None:
            return True
        day = _day(value)
        return not ((self.since and day < self.since) or (self.until and day > self.until + timedelta(days=1)))

    # -- articles -----------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        real_url = self.page_url(response)
        self.crawler.stats.inc_value("extract/pages")
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("extract/not_text")
            logger.info("Not a text page, skipped: %s", real_url)
            return
        try:
            article = extract_article(real_url, response.text, self.site if self.site.slug != "generic" else None)
        except Exception:
            self.crawler.stats.inc_value("errors/extraction")
            logger.exception("Extraction failed on %s", real_url)
            return
        if not article.is_article:
            self.crawler.stats.inc_value("extract/not_article")
            logger.debug("Not an article (%s): %s", "; ".join(article.reasons), real_url)
            return
        yield assemble_item(article, self.site, date_hint=response.meta.get("date_hint"))


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value
