"""Bytes to text: gzip bodies without a header, declared or meta charsets, Vietnamese legacy code pages."""

from __future__ import annotations

import gzip
import re
import zlib

from crawler.limits import MAX_PAGE_CHARS

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def bounded_page(text: str) -> tuple[str, str | None]:
    """The page text cut to MAX_PAGE_CHARS before parsing (no pattern or parser sees more), and the
    reason to report when it was cut."""
    if len(text) <= MAX_PAGE_CHARS:
        return text, None
    return text[:MAX_PAGE_CHARS], f"page cut to {MAX_PAGE_CHARS} characters (was {len(text)})"


def _gunzip(body: bytes) -> bytes:
    # Some servers (and saved samples) send gzip bytes without Content-Encoding: sniff the magic.
    if body[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(body)
        except (OSError, EOFError, zlib.error):
            return body
    return body


def decode_html(body: bytes | str, declared: str | None = None) -> str:
    """The page as text. Uses `crawler.text.legacy.decode_html_bytes` when that helper exists;
    otherwise gunzips by magic bytes, then tries the declared charset, the meta charset and UTF-8,
    and as a last resort decodes UTF-8 with replacement characters."""
    if isinstance(body, str):
        return body
    try:
        from crawler.text.legacy import decode_html_bytes
    except ImportError:  # the shared decoder is optional: fall back to the rules below
        pass
    else:
        return decode_html_bytes(body, declared)
    body = _gunzip(body)
    candidates: list[str] = []
    if declared:
        candidates.append(declared)
    match = _META_CHARSET.search(body[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "ignore"))
    candidates.append("utf-8")
    for enc in candidates:
        enc = {"utf8": "utf-8", "windows-1258": "cp1258"}.get(enc.lower(), enc)
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")
