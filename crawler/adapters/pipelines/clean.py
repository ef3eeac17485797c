"""Clean: NFC and whitespace once more, fields cut to their caps (counted), items with no content dropped."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.adapters.pipelines.drops import MissingContent
from crawler.items import Announcement
from crawler.stages import clean

logger = logging.getLogger(__name__)


class CleanPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(crawler)

    def process_item(self, item: Announcement) -> Announcement:
        notes: list[str] = []
        problems = clean(item, notes)
        for note in notes:
            # "title cut to 1000 characters (was 1040013)": counted as clean/cut_title, logged with the URL.
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(f"clean/cut_{note.split(' ', 1)[0]}")
            logger.warning("%s: %s", item.url, note)
        if problems:
            raise MissingContent(f"{', '.join(problems)}: {item.url}")
        return item
