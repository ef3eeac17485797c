"""The next page of a listing, by the site file's pagination rule."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from scrapy.http import Response, TextResponse

from crawler.sites.registry import Pagination


def with_query_param(url: str, param: str, value: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    query.append((param, str(value)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def with_path_page(url: str, template: str, n: int) -> str:
    """Append e.g. "trang-{n}.html" to the listing's path, replacing an earlier page suffix."""
    parts = urlsplit(url)
    suffix_re = re.escape(template).replace(r"\{n\}", r"\d+") + "$"
    path = re.sub(suffix_re, "", parts.path)
    if not path.endswith("/"):
        path = re.sub(r"\.html?$", "", path) + "/"
    return urlunsplit((parts.scheme, parts.netloc, path + template.format(n=n), parts.query, ""))


def next_page_url(rule: Pagination, listing: str, page_url: str, page: int, response: Response) -> str | None:
    """The URL of page `page + 1`, or None when the rule gives none."""
    if rule.kind == "query":
        return with_query_param(listing, rule.param, rule.first + page - 1)
    if rule.kind == "path":
        return with_path_page(listing, rule.template, rule.first + page - 1)
    if rule.kind == "next_link" and isinstance(response, TextResponse):
        sel = response.xpath(rule.selector) if rule.selector.startswith(("/", "(")) else response.css(rule.selector)
        href = sel.xpath("./@href").get() or sel.attrib.get("href")
        return urljoin(page_url, href) if href else None
    return None
