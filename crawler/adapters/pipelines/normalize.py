"""Normalize: canonical URL and id, dates checked as ISO 8601, the since/until window applied."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.adapters.pipelines.drops import OutOfWindow
from crawler.dates_window import in_window
from crawler.dedup.canonical import CanonicalRules, rules_from_mapping
from crawler.items import Announcement
from crawler.process import iso_day, normalize

logger = logging.getLogger(__name__)


class NormalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._rules: CanonicalRules | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler)

    def process_item(self, item: Announcement) -> Announcement:
        spider = self.crawler.spider
        if self._rules is None:
            site = getattr(spider, "site", None)
            self._rules = rules_from_mapping(site.canonical if site else None)
        for problem in normalize(item, self._rules):
            # A garbage date is reported and set to null: never guessed, never fatal.
            logger.warning("%s: %s (set to null)", item.url, problem)
            self.crawler.stats.inc_value("normalize/bad_date")
        since, until = getattr(spider, "since", None), getattr(spider, "until", None)
        if not in_window(iso_day(item.published_at), since, until):
            raise OutOfWindow(f"Published {item.published_at}, outside {since}..{until}: {item.url}")
        return item
