"""Hostile and broken sitemaps and feeds, through the real `scrapy crawl generic` (which reads the
Sitemap lines of robots.txt and the <link rel=alternate> feeds of the start page), and the parsers
themselves: entity expansion ("billion laughs") and external entities (XXE) are never resolved."""

from __future__ import annotations

import time
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from faults.server import page, serve_faults

from crawler.discovery import parse_feed_entries

pytestmark = pytest.mark.slow

ARTICLES = Path(__file__).resolve().parent.parent / "fixtures" / "generic" / "sitemap_site"
PATHS = {
    296471: "/tap-huan-nghiep-vu-cong-tac-tuyen-giao-va-dan-van-nam-2025-post296471.html",
    296102: "/boi-duong-ky-nang-so-cho-bao-cao-vien-tuyen-truyen-vien-co-so-post296102.html",
    296788: "/so-ket-9-thang-thuc-hien-quy-che-dan-chu-o-co-so-post296788.html",
    262315: "/tap-huan-nghiep-vu-cong-tac-dan-van-chinh-quyen-nam-2024-post262315.html",
}
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def hostile_dtd(root: str, base: str) -> str:
    """Nine levels of ten-fold entity expansion (10^9 "lol"), an entity naming an article URL, and
    two external entities: a local file and a URL on the test server (a fetch would show as a hit)."""
    levels = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return (f'<!DOCTYPE {root} [<!ENTITY lol0 "lol">{levels}<!ENTITY u "{base}lol-post999.html">'
            f'<!ENTITY passwd SYSTEM "file:///etc/passwd"><!ENTITY probe SYSTEM "{base}xxe-probe">]>')


def urlset(locs: list[str]) -> str:
    urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">{urls}</urlset>'


def rss(links: list[str], head: str = "") -> str:
    items = "".join(f"<item><title>Tin</title><link>{link}</link></item>" for link in links)
    channel = f"<channel><title>T</title>{items}</channel>"
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{head}<rss version="2.0">{channel}</rss>'


def hostile_site(base: str) -> dict:
    lol_sitemap = urlset(["&u;", f"{base}a-&lol9;-post1.html", f"{base}x-post3.html?&passwd;&probe;",
                          base + PATHS[296102].lstrip("/")]).replace("<urlset", hostile_dtd("urlset", base) + "<urlset")
    lol_feed = rss(["&u;", f"{base}a-&lol9;-post1.html", f"{base}x-post3.html?&passwd;&probe;"],
                   hostile_dtd("rss", base))
    truncated = urlset([base + PATHS[296788].lstrip("/"), base + "cut-post4.html"])
    truncated = truncated[: truncated.index("cut-post4") - 14]  # cut inside the second <url>
    feeds = ["/feeds/good.rss", "/feeds/garbage.rss", "/feeds/lol.rss"]
    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="{f}">' for f in feeds)
    robots = "User-agent: *\nAllow: /\n" + "".join(
        f"Sitemap: {base}sitemaps/{name}.xml\n" for name in ("good", "truncated", "garbage", "lol"))
    routes = {
        "/": page(f'<html><head><meta charset="utf-8"><title>Trang chủ</title>{links}</head>'
                  "<body><h1>Trang chủ</h1><p>Tin mới</p></body></html>"),
        "/robots.txt": page(robots, "text/plain; charset=utf-8"),
        "/sitemaps/good.xml": page(urlset([base + PATHS[296471].lstrip("/"), base + PATHS[296102].lstrip("/")]),
                                   "application/xml"),
        "/sitemaps/truncated.xml": page(truncated, "application/xml"),
        "/sitemaps/garbage.xml": page(b"\x00\x01\xffPK not a sitemap <<<< &&& >>>", "application/xml"),
        "/sitemaps/lol.xml": page(lol_sitemap, "application/xml"),
        "/feeds/good.rss": page(rss([base + PATHS[262315].lstrip("/")]), "application/rss+xml"),
        "/feeds/garbage.rss": page('<?xml version="1.0"?>\n<<<< \x00 not a feed ]]>', "application/rss+xml"),
        "/feeds/lol.rss": page(lol_feed, "application/rss+xml"),
    }
    for article_id, path in PATHS.items():
        routes[path] = page((ARTICLES / f"article_{article_id}.html").read_bytes())
    return routes


