"""What a page offers the crawl: its article links, its next page, its section links, and whether
it is a listing (a page whose content, outside the menus, links many articles).

Pure: takes the page's links as (url, anchor text, in chrome) triples; the spider reads them from
the response. The crawl follows listings and the sections they link, pagination until a page brings
nothing new, and counts hops through pages that are not listings (a branch of those ends soon).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.discovery.urls import is_next_link_text, is_skipped_url, looks_like_article_url, looks_like_pagination

# A listing links at least this many articles outside its header, menus and footer.
LISTING_MIN_ARTICLES = 4
# Per page, at most this many links of each kind are taken (a page of 100,000 links must not flood
# the scheduler; a real listing has tens).
MAX_ARTICLE_LINKS = 300
MAX_SECTION_LINKS = 150
SECTION_MAX_WORDS = 8
SECTION_MAX_DEPTH = 5


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    in_chrome: bool  # inside header, nav, menu, footer or aside


@dataclass
class PageLinks:
    articles: list[str] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    content_articles: int = 0  # article links outside the chrome
    capped: int = 0  # links left out by the per-page caps

    @property
    def is_listing(self) -> bool:
        return self.content_articles >= LISTING_MIN_ARTICLES


def _words(text: str) -> int:
    return len(text.split())


def _section_like(url: str, text: str) -> bool:
    """A menu or category link: a short label, a shallow path, no file."""
    path = urlsplit(url).path.strip("/")
    return _words(text) <= SECTION_MAX_WORDS and path.count("/") < SECTION_MAX_DEPTH and not re.search(
        r"\.(?:pdf|docx?|xlsx?|zip|rar|jpe?g|png|gif)$", path, re.I)


def classify_links(page_url: str, links: Iterable[Link], owns: object, extra_shapes: tuple[re.Pattern[str], ...] = ()
                   ) -> PageLinks:
    """Sort a page's own links (`owns(host) -> bool`) into articles, next pages and sections, each
    once, in page order; the page's own URL is none of them."""
    out = PageLinks()
    seen: set[str] = {page_url}
    own = owns if callable(owns) else (lambda host: True)
    for link in links:
        url = link.url
        if url in seen or not own(urlsplit(url).hostname or "") or is_skipped_url(url):
            continue
        seen.add(url)
        if looks_like_article_url(url, extra_shapes):
            if len(out.articles) < MAX_ARTICLE_LINKS:
                out.articles.append(url)
                out.content_articles += not link.in_chrome
            else:
                out.capped += 1
        elif looks_like_pagination(url) or is_next_link_text(link.text):
            if len(out.next_pages) < MAX_SECTION_LINKS:
                out.next_pages.append(url)
            else:
                out.capped += 1
        elif _section_like(url, link.text):
            if len(out.sections) < MAX_SECTION_LINKS:
                out.sections.append(url)
            else:
                out.capped += 1
    return out
