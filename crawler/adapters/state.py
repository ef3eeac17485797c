"""The crawl's state, owned by one component: `StateComponent` (an extension) builds it once in
`from_crawler` and the others receive it with `crawler.get_extension(StateComponent)`.

It opens the state store (checked when opened: integrity and schema version), takes the site's
lock (one process per site and state directory), settles runs that crashed (their feed files are the
truth of what was delivered), and holds what the spider, the dedup pipeline and the delivery share
for one crawl. Pure decisions live in crawler/dedup/; this module only holds the lifecycle.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from crawler.adapters.context import RunContext, run_context
from crawler.adapters.seen import SeenSet
from crawler.dedup import canonical_url, recover_open_runs, rules_from_mapping
from crawler.dedup.canonical import CanonicalRules
from crawler.dedup.decide import Decision
from crawler.dedup.store import Record, SiteLock, SQLiteStateStore, StateError
from crawler.dedup.store_pg import open_store
from crawler.paths import resolve

logger = logging.getLogger(__name__)


@dataclass
class CrawlState:
    """What the spider, the dedup pipeline and the delivery share for one crawl."""

    store: SQLiteStateStore
    site_slug: str
    rules: CanonicalRules
    run_id: str = field(default_factory=lambda: f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}")
    # Canonical URLs decided "emit" whose line is not yet delivered: a second copy of the same URL
    # in flight at the same time is a duplicate too. Their decisions wait here for the delivery.
    pending: dict[str, tuple[Decision, Record]] = field(default_factory=dict)
    # Held copies released at the end of the run, re-entering the pipelines already decided.
    released: set[str] = field(default_factory=set)
    # Outlets whose original this crawl's held copies wait for.
    held_for: set[str] = field(default_factory=set)
    # The previous run of the site ended early (killed, failed, capped): listings are read past
    # pages with nothing new this time, or what it left further down would never be reached.
    catch_up: bool = False
    # On disk, not Python sets: memory stays flat however many pages a crawl discovers.
    seen_articles: SeenSet = field(default_factory=SeenSet)
    seen_pages: SeenSet = field(default_factory=SeenSet)

    def canonical(self, url: str) -> str:
        return canonical_url(url, self.rules)

    def settled(self, url: str, refresh_days: int = 0) -> str | None:
        """Why an earlier run settled this URL, or None to fetch it: "known" (emitted and not due for
        a refresh, merged as a mirror, or fetched and found irrelevant) or "dead" (it answered
        404/410 recently)."""
        canon = self.canonical(url)
        record = self.store.get(canon)
        if record is None:
            if self.store.mirror_of(canon) is not None:
                return "known"
            return "dead" if self.store.is_dead(canon) else None
        if record.emitted and refresh_days and record.published_at:
            try:
                published = datetime.fromisoformat(record.published_at)
            except ValueError:
                return "known"
            if published.tzinfo is None:
                published = published.replace(tzinfo=UTC)
            return "known" if published < datetime.now(UTC) - timedelta(days=refresh_days) else None
        return "known"

    def recent_urls(self, refresh_days: int) -> list[str]:
        return self.store.recent_urls(self.site_slug, datetime.now(UTC) - timedelta(days=refresh_days))

    def close(self) -> None:
        self.seen_articles.close()
        self.seen_pages.close()


def lock_name(spider: Any) -> str:
    """The site's lock: its slug; for the generic spider, its first start URL's host."""
    site = getattr(spider, "site", None)
    if site is not None and site.slug == "generic":
        return "generic-" + (site.allowed_domains[0] if site.allowed_domains else "unknown")
    return str(getattr(spider, "name", "unknown"))


class StateComponent:
    """Opens the state once per crawler; a state that cannot be used stops this site with one line
    naming the path and what to do (finish reason `state_error` or `site_busy`), never a traceback."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.context: RunContext = run_context(crawler)
        self.directory = resolve(crawler.settings.get("STATE_DIR"))
        self.state_url = state_url(crawler.settings.get("STATE_URL"))
        self.state: CrawlState | None = None
        self.lock: SiteLock | None = None
        self.problem: tuple[str, str] | None = None  # (finish reason, message)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StateComponent:
        component = cls(crawler)
        # Opened before the feed: a crashed run's feed is read before anything could overwrite it.
        crawler.signals.connect(component.engine_started, signal=signals.engine_started)
        crawler.signals.connect(component.spider_closed, signal=signals.spider_closed)
        return component

    def open(self, spider: Spider) -> CrawlState | None:
        """The crawl's state, opened on first use (the spider asks for it when it starts)."""
        if self.state is not None or self.problem is not None:
            return self.state
        site = getattr(spider, "site", None)
        try:
            self.lock = SiteLock.acquire(self.directory, lock_name(spider))
        except StateError as exc:
            self.problem = ("site_busy" if exc.busy else "state_error", str(exc))
            return None
        try:
            store = open_store(self.state_url or str(self.directory), batch_size=1,
                               check=self.context.first_open(self.directory))
            try:
                store.lock_site(lock_name(spider))
            except StateError:
                store.close()
                raise
            for result in recover_open_runs(store, held_site=lock_name(spider)):
                logger.warning(
                    "Recovered crashed run %s: %d line(s) were in its feed and stay delivered (%d marked from "
                    "the feed), %d were not and will be emitted again%s", result.run_id, result.kept,
                    result.remarked, result.undone, "" if result.feed_found else " (its feed file is gone)")
        except StateError as exc:
            self.lock.release()
            self.problem = ("site_busy" if exc.busy else "state_error", str(exc))
            return None
        rules = rules_from_mapping(site.canonical if site is not None else None)
        slug = getattr(site, "slug", spider.name)
        try:
            catch_up = not store.previous_run_complete(slug)
        except store.db_errors as exc:
            self.lock.release()
            self.problem = ("state_error", f"cannot read the state database {store.path}: {exc}")
            return None
        if catch_up:
            logger.info("%s: the previous run ended early: listings are read past pages with nothing new", slug)
        self.state = CrawlState(store, slug, rules, catch_up=catch_up)
        return self.state

    def engine_started(self) -> None:
        spider = self.crawler.spider
        if spider is not None:
            self.open(spider)

    def fail(self, spider: Spider, reason: str, message: str) -> None:
        """Stop this site: one ERROR line, the crawl closes with `reason` (the verdict says failed)."""
        if self.problem is None:
            self.problem = (reason, message)
        logger.error("%s: %s", spider.name, message)
        close_site(self.crawler, reason)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.state is not None:
            self.state.close()
            try:
                self.state.store.close()
            except StateError as exc:
                logger.error("%s: %s", spider.name, exc)
        if self.lock is not None:
            self.lock.release()


def state_url(setting: str | None) -> str:
    """STATE_URL: the setting, else the environment variable; empty = SQLite in STATE_DIR."""
    return (setting or os.environ.get("STATE_URL") or "").strip()


def crawl_state(crawler: Crawler) -> CrawlState | None:
    """The crawl's state (None when it could not be opened: the site is being stopped)."""
    component = crawler.get_extension(StateComponent)
    if component is None:
        raise RuntimeError("the StateComponent extension is not enabled (EXTENSIONS setting)")
    spider = crawler.spider
    return component.open(spider) if spider is not None else component.state


def close_site(crawler: Crawler, reason: str) -> None:
    """Schedule the site's close from synchronous code (a signal handler)."""
    assert crawler.engine is not None
    deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
