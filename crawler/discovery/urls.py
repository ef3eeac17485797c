"""What a URL looks like: an article, a listing's next page, a section, or something never followed.

Article shapes come from two places: the article patterns of every site file and CMS layout in the
registry (a URL shape that is an article on one site is one on its sister sites of the same CMS), and
a few generic shapes that name no site (an id at the end of a slug, a dated permalink, an id
parameter). Matching is on the path and query, so it holds on any host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from urllib.parse import parse_qsl, urlsplit

from crawler.limits import MAX_URL_CHARS
from crawler.text import fold

# Generic article shapes: no site's name, just how article URLs of news CMSs end.
GENERIC_ARTICLE_SHAPES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"[\w%]-\d{4,}(?:\.[a-z]{2,5})?/?$",  # slug ending in an id: ...-532718.html, ...-123456
        r"-[a-z]{1,7}\d{4,}\.[a-z]{2,5}$",  # slug + letters + id: -post123456.html, -ar994669.html, -a196670.html
        r"/\d{5,}(?:-[\w%-]+)?(?:\.[a-z]{2,5})?/?$",  # an id segment, alone or before its slug
        r"/\d{4}/\d{1,2}/(?:\d{1,2}/)?[\w%-]{12,}/?$",  # dated permalink
        r"/\d{6,8}/[\w%-]{12,}/?$",  # /<YYYYMM>/<slug>
        r"[?&](?:id|newsid|nid|itemid|articleid|postid|contentid)=\d{4,}(?:&|$)",  # an article id parameter
        r"/node/\d+/?$",
        r"/(?:[a-z0-9%]+-){6,}[a-z0-9%]+(?:\.[a-z]{2,5})?/?$",  # a headline slug of 7+ words
    )
)

# Media, tags, search, print, account and language-switch URLs: never followed.
SKIP_PATTERNS = re.compile(
    r"/(?:tag|tags|tu-khoa|tim-kiem|search|print|in-bai|video|videos|media|photo|anh|podcast|emagazine|"
    r"login|dang-nhap|dang-ky|lien-he|rss|sitemap|feed)(?:[/.?]|$)|[?&](?:lang|languageId|print|share)=|"
    r"update_language|/c/portal/|"
    r"\.(?:jpe?g|png|gif|webp|svg|bmp|ico|mp4|mp3|avi|mov|wmv|flv|pdf|docx?|xlsx?|pptx?|zip|rar|7z|css|js|xml)"
    r"(?:\?|$)",
    re.IGNORECASE,
)

PAGINATION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"[?&](?:p|page|trang|pageindex|paged|pg|cur|pagenumber|start|offset)=\d+",
        r"_cur=\d+",  # Liferay search container
        r"/trang-?\d+(?:\.html?)?/?$",
        r"/page/\d+/?$",
        r"/p\d+\.html?$",
    )
)

# "Next page" links, as folded text: words that say so, or a lone arrow.
NEXT_LINK_WORDS = ("trang sau", "trang tiep", "tiep theo", "xem tiep", "xem them", "next")
NEXT_LINK_ARROWS = ("»", "›", ">", ">>", "→")
# Parameters that identify an item rather than a page of a list.
_ID_PARAM = re.compile(r"(?:^|_)(?:id|newsid|nid|itemid|articleid|postid|contentid)$", re.IGNORECASE)


def _target(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


@cache
def _registry_shapes() -> tuple[re.Pattern[str], ...]:
    """Article patterns of every site file and CMS layout (deduplicated)."""
    from crawler.sites.registry import LAYOUTS_DIR, _read_toml, _toml_files, load_registry_with_errors

    patterns: dict[str, re.Pattern[str]] = {}
    sites, _errors = load_registry_with_errors()
    for site in sites.values():
        for p in site.article_allow:
            patterns.setdefault(p.pattern, p)
    for path in _toml_files(LAYOUTS_DIR):
        for raw in _read_toml(path).get("articles", {}).get("allow", []):
            patterns.setdefault(raw, re.compile(raw))
    return tuple(patterns.values())


def article_shapes() -> tuple[re.Pattern[str], ...]:
    return _registry_shapes() + GENERIC_ARTICLE_SHAPES


def is_skipped_url(url: str) -> bool:
    """Media, tag, search, print, account and language-switch URLs, and URLs longer than
    MAX_URL_CHARS (never followed: no pattern is run over them)."""
    return len(url) > MAX_URL_CHARS or bool(SKIP_PATTERNS.search(_target(url)))


def looks_like_pagination(url: str) -> bool:
    if len(url) > MAX_URL_CHARS:
        return False
    target = _target(url)
    return any(p.search(target) for p in PAGINATION_PATTERNS)


def looks_like_article_url(url: str, extra: Iterable[re.Pattern[str]] = ()) -> bool:
    """An article by its URL's shape (the registry's and generic shapes, plus `extra`); never a URL
    longer than MAX_URL_CHARS."""
    if len(url) > MAX_URL_CHARS:
        return False
    target = _target(url)
    if SKIP_PATTERNS.search(target) or (looks_like_pagination(url) and not _has_item_id(url)):
        return False
    return any(p.search(target) for p in (*extra, *article_shapes()))


def _has_item_id(url: str) -> bool:
    return len(url) <= MAX_URL_CHARS and any(_ID_PARAM.search(k) and v.isdigit() and len(v) >= 4
               for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True))


def is_next_link_text(text: str) -> bool:
    folded = fold(text).strip()
    if folded in NEXT_LINK_ARROWS:
        return True
    words = folded.strip("»›>→ ").strip()
    return any(words == w or words.startswith(w + " ") for w in NEXT_LINK_WORDS)


def fetch_key(canonical: str) -> str:
    """The key under which an article URL is fetched once: its canonical URL, with a path prefix
    dropped when the article is identified by its query (friendly-URL variants of one page:
    /web/guest/chi-tiet?id=5 and /web/guest/chinh-quyen/chi-tiet?id=5 are one article)."""
    parts = urlsplit(canonical)
    if not parts.query or not _has_item_id(canonical):
        return canonical
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return f"{parts.netloc}/…/{last}?{parts.query}"
