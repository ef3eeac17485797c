"""Every fixture article of the sites this module owns, extracted and compared with the expected JSON
written by reading the page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from crawler.extract import extract_article
from crawler.sites import load_site
from crawler.sites.registry import sites_dir
from crawler.tools.fixtures import load_fixture_site

SLUGS = ["danang", "baocantho", "baolaocai", "vtcnews", "znews"]


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _cases() -> list[Any]:
    out = []
    for slug in SLUGS:
        fx = load_fixture_site(slug)
        for art in fx.articles:
            out.append(pytest.param(slug, fx.file_for(art["route"]), fx.expected(art), id=f"{slug}:{art['route']}"))
    return out


@pytest.mark.parametrize("slug,path,exp", _cases())
def test_fixture_page(slug: str, path: Any, exp: dict[str, Any]) -> None:
    got = extract_article(exp["url"], path.read_bytes(), load_site(sites_dir() / f"{slug}.toml"))
    assert got.is_article is exp["is_article"], got.reasons
    if not exp["is_article"]:
        return
    assert got.title == exp["title"]
    assert got.summary == exp["summary"]
    assert _iso(got.published_at) == exp["published_at"]
    assert _iso(got.modified_at) == exp["modified_at"]
    assert got.author == exp["author"]
    assert got.source == exp["source"]
    assert got.images == exp["images"]
    assert got.attachments == exp["attachments"]
    assert got.body == exp["body"]
    assert got.body.startswith(exp["body_starts"])
    assert got.body.endswith(exp["body_ends"])
    for banned in exp["body_not_contains"]:
        assert banned not in got.body
    if got.summary:
        assert got.body.split("\n\n")[0] == got.summary


def test_danang_seed_article_end_to_end() -> None:
    fx = load_fixture_site("danang")
    html = fx.file_for("/web/guest/chi-tiet?id=54019&_c=3").read_bytes()  # type: ignore[union-attr]
    got = extract_article(
        "https://danang.gov.vn/web/guest/chi-tiet?id=54019&_c=3", html, load_site(sites_dir() / "danang.toml")
    )
    assert got.title == "Tập huấn nghiệp vụ công tác dân vận cho lực lượng cốt cán ở cơ sở"
    assert got.published_at is not None and got.published_at.isoformat() == "2023-05-25T00:04:00+07:00"
    assert got.date_source == "site_selector"
    assert got.body.startswith("Thực hiện Kế hoạch số 68-KH/BDVTU")
    assert got.body.endswith("Các chuyên đề do Báo cáo viên của Công an thành phố báo cáo.")
    assert got.author == "KIM PHƯỢNG"
    assert got.cms == "liferay"
    for label in (
        "ĐÁNH GIÁ BÀI VIẾT",
        "Các tin khác",
        "Gửi cho bạn bè",
        "In bài",
        "Lượt xem",
        "Xem với cỡ chữ",
        "Toàn cảnh hội nghị tập huấn",
        "KIM PHƯỢNG",
    ):
        assert label not in got.body
    assert got.images == [
        {
            "url": "https://danang.gov.vn/documents/10180/32424/tap-huan-dan-van-cot-can-2023.jpg",
            "caption": "Toàn cảnh hội nghị tập huấn",
        }
    ]


@pytest.mark.parametrize("slug", SLUGS)
def test_without_site_file_still_reads_articles(slug: str) -> None:
    """The CMS layout and generic rules alone find the same headline, date and lead."""
    fx = load_fixture_site(slug)
    for art in fx.articles:
        exp = fx.expected(art)
        got = extract_article(exp["url"], fx.file_for(art["route"]).read_bytes())  # type: ignore[union-attr]
        assert got.is_article is exp["is_article"], (art["route"], got.reasons)
        if exp["is_article"]:
            assert got.title == exp["title"]
            assert got.published_at is not None
            assert got.published_at.isoformat()[:10] == exp["published_at"][:10]
            assert got.body.startswith(exp["body_starts"][:40]) or got.summary is None


def test_vtcnews_lead_h2_without_site_file() -> None:
    """vtcnews prints its lead as a plain <h2> between the date line and the body: no sapo class,
    so only the generic "lead right after the headline" rule finds it."""
    fx = load_fixture_site("vtcnews")
    art = fx.articles[0]
    exp = fx.expected(art)
    got = extract_article(exp["url"], fx.file_for(art["route"]).read_bytes())  # type: ignore[union-attr]
    assert got.summary == exp["summary"]
    assert got.body == exp["body"]
    assert "lead from the <h2> after the headline" in got.reasons
