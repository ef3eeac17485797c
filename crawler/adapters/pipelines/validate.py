"""Validate: the last check that a line honours the output contract before it is written."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.adapters.pipelines.drops import InvalidItem
from crawler.items import Announcement
from crawler.monitoring.history import COVERAGE_FIELDS
from crawler.schema import line_errors

logger = logging.getLogger(__name__)


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Announcement) -> Announcement:
        errors = line_errors(item.to_dict())
        if errors:
            logger.error("Item from %s breaks the output contract: %s", item.url, "; ".join(errors))
            raise InvalidItem(f"{item.url}: {errors[0]}")
        self._count_coverage(item.to_dict())
        return item

    def _count_coverage(self, line: dict[str, object]) -> None:
        # Field coverage of the lines that pass, for the run's monitors (crawler/monitoring).
        stats = self.crawler.stats
        if stats is None:
            return
        stats.inc_value("coverage/items")
        if line.get("is_training"):
            stats.inc_value("coverage/training")
        event = line.get("event")
        for name in COVERAGE_FIELDS:
            value = (event.get("start_date") if isinstance(event, dict) else None) \
                if name == "event.start_date" else line.get(name)
            if value:
                stats.inc_value(f"coverage/{name}")
