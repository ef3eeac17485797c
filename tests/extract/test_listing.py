"""Listing pages (home, category, tag, search, archive) are not articles, whatever path found their
"body": site selectors, a CMS layout, the generic scorer or trafilatura. Articles with related-story
boxes, and short notices, still are."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from crawler.extract import extract_article
from crawler.extract.dom import parse_html as _parse
from crawler.extract.listing import key, page_listing, section_path, teaser_share
from crawler.sites.registry import load_site, sites_dir
from crawler.tools.fixtures import fixture_slugs, load_fixture_site

GENERIC = Path(__file__).resolve().parent.parent / "fixtures" / "generic"
EXPECTED = json.loads((GENERIC / "expected.json").read_text("utf-8"))
# The print view of an article is an article's text; the spider must not fetch it (never_requested).
PRINT_VIEWS = {"/news/print/hoat-dong-dan-van/tap-huan-nghiep-vu-cong-tac-dan-van-nam-2025-cho-can-bo-co-so-4127.html"}


def _generic_pages() -> list[Any]:
    out = []
    for name, spec in EXPECTED.items():
        routes = tomllib.loads((GENERIC / name / "fixture.toml").read_text("utf-8"))["routes"]
        base = spec["start_url"].rstrip("/")
        for route in spec["never_items"]:
            if route in routes and routes[route].endswith(".html") and route not in PRINT_VIEWS:
                out.append(pytest.param(base + route, GENERIC / name / routes[route], False, id=f"{name}:{route}"))
        for route in spec["articles"]:
            out.append(pytest.param(base + route, GENERIC / name / routes[route], True, id=f"{name}:{route}"))
    return out


@pytest.mark.parametrize("url,path,is_article", _generic_pages())
def test_generic_mini_sites_without_site_file(url: str, path: Path, is_article: bool) -> None:
    got = extract_article(url, path.read_bytes(), None)
    assert got.is_article is is_article, got.reasons


def _site_listings() -> list[Any]:
    out = []
    for slug in fixture_slugs():
        fx = load_fixture_site(slug)
        host = load_site(sites_dir() / f"{slug}.toml").allowed_domains[0]
        seen: set[Path] = set()
        for route, path in fx.routes.items():
            if path.suffix == ".html" and path.name.startswith(("listing", "search", "home")) and path not in seen:
                seen.add(path)
                out.append(pytest.param(slug, f"https://{host}{route}", path, id=f"{slug}:{path.name}"))
    return out


@pytest.mark.parametrize("slug,url,path", _site_listings())
def test_site_listings_are_not_articles_with_or_without_site_file(slug: str, url: str, path: Path) -> None:
    raw = path.read_bytes()
    assert not extract_article(url, raw, load_site(sites_dir() / f"{slug}.toml")).is_article
    got = extract_article(url, raw, None)
    assert not got.is_article, got.reasons


def test_category_teasers_read_by_trafilatura_are_named() -> None:
    """baohatinh's category page: no body container, trafilatura returns the three card summaries."""
    path = GENERIC / "sitemap_site" / "category_chinh-tri.html"
    got = extract_article("https://baohatinh.vn/chinh-tri/", path.read_bytes(), None)
    assert not got.is_article
    assert "body from trafilatura" in got.reasons
    assert "3 body paragraphs (100%) are story teasers of a listing" in got.reasons
    assert "the headline links to the page itself above 9 story cards (a section)" in got.reasons


def test_sharepoint_card_headline_taken_as_title() -> None:
    """The SharePoint layout's title selector matches the first card's headline link on the list."""
    fx = load_fixture_site("binhduong_gov")
    route = "/tin-tuc/Pages/tin-tuc-su-kien.aspx"
    got = extract_article("https://www.binhduong.gov.vn" + route, fx.file_for(route).read_bytes(), None)  # type: ignore[union-attr]
    assert not got.is_article
    assert (
        "the headline links to another page "
        "(https://www.binhduong.gov.vn:443/tin-tuc/Pages/chi-tiet-tin-tuc.aspx?ItemID=96512): a story of a listing"
    ) in got.reasons


def _card(n: int) -> str:
    return (
        f'<article class="story"><h3 class="story__heading"><a href="/tin-{n}-post10{n}.html">'
        f"Tin so {n} ve hoi nghi so ket cong tac nam</a></h3>"
        f'<time datetime="2025-09-2{n}T08:00:00+07:00">2{n}/09/2025</time>'
        f'<p class="story__summary">Tom tat tin so {n}: ngay 2{n}/9, hoi nghi so ket duoc to chuc tai tinh.</p>'
        "</article>"
    )


