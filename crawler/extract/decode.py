"""Bytes to text for the extractor: gzip bodies without a header, declared or meta charsets,
Vietnamese legacy code pages (crawler.text.legacy does the work)."""

from __future__ import annotations

from crawler.text.legacy import decode_html_bytes


def decode_html(body: bytes | str, declared: str | None = None) -> str:
    """The page as text (a str is taken as already decoded)."""
    if isinstance(body, str):
        return body
    return decode_html_bytes(body, declared)
