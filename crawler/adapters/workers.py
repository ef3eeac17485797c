"""The CPU work of a page (extraction, classification and event fields, the near-duplicate
signature) in a pool of worker processes, so that it uses every core and never stalls the reactor.

`WORKERS` sets the pool's size: -1 (the default) one worker per usable core, 0 none (the work runs
in the reactor's thread, as a plain Scrapy project does; the test suite runs this way except the
tests of the pool). The sites of one `crawlall` share one pool through the run context.

A page's work is bounded by PAGE_TIME_LIMIT either way: in a worker the pool kills the process and
starts another; in the reactor's thread a SIGALRM timer interrupts it. A worker that dies (a crash in
lxml, the OOM killer) costs only the page it was working on: counted in `errors/worker_crashed`,
logged with the URL, and the pool replaces the worker.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool
from scrapy import signals
from scrapy.crawler import Crawler

from crawler.adapters.context import run_context
from crawler.adapters.timelimit import PageTimeLimit, time_limit

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Imported once in the fork server, so a new worker starts in milliseconds with the extractor,
# the classifier and their compiled patterns ready.
PRELOAD = ["crawler.extract", "crawler.stages", "crawler.dedup.fingerprint"]


class WorkerCrashed(Exception):
    """The worker process died while working on the page."""


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pool_size(setting: int) -> int:
    """WORKERS as a number of processes: -1 = one per usable core, 0 = none."""
    return usable_cores() if setting < 0 else setting


def pool_size_setting(settings: Any) -> int:
    """The WORKERS setting (or the TAPHUAN_WORKERS environment variable) as a pool size;
    ValueError with one line for anything but a whole number >= -1."""
    raw = settings.get("WORKERS")
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = -2
    if value < -1:
        raise ValueError(f"WORKERS must be a whole number: -1 (one per core), 0 (none) or a count; got {raw!r}")
    return pool_size(value)


class SharedPool:
    """One pebble pool for every crawler of a run, closed when its last user leaves. Workers are
    forked from a fork server started before the pool, not from the crawling process: a worker
    must not inherit the reactor's sockets (a connection the crawler closes would stay open in it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.users = 0
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self.pool = ProcessPool(max_workers=size, context=context)
        logger.info("Page work in %d worker process(es) (WORKERS)", size)

    def close(self) -> None:
        self.pool.close()
        self.pool.join(timeout=10)
        if self.pool.active:  # a worker still busy past the join: stop it rather than hang the exit
            self.pool.stop()
            self.pool.join()


class Workers:
    """The crawler's handle on the run's pool (or on inline work when WORKERS=0): an extension, which
    the spider and the pipelines reach with `crawler.get_extension(Workers)`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.limit = crawler.settings.getfloat("PAGE_TIME_LIMIT")
        self.size = pool_size_setting(crawler.settings)
        self.context = run_context(crawler)
        self.shared: SharedPool | None = self.context.pool(self.size) if self.size > 0 else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Workers:
        workers = cls(crawler)
        crawler.signals.connect(workers.opened, signal=signals.spider_opened)
        crawler.signals.connect(workers.close, signal=signals.spider_closed)
        return workers

    def opened(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("workers/size", self.size if self.shared is not None else 0)

    def close(self) -> None:
        if self.shared is not None:
            self.context.release_pool(self.shared)
            self.shared = None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """fn(*args, **kwargs) in a worker; PageTimeLimit past PAGE_TIME_LIMIT, WorkerCrashed when
        the worker died; any exception fn raised comes back as itself."""
        if self.shared is None:
            with time_limit(self.limit):
                return fn(*args, **kwargs)
        assert self.crawler.stats is not None
        try:
            future = self.shared.pool.schedule(fn, args=args, kwargs=kwargs, timeout=self.limit or None)
        except RuntimeError as exc:  # "the pool is not active"
            return self._without_pool(exc, fn, *args, **kwargs)
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            raise PageTimeLimit from None
        except ProcessExpired as exc:
            self.crawler.stats.inc_value("errors/worker_crashed")
            raise WorkerCrashed(f"worker process {exc.pid} died (exit code {exc.exitcode})") from None
        except BrokenProcessPool as exc:
            return self._without_pool(exc, fn, *args, **kwargs)

    def _without_pool(self, exc: Exception, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The pool itself is gone (its workers cannot start): the crawl goes on without it, loudly."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("errors/worker_pool_broken")
        logger.error("The worker pool broke (%s: %s): pages are worked in the crawler's own process from now on",
                     type(exc).__name__, exc)
        self.close()
        with time_limit(self.limit):
            return fn(*args, **kwargs)
