"""Delivery: each item's line goes to every output file of the crawl, flushed and synced, and only
then is the item marked delivered in the state store. Replaces Scrapy's FeedExporter, which swallows
write errors (a full disk, a read-only file) while the crawl goes on marking items as written.

Outputs come from FEEDS (`-o`/`-O` on the command line) or, when none is given, DEFAULT_FEEDS (one
file per site and run). Only JSON Lines to local files or standard output: that is the contract. A
file is opened on its first line, so a site with nothing new leaves no empty file. A write error on
the output or the state stops the site with one line naming the path; nothing unwritten is marked.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import BaseSettings

from crawler.adapters.context import FeedFile, OutputError, RunContext, StdoutFeed, run_context
from crawler.adapters.pipelines.drops import NotTraining
from crawler.adapters.state import CrawlState, StateComponent
from crawler.dedup import Record, apply, content_hash, release_held
from crawler.dedup.decide import Decision, Kind
from crawler.dedup.store import JOB_STARTED, StateError
from crawler.items import Announcement
from crawler.paths import resolve

logger = logging.getLogger(__name__)

FORMATS = ("jsonlines", "jsonl", "jl")


class FeedConfigError(ValueError):
    """An output the crawler cannot write as its contract says (the message is one line)."""


@dataclass(frozen=True)
class FeedTarget:
    """An output: a path template (%(name)s = site, %(time)s = run start, UTC) or None for stdout."""

    template: str | None
    overwrite: bool

    def path(self, name: str, time: str) -> Path | None:
        if self.template is None:
            return None
        return resolve(self.template % {"name": name, "time": time})


def feed_targets(settings: BaseSettings) -> list[FeedTarget]:
    """The crawl's outputs from FEEDS, else DEFAULT_FEEDS; FeedConfigError for one it cannot write."""
    feeds = settings.getdict("FEEDS") or settings.getdict("DEFAULT_FEEDS")
    targets = []
    for uri, options in feeds.items():
        options = options or {}
        fmt = str(options.get("format") or "jsonlines")
        if fmt not in FORMATS:
            raise FeedConfigError(f"output {uri!r}: format {fmt!r} is not written; the crawler writes JSON Lines "
                                  "(name the file .jsonl, or add :jsonlines)")
        overwrite = bool(options.get("overwrite", False))
        if uri in ("-", "stdout:"):
            targets.append(FeedTarget(None, overwrite))
            continue
        parts = urlsplit(uri)
        if parts.scheme == "file":
            targets.append(FeedTarget(unquote(parts.path), overwrite))
        elif parts.scheme == "" or len(parts.scheme) == 1:  # a plain path (or C:\...)
            targets.append(FeedTarget(uri, overwrite))
        else:
            raise FeedConfigError(f"output {uri!r}: only local files and standard output (-o -) are written")
    return targets


def time_param(context: RunContext) -> str:
    """%(time)s: the run's start in UTC, "2026-11-21T16-42-51Z" (no colons: portable file names)."""
    return context.started.strftime("%Y-%m-%dT%H-%M-%SZ")


