"""Bounded work on hostile or odd sites: a generic crawl of a test site on 127.0.0.1 with 20 good
articles and one trap each. Every good article is delivered, the trap costs a bounded number of
requests, and what was refused or cut is counted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from faults.server import HTML, Route, page, serve_faults

from tests.conftest import run_scrapy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

GOOD = 20
PLACES = ["Lạng Sơn", "Cao Bằng", "Hà Giang", "Lào Cai", "Sơn La", "Điện Biên", "Lai Châu", "Phú Thọ",
          "Thái Nguyên", "Bắc Ninh", "Quảng Ninh", "Hải Phòng", "Nghệ An", "Hà Tĩnh", "Quảng Trị", "Huế",
          "Đà Nẵng", "Gia Lai", "Đắk Lắk", "Cần Thơ"]
TOPICS = ["kỹ năng vận động quần chúng", "thực hiện dân chủ ở cơ sở", "xây dựng mô hình dân vận khéo",
          "công tác tôn giáo", "công tác dân tộc", "nắm bắt tình hình nhân dân", "tiếp công dân",
          "chuyển đổi số trong công tác dân vận"]


def paragraph(i: int, k: int) -> str:
    """Text of article i, paragraph k: each article its own place, numbers and topics (templated
    notices that differ only in their numbers would be merged as near-duplicates, rightly)."""
    place, topic = PLACES[i % len(PLACES)], TOPICS[(i + k) % len(TOPICS)]
    return (f"Ngày {1 + i % 27}/{1 + k}, Ban Dân vận Tỉnh ủy {place} tổ chức hội nghị tập huấn nghiệp vụ về "
            f"{topic} cho {100 + 13 * i + k} cán bộ làm công tác dân vận ở {20 + i} xã, phường của tỉnh {place}. "
            f"Báo cáo viên {['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Minh Châu', 'Phạm Quốc Dũng'][(i + k) % 4]} "
            f"trình bày chuyên đề số {k + 1} với {3 + (i * k) % 7} nội dung chính về {topic} tại {place}.")


def article_path(i: int) -> str:
    return f"/tin-tuc/tap-huan-nghiep-vu-cong-tac-dan-van-so-{i}-{10000 + i}.html"


def article(i: int, title: str | None = None) -> bytes:
    headline = title or f"Tập huấn nghiệp vụ công tác dân vận đợt {i} năm 2026"
    paragraphs = "".join(f"<p>{paragraph(i, k)}</p>" for k in range(4))
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{headline[:200]}</title></head>'
            f'<body><div id="header"><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></div>'
            f'<div class="article"><h1>{headline}</h1><div class="date">0{1 + i % 9}/11/2026 08:00</div>'
            f'<div class="content">{paragraphs}</div></div></body></html>').encode()


def listing(paths: list[str], extra: str = "", nxt: str | None = None) -> bytes:
    items = "".join(f'<li><a href="{p}">Tập huấn nghiệp vụ công tác dân vận đợt {i} năm 2026</a></li>'
                    for i, p in enumerate(paths, 1))
    more = f'<a href="{nxt}">Trang sau</a>' if nxt else ""
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Tin tức</title></head><body>'
            f'<div id="header"><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></div>'
            f'<ul class="list">{items}</ul>{extra}{more}</body></html>').encode()


def good_site(home_extra: str = "", listing_extra: str = "") -> dict[str, Route]:
    routes = {article_path(i): page(article(i)) for i in range(1, GOOD + 1)}
    routes["/"] = page(listing([], extra=home_extra + '<a href="/tin-tuc">Tin tức</a>'))
    routes["/tin-tuc"] = page(listing([article_path(i) for i in range(1, 11)], extra=listing_extra,
                                      nxt="/tin-tuc?page=2"))
    routes["/tin-tuc?page=2"] = page(listing([article_path(i) for i in range(11, GOOD + 1)]))
    routes["/robots.txt"] = page("User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")
    return routes


def crawl_generic(tmp_path: Path, routes: dict[str, Route], *extra: str,
                  fallback: Callable[[str], Route | None] | None = None,
                  name: str = "out", state: str | None = None) -> tuple[list[dict], dict, int]:
    with serve_faults(routes, lifetime=200, max_requests=20_000, fallback=fallback) as server:
        out, stats = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.stats.json"
        # The site's own name, served from the fixture server: URLs (and so the state) stay the same
        # from one run to the next, whatever port the server gets.
        proc = run_scrapy(["crawl", "generic", "-a", "start_urls=https://hostile.test/", "-a",
                           f"base_url={server.base_url}", "-O", str(out),
                           "-s", f"STATS_FILE={stats}", "-s", f"STATE_DIR={tmp_path / (state or f'state-{name}')}",
                           "-s", "KEEP_IRRELEVANT=True", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
                           "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", *extra], cwd=tmp_path, timeout=200)
        requests = server.request_count
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()] if out.exists() else []
    return items, json.loads(stats.read_text("utf-8")), requests


def good_delivered(items: list[dict]) -> int:
    """How many of the 20 good articles were delivered (each once)."""
    paths = [i["url"].split("/", 3)[3] for i in items]
    assert len(paths) == len(set(paths)), "an article was delivered twice"
    return len({"/" + p for p in paths} & {article_path(i) for i in range(1, GOOD + 1)})


def test_a_sitemap_index_of_10000_sitemaps_is_read_newest_first_and_bounded(tmp_path: Path) -> None:
    index = "".join(f"<sitemap><loc>/sm/{n}.xml</loc><lastmod>2020-01-{1 + n % 28:02d}</lastmod></sitemap>"
                    for n in range(10_000))
    routes = good_site()
    routes["/robots.txt"] = page("User-agent: *\nAllow: /\nSitemap: /sitemap_index.xml\n", "text/plain")
    routes["/sitemap_index.xml"] = page(f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/'
                                        f'schemas/sitemap/0.9">{index}</sitemapindex>', "application/xml")

    def empty_sitemap(path: str) -> Route | None:
        if path.startswith("/sm/"):
            return page('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        "</urlset>", "application/xml")
        return None

    items, stats, requests = crawl_generic(tmp_path, routes, "-a", "max_pages=300", fallback=empty_sitemap)
    assert good_delivered(items) == GOOD
    assert requests <= 300 + 10  # every request counts against the budget, sitemaps too (+ robots.txt)
    assert stats["discovery/entries_capped"] >= 10_000 - 200


def test_an_endless_calendar_stops_when_its_pages_bring_nothing_new(tmp_path: Path) -> None:
    def day_page(path: str) -> Route | None:
        if path.startswith("/lich?date="):
            day = int(path.rsplit("=", 1)[1])
            return page(listing([], extra=f'<a href="/lich?date={day + 1}">Ngày sau</a>'))
        return None

    items, _stats, requests = crawl_generic(tmp_path, good_site(listing_extra='<a href="/lich?date=1">Lịch</a>'),
                                           fallback=day_page)
    assert good_delivered(items) == GOOD
    assert requests < 60  # 20 articles, 3 listings, a few calendar days, robots.txt, sitemap, feeds


def test_a_page_of_100000_links_does_not_starve_the_good_articles(tmp_path: Path) -> None:
    flood = "".join(f'<a href="/rac/bai-rac-so-{n}-{100000 + n}.html">Bài viết không tồn tại số {n} của trang</a>'
                    for n in range(100_000))
    items, stats, requests = crawl_generic(tmp_path, good_site(home_extra=flood), name="first", state="state")
    assert good_delivered(items) == GOOD
    assert stats["discovery/links_capped"] >= 100_000 - 300
    assert requests < 400
    # The dead links are remembered: the next run does not ask again.
    _items, again, requests_again = crawl_generic(tmp_path, good_site(home_extra=flood), name="second",
                                                  state="state")
    assert again["discovery/skipped_dead"] >= 250
    assert requests_again < 60


def test_a_feed_of_50000_items_gives_the_newest_first_within_the_budget(tmp_path: Path) -> None:
    old = "".join(f"<item><link>/rac/bai-cu-{n}-{200000 + n}.html</link><pubDate>Mon, 01 Jan 2018 08:00:00 +0700"
                  f"</pubDate></item>" for n in range(50_000))
    new = "".join(f"<item><link>{article_path(i)}</link><pubDate>Mon, 02 Nov 2026 08:00:00 +0700</pubDate></item>"
                  for i in range(1, GOOD + 1))
    routes = good_site()
    routes["/"] = page(listing([], extra='<link rel="alternate" type="application/rss+xml" href="/rss.xml">'))
    routes["/rss.xml"] = page(f'<?xml version="1.0"?><rss version="2.0"><channel>{old}{new}</channel></rss>',
                              "application/rss+xml")
    items, _stats, requests = crawl_generic(tmp_path, routes, "-a", "max_pages=200")
    assert good_delivered(items) == GOOD
    assert requests <= 200 + 10


def test_a_5mb_single_line_page_and_a_1mb_title_are_cut_and_counted(tmp_path: Path) -> None:
    _normal, normal_stats, _ = crawl_generic(tmp_path, good_site(), name="normal")
    links = f'<a href="{article_path(98)}">Bài dài</a><a href="{article_path(99)}">Tựa dài</a>'
    routes = good_site(listing_extra=links)
    routes[article_path(98)] = page(article(98).replace(b"</p>", b" " + "chữ ".encode() * 1_300_000 + b"</p>", 1))
    routes[article_path(99)] = page(article(99, title="Tập huấn " + "rất dài " * 130_000))
    items, stats, _ = crawl_generic(tmp_path, routes, name="huge")
    assert good_delivered(items) >= GOOD
    by_url = {i["url"].rsplit("/", 1)[1]: i for i in items}
    long_title = by_url.get(article_path(99).rsplit("/", 1)[1])
    assert long_title is not None and len(long_title["title"]) <= 1000
    assert all(len(line["body"]) <= 200_000 for line in items)
    assert any(k.startswith("clean/cut_") for k in stats), stats
    # Peak memory stays within twice a normal crawl's.
    assert stats["memusage/max"] <= 2 * normal_stats["memusage/max"], (stats["memusage/max"],
                                                                       normal_stats["memusage/max"])


def test_an_adversarial_page_does_not_stall_the_crawl(tmp_path: Path) -> None:
    """Text shaped to make backtracking regexes explode (dates, bylines, credits, URLs)."""
    nasty = ("1/" * 50_000 + "Thứ " * 20_000 + "(" * 20_000 + "ngày " * 20_000 + "a-" * 50_000 + "TTXVN " * 10_000)
    routes = good_site(listing_extra=f'<a href="{article_path(97)}">Bài lạ</a>')
    routes[article_path(97)] = Route(body=article(97).replace(b"</p>", nasty.encode() + b"</p>", 1),
                                     headers={"Content-Type": HTML})
    items, _stats, _ = crawl_generic(tmp_path, routes, "-s", "PAGE_TIME_LIMIT=5")
    assert good_delivered(items) == GOOD
