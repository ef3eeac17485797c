"""Discovery as pure functions: URL shapes (urls), a page's links sorted into articles, next pages
and sections (page), feeds and sitemaps (feeds). No Scrapy import: the spiders adapt."""

from crawler.discovery.feeds import COMMON_FEED_PATHS, feed_links, parse_feed_entries, parse_xml
from crawler.discovery.page import Link, PageLinks, classify_links
from crawler.discovery.urls import (
    article_shapes,
    fetch_key,
    is_next_link_text,
    is_skipped_url,
    looks_like_article_url,
    looks_like_pagination,
)

__all__ = [
    "COMMON_FEED_PATHS",
    "Link",
    "PageLinks",
    "article_shapes",
    "classify_links",
    "feed_links",
    "fetch_key",
    "is_next_link_text",
    "is_skipped_url",
    "looks_like_article_url",
    "looks_like_pagination",
    "parse_feed_entries",
    "parse_xml",
]
