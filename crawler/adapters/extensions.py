"""Extensions: the state store's lifecycle, the stats file, and loud reports of silent failures."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class StatsFile:
    """With `-s STATS_FILE=path`, the final crawl stats are saved there as JSON (for schedulers and
    tests); values that are not JSON (datetimes) are written as strings."""

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = Path(path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFile:
        from scrapy.exceptions import NotConfigured

        path = crawler.settings.get("STATS_FILE")
        if not path:
            raise NotConfigured
        ext = cls(crawler, path)
        # spider_closed handlers run before the stats collector is closed, so stats are complete
        # except finish_reason/finish_time, which are set right before; engine_stopped is later still.
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, default=str, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")


class SilentFailureReporter:
    """A crawl that fetched nothing looks like "no news" to a scheduler. Say why, as an error."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SilentFailureReporter:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats: dict[str, Any] = self.crawler.stats.get_stats()
        refused = int(stats.get("robotstxt/forbidden", 0))
        items = int(stats.get("item_scraped_count", 0))
        pages = int(stats.get("response_received_count", 0))
        if refused and not items:
            logger.error(
                "%s: robots.txt refused %d request(s) and nothing was crawled. The site disallows this "
                "crawler; obeying it. Ask the site for permission or use a source it allows.",
                spider.name, refused,
            )
        elif pages == 0 and not stats.get("site/unsupported"):
            logger.error("%s: no page could be fetched (see errors/* in the stats)", spider.name)


# Sites crawling in this process right now (slug -> allowed domains): a held copy waits while the
# spider of its original outlet is still running in the same `crawlall`.
RUNNING: dict[str, tuple[str, ...]] = {}


class StateCommitter:
    """Marks an item emitted only after the feed exporter wrote its line (this extension's handlers
    are connected after the exporter's), begins and seals the store's run around the spider, and
    releases held copies at the end of the run."""

    def __init__(self, crawler: Crawler) -> None:
        from crawler.adapters.state import open_state

        self.crawler = crawler
        self.state = open_state(crawler)  # recovers crashed runs before any feed file is opened
        self.released_once = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StateCommitter:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _decisions(self) -> dict[str, Any]:
        pipeline = getattr(self.crawler, "_taphuan_dedup", None)
        return pipeline.decisions if pipeline is not None else {}

    def spider_opened(self, spider: Spider) -> None:
        from crawler.adapters.state import feed_paths

        paths = feed_paths(self.crawler)
        self.state.store.begin_run(self.state.run_id, spider.name, paths[0] if paths else None)
        site = getattr(spider, "site", None)
        RUNNING[spider.name] = tuple(site.allowed_domains) if site else ()

    def item_scraped(self, item: Any, spider: Spider) -> None:
        from crawler.dedup import apply

        canon = getattr(item, "canonical_url", "")
        self.state.inflight.discard(canon)
        entry = self._decisions().pop(canon, None)
        if entry is not None:
            decision, record = entry
            apply(self.state.store, decision, record)
            self.state.store.commit()

    def item_dropped(self, item: Any, spider: Spider, exception: BaseException) -> None:
        from crawler.adapters.pipelines.drops import NotTraining
        from crawler.dedup import Record, content_hash

        canon = getattr(item, "canonical_url", "")
        self.state.inflight.discard(canon)
        self._decisions().pop(canon, None)
        if isinstance(exception, NotTraining) and canon:
            # Fetched and irrelevant: the next run need not fetch it again.
            record = Record(canon, spider.name, content_hash(item.title, item.body), None, item.published_at)
            self.state.store.mark_seen(record)
            self.state.store.commit()

    def spider_idle(self, spider: Spider) -> None:
        from scrapy.exceptions import DontCloseSpider

        if self.released_once or not self.state.held_for:
            return
        waiting = [slug for slug, domains in RUNNING.items() if slug != spider.name
                   and any(d == o or d.endswith("." + o) or o.endswith("." + d)
                           for d in domains for o in self.state.held_for)]
        if waiting:
            logger.info("%s: held copies wait for %s, still crawling", spider.name, ", ".join(waiting))
            raise DontCloseSpider
        self.released_once = True
        items = self.release_held(spider)
        if items:
            from scrapy import Request

            def emit_released(response: Any) -> list[Any]:
                return items

            # A local data: request brings the released items back through the engine (and so the
            # pipelines and the feed): extensions cannot yield items themselves.
            request = Request("data:,", callback=emit_released, dont_filter=True, meta={"internal": True})
            assert self.crawler.engine is not None
            self.crawler.engine.crawl(request)
            raise DontCloseSpider

    def release_held(self, spider: Spider) -> list[Any]:
        """Held copies whose original never came are emitted now (the first of several copies of
        one story carries the others as mirrors); the rest were merged into their original."""
        from crawler.dedup import release_held
        from crawler.items import Announcement

        out = []
        for pending, decision in release_held(self.state.store, site=spider.name):
            if not decision.emit:
                self.crawler.stats.inc_value("dedup/held_merged_into_original")
                continue
            data = json.loads(pending.payload)
            data.update(revision=decision.revision, mirrors=sorted(set(decision.mirrors)))
            self.state.released.add(pending.canonical_url)
            out.append(Announcement(**data))
        self.state.store.commit()
        self.crawler.stats.inc_value("dedup/held_released", len(out))
        return out

    def spider_closed(self, spider: Spider, reason: str) -> None:
        RUNNING.pop(spider.name, None)
        # The feed exporter closed its file in its own spider_closed handler, which ran first.
        self.state.store.seal_run()
        self.state.store.close()
