"""Classify: is it a training announcement? Plus topic tags, province and the event's fields."""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.adapters.pipelines.drops import NotTraining, TooSlow, WorkerLost
from crawler.adapters.timelimit import PageTimeLimit
from crawler.adapters.workers import WorkerCrashed, Workers
from crawler.items import Announcement
from crawler.stages import enriched


class ClassifyPipeline:
    def __init__(self, crawler: Crawler, keep_irrelevant: bool) -> None:
        self.crawler = crawler
        self.keep_irrelevant = keep_irrelevant

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClassifyPipeline:
        return cls(crawler, crawler.settings.getbool("KEEP_IRRELEVANT"))

    async def process_item(self, item: Announcement) -> Announcement:
        workers = self.crawler.get_extension(Workers)
        assert workers is not None
        try:
            item = await workers.run(enriched, item)
        except PageTimeLimit:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("errors/page_time_limit")
            raise TooSlow(f"Classification took longer than PAGE_TIME_LIMIT: {item.url}") from None
        except WorkerCrashed as exc:
            raise WorkerLost(f"Classification lost: {exc}: {item.url}") from None
        if item.is_training:
            self.crawler.stats.inc_value("classify/training")
        else:
            self.crawler.stats.inc_value("classify/not_training")
            if not self.keep_irrelevant:
                raise NotTraining(f"Not a training announcement (score {item.relevance['score']}): {item.url}")
        return item
