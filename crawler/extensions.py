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
