"""The generic spider on sites it has never seen: each discovery path (sitemaps, feeds, listings)
finds every article of its mini-site and nothing else, through the real `scrapy crawl generic`."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.slow

GENERIC = Path(__file__).resolve().parent.parent / "fixtures" / "generic"
EXPECTED = json.loads((GENERIC / "expected.json").read_text("utf-8"))


def route(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def run_generic(serve, crawl, name: str, *extra: str):
    running = serve(name, root=GENERIC)[name]
    spec = EXPECTED[name]
    result = crawl("generic", running.base_url, "-a", f"start_urls={spec['start_url']}",
                   "-s", "KEEP_IRRELEVANT=True", *extra, out_name=f"{name}.jsonl")
    assert result.returncode == 0, result.log[-3000:]
    return running, spec, result


@pytest.mark.parametrize("name", ["sitemap_site", "feed_site", "listing_site"])
def test_generic_finds_every_article_and_nothing_else(serve, crawl, name: str) -> None:
    running, spec, result = run_generic(serve, crawl, name)
    urls = [item["url"] for item in result.items]
    assert len(urls) == len(set(urls)), "an article was emitted twice"
    assert sorted(route(u) for u in urls) == sorted(spec["items"])
    start_host = urlsplit(spec["start_url"]).netloc
    assert all(urlsplit(u).netloc == start_host for u in urls), urls  # the site's own URLs, not 127.0.0.1
    requested = {h for h in running.hits}
    for path in spec.get("never_requested", []):
        assert path not in requested, f"{name}: requested {path}"
    by_route = {route(i["url"]): i for i in result.items}
    for path, fields in spec["articles"].items():
        for key, value in fields.items():
            if key in by_route[path]:
                assert by_route[path][key] == value, f"{name} {path}: {key}"


def test_generic_sitemap_lastmod_honours_since(serve, crawl) -> None:
    running, spec, result = run_generic(serve, crawl, "sitemap_site", "-a", "since=2025-01-01")
    assert sorted(route(i["url"]) for i in result.items) == sorted(spec["items_since_2025_01_01"])
    for path in spec["never_requested_since_2025_01_01"]:
        assert path not in running.hits, path


def test_generic_needs_start_urls(crawl) -> None:
    result = crawl("generic", None)
    assert result.returncode == 2
    assert result.log == ("scrapy crawl: missing -a start_urls=URL[,URL...]: where to start (a home page, a "
                          "section); their hosts are the crawl's domains and are trusted like a site's own address, "
                          "loopback included\n")
