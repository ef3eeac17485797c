"""Feeds and sitemaps: entries with their dates, feed links announced by a page.

XML is parsed without resolving entities or touching the network, so a hostile feed ("billion
laughs", external entities) cannot blow up or leak.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urljoin

from lxml import etree

_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)

COMMON_FEED_PATHS = ("/rss", "/rss.xml", "/feed", "/feed/", "/rss/home.rss", "/rss/tin-moi-nhat.rss")


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
