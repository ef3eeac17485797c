"""Bytes to text for the extractor: gzip bodies without a header, declared or meta charsets,
Vietnamese legacy code pages (crawler.text.legacy does the work), and the page's size bound."""

from __future__ import annotations

from crawler.limits import MAX_PAGE_CHARS
from crawler.text.legacy import decode_html_bytes


def bounded_page(text: str) -> tuple[str, str | None]:
    """The page text cut to MAX_PAGE_CHARS before parsing (no pattern or parser sees more), and the
    reason to report when it was cut."""
    if len(text) <= MAX_PAGE_CHARS:
        return text, None
    return text[:MAX_PAGE_CHARS], f"page cut to {MAX_PAGE_CHARS} characters (was {len(text)})"


def decode_html(body: bytes | str, declared: str | None = None) -> str:
    """The page as text (a str is taken as already decoded)."""
    if isinstance(body, str):
        return body
    return decode_html_bytes(body, declared)
