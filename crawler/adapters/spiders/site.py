"""The spider of one registered site; the loader makes one subclass per slug."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from crawler.adapters.spiders.base import DiscoverySpider

logger = logging.getLogger(__name__)


class SiteSpider(DiscoverySpider):
    name = "site"

    async def start(self) -> AsyncIterator[Any]:
        if not self.site.supported:
            # Say so loudly: a silent empty run looks like "no news" to a scheduler.
            logger.error("Site %s is unsupported: %s", self.site.slug, self.site.unsupported_reason)
            self.crawler.stats.set_value("site/unsupported", self.site.unsupported_reason)
            return
        async for request in super().start():
            yield request
