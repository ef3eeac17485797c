"""Pure discovery helpers: feed entries, feed links, article-URL and pagination heuristics.

XML is parsed without resolving entities or touching the network, so a hostile feed ("billion
laughs", external entities) cannot blow up or leak.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)

# URL shapes of article pages on the target sites (sites.md §4).
ARTICLE_URL_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"-post\d+\.html?$",  # mCMS: nhandan, baolaocai, sggp
        r"-ar\d+\.html?$",  # vtcnews
        r"-\d{5,}/?$",  # baocaobang, baohungyen, baolaichau: id with no extension
        r"/\d{5,}-[\w-]+\.html?$",  # old baolangson: id first
        r"/vi-vn/tin/[\w-]+/\d+(?:-\d+)+/?$",  # nghean.dcs.vn (DNN)
        r"chi-tiet-tin-tuc\.aspx\?(?:[^#]*&)?ItemID=\d+",  # SharePoint portals (binhduong, yenbai)
        r"-postid\d+\.\w+$",  # baobacninhtv
        r"-a\d+\.html?$",  # baocantho, baotayninh, baobinhduong
        r"-(?:event)?\d{4,}\.html?$",  # baolangson, baoquangninh, dangcongsan, NukeViet
        r"/chi-tiet(?:-[\w-]+)?\?(?:[^#]*&)?id=\d+",  # Liferay custom routes (danang)
        r"/asset_publisher/[^/]+/content/",  # Liferay asset publisher
        r"/Home/Tin-hoat-dong/[^/]+/\d+/[^/?#]+",  # danvan.vn
        r"/\d{6}/[\w-]+-[0-9a-f]{5,}/?$",  # WordPress-like /<YYYYMM>/<slug>-<id>/
        r"/tin-bai/[\w-]+/[\w-]+-\d+$",  # tinhuykhanhhoa
        r"/chuyen-muc/[\w-]+/\d+-\d+$",  # nghean.dcs.vn
        r"/post/\d+/[\w-]+",  # btgtu.binhthuan
        r"ChiTietTinTuc\.aspx\?(?:[^#]*&)?nid=\d+",  # SharePoint portals
        r"/node/\d+$",  # Drupal
        r"/\d{4}/\d{2}/[\w-]{12,}/?$",  # WordPress dated permalinks
    )
)

# Media, tags, search, print and language-switch URLs: never followed by the generic spider.
SKIP_PATTERNS = re.compile(
    r"/(?:tag|tags|tu-khoa|tim-kiem|search|print|in-bai|video|videos|media|photo|anh|podcast|emagazine|"
    r"login|dang-nhap|lien-he|rss)(?:[/.?]|$)|[?&](?:lang|languageId|print)=|update_language|"
    r"\.(?:jpe?g|png|gif|webp|svg|mp4|mp3|pdf|docx?|xlsx?|zip|rar|css|js)(?:\?|$)",
    re.IGNORECASE,
)

PAGINATION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"[?&](?:p|page|trang|pageindex|PageIndex|paged|pg)=\d+",
        r"_cur=\d+",  # Liferay search container
        r"/trang-\d+(?:\.html?)?/?$",
        r"/page/\d+/?$",
        r"/p\d+\.html?$",
    )
)

# "Next page" links, as folded text: words that say so, or a lone arrow.
NEXT_LINK_WORDS = ("trang sau", "trang tiep", "tiep theo", "xem tiep", "xem them", "next")
NEXT_LINK_ARROWS = ("»", "›", ">", ">>", "→")


def is_next_link_text(text: str) -> bool:
    from crawler.text import fold

    folded = fold(text).strip()
    if folded in NEXT_LINK_ARROWS:
        return True
    words = folded.strip("»›>→ ").strip()
    return any(words == w or words.startswith(w + " ") for w in NEXT_LINK_WORDS)

COMMON_FEED_PATHS = ("/rss", "/rss.xml", "/feed", "/feed/", "/rss/home.rss", "/rss/tin-moi-nhat.rss")


def looks_like_article_url(url: str) -> bool:
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    if SKIP_PATTERNS.search(target):
        return False
    return any(p.search(target) for p in ARTICLE_URL_PATTERNS)


def looks_like_pagination(url: str) -> bool:
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return any(p.search(target) for p in PAGINATION_PATTERNS)


def should_skip(url: str) -> bool:
    parts = urlsplit(url)
    return bool(SKIP_PATTERNS.search(parts.path + ("?" + parts.query if parts.query else "")))


def parse_xml(body: bytes) -> etree._Element | None:
    try:
        root = etree.fromstring(body, parser=_SAFE_XML)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root


def _local(tag: object) -> str:
    return tag.split("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_feed_entries(body: bytes, feed_url: str) -> list[tuple[str, datetime | date | None]] | None:
    """(link, published) of each RSS item or Atom entry; None when the body is not a feed."""
    from crawler.text.dates import parse_date, parse_iso

    root = parse_xml(body.strip())
    if root is None or _local(root.tag) not in ("rss", "feed", "rdf"):
        return None
    entries: list[tuple[str, datetime | date | None]] = []
    for node in root.iter():
        name = _local(node.tag)
        if name not in ("item", "entry"):
            continue
        link = ""
        published: datetime | date | None = None
        for child in node:
            cname = _local(child.tag)
            text = (child.text or "").strip()
            if cname == "link":
                link = link or (child.get("href") or text)
            elif cname == "guid" and not link and text.startswith("http"):
                link = text
            elif cname in ("pubdate", "published", "updated", "date") and published is None and text:
                published = parse_iso(text) or parse_date(text)
        if link:
            entries.append((urljoin(feed_url, link.strip()), published))
    return entries


def feed_links(html_links: list[tuple[str, str]], page_url: str) -> list[str]:
    """Feed URLs announced with <link rel="alternate" type="application/rss+xml" href=...>."""
    out = []
    for ctype, href in html_links:
        if ctype.lower() in ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml"):
            out.append(urljoin(page_url, href))
    return out