class Delivery:
    def __init__(self, crawler: Crawler, targets: list[FeedTarget]) -> None:
        self.crawler = crawler
        self.targets = targets
        self.context = run_context(crawler)
        self.feeds: list[FeedFile | StdoutFeed] = []
        self.sync = crawler.settings.getbool("FEED_FSYNC")
        self.stopped = False
        self.released_once = False
        self.hold_started: float | None = None  # when held copies began to wait for other jobs

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Delivery:
        ext = cls(crawler, feed_targets(crawler.settings))
        for handler, signal in ((ext.spider_opened, signals.spider_opened), (ext.item_scraped, signals.item_scraped),
                                (ext.item_dropped, signals.item_dropped), (ext.spider_idle, signals.spider_idle),
                                (ext.spider_closed, signals.spider_closed)):
            crawler.signals.connect(handler, signal=signal)
        return ext

    # -- wiring -------------------------------------------------------------------------------

    def _state(self) -> CrawlState | None:
        component = self.crawler.get_extension(StateComponent)
        assert component is not None and self.crawler.spider is not None
        return component.open(self.crawler.spider)

    def stop(self, spider: Spider, reason: str, message: str) -> None:
        """Stop the site: nothing more is written or marked."""
        if self.stopped:
            return
        self.stopped = True
        component = self.crawler.get_extension(StateComponent)
        assert component is not None
        component.fail(spider, reason, message)

    def spider_opened(self, spider: Spider) -> None:
        time = time_param(self.context)
        self.feeds = [self.context.feed(t.path(spider.name, time), t.overwrite, self.sync) for t in self.targets]
        site = getattr(spider, "site", None)
        self.context.running[spider.name] = tuple(site.allowed_domains) if site else ()
        state = self._state()
        if state is None:
            return  # the state component stops the site (busy or unusable state)
        first = next((f.path for f in self.feeds if isinstance(f, FeedFile)), None)
        try:
            state.store.begin_run(state.run_id, state.site_slug, first)
            self._announce_job(state, first)
        except StateError as exc:
            self.stop(spider, "state_error", str(exc))

    def _announce_job(self, state: CrawlState, feed: Path | None) -> None:
        """A site job of a run over Scrapyd nodes names its feed file in the shared state as it starts:
        if its node goes silent before the job's summary is saved, the dispatcher still lists the file
        (the lines written before the node went silent are in it)."""
        settings = self.crawler.settings
        run_id, job = str(settings.get("DISPATCH_RUN_ID") or ""), str(settings.get("DISPATCH_JOB") or "")
        if run_id and job and feed is not None:
            state.store.save_job_result(run_id, state.site_slug, f"{job}{JOB_STARTED}",
                                        {"site": state.site_slug, "verdict": "running", "feed_files": [str(feed)]})

    # -- items --------------------------------------------------------------------------------

    def item_scraped(self, item: Any, spider: Spider) -> None:
        state = self._state()
        if self.stopped or state is None:
            return
        canon = getattr(item, "canonical_url", "")
        entry = state.pending.get(canon)
        claimed = entry is not None and entry[0].kind is Kind.NEW
        if entry is not None and claimed and not self.claim(state, canon, entry[0], entry[1]):
            return
        line = (json.dumps(item.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
        try:
            for feed in self.feeds:
                feed.write(line)
        except OutputError as exc:
            if claimed:
                try:
                    state.store.unclaim(canon)
                except StateError as undo_exc:
                    logger.error("%s: %s", spider.name, undo_exc)
            self.stop(spider, "output_error", str(exc.strerror or exc))
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("delivery/lines")
        self.context.delivered[spider.name] = self.context.delivered.get(spider.name, 0) + 1
        entry = state.pending.pop(getattr(item, "canonical_url", ""), None)
        try:
            if entry is not None:
                decision, record = entry
                apply(state.store, decision, record)
            state.store.commit()
        except StateError as exc:
            self.stop(spider, "state_error", str(exc))

    def claim(self, state: CrawlState, canon: str, decision: Decision, record: Record) -> bool:
        """Claim a new story before its line is written (True: write it). Other processes sharing the
        state (site jobs on other machines, an overlapping run) may have emitted the same story since
        it was decided; the claim is atomic across them, so one line is written for it in all."""
        assert self.crawler.stats is not None and self.crawler.spider is not None
        try:
            winner = state.store.claim(record)
            if winner is None:
                return True
            state.pending.pop(canon, None)
            state.store.add_mirror(winner.canonical_url, canon)
            state.store.release_pending(canon)
            state.store.commit()
        except StateError as exc:
            self.stop(self.crawler.spider, "state_error", str(exc))
            return False
        self.crawler.stats.inc_value("dedup/claimed_by_another_process")
        logger.info("%s: %s was emitted meanwhile by another crawl as %s: merged as its mirror",
                    self.crawler.spider.name, canon, winner.canonical_url)
        return False

    def item_dropped(self, item: Any, spider: Spider, exception: BaseException) -> None:
        state = self._state()
        if state is None:
            return
        canon = getattr(item, "canonical_url", "")
        state.pending.pop(canon, None)
        if isinstance(exception, NotTraining) and canon and not self.stopped:
            # Fetched and irrelevant: the next run need not fetch it again.
            record = Record(canon, state.site_slug, content_hash(item.title, item.body), None, item.published_at)
            try:
                state.store.mark_seen(record)
                state.store.commit()
            except StateError as exc:
                self.stop(spider, "state_error", str(exc))

    # -- held copies --------------------------------------------------------------------------

    def spider_idle(self, spider: Spider) -> None:
        state = self._state()
        if self.released_once or state is None or not state.held_for or self.stopped:
            return
        waiting = [slug for slug, domains in self.context.running.items() if slug != spider.name
                   and _serves(domains, state.held_for)]
        if not waiting:
            waiting = self._waiting_in_dispatched_run(spider, state)
        if waiting:
            logger.info("%s: held copies wait for %s, still crawling", spider.name, ", ".join(waiting))
            raise DontCloseSpider
        self.released_once = True
        try:
            items = self.release_held(spider, state)
        except StateError as exc:
            self.stop(spider, "state_error", str(exc))
            return
        if items:
            def emit_released(response: Any) -> list[Any]:
                return items

            # A local data: request brings the released items back through the engine (and so the
            # pipelines and the delivery): extensions cannot yield items themselves.
            request = Request("data:,", callback=emit_released, dont_filter=True, meta={"internal": True})
            assert self.crawler.engine is not None
            self.crawler.engine.crawl(request)
            raise DontCloseSpider

    def _waiting_in_dispatched_run(self, spider: Spider, state: CrawlState) -> list[str]:
        """A site job of a run spread over Scrapyd nodes (DISPATCH_RUN_ID): the sites of the run that
        may hold a held copy's original and have not saved their summary yet (they run as other jobs,
        maybe on other machines). Waits at most DISPATCH_HOLD_WAIT seconds, then releases anyway."""
        settings = self.crawler.settings
        run_id = str(settings.get("DISPATCH_RUN_ID") or "")
        sites = [s for s in str(settings.get("DISPATCH_SITES") or "").split(",") if s and s != spider.name]
        if not run_id or not sites:
            return []
        if self.hold_started is None:
            self.hold_started = monotonic()
        if monotonic() - self.hold_started > settings.getfloat("DISPATCH_HOLD_WAIT"):
            logger.warning("%s: held copies stop waiting for their originals' sites after %.0f s", spider.name,
                           settings.getfloat("DISPATCH_HOLD_WAIT"))
            return []
        from crawler.sites.registry import load_registry_with_errors

        registry, _ = load_registry_with_errors()
        candidates = [s for s in sites if s in registry and _serves(registry[s].allowed_domains, state.held_for)]
        if not candidates:
            return []
        errors: tuple[type[BaseException], ...] = (StateError, *state.store.db_errors)
        try:
            done = {str(r.get("site")) for job, r in state.store.job_results(run_id).items()
                    if not job.endswith(JOB_STARTED)}
        except errors as exc:
            logger.warning("%s: cannot read the run's job results (%s): held copies are released now", spider.name,
                           exc)
            return []
        return [s for s in candidates if s not in done]

    def release_held(self, spider: Spider, state: CrawlState) -> list[Announcement]:
        """Held copies whose original never came are emitted now (the first of several copies of
        one story carries the others as mirrors); the rest were merged into their original."""
        assert self.crawler.stats is not None
        out = []
        for pending, decision in release_held(state.store, site=state.site_slug):
            if not decision.emit:
                self.crawler.stats.inc_value("dedup/held_merged_into_original")
                continue
            data = json.loads(pending.payload)
            data.update(revision=decision.revision, mirrors=sorted(set(decision.mirrors)))
            state.released.add(pending.canonical_url)
            out.append(Announcement(**data))
        state.store.commit()
        self.crawler.stats.inc_value("dedup/held_released", len(out))
        return out

    # -- end ----------------------------------------------------------------------------------

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.context.running.pop(spider.name, None)
        assert self.crawler.stats is not None
        written = [str(f.path) for f in self.feeds if f.lines]
        if written:
            self.crawler.stats.set_value("delivery/files", written)
        for feed in self.feeds:
            self.context.release(feed)
        component = self.crawler.get_extension(StateComponent)
        state = component.state if component is not None else None
        if state is None or (component is not None and component.problem and component.problem[0] == "state_error"):
            return
        try:
            # Every mark in it is of a line already synced to its file.
            state.store.seal_run(complete=reason == "finished" and not self.stopped)
        except StateError as exc:
            logger.error("%s: %s", spider.name, exc)


def _serves(domains: Any, outlets: set[str]) -> bool:
    """Whether a site with these domains is one of the credited outlets (a subdomain either way)."""
    return any(d == o or d.endswith("." + o) or o.endswith("." + d) for d in domains for o in outlets)
