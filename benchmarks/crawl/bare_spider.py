"""The engine's floor: a plain Scrapy spider that follows the same links as the `danang` site spider
(every link of a listing page that matches the site's article pattern, and the next `cur=` page
until a listing page lists no article) and yields each article URL. No project settings,
middlewares, pipelines or feed.

    python -m scrapy runspider benchmarks/crawl/bare_spider.py -a base_url=http://127.0.0.1:PORT/ \
        -s BENCH_STATS_FILE=stats.json
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response

# crawler/sites/danang.toml [articles] allow.
ARTICLE = re.compile(r"/web/guest/(?:chinh-quyen/)?chi-tiet\?(?:.*&)?id=\d+")
LISTING = "web/guest/chinh-quyen/danh-muc?id=3"

# The settings the full crawl runs with in the benchmark (politeness off, same concurrency).
BENCH_SETTINGS: dict[str, Any] = {
    "ROBOTSTXT_OBEY": True,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "USER_AGENT": "taphuan-crawler/0.1 (benchmark)",
    "LOG_LEVEL": "INFO",
}


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = BENCH_SETTINGS

    def __init__(self, base_url: str = "http://127.0.0.1:8000/", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/") + "/"
        self.seen: set[str] = set()

    async def start(self) -> Any:
        yield scrapy.Request(self.base_url + LISTING, callback=self.parse_listing, cb_kwargs={"page": 1})

    def parse_listing(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        found = 0  # new articles: the right column links the same few on every page
        for href in response.xpath("//a/@href").getall():
            if ARTICLE.search(href):
                url = urljoin(self.base_url, href)
                if url not in self.seen:
                    self.seen.add(url)
                    found += 1
                    yield scrapy.Request(url, callback=self.parse_article)
        if found:
            yield scrapy.Request(f"{self.base_url}{LISTING}&cur={page + 1}", callback=self.parse_listing,
                                 cb_kwargs={"page": page + 1})

    def parse_article(self, response: Response) -> Iterator[dict[str, str]]:
        yield {"url": response.url}

    def closed(self, reason: str) -> None:
        path = self.settings.get("BENCH_STATS_FILE")
        if path:
            assert self.crawler.stats is not None
            Path(path).write_text(json.dumps(self.crawler.stats.get_stats(), default=str, indent=1), "utf-8")
