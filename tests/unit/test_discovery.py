"""Discovery heuristics of the generic spider: article URL shapes, pagination, "next page" links."""

from __future__ import annotations

import pytest

from crawler.discovery import is_next_link_text, is_skipped_url, looks_like_article_url, looks_like_pagination
from crawler.sites.registry import load_registry_with_errors
from crawler.tools.fixtures import FIXTURES_DIR, load_fixture_site

# Sites whose article URLs carry no id (a bare slug): the generic spider can only find them by
# opening the page, so the URL heuristic is not expected to know them.
SLUG_ONLY = {"cema", "danvanlangson", "baodienbienphu", "tuyengiaodanvan"}


def fixture_article_urls() -> list[str]:
    sites, _ = load_registry_with_errors()
    urls = []
    for slug in sorted(sites):
        if slug in SLUG_ONLY or not (FIXTURES_DIR / slug / "fixture.toml").exists():
            continue
        fixture = load_fixture_site(slug)
        for article in fixture.articles:
            expected = fixture.expected(article)
            if expected.get("is_article", True):
                urls.append(expected.get("url") or f"https://{sites[slug].allowed_domains[0]}{article['route']}")
    return urls


@pytest.mark.parametrize("url", fixture_article_urls())
def test_every_registered_sites_article_url_shape_is_known(url: str) -> None:
    assert looks_like_article_url(url), url


@pytest.mark.parametrize(
    "url",
    [
        "https://baohatinh.vn/chinh-tri/",
        "https://baohatinh.vn/tag/cong-tac-dan-van-13852.html",
        "https://baohatinh.vn/video/ha-tinh-ra-quan-post296530.html",
        "https://baohatinh.vn/tim-kiem/?q=tap+huan",
        "https://thainguyen.dcs.vn/news/hoat-dong-dan-van/?page=2",
        "https://danang.gov.vn/c/portal/update_language?p_l_id=1&redirect=/web/guest/chi-tiet?id=1",
        "https://baocantho.com.vn/image/tap-huan-a123456.jpg",
    ],
)
def test_non_articles_are_not_article_urls(url: str) -> None:
    assert not looks_like_article_url(url)


@pytest.mark.parametrize(
    ("url", "paging"),
    [
        ("https://baocantho.com.vn/thoi-su/?p=2", True),
        ("https://yenbai.gov.vn/lists/tintucsukien/tongquat.aspx?pageindex=3", True),
        ("https://moh.gov.vn/web/guest/tin-tuc?_101_INSTANCE_k206Q9qkZOqn_cur=2", True),
        ("https://baosonla.vn/xay-dung-dang/trang-3.html", True),
        ("https://baodaklak.vn/chinh-tri/page/4/", True),
        ("https://baocantho.com.vn/thoi-su/", False),
        ("https://baocantho.com.vn/tap-huan-a196670.html", False),
    ],
)
def test_pagination_urls(url: str, paging: bool) -> None:
    assert looks_like_pagination(url) is paging


@pytest.mark.parametrize(
    ("text", "is_next"),
    [("Trang sau", True), ("Trang sau »", True), ("trang tiếp", True), ("Xem tiếp", True),
     ("Tiếp theo ›", True), ("»", True), (">", True), ("Next", True),
     ("tiếp theo", True),
     ("sau", False), ("Trang chủ", False), ("Sau hội nghị tập huấn", False), ("2", False)],
)
def test_next_page_link_texts(text: str, is_next: bool) -> None:
    assert is_next_link_text(text) is is_next


def test_nfd_next_text_is_recognised() -> None:
    import unicodedata

    assert is_next_link_text(unicodedata.normalize("NFD", "Trang tiếp »"))


def test_skip_media_print_and_language_switch() -> None:
    assert is_skipped_url("https://x.vn/print/tap-huan-1234.html")
    assert is_skipped_url("https://x.vn/news/?lang=en")
    assert is_skipped_url("https://x.vn/uploads/ke-hoach.pdf")
    assert not is_skipped_url("https://x.vn/tap-huan-a1234.html")
