"""The site registry: one TOML file per site, validated on load."""

from crawler.sites.registry import (
    Pagination,
    RegistryError,
    Selectors,
    SiteConfig,
    Transport,
    load_registry,
    load_site,
    site_for_url,
)

__all__ = [
    "Pagination",
    "RegistryError",
    "Selectors",
    "SiteConfig",
    "Transport",
    "load_registry",
    "load_site",
    "site_for_url",
]
