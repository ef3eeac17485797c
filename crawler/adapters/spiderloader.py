"""One spider per registered site, named by its slug, plus `generic`.

Spider classes are made on demand from the registry, so adding a site is adding a TOML file.
A malformed site file does not break `scrapy list` or other sites: it is reported and skipped.
"""

from __future__ import annotations

import builtins
import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.settings import BaseSettings

from crawler.adapters.spiders.generic import GenericSpider
from crawler.adapters.spiders.site import SiteSpider
from crawler.sites.registry import RegistryError, SiteConfig, load_registry_with_errors

logger = logging.getLogger(__name__)


def spider_class_for(site: SiteConfig) -> type[SiteSpider]:
    name = f"SiteSpider_{site.slug}"
    attrs: dict[str, Any] = {"name": site.slug, "site": site, "__module__": SiteSpider.__module__}
    return type(name, (SiteSpider,), attrs)


class RegistrySpiderLoader:
    def __init__(self, settings: BaseSettings) -> None:
        sites, errors = load_registry_with_errors()
        self.errors: list[RegistryError] = errors
        for error in errors:
            logger.error("Site file skipped: %s", error)
        self._spiders: dict[str, type[Spider]] = {slug: spider_class_for(s) for slug, s in sites.items()}
        self._spiders[GenericSpider.name] = GenericSpider
        self._broken = {err.path.rsplit("/", 1)[-1].removesuffix(".toml"): err for err in errors}

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RegistrySpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        if spider_name in self._spiders:
            return self._spiders[spider_name]
        if spider_name in self._broken:
            raise KeyError(f"Site {spider_name!r} has a malformed site file: {self._broken[spider_name]}")
        raise KeyError(f"Spider not found: {spider_name}")

    def list(self) -> list[str]:
        return sorted(self._spiders)

    def find_by_request(self, request: Request) -> builtins.list[str]:
        return [name for name, cls in self._spiders.items() if cls.handles_request(request)]
