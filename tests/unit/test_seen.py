"""The spiders' in-run memory of requested URLs: on disk, exact, and cheap in RAM."""

from __future__ import annotations

import os

import psutil
import pytest

from crawler.adapters.seen import SeenSet


def test_add_says_whether_the_key_is_new_and_membership_follows() -> None:
    seen = SeenSet()
    url = "https://danang.gov.vn/web/guest/chi-tiet?id=54019&_c=3"
    assert url not in seen
    assert seen.add(url) is True
    assert seen.add(url) is False
    assert url in seen and len(seen) == 1
    # Keys are exact: a different query or a Vietnamese path is another key.
    assert seen.add(url.replace("54019", "54020")) is True
    assert seen.add("https://baolangson.vn/tập-huấn-123.html") is True
    assert "https://baolangson.vn/tập-huấn-123.html" in seen
    assert 42 not in seen
    assert len(seen) == 3
    seen.close()
    with pytest.raises(ValueError):
        seen.add(url)
    seen.close()  # closing twice is harmless


def test_two_sets_are_independent() -> None:
    a, b = SeenSet(), SeenSet()
    a.add("x")
    assert "x" not in b and b.add("x") is True
    a.close()
    b.close()


def test_memory_does_not_grow_with_the_number_of_keys() -> None:
    # 200,000 URLs as a Python set take ~30 MB; here the process grows by the page cache at most.
    proc = psutil.Process(os.getpid())
    seen = SeenSet(cache_kib=1024)
    before = proc.memory_info().rss
    for i in range(200_000):
        seen.add(f"https://baolangson.vn/chinh-tri/tap-huan-nghiep-vu-cong-tac-dan-van-{i}.html")
    grown = proc.memory_info().rss - before
    assert len(seen) == 200_000
    assert grown < 8 * 1024 * 1024, f"RSS grew {grown / 2**20:.1f} MB"
    seen.close()