NOTICE = (
    '<html lang="vi"><head><meta property="og:type" content="website"><title>Thông báo</title></head><body>'
    '<div class="main"><h1 class="title"><a href="{self}">Thông báo mở lớp tập huấn nghiệp vụ công tác dân vận</a></h1>'
    '<div class="meta">Thứ Hai, 22/09/2025 08:00</div>'
    '<div class="content">'
    "<p>Ban Dân vận Tỉnh ủy thông báo mở lớp tập huấn nghiệp vụ công tác dân vận năm 2025 cho cán bộ cơ sở,"
    " thời gian từ ngày 29 đến 30/9/2025 tại Hội trường Tỉnh ủy.</p>"
    "<p>Đề nghị các đơn vị cử cán bộ tham dự đầy đủ, đúng thành phần; danh sách gửi về Ban trước ngày 26/9.</p>"
    "</div></div>"
    '<div class="box-stream"><h2>Tin cùng chuyên mục</h2>' + "".join(_card(n) for n in range(1, 6)) + "</div>"
    "</body></html>"
)


@pytest.mark.parametrize(
    "url", ["https://danvan.example.vn/thong-bao-mo-lop-tap-huan-post123.html", "https://danvan.example.vn/thong-bao/"]
)
def test_short_notice_above_story_cards_is_an_article(url: str) -> None:
    """Two paragraphs, a headline linking to its own page, og:type website, five related cards: the
    notice's text is in no card, so it stays an article (even on a slug-like URL)."""
    html = NOTICE.replace("{self}", url)
    got = extract_article(url, html, None)
    assert got.is_article, got.reasons
    assert got.body.startswith("Ban Dân vận Tỉnh ủy thông báo mở lớp tập huấn")
    assert got.body.endswith("danh sách gửi về Ban trước ngày 26/9.")


def test_short_self_linked_section_title_above_cards_is_a_section() -> None:
    """A section name (at most 6 words) linking to its own slug URL, og:type website, 5 cards."""
    url = "https://danvan.example.vn/thong-bao/"
    html = NOTICE.replace("{self}", url).replace(
        "Thông báo mở lớp tập huấn nghiệp vụ công tác dân vận</a>", "Thông báo</a>"
    )
    got = extract_article(url, html, None)
    assert not got.is_article
    assert got.reasons[-1] == "the headline links to the page itself above 5 story cards (a section)"


def test_wordpress_cards_with_headline_in_entry_header() -> None:
    """WordPress puts each card's headline in <header class="entry-header">: that header belongs to
    the card, not to the page chrome. The featured card's summary is the whole "body"."""
    fx = load_fixture_site("baodongnai")
    got = extract_article("https://baodongnai.com.vn/chinh-tri/", fx.file_for("/chinh-tri/").read_bytes(), None)  # type: ignore[union-attr]
    assert not got.is_article
    assert got.body.startswith("Ngày 11/10, Tỉnh đoàn Đồng Nai tổ chức lớp tập huấn")
    assert got.reasons[-1] == "1 body paragraphs (100%) are story teasers of a listing"


def test_cards_and_teaser_share() -> None:
    html = NOTICE.replace("{self}", "https://danvan.example.vn/thong-bao/")
    root = _parse(html)
    found = page_listing(root, "https://danvan.example.vn/thong-bao/", root.xpath("//h1")[0])
    assert len(found.cards) == 5
    assert [c.tag for c, _ in found.cards] == ["article"] * 5
    assert found.targets == {f"/tin-{n}-post10{n}.html" for n in range(1, 6)}
    # Matched on the folded text without spaces: diacritics and spacing may differ from the card.
    teaser = "Tóm tắt tin số 3: ngày 23/9, hội nghị sơ kết được tổ chức tại tỉnh."
    assert key(teaser) == key("Tom tat tin so 3 : ngay 23/9,hoi nghi so ket duoc to chuc tai tinh.")
    other = "Một đoạn văn khác không nằm trong thẻ tin nào của trang."
    assert teaser_share(found, [teaser, other]) == (len(teaser) / (len(teaser) + len(other)), 1)


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://baohatinh.vn/", True),
        ("https://baohatinh.vn/chinh-tri/", True),
        ("https://thainguyen.dcs.vn/news/hoat-dong-dan-van", True),
        ("https://baohatinh.vn/so-ket-9-thang-post296788.html", False),
        ("https://thainguyen.dcs.vn/news/hoat-dong-dan-van/trang-3", False),
        ("https://danang.gov.vn/web/guest/chi-tiet?id=54019", False),
        ("https://baocantho.com.vn/thoi-su/?p=2", False),
    ],
)
def test_section_path(url: str, expected: bool) -> None:
    assert section_path(url) is expected


def test_every_fixture_article_is_still_an_article_without_site_file() -> None:
    """The guard must not cost a real article: every fixture article (with and without the site file)."""
    lost = []
    for slug in fixture_slugs():
        fx = load_fixture_site(slug)
        site = load_site(sites_dir() / f"{slug}.toml")
        for art in fx.articles:
            exp = fx.expected(art)
            if exp.get("is_article") is False:
                continue
            raw = fx.file_for(art["route"]).read_bytes()  # type: ignore[union-attr]
            url = exp.get("url") or f"https://{site.allowed_domains[0]}{art['route']}"
            got = extract_article(url, raw, site)
            if not got.is_article or any("listing" in r or "section" in r for r in got.reasons):
                lost.append((slug, art["route"], got.reasons))
    assert not lost, lost
