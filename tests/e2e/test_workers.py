"""The worker pool changes no line: every fixture site crawled by `crawlall` with the page work in two
worker processes gives exactly the lines the in-process crawl gives (the suite's other crawls run
with WORKERS=0, see tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_scrapy
from tests.e2e.test_outputs import DELIVERING, crawlall_args, everything, expected_urls, lines  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

VOLATILE = ("crawled_at",)  # the time of the crawl


def crawl(tmp: Path, running: dict, workers: int) -> tuple[list[dict], str]:
    tmp.mkdir()
    out = tmp / "all.jsonl"
    proc = run_scrapy(crawlall_args(tmp, running, "-O", str(out), "-s", f"WORKERS={workers}",
                                    "-s", "LOG_LEVEL=INFO"), cwd=tmp, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = sorted(({k: v for k, v in item.items() if k not in VOLATILE} for item in lines(out)),
                 key=lambda i: i["canonical_url"])
    return got, proc.stderr


def test_lines_with_a_worker_pool_equal_the_in_process_ones(tmp_path_factory: pytest.TempPathFactory,
                                                            everything: dict) -> None:  # noqa: F811
    tmp_path = tmp_path_factory.mktemp("workers")
    pooled, log = crawl(tmp_path / "pool", everything, 2)
    inline, _ = crawl(tmp_path / "inline", everything, 0)
    assert [i["canonical_url"] for i in pooled] == expected_urls(DELIVERING)
    assert pooled == inline
    assert "Page work in 2 worker process(es)" in log
    assert "died (exit code" not in log and "worker pool broke" not in log
