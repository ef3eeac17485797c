"""Clean: NFC and whitespace once more, items with no content dropped."""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.adapters.pipelines.drops import MissingContent
from crawler.items import Announcement
from crawler.stages import clean


class CleanPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(crawler)

    def process_item(self, item: Announcement) -> Announcement:
        problems = clean(item)
        if problems:
            raise MissingContent(f"{', '.join(problems)}: {item.url}")
        return item
