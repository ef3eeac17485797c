"""The spider of one registered site; the loader makes one subclass per slug (its `site` is the
site file)."""

from __future__ import annotations

from crawler.adapters.spiders.base import DiscoverySpider


class SiteSpider(DiscoverySpider):
    name = "site"
