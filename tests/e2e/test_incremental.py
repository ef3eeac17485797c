"""Never twice, never lost: incremental runs, syndicated copies and a crawl killed mid-way, with the
real `scrapy crawl` against fixture sites on 127.0.0.1 and a state store shared between runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.tools.fixtures import FIXTURES_DIR, load_fixture_site
from tests.conftest import REPO

pytestmark = pytest.mark.slow

NEW_ID = "54233"
NEW_ROUTE = f"/web/guest/chi-tiet?id={NEW_ID}&_c=3"
NEW_URL = f"https://danang.gov.vn{NEW_ROUTE}"


def article_urls(slug: str, training_only: bool = True) -> list[str]:
    site = load_fixture_site(slug)
    out = []
    for article in site.articles:
        expected = site.expected(article)
        if expected.get("is_article", True) and (expected["is_training"] or not training_only):
            out.append(expected["url"])
    return sorted(out)


def danang_with_templated_notice(root: Path) -> Path:
    """A copy of the danang fixture plus the same board's next notice: the seed's wording with
    another date, plan number, chair and participants. A distinct training, not a duplicate."""
    target = root / "danang"
    shutil.copytree(FIXTURES_DIR / "danang", target)
    html = (target / "article_54019.html").read_text("utf-8")
    for old, new in (
        ("Đăng ngày 25-05-2023 00:04, Lượt xem: 50", "Đăng ngày 14-06-2023 08:30, Lượt xem: 12"),
        ("ngày 25-5", "ngày 14-6"),
        ("68-KH/BDVTU", "75-KH/BDVTU"),
        ("Mai Thị Thu", "Lê Văn Trung"),
        ("Tham dự có Phó", "Tham dự có 150 đại biểu cùng Phó"),
        ("năm 2023 và kỹ năng", "6 tháng cuối năm 2023 và kỹ năng"),
        ("id=54019", f"id={NEW_ID}"),
    ):
        assert old in html, old
        html = html.replace(old, new)
    (target / f"article_{NEW_ID}.html").write_text(html, "utf-8")
    listing = (target / "listing_1.html").read_text("utf-8")
    anchor = '<a href="/web/guest/chi-tiet?id=54019&amp;_c=3"'
    assert anchor in listing
    listing = listing.replace(anchor, f'<a href="{NEW_ROUTE.replace("&", "&amp;")}">Đợt 2</a> ' + anchor, 1)
    (target / "listing_1.html").write_text(listing, "utf-8")
    meta = (target / "fixture.toml").read_text("utf-8")
    meta = meta.replace("[routes]\n", f'[routes]\n"{NEW_ROUTE}" = "article_{NEW_ID}.html"\n', 1)
    (target / "fixture.toml").write_text(meta, "utf-8")
    return root


def test_second_run_emits_nothing_and_fetches_no_known_article(serve, crawl, tmp_path: Path) -> None:
    running = serve("danang")["danang"]
    first = crawl("danang", running.base_url, out_name="run1.jsonl")
    assert first.returncode == 0, first.log[-2000:]
    assert sorted(i["url"] for i in first.items) == article_urls("danang")
    assert all(i["revision"] == 1 for i in first.items)
    fetched_before = len(running.hits)

    second = crawl("danang", running.base_url, out_name="run2.jsonl")
    assert second.returncode == 0, second.log[-2000:]
    assert second.items == []
    second_hits = running.hits[fetched_before:]
    # Emitted articles and the ones found irrelevant are not fetched again, and neither are the links
    # of the page shell that answered 404: dead links are remembered (for DEAD_DAYS), not retried
    # on every run.
    known = {a["route"] for a in load_fixture_site("danang").articles if "chi-tiet" in a["route"]}
    assert known and not known & set(second_hits), second_hits
    # Page 1 of the listing brings nothing new (its known articles are skipped, its dead links are
    # remembered), so its page 2 is not read at all.
    fixture = load_fixture_site("danang")
    page_1 = set(re.findall(r"chi-tiet\?id=(\d+)", (fixture.directory / "listing_1.html").read_text("utf-8")))
    served = {r.split("id=")[1].split("&")[0] for r in known}
    assert second.stats["discovery/skipped_known"] == len(page_1 & served)
    assert 1 <= second.stats["discovery/skipped_dead"] <= len(page_1 - served)
    assert second.stats["discovery/listing_pages"] == 1
    assert "stops at page 1: nothing new" in second.log
    assert "errors/HttpError_404" not in second.stats


def test_a_new_article_between_runs_is_exactly_what_the_next_run_emits(serve, crawl, tmp_path: Path) -> None:
    running = serve("danang")["danang"]
    first = crawl("danang", running.base_url, out_name="run1.jsonl")
    assert sorted(i["url"] for i in first.items) == article_urls("danang")

    root = danang_with_templated_notice(tmp_path / "sites")
    changed = serve("danang", root=root)["danang"]
    second = crawl("danang", changed.base_url, out_name="run2.jsonl")
    assert second.returncode == 0, second.log[-2000:]
    # The same board's next notice, worded like the first, is a new announcement: not merged.
    assert [i["url"] for i in second.items] == [NEW_URL]
    item = second.items[0]
    assert item["published_at"] == "2023-06-14T08:30:00+07:00"
    assert item["event"]["start_date"] == "2023-06-14"
    assert item["mirrors"] == []
    assert "item_dropped_reasons_count/NearDuplicate" not in second.stats


def crawl_syndication_pair(serve, tmp_path: Path, slow: str) -> tuple[list[dict], dict]:
    """crawlall over danvan (the copy) and baolangson (the original), one of them slowed down so
    the order in which the two articles arrive is fixed."""
    from tests.conftest import run_scrapy

    running = {}
    for slug in ("danvan", "baolangson"):
        delays = {"4600": 2.0, "532718": 2.0} if slug == slow else None
        running.update(serve(slug, delays=delays))
    base_urls = tmp_path / "base_urls.json"
    base_urls.write_text(json.dumps({slug: r.base_url for slug, r in running.items()}), "utf-8")
    proc = run_scrapy(
        ["crawlall", "-a", "sites=danvan,baolangson", "-a", f"base_urls={base_urls}",
         "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", f"RUNS_DIR={tmp_path / 'runs'}",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
         # The fixture's robots.txt refuses all crawlers, as the real site's does; this test is about
         # syndication, so robots are off for it alone.
         "-s", "ROBOTSTXT_OBEY=False"],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(line) for f in sorted((tmp_path / "output").glob("*/*.jsonl"))
             for line in f.read_text("utf-8").splitlines()]
    summary = json.loads(next((tmp_path / "runs").glob("*.json")).read_text("utf-8"))
    return [i for i in lines if "4.600" in i["title"]], {s["site"]: s for s in summary["sites"]}


def test_syndicated_copy_seen_first_waits_and_becomes_the_originals_mirror(serve, tmp_path: Path) -> None:
    """danvan.vn republished baolangson.vn's story with the credit "(baolangson.vn)". The copy
    arrives first: it is held until baolangson's crawl is done, then the original is the one line
    and lists the copy in `mirrors`."""
    story, _sites = crawl_syndication_pair(serve, tmp_path, slow="baolangson")
    assert len(story) == 1, [(i["site"], i["url"]) for i in story]
    original = story[0]
    assert original["site"] == "baolangson"
    copy_url = next(u for u in article_urls("danvan") if "4600" in u)
    assert original["mirrors"] == [copy_url]
    assert original["event"]["participants"]["count"] == 4600


def test_syndicated_copy_seen_after_the_original_is_dropped_as_near_duplicate(serve, tmp_path: Path) -> None:
    story, sites = crawl_syndication_pair(serve, tmp_path, slow="danvan")
    assert [(i["site"], i["mirrors"]) for i in story] == [("baolangson", [])]
    assert sites["danvan"]["drops"].get("NearDuplicate") == 1


def test_killed_crawl_leaves_whole_lines_and_resumes_without_repeat_or_loss(serve, tmp_path: Path) -> None:
    """SIGKILL mid-crawl: every written line is valid JSON, and the next run emits exactly the
    articles the killed run had not delivered."""
    from tests.conftest import run_scrapy

    everything = article_urls("danang", training_only=False)
    slow = serve("danang", delays={"chi-tiet": 1.5})["danang"]
    out1 = tmp_path / "killed.jsonl"
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO), TAPHUAN_HOME=str(tmp_path))
    args = [sys.executable, "-m", "scrapy", "crawl", "danang", "-a", f"base_url={slow.base_url}",
            "-O", f"{out1}:jsonlines", "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", "KEEP_IRRELEVANT=True",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS=1"]
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if out1.exists() and out1.read_bytes().count(b"\n") >= 1:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the crawl wrote nothing within 60 s")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    raw = out1.read_bytes()
    assert raw.endswith(b"\n"), "torn last line"
    delivered = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    assert 1 <= len(delivered) < len(everything)

    fast = serve("danang")["danang"]
    out2 = tmp_path / "resumed.jsonl"
    proc2 = run_scrapy(["crawl", "danang", "-a", f"base_url={fast.base_url}", "-O", f"{out2}:jsonlines",
                        "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", "KEEP_IRRELEVANT=True",
                        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"], cwd=tmp_path)
    assert proc2.returncode == 0, proc2.stderr[-3000:]
    resumed = [json.loads(line) for line in out2.read_text("utf-8").splitlines()]
    first_urls = [i["url"] for i in delivered]
    second_urls = [i["url"] for i in resumed]
    assert not set(first_urls) & set(second_urls), "an item was emitted twice"
    assert sorted(first_urls + second_urls) == everything, "an item was lost"
