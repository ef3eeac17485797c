"""Publish and modified dates of an article page: a cascade from the most to the least explicit.

JSON-LD `datePublished` -> `meta[property=article:published_time]` / `meta[itemprop=datePublished]`
-> `time[datetime]` inside the article -> the site's date selector -> a date printed right after the
headline -> None. A date-only answer is refined by a later rung that gives the same day with a time
(baocantho's JSON-LD has the day, its `.pubdate` the minute). Never the header "today" strip, the
footer or the related-news list: only text after the headline and before the body end is read, and a
printed weekday must agree with the date. A page that states no date gets None, never the crawl time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from lxml import etree

from crawler.text.dates import find_dates, parse_date
from crawler.text.dates import parse_iso as shared_parse_iso

DateValue = datetime | date


def _plausible(value: DateValue) -> bool:
    """A publish date: not before the web sites existed, not after next year (an event date
    announced ahead, a typo, an anniversary "1945" in a slogan)."""
    return 1990 <= value.year <= datetime.now().year + 1


def parse_iso(value: str) -> DateValue | None:
    """A machine date (meta, JSON-LD, time[datetime]): ISO 8601 or RFC 822 by the shared parser; a
    value in another shape ("07/10/2025 08:50" in JSON-LD) is read as printed text. No zone: +07:00."""
    if not value:
        return None
    parsed = shared_parse_iso(value) or parse_date(value)
    return parsed if parsed is not None and _plausible(parsed) else None


def parse_text_date(text: str) -> tuple[DateValue | None, str | None]:
    """The first plausible date printed in a short text (a date element, a byline), with its time
    (before or after it); (None, reason) when that date's printed weekday disagrees with it.

    The shared `find_dates` does the reading; the weekday disagreement is reported, not skipped, so
    a header "today" strip with a wrong weekday is not silently replaced by a later date.
    """
    unchecked = [(span, value) for span, value in find_dates(text, check_weekday=False) if _plausible(value)]
    if not unchecked:
        return None, None
    span, value = unchecked[0]
    if all(other != span for other, _ in find_dates(text)):
        day = value.date() if isinstance(value, datetime) else value
        return None, f"weekday does not match {day.isoformat()}"
    return value, None


def _jsonld_objects(data: Any) -> Iterable[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_objects(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in data:
                yield from _jsonld_objects(data[key])


def jsonld_field(root: etree._Element, key: str) -> str | None:
    """`key` (e.g. datePublished) of the page's article object in JSON-LD; tolerant of broken JSON."""
    for script in root.xpath('//script[contains(@type, "ld+json")]'):
        raw = script.text or ""
        try:
            data = json.loads(raw)
        except ValueError:
            match = re.search(rf'"{re.escape(key)}"\s*:\s*"([^"]+)"', raw)
            if match:
                return match.group(1)
            continue
        for obj in _jsonld_objects(data):
            kind = obj.get("@type", "")
            kinds = kind if isinstance(kind, list) else [kind]
            if isinstance(obj.get(key), str) and not any(k in ("BreadcrumbList", "Organization") for k in kinds):
                return str(obj[key])
    return None


def meta_content(root: etree._Element, *names: str) -> str | None:
    # One walk over the <meta> elements instead of an XPath over the whole tree per name and attribute.
    metas = [m for m in root.iter("meta") if m.get("content") is not None]
    for name in names:
        for attr in ("property", "itemprop", "name"):
            for meta in metas:
                if meta.get(attr) == name and str(meta.get("content")).strip():
                    return str(meta.get("content")).strip()
    return None


def same_day_refinement(first: DateValue, other: DateValue | None) -> DateValue | None:
    """`other` when it is the same day as the date-only `first` but has a time."""
    if isinstance(first, datetime) or not isinstance(other, datetime):
        return None
    return other if other.date() == first else None
