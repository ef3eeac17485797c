"""When an announced event (a training course, a conference) takes place, from the article body.

Body text gives event dates as "ngày 25-5", "sáng 7/2", "từ ngày 23 đến 27/10", "trong 2 ngày 20-21/8",
"trong 2 ngày 13 và 14/8", "trong 2 ngày (8/10 và 9/10)" or "từ 4 - 7/6/2012", usually without a year:
the year comes from the publish date. The first event-like phrase wins; dates attached to a document
reference ("Kế hoạch số 68-KH/BDVTU ngày 10/3/2023") and byline/header dates ("Đăng ngày …", a line
that is only a date) are skipped.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from crawler.text.dates import _Prepared

# A year-less date more than this far after publication is last year's ("ngày 28-12" in January).
_FUTURE_LIMIT = timedelta(days=183)
_MAX_RANGE = timedelta(days=92)

_SEP_M = r"(?:[/.\-]|\s+thang\s+)"
_SEP_Y = r"(?:[/.\-]|,?\s+nam\s+)"
_DAY = r"\d{1,2}"
_YEAR = r"(?:19|20)\d\d"
# "20-21/8", "23 đến 27/10", and the two-day forms "13 và 14/8", "20, 21/8".
_TO = r"\s*(?:-|–|den|toi|va|,)\s*(?:ngay\s+)?"
# Words that introduce an event date: "ngày", parts of the day, "từ", "trong 2 ngày", "vào".
_TRIGGER = (
    r"(?<![a-z])(?:(?:vao\s+)?(?:ngay|sang|chieu|toi|trua|dem|hom)|tu|trong\s+\d{1,2}\s+ngay)"
    r"(?:\s+(?:nay|qua|mai))?\s+(?:(?:tu|ngay)\s+)?(?:ngay\s+)?"
    # "Trong 2 ngày (8/10 và 9/10)"
    r"(?:\(\s*)?"
)
_EVENT = re.compile(
    rf"(?P<trigger>{_TRIGGER})(?:"
    # from day to day/month(/year): "23 đến 27/10", "20-21/8", "4 - 7/6/2012", "15, 16 và 17/8",
    # "21 đến ngày 23 tháng 9 năm 2025"
    rf"(?P<a_d1>{_DAY})(?:\s*,\s*{_DAY})*{_TO}(?P<a_d2>{_DAY}){_SEP_M}(?P<a_m2>\d{{1,2}})(?:{_SEP_Y}(?P<a_y2>{_YEAR}))?"
    # from day/month(/year) to day/month(/year): "28/9 đến ngày 02/10/2025"
    rf"|(?P<b_d1>{_DAY}){_SEP_M}(?P<b_m1>\d{{1,2}})(?:{_SEP_Y}(?P<b_y1>{_YEAR}))?{_TO}"
    rf"(?P<b_d2>{_DAY}){_SEP_M}(?P<b_m2>\d{{1,2}})(?:{_SEP_Y}(?P<b_y2>{_YEAR}))?"
    # one day: "25-5", "7/2", "21 tháng 9 năm 2025", "10/3/2023"
    rf"|(?P<c_d>{_DAY}){_SEP_M}(?P<c_m>\d{{1,2}})(?:{_SEP_Y}(?P<c_y>{_YEAR}))?"
    r")(?![\d]|[/.\-]\d|\s*(?:%|trieu|ty|nghin|dong|km|m2|ha)(?![a-z]))"
)
# A document reference right before the date: "số 68-KH/BDVTU", "202/2025/QH15", "1234/QĐ-UBND".
_DOC_NUMBER = re.compile(r"\d+(?:/\d{4})?[/-](?:[a-z]{1,6}\d*)(?:[/-][a-z0-9]{1,12})*")
_DOC_WORDS = re.compile(
    r"(?<![a-z])(?:ke hoach|quyet dinh|nghi quyet|cong van|thong bao|chi thi|huong dan|ket luan|"
    r"thong tu|nghi dinh|van ban|to trinh|bao cao|quy dinh|chuong trinh)\s+(?:so\s+)?\d"
)
_BYLINE_BEFORE = re.compile(r"(?:dang|cap nhat|gui luc|xuat ban|ngay dang|luot xem)[:\s]*(?:ngay\s*)?$")
# What else a byline or header line holds around its date: a weekday, a time, "Lượt xem: 50".
_LINE_BEFORE = re.compile(r"[\s,|\-–()]*(?:(?:thu\s*[a-z0-9]+|chu\s*nhat)[\s,|\-–()]*)?")
# Possessive runs of separators: each is followed by a digit, a letter or the end, never by another
# separator run that could take a share of it (which made a long run of spaces quadratic).
_LINE_AFTER = re.compile(
    r"[\s,|\-–()]*+(?:\d{1,2}\s*[:h]\s*\d{2}(?::\d{2})?[\s,|\-–()]*+)?(?:luot xem:?\s*+[\d.]*)?[\s,|\-–()]*"
)


def _is_document_date(folded: str, trigger_start: int) -> bool:
    """Whether the date at `trigger_start` is the date of a document named just before it.

    "Kế hoạch số 68-KH/BDVTU ngày 10/3/2023" and "Quyết định 12/QĐ-UBND, ngày …" are document dates;
    "Kế hoạch số 68-KH/BDVTU của … năm 2023, ngày 25-5, Ban Dân vận tổ chức" is an event date: a
    comma between the reference and the date ends the reference.
    """
    window = folded[max(0, trigger_start - 160) : trigger_start]
    # Only the current clause of the current sentence.
    window = re.split(r"[.;:!?\n](?:\s|$)", window)[-1]
    last_ref = -1
    for regex in (_DOC_NUMBER, _DOC_WORDS):
        for m in regex.finditer(window):
            last_ref = max(last_ref, m.end())
    if last_ref < 0:
        return False
    between = window[last_ref:]
    return "," not in between or len(between.strip(" ,")) <= 2


def _is_byline(folded: str, start: int, end: int) -> bool:
    """A date after "Đăng ngày"/"Cập nhật", or a line holding only a date with a weekday, time or
    view count around it (a byline or page header)."""
    if _BYLINE_BEFORE.search(folded[max(0, start - 20) : start]):
        return True
    line_start = folded.rfind("\n", 0, start) + 1
    line_end = folded.find("\n", end)
    before = folded[line_start:start]
    after = folded[end : len(folded) if line_end < 0 else line_end]
    # Something besides punctuation must surround it ("Thứ Ba, …", "… 00:04", "Lượt xem: 79"): a bare
    # "Sáng 7/2" line is still a phrase of the body.
    extra = re.search(r"[a-z0-9]", before + after) is not None
    return extra and bool(_LINE_BEFORE.fullmatch(before) and _LINE_AFTER.fullmatch(after))


def _make(year: int | None, month: int, day: int) -> date | None:
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _infer_year(month: int, day: int, published: date | None) -> date | None:
    """The year of a year-less date from the publish date, stepping back if it lands too far ahead."""
    if published is None:
        return None
    candidate = _make(published.year, month, day)
    if candidate is None:
        # 29/2 in a non-leap publish year: last year cannot be leap either unless it is; try it.
        return _make(published.year - 1, month, day)
    if candidate - published > _FUTURE_LIMIT:
        return _make(published.year - 1, month, day)
    return candidate


def _resolve(m: re.Match[str], published: date | None) -> tuple[date, date] | None:
    g = m.groupdict()

    def num(name: str) -> int | None:
        return int(g[name]) if g.get(name) else None

    if g.get("c_d"):
        day, month, year = num("c_d") or 0, num("c_m") or 0, num("c_y")
        single = _make(year, month, day) if year else _infer_year(month, day, published)
        return (single, single) if single else None
    if g.get("a_d1"):
        d1, d2, m2, y2 = num("a_d1") or 0, num("a_d2") or 0, num("a_m2") or 0, num("a_y2")
        end = _make(y2, m2, d2) if y2 else _infer_year(m2, d2, published)
        if end is None:
            return None
        start = _make(end.year, m2, d1)
        return (start, end) if start and start <= end else None
    d1, m1, y1 = num("b_d1") or 0, num("b_m1") or 0, num("b_y1")
    d2, m2, y2 = num("b_d2") or 0, num("b_m2") or 0, num("b_y2")
    end = _make(y2, m2, d2) if y2 else _infer_year(m2, d2, published)
    if end is None:
        return None
    # "từ 28/12 đến 3/1/2026": the start month after the end month is in the year before.
    start = _make(y1 if y1 else (end.year - 1 if m1 > m2 else end.year), m1, d1)
    if start is None or start > end or end - start > _MAX_RANGE:
        return None
    return start, end


def find_event_dates(text: str, published: date | datetime | None) -> tuple[date | None, date | None]:
    """(start, end) of the event the text announces or reports, or (None, None).

    A single day gives start == end. Year-less dates take the publish date's year (the year before
    if that would put the event more than about 6 months after publication); without a publish
    date, year-less dates are ignored.
    """
    if not text:
        return None, None
    pub = published.date() if isinstance(published, datetime) else published
    prep = _Prepared(text)
    folded = prep.folded
    for m in _EVENT.finditer(folded):
        if _is_document_date(folded, m.start()) or _is_byline(folded, m.start(), m.end()):
            continue
        resolved = _resolve(m, pub)
        if resolved is None:
            continue
        return resolved
    return None, None
