"""`scrapy crawl generic -a start_urls=URL[,URL...]`: any site, no configuration.

Discovery, in order: sitemaps named in robots.txt (else /sitemap.xml), feeds announced with
<link rel="alternate"> (or at common paths), then the start pages and what they lead to, read by
page shape (see crawler.adapters.spiders.base). Whether a page is an article is decided from the
page itself. The start URLs' hosts are trusted like a site's own address: a local mirror on
127.0.0.1 is crawled without turning the private-address guard off.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from crawler.adapters.args import GenericArgs
from crawler.adapters.spiders.base import DiscoverySpider
from crawler.sites.registry import SiteConfig


def generic_site(start_urls: tuple[str, ...] | list[str]) -> SiteConfig:
    hosts: list[str] = []
    for url in start_urls:
        host = (urlsplit(url).hostname or "").lower()
        for candidate in (host, host.removeprefix("www.")):
            if candidate and candidate not in hosts:
                hosts.append(candidate)
    return SiteConfig(
        slug="generic",
        name=hosts[0] if hosts else "generic",
        province=None,
        allowed_domains=tuple(hosts),
        start_urls={"listing": tuple(start_urls)},
        article_allow=(),
        kind="national",
    )


class GenericSpider(DiscoverySpider):
    name = "generic"
    args_class = GenericArgs
    args: GenericArgs

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = generic_site(self.args.start_urls)

    @property
    def trusted_origins(self) -> list[str]:
        return [*super().trusted_origins, *self.args.start_urls]

    def real_host_url(self) -> str:
        parts = urlsplit(self.args.start_urls[0])
        return f"{parts.scheme}://{parts.netloc}/"
