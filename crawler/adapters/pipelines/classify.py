"""Classify: is it a training announcement? Plus topic tags, province and the event's fields."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.adapters.pipelines.drops import NotTraining, TooSlow, WorkerLost
from crawler.adapters.timelimit import PageTimeLimit
from crawler.adapters.workers import WorkerCrashed, Workers
from crawler.items import Announcement
from crawler.relevance import model
from crawler.stages import enriched

logger = logging.getLogger(__name__)


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
        self._second_opinion(item)
        if item.is_training:
            self.crawler.stats.inc_value("classify/training")
        else:
            self.crawler.stats.inc_value("classify/not_training")
            if not self.keep_irrelevant:
                raise NotTraining(f"Not a training announcement (score {item.relevance['score']}): {item.url}")
        return item

    def _second_opinion(self, item: Announcement) -> None:
        """The learned model never decides: a verdict different from the rules' is flagged for review."""
        clf = model.load_model()
        if clf is None:
            return
        diff = model.disagreement(clf, item.title, item.summary, item.body, bool(item.is_training))
        if diff is None:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("relevance/model_disagrees")
        logger.info(
            "Relevance: rules say %s, model says %s (p=%.3f), for review: %s",
            "training" if diff.rules else "not training",
            "training" if diff.model else "not training",
            diff.probability,
            item.url,
        )
