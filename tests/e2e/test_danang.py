"""The first site end to end: the real `scrapy crawl danang` against its fixture site on 127.0.0.1."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.tools.fixtures import load_fixture_site

pytestmark = pytest.mark.slow

SEED_URL = "https://danang.gov.vn/web/guest/chi-tiet?id=54019&_c=3"


def expected_articles() -> list[dict]:
    site = load_fixture_site("danang")
    expected = [site.expected(a) for a in site.articles]
    return [e for e in expected if e.get("is_article", True)]


def test_crawl_danang_gives_the_training_announcements(serve, crawl) -> None:
    running = serve("danang")["danang"]
    result = crawl("danang", running.base_url)
    assert result.returncode == 0, result.log[-3000:]
    expected = expected_articles()
    training = sorted(e["url"] for e in expected if e["is_training"])
    assert sorted(item["url"] for item in result.items) == training
    # Both listing pages were read, and nothing was fetched twice.
    assert any("cur=2" in hit for hit in running.hits), running.hits
    article_hits = [h for h in running.hits if "chi-tiet" in h]
    assert len(article_hits) == len(set(article_hits))
    # Non-training articles are dropped and counted by reason.
    not_training = sum(1 for e in expected if not e["is_training"])
    assert result.stats["item_dropped_reasons_count/NotTraining"] == not_training

    seed = next(item for item in result.items if item["url"] == SEED_URL)
    assert list(seed)[:5] == ["schema_version", "id", "url", "canonical_url", "site"]
    assert seed["schema_version"] == "1.0"
    assert seed["canonical_url"] == "https://danang.gov.vn/web/guest/chi-tiet?id=54019"
    assert seed["site"] == "danang"
    assert seed["province"] == "Đà Nẵng"
    assert seed["title"] == "Tập huấn nghiệp vụ công tác dân vận cho lực lượng cốt cán ở cơ sở"
    assert seed["published_at"] == "2023-05-25T00:04:00+07:00"
    assert seed["author"] == "KIM PHƯỢNG"
    assert seed["body"].startswith("Thực hiện Kế hoạch số 68-KH/BDVTU")
    for label in ("ĐÁNH GIÁ BÀI VIẾT", "Các tin khác", "Lượt xem", "Gửi cho bạn bè", "KIM PHƯỢNG",
                  "Toàn cảnh hội nghị tập huấn"):
        assert label not in seed["body"]
    assert seed["is_training"] is True
    assert "tap huan" in " ".join(seed["relevance"]["matched"])
    assert seed["event"]["organizer"] == "Ban Dân vận Thành ủy"
    assert seed["event"]["start_date"] == "2023-05-25"
    assert seed["event"]["audience"] == "lực lượng cốt cán ở cơ sở"
    assert len(seed["event"]["topics"]) == 2
    assert seed["fingerprint"] and len(seed["fingerprint"]) == 16
    assert seed["mirrors"] == []


def test_default_feed_path_is_output_slug_utc_time(serve, crawl, tmp_path: Path) -> None:
    running = serve("danang")["danang"]
    result = crawl("danang", running.base_url, out_name=None)
    assert result.returncode == 0, result.log[-3000:]
    files = list((tmp_path / "output" / "danang").glob("*.jsonl"))
    assert len(files) == 1, files
    # Scrapy's %(time)s: UTC, colons replaced so the name is portable.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ", files[0].stem), files[0].stem
    raw = files[0].read_bytes()
    assert "Tập huấn".encode() in raw and b"\\u" not in raw  # UTF-8, no ASCII escaping
    lines = [json.loads(line) for line in raw.decode().splitlines()]
    assert {item["url"] for item in lines} >= {SEED_URL}


def test_since_until_window(serve, crawl) -> None:
    running = serve("danang")["danang"]
    result = crawl("danang", running.base_url, "-a", "since=2023-05-01", "-a", "until=2023-05-31",
                   "-s", "KEEP_IRRELEVANT=True")
    assert result.returncode == 0, result.log[-3000:]
    in_window = [e["url"] for e in expected_articles()
                 if e["published_at"] and "2023-05-01" <= e["published_at"][:10] <= "2023-05-31"]
    assert sorted(i["url"] for i in result.items) == sorted(in_window)
    assert result.stats.get("item_dropped_reasons_count/OutOfWindow", 0) >= 1


def test_keep_irrelevant_keeps_every_article(serve, crawl) -> None:
    running = serve("danang")["danang"]
    result = crawl("danang", running.base_url, "-s", "KEEP_IRRELEVANT=True")
    expected = expected_articles()
    assert sorted(i["url"] for i in result.items) == sorted(e["url"] for e in expected)
    by_url = {i["url"]: i for i in result.items}
    for e in expected:
        assert by_url[e["url"]]["is_training"] is e["is_training"], e["url"]


def test_bad_since_argument_is_a_clear_error(crawl) -> None:
    result = crawl("danang", None, "-a", "since=25/05/2023")
    assert result.returncode != 0
    assert "since='25/05/2023': expected a date as YYYY-MM-DD" in result.log
