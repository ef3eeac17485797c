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
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from lxml import html as lxml_html

VN_TZ = timezone(timedelta(hours=7))
DateValue = datetime | date

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
# dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy with an optional time before or after it.
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?!\d)")
_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*[:hg]\s*(\d{2})(?::(\d{2}))?(?!\d)")
_OFFSET = re.compile(r"(?:GMT|UTC)?\s*([+-])(\d{1,2}):?(\d{2})?\)?")
_WEEKDAY = re.compile(r"(thu\s*(hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|\bcn\b)\s*[,.-]?\s*(ngay\s*)?$", re.I)
_WEEKDAY_NUM = {
    "hai": 0,
    "2": 0,
    "ba": 1,
    "3": 1,
    "tu": 2,
    "4": 2,
    "nam": 3,
    "5": 3,
    "sau": 4,
    "6": 4,
    "bay": 5,
    "7": 5,
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c)).replace("đ", "d")


def _valid_year(year: int) -> bool:
    return 1990 <= year <= datetime.now().year + 1


def parse_iso(value: str) -> DateValue | None:
    """ISO 8601 as found in meta/JSON-LD/time: offset with or without colon, none means +07:00."""
    try:
        from crawler.text.dates import parse_iso as shared_parse_iso
    except ImportError:  # the shared parser is optional: fall back to the regex below
        pass
    else:
        try:
            shared = shared_parse_iso(value)
        except (ValueError, TypeError):
            shared = None
        if shared is not None:
            return _localize(shared)
    match = _ISO.search(value or "")
    if not match:
        return None
    y, mo, d, hh, mm, ss, off = match.groups()
    if not _valid_year(int(y)):
        return None
    try:
        if hh is None:
            return date(int(y), int(mo), int(d))
        tz = VN_TZ
        if off and off != "Z":
            sign = 1 if off[0] == "+" else -1
            digits = off[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)))
        elif off == "Z":
            tz = UTC
        return datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0), tzinfo=tz)
    except ValueError:
        return None


def _localize(value: DateValue) -> DateValue:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=VN_TZ)
    return value


def _weekday_ok(before: str, day: date) -> bool:
    """A weekday printed right before the date ("Thứ Tư, 24/12/2025") must be that day's weekday."""
    match = _WEEKDAY.search(_fold(before[-24:]))
    if not match:
        return True
    if match.group(1).startswith("ch") or match.group(1) == "cn":
        return day.weekday() == 6
    return _WEEKDAY_NUM.get(match.group(2), -1) == day.weekday()


def parse_text_date(text: str) -> tuple[DateValue | None, str | None]:
    """The first dd-mm-yyyy date in a short text (a date line), with the time next to it when there
    is one; (None, reason) when there is no date or its weekday disagrees."""
    text = unicodedata.normalize("NFC", text or "").replace("\xa0", " ")
    for match in _DMY.finditer(text):
        d, mo, y = (int(g) for g in match.groups())
        if not _valid_year(y):
            continue
        try:
            day = date(y, mo, d)
        except ValueError:
            continue
        if not _weekday_ok(text[: match.start()], day):
            return None, f"weekday does not match {day.isoformat()}"
        after = text[match.end() : match.end() + 24]
        before = text[max(0, match.start() - 12) : match.start()]
        t = re.match(r"\s*[-,|]?\s*(?:lúc\s*)?" + _TIME.pattern, after)
        if t is None:
            t_before = list(_TIME.finditer(before))
            t = t_before[-1] if t_before and before[t_before[-1].end() :].strip(" ,-|") == "" else None
        if t is None:
            return day, None
        hh, mm, ss = int(t.group(1)), int(t.group(2)), int(t.group(3) or 0)
        if hh > 23 or mm > 59 or ss > 59:
            return day, None
        tz = VN_TZ
        off = _OFFSET.match(after[t.end() :] if t.string is after else "")
        if off and off.group(2):
            sign = 1 if off.group(1) == "+" else -1
            tz = timezone(sign * timedelta(hours=int(off.group(2)), minutes=int(off.group(3) or 0)))
        return datetime(y, mo, d, hh, mm, ss, tzinfo=tz), None
    return None, None


def _jsonld_objects(data: Any) -> Iterable[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_objects(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in data:
                yield from _jsonld_objects(data[key])


def jsonld_field(root: lxml_html.HtmlElement, key: str) -> str | None:
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
            if isinstance(obj.get(key), str) and not any(
                k in ("BreadcrumbList", "Organization") for k in kinds
            ):
                return str(obj[key])
    return None


def meta_content(root: lxml_html.HtmlElement, *names: str) -> str | None:
    for name in names:
        for attr in ("property", "itemprop", "name"):
            values = root.xpath(f'//meta[@{attr}="{name}"]/@content')
            for value in values:
                if str(value).strip():
                    return str(value).strip()
    return None


def same_day_refinement(first: DateValue, other: DateValue | None) -> DateValue | None:
    """`other` when it is the same day as the date-only `first` but has a time."""
    if isinstance(first, datetime) or not isinstance(other, datetime):
        return None
    return other if other.date() == first else None
