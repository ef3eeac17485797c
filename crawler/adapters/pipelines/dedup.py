"""Deduplicate: the same URL or the same story (near-duplicate across sites) gives one line.

The decision only reads the state store; the item is marked emitted only after its line is
delivered (crawler.adapters.delivery). Until then its decision waits in the crawl state's `pending`.
"""

from __future__ import annotations

import json
import logging

from scrapy.crawler import Crawler

from crawler.adapters.pipelines.drops import DuplicateUrl, HeldForOriginal, NearDuplicate, NotDelivered, WorkerLost
from crawler.adapters.state import CrawlState, StateComponent, crawl_state
from crawler.adapters.timelimit import PageTimeLimit
from crawler.adapters.workers import WorkerCrashed, Workers
from crawler.dedup import DocSig, Kind, Record, decide, fingerprints, hold, hold_for
from crawler.dedup.store import StateError
from crawler.items import Announcement
from crawler.sites.registry import load_registry_with_errors

logger = logging.getLogger(__name__)


def registered_domains() -> list[str]:
    sites, _errors = load_registry_with_errors()
    return sorted({d for s in sites.values() for d in s.allowed_domains})


class DedupPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.registered = registered_domains()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler)

    def _state(self) -> CrawlState:
        state = crawl_state(self.crawler)
        if state is None:
            raise NotDelivered("the state store is not open: the site is being stopped")
        return state

    async def process_item(self, item: Announcement) -> Announcement:
        if item.canonical_url in self._state().released:
            return item  # a held copy released at the end of the run: already decided and recorded
        workers = self.crawler.get_extension(Workers)
        assert workers is not None
        try:
            sig, chash = await workers.run(fingerprints, item.title, item.body)
        except (PageTimeLimit, WorkerCrashed) as exc:
            raise WorkerLost(f"Signature lost: {type(exc).__name__} {exc}: {item.url}") from None
        # From here on nothing awaits: the decision and its claim in the store are one step.
        try:
            return self._decide(item, sig, chash)
        except StateError as exc:
            component = self.crawler.get_extension(StateComponent)
            if component is not None and self.crawler.spider is not None:
                component.fail(self.crawler.spider, "state_error", str(exc))
            raise NotDelivered(f"{exc}: {item.url}") from None

    def _decide(self, item: Announcement, sig: DocSig, chash: str) -> Announcement:
        state = self._state()
        item.fingerprint = sig.hex
        store = state.store
        if item.canonical_url in state.pending:
            raise DuplicateUrl(f"Same canonical URL already on its way to the feed: {item.url}")
        decision = decide(store, item.canonical_url, chash, sig)
        record = Record(item.canonical_url, item.site, chash, sig, item.published_at)
        if decision.kind is Kind.DUPLICATE_URL:
            raise DuplicateUrl(f"Already emitted, unchanged: {item.url}")
        if decision.kind is Kind.NEAR_DUPLICATE:
            assert decision.target is not None
            store.add_mirror(decision.target.canonical_url, item.canonical_url)
            store.release_pending(item.canonical_url)
            store.commit()
            raise NearDuplicate(f"Same story as {decision.target.canonical_url}: {item.url}")
        site = getattr(self.crawler.spider, "site", None)
        own = site.allowed_domains if site else ()
        original = hold_for(item.source, own, self.registered) if decision.kind is Kind.NEW else None
        if original:
            item.revision, item.mirrors = 1, []
            hold(store, decision, record, item.source or original, json.dumps(item.to_dict(), ensure_ascii=False))
            store.commit()
            state.held_for.add(original)
            raise HeldForOriginal(f"Copy credited to {original}; held until the end of the run: {item.url}")
        item.revision = decision.revision
        item.mirrors = sorted(set(decision.mirrors))
        if decision.kind is Kind.CHANGED:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("dedup/changed")
        state.pending[item.canonical_url] = (decision, record)
        return item
