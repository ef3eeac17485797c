"""Validate: the last check that a line honours the output contract before it is written."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.adapters.pipelines.drops import InvalidItem
from crawler.items import Announcement
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
        return item
