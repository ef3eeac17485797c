"""The spider: start URLs, sitemaps and feeds, listings and their pages, articles.

One class serves every site. A site file's article patterns, pagination rule and selectors are
hints; the generic path is the guarantee: a listing that gives no article link by the site's
patterns is read by page shape instead (`fallback/listing`), and an article whose selectors find
nothing is read by the generic rules (`fallback/title`, `fallback/body`, `fallback/date`). A
generic-only site file (identity and start URLs) and `scrapy crawl generic` run wholly on the
generic path: pages are classified by what they are (a listing links many articles outside its
menus), sections and pagination are followed while they bring new articles, and every request
(pages, sitemaps, feeds) counts against `-a max_pages`.

URLs are handled in the site's own URL space ("real" URLs). With `-a base_url=`, requests go to that
host instead, and items still carry the real URL, so ids are the same as in a live crawl.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse

from crawler.adapters.args import SiteArgs
from crawler.adapters.spiders.paging import next_page_url
from crawler.adapters.state import CrawlState, StateComponent, crawl_state
from crawler.adapters.timelimit import PageTimeLimit
from crawler.adapters.workers import WorkerCrashed, Workers
from crawler.dedup.store import StateError
from crawler.discovery import Link, PageLinks, classify_links, fetch_key, is_skipped_url
from crawler.discovery.feeds import COMMON_FEED_PATHS, feed_links, parse_feed_entries
from crawler.extract import ArticleData, extract_article, read_page
from crawler.extract.dom import page_anchors
from crawler.sites.registry import SiteConfig
from crawler.stages import assemble_item

logger = logging.getLogger(__name__)

# Request priorities: articles first (items early), then listings that brought new articles.
ARTICLE_PRIORITY = 20
# A sitemap index may list thousands of sitemaps, a sitemap or feed tens of thousands of URLs: the
# newest are read first (by lastmod) and at most this many of each.
MAX_SITEMAPS_PER_INDEX = 200
MAX_ENTRIES_PER_SITEMAP = 5000
# Pages in a row that bring no new article before a pagination chain stops (a calendar of empty
# days, an endless "next").
STALE_PAGES = 1


Entry = tuple[str, datetime | date | None]  # a URL and its date (lastmod, pubDate)


def entry_priority(rank: int) -> int:
    """Newest entries of a feed or sitemap first: Scrapy's queue is last-in-first-out within a
    priority, so the order they are read in is made a priority (in steps of 50 entries)."""
    return ARTICLE_PRIORITY - min(rank // 50, ARTICLE_PRIORITY)


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


class DiscoverySpider(scrapy.Spider):
    site: SiteConfig
    args_class: type[SiteArgs] = SiteArgs

    def __init__(self, *args: Any, args_obj: SiteArgs | None = None, **kwargs: Any) -> None:
        super().__init__(*args)
        self.args = args_obj if args_obj is not None else self.args_class.parse(kwargs)
        self.base_url = self.args.base_url
        self._state: CrawlState | None = None
        self._requests = 0
        self._fell_back_listing = False
        # Structural signatures of "today" date strips seen on pages that are not articles.
        self.strip_signatures: set[str] = set()

    # -- wiring -------------------------------------------------------------------------------

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DiscoverySpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure()
        return spider

    def configure(self) -> None:
        """Allowed domains follow the base URL when rebased."""
        if self.base_url:
            self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        else:
            self.allowed_domains = list(self.site.allowed_domains)

    @property
    def trusted_origins(self) -> list[str]:
        """Addresses the operator named (the base URL): trusted like the site itself, loopback
        included (compared by host and port)."""
        return [self.base_url] if self.base_url else []

    @property
    def state(self) -> CrawlState | None:
        if self._state is None:
            self._state = crawl_state(self.crawler)
        return self._state

    @property
    def workers(self) -> Workers:
        found = self.crawler.get_extension(Workers)
        assert found is not None, "crawler.adapters.workers.Workers is missing from EXTENSIONS"
        return found

    @classmethod
    def handles_request(cls, request: Request) -> bool:
        site = getattr(cls, "site", None)
        return bool(site and site.owns_host(urlsplit(request.url).hostname or ""))

    def count(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, n)

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

    def links(self, response: Response, real_page_url: str, chrome: bool = True,
              anchors: list[tuple[str, str, bool]] | None = None) -> Iterator[Link]:
        """Every link of the page in the site's URL space, with its anchor text and whether it sits in
        the page's chrome (header, menus, footer; chrome=False: not asked, always False). Resolved
        against the page URL, not <base href>, which some sites point at a static-template folder.
        `anchors`: the page's links as a worker read them (`read_page`), instead of parsing it here."""
        if anchors is None:
            if not isinstance(response, TextResponse):
                return
            anchors = page_anchors(response.selector.root, chrome)
        for href, text, in_chrome in anchors:
            try:
                url = self.to_real(urljoin(real_page_url, href)).split("#", 1)[0]
                scheme = urlsplit(url).scheme
            except ValueError:
                continue  # a malformed href ("http://[::1") names no page
            if scheme not in ("http", "https"):
                continue
            yield Link(url, text, in_chrome)

    # -- requests and the budget --------------------------------------------------------------

    def within_budget(self) -> bool:
        """`-a max_pages=N` bounds every request the spider makes: pages, sitemaps, feeds."""
        cap = self.args.max_pages
        if not cap:
            return True
        if self._requests >= cap:
            self.count("discovery/capped")
            return False
        self._requests += 1
        return True

    def page_request(self, real_url: str, callback: Any, *, guessed: bool = False, priority: int = 0,
                     **cb_kwargs: Any) -> Request | None:
        """A listing, feed or sitemap request (None over budget or seen). guessed=True for URLs tried by
        convention (/robots.txt, /sitemap.xml, /rss): a 404 there is an answer, not an error."""
        state = self.state
        if state is None or not state.seen_pages.add(real_url) or not self.within_budget():
            return None
        meta: dict[str, Any] = {"real_url": real_url}
        if guessed:
            # Not "all": 3xx must still be followed (http -> https moves of /robots.txt and feeds).
            meta["handle_httpstatus_list"] = [400, 401, 403, 404, 410, 500, 502, 503]
        # Scrapy's duplicate filter stays on: it drops a redirect to a page already fetched.
        return Request(self.to_fetch(real_url), callback=callback, cb_kwargs=cb_kwargs, meta=meta,
                       errback=self.on_error, priority=priority)

    def article_request(self, real_url: str, hint: datetime | date | None = None,
                        priority: int = ARTICLE_PRIORITY, barren: int | None = None) -> Request | None:
        """A request for an article not yet seen in this run (under any URL variant), nor settled by
        an earlier run. With `barren` (a link found by page shape), a page that turns out not to be
        an article is read for its links, as a hub one more hop from a listing."""
        state = self.state
        if state is None:
            return None
        new_spelling = state.seen_articles.add("link " + real_url)
        if not state.seen_articles.add(fetch_key(state.canonical(real_url))):
            if new_spelling:  # the same article under another URL (canonical form or path prefix)
                self.count("dupefilter/url_variant")
            return None
        settled = state.settled(real_url, self.args.refresh_days)
        if settled is not None:
            self.count(f"discovery/skipped_{settled}")
            return None
        if not self.within_budget():
            return None
        self.count("discovery/article_requests")
        if barren is None:
            return Request(self.to_fetch(real_url), callback=self.parse_article, priority=priority,
                           meta={"real_url": real_url, "date_hint": hint, "article": True}, errback=self.on_error)
        return Request(self.to_fetch(real_url), callback=self.parse_page, priority=priority,
                       cb_kwargs={"barren": barren + 1, "chain_stale": 0},
                       meta={"real_url": real_url, "date_hint": hint, "article": True}, errback=self.on_error)

    def on_error(self, failure: Any) -> None:
        from scrapy.spidermiddlewares.httperror import HttpError

        from crawler.adapters.middlewares import describe_failure

        request = getattr(failure, "request", None)
        url = request.meta.get("real_url", request.url) if request is not None else "?"
        reason, counted = describe_failure(failure)
        if request is not None and request.meta.get("start"):
            self.count("discovery/start_failed")
        status = failure.value.response.status if isinstance(failure.value, HttpError) else None
        if status in (404, 410) and request is not None and request.meta.get("article"):
            self.remember_dead(url, status)
        if counted:  # refused on purpose (guard/*, robots.txt), counted and logged where refused
            if reason == "robots_forbidden":
                logger.info("Not fetched, robots.txt disallows it: %s", url)
            return
        self.count(f"errors/{reason}")
        logger.warning("Request failed (%s): %s: %s", reason, url, failure.getErrorMessage())

    def remember_dead(self, url: str, status: int) -> None:
        """A dead article link is remembered: the next runs do not ask again for a while
        (crawler.dedup.store.DEAD_DAYS)."""
        state = self.state
        if state is None:
            return
        try:
            state.store.mark_dead(state.canonical(url), status)
        except StateError as exc:
            component = self.crawler.get_extension(StateComponent)
            if component is not None:
                component.fail(self, "state_error", str(exc))

    # -- start --------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.state is None:
            return  # the state could not be opened: the site is being stopped, the reason is logged
        if not self.site.supported:
            # Say so loudly: a silent empty run looks like "no news" to a scheduler.
            logger.error("Site %s is unsupported: %s", self.site.slug, self.site.unsupported_reason)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("site/unsupported", self.site.unsupported_reason)
            return
        for request in self.start_requests_for_site():
            yield request

    def start_requests_for_site(self) -> Iterable[Request]:
        yield from self.refresh_requests()
        if self.site.generic_only:
            yield from self.generic_start(self.site.start_urls.get("listing", ()) or
                                          [u for _, u in self.site.all_start_urls()])
            return
        callbacks = {"sitemap": self.parse_sitemap, "feed": self.parse_feed, "listing": self.parse_listing,
                     "search": self.parse_listing}
        for kind, url in self.site.all_start_urls():
            self.count(f"discovery/start/{kind}")
            request = self.page_request(url, callbacks[kind], listing=url, page=1, stale=0)
            if request is not None:
                request.meta["start"] = True
                yield request

    def refresh_requests(self) -> Iterable[Request]:
        """Recent articles are fetched again even when no listing links them any more."""
        state = self.state
        if not self.args.refresh_days or state is None:
            return
        for url in state.recent_urls(self.args.refresh_days):
            state.seen_articles.add("link " + url)
            state.seen_articles.add(fetch_key(state.canonical(url)))
            self.count("discovery/refresh")
            yield Request(self.to_fetch(url), callback=self.parse_article, meta={"real_url": url},
                          errback=self.on_error, priority=ARTICLE_PRIORITY)

    def generic_start(self, urls: Iterable[str]) -> Iterable[Request]:
        """Sitemaps named in robots.txt (else /sitemap.xml), then the start pages as hubs."""
        roots: list[str] = []
        for url in urls:
            parts = urlsplit(url)
            root = f"{parts.scheme}://{parts.netloc}"
            if root not in roots:
                roots.append(root)
                request = self.page_request(root + "/robots.txt", self.parse_robots, guessed=True, root=root)
                if request is not None:
                    yield request
            self.count("discovery/start/page")
            request = self.page_request(url, self.parse_page, barren=0, chain_stale=0, start=True, priority=5)
            if request is not None:
                request.meta["start"] = True
                yield request

    # -- registered listings ------------------------------------------------------------------

    def parse_listing(self, response: Response, listing: str, page: int, stale: int) -> Iterator[Request]:
        real_url = self.page_url(response)
        self.count("discovery/listing_pages")
        if not isinstance(response, TextResponse):
            return
        found = [link.url for link in self.links(response, real_url, chrome=False)
                 if self.is_own(link.url) and self.site.is_article_url(link.url)]
        if not found and page == 1 and not self._fell_back_listing:
            # The site file's listing gives no article link: its patterns or its listing URL drifted.
            # The page is read by shape from here on, and the site's home page too.
            self._fell_back_listing = True
            self.count("fallback/listing")
            logger.warning("%s: site file drifted: no article link on its listing %s matches its article "
                           "patterns; reading it and the home page by page shape", self.name, real_url)
            yield from self.follow_page(response, real_url, barren=0, chain_stale=0)
            home = self.real_host_url()
            request = self.page_request(home, self.parse_page, barren=0, chain_stale=0, start=True)
            if request is not None:
                yield request
            return
        new = 0
        for url in found:
            request = self.article_request(url)
            if request is not None:
                new += 1
                yield request
        yield from self.next_listing_page(response, real_url, listing, page, 0 if new else stale + 1)

    def stale_limit(self) -> int:
        """Pages in a row with nothing new after which a listing stops (none after an interrupted run)."""
        if self.state is not None and self.state.catch_up:
            return 1_000_000
        return max(STALE_PAGES, self.site.pagination.stop_after_stale, self.settings.getint("STOP_AFTER_STALE_PAGES"))

    def next_listing_page(self, response: TextResponse, real_url: str, listing: str, page: int,
                          stale: int) -> Iterator[Request]:
        if stale >= self.stale_limit():
            logger.info("Pagination of %s stops at page %d: nothing new", listing, page)
            return
        if self.args.since and self.listing_older_than_since(response, real_url):
            logger.info("Pagination of %s stops at page %d: older than since=%s", listing, page, self.args.since)
            return
        # An explicit -a max_pages is the whole request budget and lifts the site file's paging cap
        # (backfills, benchmarks); otherwise the site file's cap holds, and it is said when it cuts.
        cap = self.args.max_pages
        limit = self.site.pagination.max_pages if cap is None else (cap or 1 << 62)
        if page >= limit:
            if not stale:
                self.count("discovery/pagination_capped")
                logger.info("Pagination of %s stops at page %d (pagination.max_pages) while it still brings "
                            "new articles; -a max_pages=N lifts the cap", listing, page)
            return
        nxt = next_page_url(self.site.pagination, listing, real_url, page, response)
        if nxt and self.is_own(self.to_real(nxt)):
            request = self.page_request(self.to_real(nxt), self.parse_listing, priority=5 if not stale else 0,
                                        listing=listing, page=page + 1, stale=stale)
            if request is not None:
                yield request

    def listing_older_than_since(self, response: TextResponse, real_url: str) -> bool:
        """Whether every date printed next to the listing's article links (not the header strip or the
        footer) falls before `since`."""
        from crawler.text.dates import find_dates

        assert self.args.since is not None
        dated = older = 0
        for anchor in response.xpath("//a[@href]"):
            try:
                url = self.to_real(urljoin(real_url, anchor.attrib["href"]))
            except ValueError:
                continue
            if not (self.site.is_article_url(url) if not self.site.generic_only else True):
                continue
            box = anchor.xpath("ancestor::*[self::li or self::article or self::div or self::tr][1]")
            text = " ".join((box or anchor).xpath(".//text()").getall())[:2000]
            found = [v for _span, v in find_dates(text)]
            if found:
                dated += 1
                older += _day(found[0]) < self.args.since
        return bool(dated) and older == dated

    # -- pages read by shape ------------------------------------------------------------------

    async def parse_page(self, response: Response, barren: int, chain_stale: int,
                         start: bool = False) -> AsyncIterator[Any]:
        """A page reached by following links: an article becomes an item, anything else is read for
        its links. One parse does both (`read_page`, in a worker)."""
        if not isinstance(response, TextResponse):
            return
        real_url = self.page_url(response)
        anchors = None
        if not start:
            self.count("extract/pages")
            done = await self.work(response, real_url, read_page)
            if done is not None:
                article, anchors = done
                item = self.item_of(response, real_url, article)
                if item is not None:
                    yield item
                    return  # an article: its related links are not followed as sections
        self.count("discovery/listing_pages")
        if start:
            for request in self.discover_feeds(response, real_url):
                yield request
        for request in self.follow_page(response, real_url, barren, chain_stale, anchors):
            yield request

    def follow_page(self, response: TextResponse, real_url: str, barren: int, chain_stale: int,
                    anchors: list[tuple[str, str, bool]] | None = None) -> Iterator[Request]:
        found = self.page_links(response, real_url, anchors)
        new = 0
        for url in found.articles:
            request = self.article_request(url, barren=0 if found.is_listing else barren)
            if request is not None:
                new += 1
                yield request
        barren = 0 if found.is_listing else barren + 1
        chain_stale = 0 if new else chain_stale + 1
        if found.is_listing:
            self.count("discovery/listings")
        # Pagination goes on while pages bring new articles; sections while pages are listings (or a
        # few hops through hubs that are not, like a section page that only links its categories).
        older = bool(self.args.since) and self.listing_older_than_since(response, real_url)
        if chain_stale < self.stale_limit() + 1 and not older:
            for url in found.next_pages:
                request = self.page_request(url, self.parse_page, priority=min(new, 10), barren=barren,
                                            chain_stale=chain_stale)
                if request is not None:
                    yield request
        if barren <= self.max_barren_hops():
            for url in found.sections:
                request = self.page_request(url, self.parse_page, priority=min(new, 10) - barren, barren=barren,
                                            chain_stale=0)
                if request is not None:
                    yield request

    def max_barren_hops(self) -> int:
        return int(getattr(self.args, "max_depth", 2))

    def page_links(self, response: TextResponse, real_url: str,
                   anchors: list[tuple[str, str, bool]] | None = None) -> PageLinks:
        allow = self.site.article_allow
        found = classify_links(real_url, self.links(response, real_url, anchors=anchors), self.site.owns_host, allow)
        if found.capped:
            self.count("discovery/links_capped", found.capped)
        return found

    def discover_feeds(self, response: TextResponse, real_url: str) -> Iterator[Request]:
        alternates = [(node.attrib.get("type", ""), node.attrib.get("href", ""))
                      for node in response.xpath("//link[@rel='alternate'][@href]")]
        feeds = [self.to_real(u) for u in feed_links(alternates, real_url)]
        if not feeds:
            root = f"{urlsplit(real_url).scheme}://{urlsplit(real_url).netloc}"
            feeds = [root + path for path in COMMON_FEED_PATHS[:2]]
        for url in feeds:
            if self.is_own(url):
                request = self.page_request(url, self.parse_feed_tolerant, guessed=True, listing=url, page=1, stale=0)
                if request is not None:
                    yield request

    # -- feeds and sitemaps -------------------------------------------------------------------

    def parse_robots(self, response: Response, root: str) -> Iterator[Request]:
        from scrapy.utils.sitemap import sitemap_urls_from_robots

        urls = list(sitemap_urls_from_robots(response.body, base_url=root + "/")) if response.status == 200 else []
        for url in urls or [root + "/sitemap.xml"]:
            request = self.page_request(self.to_real(url), self.parse_sitemap, guessed=True, listing=url, page=1,
                                        stale=0)
            if request is not None:
                yield request

    def parse_feed_tolerant(self, response: Response, listing: str, page: int, stale: int) -> Iterator[Request]:
        """A guessed feed path that answers with HTML (or 404) is not an error."""
        if response.status != 200 or response.body.lstrip()[:1] != b"<" or b"<html" in response.body[:512].lower():
            return
        yield from self.parse_feed(response, listing, page, stale)

    def parse_feed(self, response: Response, listing: str, page: int, stale: int) -> Iterator[Request]:
        self.count("discovery/feeds")
        real_url = self.page_url(response)
        entries = parse_feed_entries(response.body, real_url)
        if entries is None:
            self.count("errors/malformed_feed")
            logger.warning("Malformed feed: %s", real_url)
            return
        for rank, (link, published) in enumerate(self.newest_first(entries, MAX_ENTRIES_PER_SITEMAP, real_url)):
            link = self.to_real(link)
            if self.is_own(link) and self.wanted_by_date(published) and self.accept_discovered(link):
                request = self.article_request(link, hint=published, priority=entry_priority(rank))
                if request is not None:
                    yield request

    def newest_first(self, entries: list[tuple[str, datetime | date | None]], limit: int,
                     source: str) -> list[tuple[str, datetime | date | None]]:
        """Entries by date, newest first (undated ones after, in their order), at most `limit`."""
        ordered = sorted(enumerate(entries), key=lambda ie: (ie[1][1] is None,
                         -_ordinal(ie[1][1]) if ie[1][1] is not None else 0, ie[0]))
        if len(ordered) > limit:
            self.count("discovery/entries_capped", len(ordered) - limit)
            logger.info("%s lists %d entries: the newest %d are read", source, len(ordered), limit)
        return [e for _, e in ordered[:limit]]

    def parse_sitemap(self, response: Response, listing: str, page: int, stale: int) -> Iterator[Request]:
        real_url = self.page_url(response)
        if response.status != 200:
            self.count(f"discovery/sitemap_status/{response.status}")
            return
        body = self.sitemap_body(response)
        if body is None:
            return
        if urlsplit(real_url).path.endswith("/robots.txt"):
            yield from self.sitemaps_of_robots(body, real_url)
            return
        read = self.sitemap_entries(body, real_url)
        if read is None:
            return
        index, entries = read
        limit = MAX_SITEMAPS_PER_INDEX if index else MAX_ENTRIES_PER_SITEMAP
        for rank, (loc, lastmod) in enumerate(self.newest_first(entries, limit, real_url)):
            if not self.is_own(loc):
                continue
            if index:
                if self.args.since and lastmod is not None and _day(lastmod) < self.args.since:
                    continue
                request = self.page_request(loc, self.parse_sitemap, listing=loc, page=1, stale=0)
            elif self.wanted_by_date(lastmod) and self.accept_discovered(loc):
                # lastmod is not a publish date
                request = self.article_request(loc, hint=None, priority=entry_priority(rank))
            else:
                continue
            if request is not None:
                yield request

    def sitemaps_of_robots(self, body: bytes, real_url: str) -> Iterator[Request]:
        from scrapy.utils.sitemap import sitemap_urls_from_robots

        for url in sitemap_urls_from_robots(body, base_url=real_url):
            request = self.page_request(self.to_real(url), self.parse_sitemap, listing=url, page=1, stale=0)
            if request is not None:
                yield request

    def sitemap_entries(self, body: bytes, real_url: str) -> tuple[bool, list[Entry]] | None:
        """(is an index, [(loc, lastmod)]); None for a sitemap that does not parse (counted)."""
        from scrapy.utils.sitemap import Sitemap

        try:
            sitemap = Sitemap(body)
            raw_entries = list(sitemap)
        except Exception as exc:  # lxml raises several types on garbage
            self.count("errors/malformed_sitemap")
            logger.warning("Malformed sitemap %s: %s", real_url, exc)
            return None
        self.count("discovery/sitemaps")
        entries = [(self.to_real(urljoin(real_url, e["loc"].strip())), self.entry_date(e))
                   for e in raw_entries if e.get("loc", "").strip()]  # an empty <loc> would be the sitemap itself
        return sitemap.type == "sitemapindex", entries

    def entry_date(self, entry: dict[str, Any]) -> datetime | date | None:
        from crawler.text.dates import parse_iso

        raw = entry.get("lastmod") or (entry.get("news", {}) or {}).get("publication_date")
        return parse_iso(raw) if isinstance(raw, str) and raw.strip() else None

    def sitemap_body(self, response: Response) -> bytes | None:
        from scrapy.utils.gz import gunzip

        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:
                self.count("errors/malformed_sitemap")
                logger.warning("Bad gzip sitemap %s: %s", response.url, exc)
                return None
        return body

    def accept_discovered(self, real_url: str) -> bool:
        if self.site.generic_only:
            return not is_skipped_url(real_url)
        return self.site.is_article_url(real_url)

    def wanted_by_date(self, value: datetime | date | None) -> bool:
        if value is None:
            return True
        day = _day(value)
        since, until = self.args.since, self.args.until
        return not ((since and day < since) or (until and day > until + timedelta(days=1)))

    # -- articles -----------------------------------------------------------------------------

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        real_url = self.page_url(response)
        self.count("extract/pages")
        if not isinstance(response, TextResponse):
            self.count("extract/not_text")
            logger.info("Not a text page, skipped: %s", real_url)
            return
        article = await self.work(response, real_url, extract_article)
        item = self.item_of(response, real_url, article) if article is not None else None
        if item is not None:
            yield item

    async def work(self, response: TextResponse, real_url: str, fn: Any) -> Any:
        """fn(url, page text, site) in a worker process; None (counted, logged) when it failed."""
        site = None if self.site.slug == "generic" else self.site
        started = time.process_time()
        try:
            return await self.workers.run(fn, real_url, response.text, site,
                                          strip_signatures=frozenset(self.strip_signatures))
        except PageTimeLimit:
            self.count("errors/page_time_limit")
            logger.warning("Extraction took longer than PAGE_TIME_LIMIT (%s s): page dropped: %s",
                           self.settings.getfloat("PAGE_TIME_LIMIT"), real_url)
        except WorkerCrashed as exc:
            logger.error("Extraction lost: %s: page dropped: %s", exc, real_url)
        except Exception as exc:
            self.count("errors/extraction")
            logger.error("Extraction failed on %s: %s: %s", real_url, type(exc).__name__, exc)
        finally:
            # With a worker pool this is the reactor's share only (sending the page, receiving the result).
            self.count("extract/cpu_ms", int((time.process_time() - started) * 1000))
        return None

    def item_of(self, response: Response, real_url: str, article: ArticleData) -> Any:
        """The page's item, or None for a page that is not an article (counted)."""
        if not article.is_article:
            if article.date_line_signature:
                self.strip_signatures.add(article.date_line_signature)
            self.count("extract/not_article")
            logger.debug("Not an article (%s): %s", "; ".join(article.reasons), real_url)
            if response.meta.get("date_hint") is None and self.site.generic_only:
                self.count("discovery/not_article")
            return None
        for name in article.fallbacks:
            self.count(f"fallback/{name}")
            logger.info("%s: site file drifted: %s from the generic rules on %s", self.name, name, real_url)
        return assemble_item(article, self.site, date_hint=response.meta.get("date_hint"))


def _ordinal(value: datetime | date) -> float:
    if isinstance(value, datetime):
        return value.timestamp() if value.tzinfo else value.replace().timestamp()
    return datetime(value.year, value.month, value.day).timestamp()
