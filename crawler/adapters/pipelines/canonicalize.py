"""Canonicalize: canonical URL and id, dates checked as ISO 8601, the since/until window applied."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.adapters.pipelines.drops import OutOfWindow
from crawler.dedup.canonical import CanonicalRules, rules_from_mapping
from crawler.items import Announcement
from crawler.stages import canonicalize, in_window, iso_day

logger = logging.getLogger(__name__)


class CanonicalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._rules: CanonicalRules | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalizePipeline:
        return cls(crawler)

    def process_item(self, item: Announcement) -> Announcement:
        spider = self.crawler.spider
        if self._rules is None:
            site = getattr(spider, "site", None)
            self._rules = rules_from_mapping(site.canonical if site else None)
        for problem in canonicalize(item, self._rules):
            # A garbage date is reported and set to null: never guessed, never fatal.
            logger.warning("%s: %s (set to null)", item.url, problem)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("normalize/bad_date")
        args = getattr(spider, "args", None)
        since, until = getattr(args, "since", None), getattr(args, "until", None)
        if not in_window(iso_day(item.published_at), since, until):
            raise OutOfWindow(f"Published {item.published_at}, outside {since}..{until}: {item.url}")
        return item
