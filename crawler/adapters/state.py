"""The state store as the crawl sees it: one connection per crawler, opened (and crashed runs
recovered) before the feed file is opened, a run begun and sealed around the spider.

Pure decisions live in crawler/dedup/; this module only holds the per-crawl lifecycle.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.crawler import Crawler

from crawler.dedup import SQLiteStateStore, canonical_url, recover_open_runs, rules_from_mapping
from crawler.dedup.canonical import CanonicalRules

logger = logging.getLogger(__name__)


class CrawlState:
    """What the spider, the dedup pipeline and the committer share for one crawl."""

    def __init__(self, crawler: Crawler, store: SQLiteStateStore) -> None:
        self.crawler = crawler
        self.store = store
        self.run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        self._rules: CanonicalRules | None = None
        # Canonical URLs decided "emit" whose line is not yet in the feed: a second copy of the
        # same URL in flight at the same time is a duplicate too.
        self.inflight: set[str] = set()
        # Held copies released at the end of the run, re-entering the pipelines already decided.
        self.released: set[str] = set()
        # Outlets whose original this crawl's held copies wait for.
        self.held_for: set[str] = set()

    def rules(self) -> CanonicalRules:
        if self._rules is None:
            site = getattr(self.crawler.spider, "site", None)
            self._rules = rules_from_mapping(site.canonical if site else None)
        return self._rules

    def canonical(self, url: str) -> str:
        return canonical_url(url, self.rules())

    def should_skip(self, url: str, refresh_days: int = 0) -> bool:
        """Skip URLs an earlier run emitted, merged as a mirror, or fetched and found irrelevant;
        with refresh_days, emitted articles published that recently are fetched again."""
        canon = self.canonical(url)
        record = self.store.get(canon)
        if record is None:
            return self.store.mirror_of(canon) is not None
        if record.emitted and refresh_days and record.published_at:
            try:
                published = datetime.fromisoformat(record.published_at)
            except ValueError:
                return True
            if published.tzinfo is None:
                published = published.replace(tzinfo=UTC)
            return published < datetime.now(UTC) - timedelta(days=refresh_days)
        return True

    def recent_urls(self, site: str, refresh_days: int) -> list[str]:
        return self.store.recent_urls(site, datetime.now(UTC) - timedelta(days=refresh_days))


def feed_paths(crawler: Crawler) -> list[Path]:
    """Local files the feed exporter writes for this crawl (after its spider_opened handler ran)."""
    from scrapy.extensions.feedexport import FeedExporter

    paths = []
    for ext in getattr(crawler.extensions, "middlewares", ()):
        if isinstance(ext, FeedExporter):
            for slot in ext.slots:
                uri = str(slot.uri)
                parts = urlsplit(uri)
                if parts.scheme == "file":
                    paths.append(Path(unquote(parts.path)))
                elif parts.scheme in ("", ) or len(parts.scheme) == 1:  # a plain path (or C:\...)
                    paths.append(Path(uri))
    return paths


def open_state(crawler: Crawler) -> CrawlState:
    """The crawl's state, created once per crawler; crashed runs are settled first, before any feed
    file of this crawl is opened (an -O output may overwrite the file a crashed run wrote)."""
    existing: CrawlState | None = getattr(crawler, "_taphuan_state", None)
    if existing is not None:
        return existing
    state_dir = crawler.settings.get("STATE_DIR", "output/.state")
    store = SQLiteStateStore(Path(state_dir), batch_size=1)
    for result in recover_open_runs(store):
        logger.warning(
            "Recovered crashed run %s: %d item(s) were in its feed and stay emitted, %d were not and "
            "will be emitted again%s", result.run_id, result.kept, result.undone,
            "" if result.feed_found else " (its feed file is gone)",
        )
    state = CrawlState(crawler, store)
    crawler._taphuan_state = state  # type: ignore[attr-defined]
    return state
