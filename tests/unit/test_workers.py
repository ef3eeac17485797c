"""The worker pool (crawler.adapters.workers) with real worker processes: results equal the in-process
ones, a worker that dies costs one call and is replaced, a call past PAGE_TIME_LIMIT is stopped, and a
bad WORKERS value is one line."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.adapters.timelimit import PageTimeLimit
from crawler.adapters.workers import WorkerCrashed, Workers, pool_size_setting, usable_cores
from crawler.extract import extract_article
from crawler.sites.registry import load_registry

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "sites" / "danang" / "article_54019.html"
URL = "https://danang.gov.vn/web/guest/chi-tiet?id=54019&_c=3"


def make(workers: int | str, limit: float = 10.0) -> Workers:
    crawler = get_crawler(Spider, {"WORKERS": workers, "PAGE_TIME_LIMIT": limit})
    crawler.spider = crawler._create_spider("t")
    crawler.stats.open_spider()
    return Workers.from_crawler(crawler)


def run(workers: Workers, *calls: tuple[Any, ...]) -> list[Any]:
    """Each call's result, or the exception it raised."""

    async def go() -> list[Any]:
        out: list[Any] = []
        for fn, *args in calls:
            try:
                out.append(await workers.run(fn, *args))
            except Exception as exc:
                out.append(exc)
        return out

    try:
        return asyncio.run(go())
    finally:
        workers.close()


def test_a_page_extracted_in_a_worker_equals_the_in_process_result() -> None:
    html = FIXTURE.read_text("utf-8")
    site = load_registry()["danang"]
    inline = extract_article(URL, html, site)
    pooled = make(2)
    assert pooled.shared is not None and pooled.size == 2
    result, pid = run(pooled, (extract_article, URL, html, site), (os.getpid,))
    assert pid != os.getpid()  # it did run elsewhere
    assert result == inline
    assert result.title and result.is_article


def test_a_worker_that_dies_costs_one_call_and_is_replaced() -> None:
    workers = make(1)
    died, after = run(workers, (os._exit, 3), (len, "tập huấn"))
    assert isinstance(died, WorkerCrashed)
    assert "exit code 3" in str(died)
    assert after == 8  # the pool started another worker
    assert workers.crawler.stats.get_value("errors/worker_crashed") == 1


def test_work_past_the_time_limit_is_stopped() -> None:
    workers = make(1, limit=0.5)
    started = time.monotonic()
    slow, after = run(workers, (time.sleep, 30), (len, "abc"))
    assert isinstance(slow, PageTimeLimit)
    assert time.monotonic() - started < 20  # not the 30 s the call asked for
    assert after == 3


def test_exceptions_of_the_work_itself_come_back_as_themselves() -> None:
    (raised,) = run(make(1), (int, "not a number"))
    assert isinstance(raised, ValueError)


def test_zero_workers_work_in_process() -> None:
    workers = make(0)
    assert workers.shared is None
    assert run(workers, (os.getpid,)) == [os.getpid()]


def test_workers_setting() -> None:
    assert pool_size_setting({"WORKERS": "-1"}) == usable_cores()
    assert pool_size_setting({"WORKERS": 3}) == 3
    with pytest.raises(ValueError, match=r"WORKERS must be a whole number.*'many'"):
        pool_size_setting({"WORKERS": "many"})
    with pytest.raises(ValueError, match="WORKERS must be"):
        pool_size_setting({"WORKERS": "-5"})