def test_hostile_and_broken_sitemaps_and_feeds(crawl) -> None:
    with serve_faults({}) as server:
        base = server.base_url
        server.routes.update({k: v for k, v in _keyed(hostile_site(base)).items()})
        result = crawl("generic", base, "-a", f"start_urls={base}", "-s", "KEEP_IRRELEVANT=True")
    assert result.returncode == 0, result.log[-3000:]
    delivered = [item["url"] for item in result.items]
    assert [u for u, n in Counter(delivered).items() if n > 1] == []
    assert sorted(delivered) == sorted(base + p.lstrip("/") for p in PATHS.values()), result.log[-4000:]
    # Hostile documents refused before parsing, broken ones counted, good entries of a truncated
    # sitemap kept.
    assert result.stats["errors/xml_entities"] == 2
    assert result.stats["errors/malformed_sitemap"] == 1
    assert result.stats["errors/malformed_feed"] == 1
    assert "an XML document declaring entities" in result.log and f"{base}sitemaps/lol.xml" in result.log
    # Nothing an entity names was ever requested: no expansion, no external fetch, no file read.
    assert not any(("lol" in h and "post" in h) or "probe" in h or "root:" in h or "post3" in h
                   for h in server.hits), server.hits
    assert not any(k.startswith("errors/") and k.split("/")[1] not in
                   ("xml_entities", "malformed_sitemap", "malformed_feed") for k in result.stats), result.stats


def _keyed(routes: dict) -> dict:
    from faults.server import route_key

    return {route_key(k): v for k, v in routes.items()}


# -- the parsers themselves ------------------------------------------------------------------------

BASE = "https://example.vn/"


def _measure(func):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = func()
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, time.perf_counter() - started, peak


def test_scrapy_sitemap_parser_neither_expands_nor_fetches_entities() -> None:
    from scrapy.utils.sitemap import Sitemap

    doc = urlset(["&u;", f"{BASE}a-&lol9;-post1.html", f"{BASE}x-post3.html?&passwd;"])
    doc = doc.replace("<urlset", hostile_dtd("urlset", BASE) + "<urlset").encode()
    entries, seconds, peak = _measure(lambda: list(Sitemap(doc)))
    locs = [e.get("loc", "") for e in entries]
    assert not any("lollol" in loc or "lol-post999" in loc or "root:" in loc for loc in locs), locs
    assert seconds < 1.0 and peak < 5_000_000, (seconds, peak)  # 10^9 "lol"s would be gigabytes


def test_feed_parser_neither_expands_nor_fetches_entities() -> None:
    doc = rss(["&u;", f"{BASE}a-&lol9;-post1.html", f"{BASE}x-post3.html?&passwd;"], hostile_dtd("rss", BASE))
    entries, seconds, peak = _measure(lambda: parse_feed_entries(doc.encode(), BASE + "rss"))
    links = [link for link, _published in entries or []]
    assert not any("lollol" in u or "lol-post999" in u or "root:" in u for u in links), links
    assert seconds < 1.0 and peak < 5_000_000, (seconds, peak)


def test_feed_parser_on_garbage_and_truncation() -> None:
    assert parse_feed_entries(b'<?xml version="1.0"?>\n<<<< \x00 not a feed', BASE) is None
    assert parse_feed_entries(b"<html><body>404</body></html>", BASE) is None
    truncated = rss([f"{BASE}good-post2.html", f"{BASE}cut-post4.html"]).encode()
    truncated = truncated[: truncated.index(b"cut-post4") - 20]
    assert parse_feed_entries(truncated, BASE) == [(f"{BASE}good-post2.html", None)]
