"""Dates as Vietnamese sites print them, and machine dates (ISO 8601, RFC 822).

Rules (see docs/dates.md): day before month, always; no zone printed means Asia/Ho_Chi_Minh; a date
needs a printed year; a printed weekday must agree with the date; numbers that only look like dates
(document numbers, phone numbers, versions, view counts, bare years) are not dates. Own recognizers
come first; dateparser is only a guarded fallback for text with a year and a month word.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from crawler.text.normalize import LazyTranslateTable

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
MIN_YEAR, MAX_YEAR = 1900, 2100

DateValue = date | datetime  # datetime is a date subclass; a plain date means "no time printed"
Span = tuple[int, int]

# --- text preparation: normalized text with a map back to the original offsets ------------------

_PREP_TOKEN = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});|.[\u0300-\u036f]*", re.S)
_SPACE_CHARS = frozenset("\t\n\r\f\v \u00a0\u1680\u202f\u205f\u3000") | frozenset(map(chr, range(0x2000, 0x200B)))
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def _fold_char(ch: str) -> str:
    if ch in ("đ", "Đ", "\u00d0"):
        return "d"
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if len(base) == 1 else ch


# Folds one character to one character, filled as characters are met.
_FOLD_TABLE = LazyTranslateTable(lambda code: _fold_char(chr(code)))
_PLAIN_SPACES = {ord(c): " " for c in _SPACE_CHARS if c != "\n"}
# Text without these (and already NFC) maps one character to one character: no per-character loop.
_NEEDS_TOKENS = re.compile("[&\u0300-\u036f" + "".join(sorted(_ZERO_WIDTH)) + "]")


class _Prepared:
    """NFC, entity-decoded text with plain spaces, its same-length folded form, and offsets.

    `folded[i]` is the folded `text[i]`; `starts[i]`/`ends[i]` are the span in the original string
    of the piece that produced `text[i]`, so matches found here map back to the caller's text.
    """

    __slots__ = ("ends", "folded", "starts", "text")

    def __init__(self, raw: str) -> None:
        if not _NEEDS_TOKENS.search(raw) and unicodedata.is_normalized("NFC", raw):
            # Every character is its own piece, unchanged by NFC (it occurs in an NFC string).
            self.text = raw.translate(_PLAIN_SPACES)
            self.folded = self.text.translate(_FOLD_TABLE)
            self.starts = list(range(len(raw)))
            self.ends = list(range(1, len(raw) + 1))
            return
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for tok in _PREP_TOKEN.finditer(raw):
            piece = tok.group()
            if piece.startswith("&"):
                piece = html.unescape(piece)
            piece = unicodedata.normalize("NFC", piece)
            for ch in piece:
                if ch in _ZERO_WIDTH:
                    continue
                chars.append(" " if ch in _SPACE_CHARS and ch != "\n" else ch)  # lines matter to callers
                starts.append(tok.start())
                ends.append(tok.end())
        self.text = "".join(chars)
        self.folded = self.text.translate(_FOLD_TABLE)
        self.starts = starts
        self.ends = ends

    def span(self, start: int, end: int) -> Span:
        return self.starts[start], self.ends[end - 1]


# --- recognizers (on the folded text: lower case, no diacritics, đ -> d) ----------------------

_TIME = (
    r"(?P<H>\d{1,2})\s*(?::\s*(?P<M>\d{2})(?:\s*:\s*(?P<S>\d{2})(?:[.,]\d{1,6})?)?|(?:h|gio)\s*(?P<M2>\d{2})?)"
    r"(?:\s*(?P<ampm>am|pm|sa|ch)(?![a-z]))?"
)
_ZONE = (
    r"(?:\s*\(?\s*(?:gmt|utc)\s*(?P<zsign>[+-])\s*(?P<zh>\d{1,2})(?::?(?P<zm>\d{2}))?\s*\)?"
    r"|\s*(?P<zoff>[+-]\d{2}:?\d{2})(?!\d)"
    r"|\s*\(?(?P<zutc>gmt|utc|ut|z)\)?(?![a-z]))"
)
# Time (and zone) after a date: "25-05-2023 00:04", "08/01/2026 - 18:21", "2025-06-17t13:43:02+0700".
_TIME_AFTER = rf"(?:(?:\s*(?:-|,|\||luc|vao\s+luc)\s*|\s+|t){_TIME}(?:{_ZONE})?)?"
# Separators never followed/preceded by more digits: "202/2025/QH15" and "0236.3822.123" are not dates.
_NOT_BEFORE = r"(?<![\da-z])(?<!\d[/.,:])"
_NOT_AFTER = r"(?![\d]|[/.]\d)"

_DMY = re.compile(
    rf"{_NOT_BEFORE}(?P<d>\d{{1,2}})(?P<sep>[/.\-])(?P<m>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}){_NOT_AFTER}{_TIME_AFTER}"
)
_DMY_WORDS = re.compile(
    rf"{_NOT_BEFORE}(?P<d>\d{{1,2}})\s+thang\s+(?P<m>\d{{1,2}})(?:\s*,?\s*nam\s*|\s*[,/]\s*|\s+)(?P<y>\d{{4}})(?!\d){_TIME_AFTER}"
)
_YMD = re.compile(
    rf"{_NOT_BEFORE}(?P<y>\d{{4}})(?P<sep>[/.\-])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})(?![\d]|[/.\-]\d){_TIME_AFTER}"
)
_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_EN_WEEKDAYS = {w: i for i, w in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])}
_MON = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_EN_WD = r"(?:(?P<ewd>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?"
# RFC 822 and English: "Wed, 23 Sep 2026 17:02:29 +07:00", "Sep 23, 2026".
_EN_DMY = re.compile(rf"(?<![a-z]){_EN_WD}(?<![\d.])(?P<d>\d{{1,2}})\s+{_MON},?\s+(?P<y>\d{{4}})(?!\d){_TIME_AFTER}")
_EN_MDY = re.compile(
    rf"(?<![a-z]){_EN_WD}{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d){_TIME_AFTER}"
)
_RECOGNIZERS = (_DMY, _DMY_WORDS, _YMD, _EN_DMY, _EN_MDY)

# What may stand just before a date: a weekday ("Thứ Ba, ", "Chủ nhật,  ", "Thứ Hai, ngày "), a time
# ("Cập nhật: 08:15 | ", "12h30 ngày "), or both.
_VN_WEEKDAY = r"(?P<wd>thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|cn)"
_PREFIX = re.compile(
    rf"(?:(?<![a-z]){_VN_WEEKDAY}\s*[,\-–]?\s*)?"
    rf"(?:(?<![\d:.]){_TIME}(?:{_ZONE})?\s*[|,\-–]?\s*)?"
    r"(?:(?:ngay|hom)\s*)?$"
)
# The clock first, then the weekday: "Cập nhật: 08:50, Thứ Ba, 07/10/2025", "08:50 Thứ Ba 07/10/2025"
# (baohungyen). Tried before _PREFIX, which would only see the weekday and lose the time.
_PREFIX_CLOCK_FIRST = re.compile(
    rf"(?<![\d:.]){_TIME}(?:{_ZONE})?\s*[|,\-–]?\s*"
    rf"(?<![a-z]){_VN_WEEKDAY}\s*[,\-–]?\s*"
    r"(?:(?:ngay|hom)\s*)?$"
)
_PREFIX_WINDOW = 48
_VN_WEEKDAY_NUM = {
    "hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3,
    "sau": 4, "6": 4, "bay": 5, "7": 5,
}  # fmt: skip
# Words that make a following d.m.yyyy a version or a code, not a date.
_VERSION_BEFORE = re.compile(r"(?:version|phien\s*ban|ban\s*cap\s*nhat|ver\.?|v\.?|build|ip)\s*$")


def _weekday_of(wd: str) -> int:
    wd = re.sub(r"\s+", " ", wd)
    if wd.startswith("chu") or wd == "cn":
        return 6
    return _VN_WEEKDAY_NUM[wd.split(" ")[-1] if " " in wd else wd[3:]]


def _zone(groups: dict[str, str | None], default: tzinfo) -> tzinfo | None:
    """The printed zone, the default when none is printed, None when the zone is nonsense."""
    if groups.get("zsign"):
        hours, minutes = int(groups["zh"] or 0), int(groups.get("zm") or 0)
        if hours > 14 or minutes > 59:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if groups["zsign"] == "-" else delta)
    if groups.get("zoff"):
        off = (groups["zoff"] or "").replace(":", "")
        hours, minutes = int(off[1:3]), int(off[3:5])
        if hours > 14 or minutes > 59:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if off[0] == "-" else delta)
    if groups.get("zutc"):
        return UTC
    return default


def _clock(groups: dict[str, str | None]) -> time | None:
    if groups.get("H") is None:
        return None
    hour = int(groups["H"] or 0)
    minute = int(groups.get("M") or groups.get("M2") or 0)
    second = int(groups.get("S") or 0)
    ampm = groups.get("ampm")
    if ampm in ("pm", "ch") and hour < 12:
        hour += 12
    elif ampm in ("am", "sa") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


@lru_cache(maxsize=8)
def _tz(name: str) -> tzinfo:
    return ZoneInfo(name)


class _Found:
    __slots__ = ("end", "start", "value", "weekday_ok")

    def __init__(self, start: int, end: int, value: DateValue, weekday_ok: bool) -> None:
        self.start, self.end, self.value, self.weekday_ok = start, end, value, weekday_ok


def _build(m: re.Match[str], prefix: re.Match[str] | None, default: tzinfo) -> tuple[DateValue, bool] | None:
    g: dict[str, str | None] = m.groupdict()
    try:
        year, day = int(g["y"] or 0), int(g["d"] or 0)
        mon = g.get("mon")
        month = _MONTHS[mon] if mon else int(g["m"] or 0)
        if not MIN_YEAR <= year <= MAX_YEAR:
            return None
        day_value = date(year, month, day)
    except ValueError:
        return None
    # Which time applies: the one printed after the date, else one printed just before it.
    clock_groups: dict[str, str | None] = g
    if g.get("H") is None and prefix is not None and prefix.group("H") is not None:
        clock_groups = prefix.groupdict()
    clock = _clock(clock_groups)
    weekday_ok = True
    if g.get("ewd"):
        weekday_ok = _EN_WEEKDAYS[g["ewd"] or ""] == day_value.weekday()
    if prefix is not None and prefix.group("wd"):
        weekday_ok = weekday_ok and _weekday_of(prefix.group("wd")) == day_value.weekday()
    if clock is None:
        return day_value, weekday_ok
    zone = _zone(clock_groups, default)
    if zone is None:
        return None
    return datetime.combine(day_value, clock, tzinfo=zone), weekday_ok


def _scan(prep: _Prepared, default: tzinfo) -> list[_Found]:
    folded = prep.folded
    matches: list[re.Match[str]] = []
    for regex in _RECOGNIZERS:
        matches.extend(regex.finditer(folded))
    # Earliest first; at the same place the longest (it carries the time).
    matches.sort(key=lambda m: (m.start(), -m.end()))
    found: list[_Found] = []
    last_end = -1
    for m in matches:
        if m.start() < last_end:
            continue
        window_start = max(0, m.start() - _PREFIX_WINDOW)
        before = folded[window_start : m.start()]
        if _VERSION_BEFORE.search(before):
            continue
        prefix = _PREFIX_CLOCK_FIRST.search(before) or _PREFIX.search(before)
        built = _build(m, prefix, default)
        if built is None:
            continue
        value, weekday_ok = built
        start = window_start + prefix.start() if prefix and prefix.group() else m.start()
        start = max(start, last_end)
        end = m.end()
        while end > start and folded[end - 1] in " \n":
            end -= 1
        while start < end and folded[start] in " \n":
            start += 1
        found.append(_Found(start, end, value, weekday_ok))
        last_end = m.end()
    return found


# --- dateparser fallback ----------------------------------------------------------------------

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_MONTH_WORD = re.compile(
    r"(?<![a-z])(?:thang|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?![a-z])|"
    r"(?<![a-z])(?:january|february|march|april|june|july|august|september|october|november|december)"
)
# dateparser's own patterns are slow on long text (seconds on 20 kB of "tháng 2025"): it only reads a
# date element or a feed date, never more than this.
_FALLBACK_MAX_CHARS = 300
_DATEPARSER_SETTINGS: dict[str, Any] = {
    "DATE_ORDER": "DMY",
    "PREFER_DAY_OF_MONTH": "first",
    "PREFER_DATES_FROM": "past",
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RETURN_AS_TIMEZONE_AWARE": False,
}


def _fallback(prep: _Prepared, default: tzinfo) -> DateValue | None:
    """dateparser, only for a short text (at most _FALLBACK_MAX_CHARS) that prints a year and a month
    word, and only if the result's year and day are printed in the text: it must never turn a bare
    number or "hôm qua" into a date."""
    folded = prep.folded
    if len(folded) > _FALLBACK_MAX_CHARS:
        return None
    years = _YEAR.findall(folded)
    if not years or not _MONTH_WORD.search(folded):
        return None
    import dateparser  # slow import, rarely needed

    try:
        parsed = dateparser.parse(prep.text, languages=["vi", "en"], settings=_DATEPARSER_SETTINGS)
    except (ValueError, OverflowError):  # dateparser raises on odd input instead of returning None
        return None
    if parsed is None or str(parsed.year) not in years:
        return None
    numbers = {int(n) for n in re.findall(r"\d{1,2}", re.sub(r"\d{3,}", " ", folded))}
    if parsed.day not in numbers:
        return None
    has_time = re.search(r"\d\s*(?::|h)\s*\d\d", folded) is not None
    if not has_time:
        return parsed.date()
    return parsed.replace(tzinfo=default) if parsed.tzinfo is None else parsed


# --- public API -------------------------------------------------------------------------------


def parse_date(text: str, *, tz: str = DEFAULT_TZ, check_weekday: bool = True) -> DateValue | None:
    """The date printed in `text` (a byline, a date element, a feed date), or None.

    Returns an aware datetime when a time is printed (in `tz` unless the text gives a zone), a date
    when only a date is printed, None when there is no full date (day, month and year), the date
    does not exist, or (with `check_weekday`) a printed weekday disagrees with the date.
    """
    if not text:
        return None
    prep = _Prepared(text)
    default = _tz(tz)
    found = _scan(prep, default)
    if found:
        first = found[0]
        if check_weekday and not first.weekday_ok:
            return None
        return first.value
    return _fallback(prep, default)


def find_dates(text: str, *, tz: str = DEFAULT_TZ, check_weekday: bool = True) -> list[tuple[Span, DateValue]]:
    """Every full date in a longer text, in order, as ((start, end), value).

    Spans index the text as given (entities, NFD and odd spaces included) and cover the weekday and
    time printed around the date. Dates whose printed weekday disagrees are left out when
    `check_weekday`. No dateparser here: only the recognized shapes.
    """
    if not text:
        return []
    prep = _Prepared(text)
    default = _tz(tz)
    return [(prep.span(f.start, f.end), f.value) for f in _scan(prep, default) if f.weekday_ok or not check_weekday]


_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)\s*(Z|z|[+-]\d{2}:?\d{2})?)?"
)
_ISO_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_iso(value: str, *, tz: str = DEFAULT_TZ) -> DateValue | None:
    """A machine date: ISO 8601 (meta, time[datetime], JSON-LD) or RFC 822 (feeds).

    "2025-06-17" gives a date; a time without zone is taken in `tz`; "+0700", "+07:00", "Z" and
    fractions of a second are accepted. Anything else gives None.
    """
    if not value:
        return None
    s = value.strip()
    iso = _ISO.fullmatch(s)
    if iso:
        year, month, day, clock, offset = iso.groups()
        try:
            if clock is None:
                if offset:
                    return None
                result_date = date(int(year), int(month), int(day))
                return result_date if MIN_YEAR <= result_date.year <= MAX_YEAR else None
            clock = clock.replace(",", ".")
            if "." in clock:  # fromisoformat in 3.11 wants 3 or 6 fraction digits
                whole, frac = clock.split(".")
                clock = f"{whole}.{(frac + '000000')[:6]}"
            if offset in ("Z", "z"):
                offset = "+00:00"
            elif offset:
                offset = _ISO_OFFSET_NO_COLON.sub(r"\1:\2", offset)
            parsed = datetime.fromisoformat(f"{year}-{month}-{day}T{clock}{offset or ''}")
        except ValueError:
            return None
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=_tz(tz))
    if re.search(r"[A-Za-z]{3},?\s+\d{1,2}\s+[A-Za-z]{3}|\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", s):
        # RFC 822, also with "+07:00" (colon) which email.utils does not read.
        s = re.sub(r"([+-]\d{2}):(\d{2})$", r"\1\2", s)
        try:
            rfc = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return None
        if not MIN_YEAR <= rfc.year <= MAX_YEAR:
            return None
        if rfc.tzinfo is None:  # "-0000" means "zone unknown" in RFC 2822
            return rfc.replace(tzinfo=_tz(tz))
        return rfc
    return None


def to_iso(value: DateValue) -> str:
    """ISO 8601: "YYYY-MM-DD" for a date, "YYYY-MM-DDTHH:MM:SS+07:00" for a datetime (a naive
    datetime is taken as Asia/Ho_Chi_Minh; seconds precision)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=_tz(DEFAULT_TZ))
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"to_iso expects a date or datetime, not {type(value).__name__}")
