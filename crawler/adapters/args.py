"""Typed spider arguments: one frozen dataclass per spider kind, parsed and checked once.

`scrapy crawl <site> -a since=2026-01-01` gives strings; `SiteArgs.parse` turns them into typed
values or raises `ArgError` with one line naming the argument and what is expected. The `crawl` and
`crawlall` commands parse before any crawler starts, so a bad value never reaches a traceback; the
help text and the README's table are generated from the same fields (`help_table`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urlsplit


class ArgError(ValueError):
    """A spider argument that is missing, unknown or malformed; the message is one line."""


def _day(name: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ArgError(f"-a {name}={raw!r}: expected a date as YYYY-MM-DD") from None


def _count(name: str, raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ArgError(f"-a {name}={raw!r}: expected a whole number") from None
    if value < 0:
        raise ArgError(f"-a {name}={raw!r}: expected a number >= 0")
    return value


def http_url(name: str, raw: str) -> str:
    url = raw.strip()
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        _ = parts.port  # a malformed port raises here
    except ValueError:
        ok = False
    if not ok:
        raise ArgError(f"-a {name}={raw!r}: expected an http(s) URL")
    return url


def _urls(name: str, raw: str) -> tuple[str, ...]:
    urls = tuple(http_url(name, u) for u in raw.split(",") if u.strip())
    if not urls:
        raise ArgError(f"-a {name}: give at least one http(s) URL")
    return urls


def _base(name: str, raw: str) -> str:
    return http_url(name, raw).rstrip("/") + "/"


def _meta(help_text: str, parse: Callable[[str, str], Any], shape: str) -> dict[str, Any]:
    return {"help": help_text, "parse": parse, "shape": shape}


@dataclass(frozen=True)
class SiteArgs:
    """Arguments of a registered site's spider (and of every site of `crawlall`)."""

    since: date | None = field(default=None, metadata=_meta(
        "only articles published on or after this day (undated ones are kept); listings stop paginating "
        "once a page is entirely older", _day, "YYYY-MM-DD"))
    until: date | None = field(default=None, metadata=_meta(
        "only articles published on or before this day", _day, "YYYY-MM-DD"))
    base_url: str | None = field(default=None, metadata=_meta(
        "fetch from this host instead (a mirror, the test fixtures); items keep the site's real URLs",
        _base, "http://127.0.0.1:PORT/"))
    max_pages: int | None = field(default=None, metadata=_meta(
        "at most this many requests (pages, sitemaps and feeds alike); 0 = no cap besides "
        "CLOSESPIDER_PAGECOUNT; given, it also lifts the site file's pagination.max_pages", _count, "N"))
    refresh_days: int = field(default=0, metadata=_meta(
        "re-fetch articles published in the last N days; a changed one is emitted again with revision + 1",
        _count, "N"))

    required: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> SiteArgs:
        """From `-a name=value` strings (values already typed are taken as they are)."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ArgError(f"unknown argument -a {unknown[0]} (this spider takes: {', '.join(known)})")
        for name in cls.required:
            if not str(raw.get(name) or "").strip():
                raise ArgError(f"missing -a {name}={known[name].metadata['shape']}: {known[name].metadata['help']}")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if isinstance(value, str):
                value = known[name].metadata["parse"](name, value) if value.strip() else None
            values[name] = value if value is not None else known[name].default
        args = cls(**values)
        if args.since and args.until and args.since > args.until:
            raise ArgError(f"-a since={args.since} is after -a until={args.until}")
        return args


@dataclass(frozen=True)
class GenericArgs(SiteArgs):
    """`scrapy crawl generic`: any site, from its start URLs, with no site file."""

    start_urls: tuple[str, ...] = field(default=(), metadata=_meta(
        "where to start (a home page, a section); their hosts are the crawl's domains and are trusted like "
        "a site's own address, loopback included", _urls, "URL[,URL...]"))
    max_depth: int = field(default=2, metadata=_meta(
        "how many pages in a row that are not listings (few article links) are followed before a branch "
        "stops", _count, "N"))

    required: ClassVar[tuple[str, ...]] = ("start_urls",)


def help_table(cls: type[SiteArgs]) -> str:
    """A Markdown table of the arguments: `-a name=SHAPE`, default, meaning."""
    lines = ["| argument | default | meaning |", "|---|---|---|"]
    for f in fields(cls):
        default = "—" if f.default in (None, ()) else str(f.default)
        lines.append(f"| `-a {f.name}={f.metadata['shape']}` | {default} | {f.metadata['help']} |")
    return "\n".join(lines)


def args_class(spider_name: str) -> type[SiteArgs]:
    return GenericArgs if spider_name == "generic" else SiteArgs
