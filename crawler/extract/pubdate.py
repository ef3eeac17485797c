"""Publish and modified dates of an article page: a cascade from the most to the least explicit.

JSON-LD `datePublished` -> `meta[property=article:published_time]` / `meta[itemprop=datePublished]`
-> `time[datetime]` inside the article -> the site's date selector -> a date printed right after the
headline -> None. A date-only answer is refined by a later rung that gives the same day with a time
(baocantho's JSON-LD has the day, its `.pubdate` the minute). Never the header "today" strip, the
footer or the related-news list: only text after the headline and before the body end is read, and a
printed weekday must agree with the date. A page that states no date gets None, never the crawl time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crawler.extract import meta
from crawler.extract.dom import classes_of, common_scope, is_chrome, is_junk, precedes, select, signature, text_of
from crawler.extract.rules import plain_fold
from crawler.extract.vocab import GENERIC_PUBLISHED, RELATED_CLASS
from crawler.text import normalize_text
from crawler.text.dates import find_dates, parse_date, parse_iso

DateValue = datetime | date


def _plausible(value: DateValue) -> bool:
    """A publish date: not before the web sites existed, not after next year (an event date
    announced ahead, a typo, an anniversary "1945" in a slogan)."""
    return 1990 <= value.year <= datetime.now().year + 1


def parse_machine_date(value: str) -> DateValue | None:
    """A machine date (meta, JSON-LD, time[datetime]): ISO 8601 or RFC 822 by the shared parser; a
    value in another shape ("07/10/2025 08:50" in JSON-LD) is read as printed text. No zone: +07:00."""
    if not value:
        return None
    parsed = parse_iso(value) or parse_date(value)
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


def same_day_refinement(first: DateValue, other: DateValue | None) -> DateValue | None:
    """`other` when it is the same day as the date-only `first` but has a time."""
    if isinstance(first, datetime) or not isinstance(other, datetime):
        return None
    return other if other.date() == first else None


def in_page_header(el: Any, title_el: Any) -> bool:
    """Whether a date element is in the page header region: above the headline, and either inside
    header/nav chrome that does not hold the headline or sharing nothing with the headline but the
    page itself. Position rules it out, whatever it prints: a header "today" strip ("Thứ Tư,
    08/02/2023" on a 2016 article) has a weekday that agrees with its date."""
    if title_el is None:
        return any(is_chrome(a) for a in [el, *el.iterancestors()])
    if not precedes(el, title_el):
        return False
    # The elements themselves, not id()s: an lxml proxy dies with its last reference and its id is reused.
    title_line = {title_el, *title_el.iterancestors()}
    for a in [el, *el.iterancestors()]:
        if a in title_line:
            return a.tag in ("body", "html")
        if is_chrome(a):
            return True
    return True  # not in the headline's document at all


_WEEKDAY = re.compile(r"\b(?:thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|cn)\b")
DATE_LINE_MAX_CHARS = 80


def date_line_above_title(title_el: Any, body_el: Any) -> Any:
    """The line printed right above the headline inside the article's block (danvan.vn:
    "Thứ Năm, 2/2/2023" over the title), when it names a weekday: the first element with text
    before the headline, looking back through its earlier siblings and those of its ancestors up to
    the block that holds headline and body. None when headline and body share only the page."""
    scope = common_scope(title_el, body_el) if body_el is not None else None
    if title_el is None or scope is None or scope.tag in ("body", "html"):
        return None
    node = title_el
    while node is not scope and node is not None:
        for prev in node.itersiblings(preceding=True):
            if not isinstance(prev.tag, str) or prev.tag in ("script", "style"):
                continue
            text = text_of(prev)
            if not text:
                continue
            if len(text) <= DATE_LINE_MAX_CHARS and _WEEKDAY.search(plain_fold(text)):
                return prev
            return None
        node = node.getparent()
    return None


def text_after_title(title_el: Any, body_el: Any, limit: int = 300) -> str:
    """The text printed after the headline, up to the body (where a dated byline sits)."""
    parts: list[str] = []
    size = 0
    started = False
    for el in title_el.getroottree().iter():
        if el is title_el:
            started = True
            parts.append(title_el.tail or "")
            continue
        if not started or any(a is title_el for a in el.iterancestors()):
            continue
        if el is body_el:
            break
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "a"):
            continue
        parts.append(el.text or "")
        parts.append(el.tail or "")
        size += len(el.text or "") + len(el.tail or "")
        if size > limit:
            break
    # Normalized only as far as needed (a page-long tail would be normalized whole, then cut): spaces
    # collapse, so the raw window is wider than the limit.
    return normalize_text(" ".join(parts)[: limit * 20])[:limit]


@dataclass
class _Cascade:
    """The rungs that gave a date, in cascade order, and the problems seen on the way."""

    candidates: list[tuple[str, DateValue]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, rung: str, value: DateValue | None) -> None:
        if value is not None:
            self.candidates.append((rung, value))

    def add_text(self, rung: str, text: str, label: str) -> bool:
        value, problem = parse_text_date(text)
        if problem:
            self.problems.append(f"{label}: {problem}")
        self.add(rung, value)
        return value is not None


def _time_element(scope: Any, title_el: Any) -> DateValue | None:
    for t in scope.xpath(".//time[@datetime]"):
        if any(is_junk(a) for a in t.iterancestors()) or t.xpath("ancestor::a") or in_page_header(t, title_el):
            continue
        return parse_machine_date(t.get("datetime"))
    return None


def _site_selectors(found: _Cascade, root: Any, selectors: tuple[str, ...], title_el: Any) -> None:
    for sel in selectors:
        for el in select(root, sel):
            if in_page_header(el, title_el):
                continue
            if found.add_text("site_selector", text_of(el), f"date selector {sel!r}"):
                return


def _generic_elements(found: _Cascade, scope: Any, title_el: Any) -> None:
    for sel in GENERIC_PUBLISHED:
        # Not in a link, the header strip, or a related-news list ("Tin cùng chuyên mục ... (29/09/2025)").
        hits = [el for el in select(scope, sel) if not el.xpath("ancestor::a") and not in_page_header(el, title_el)
                and not any(RELATED_CLASS.search(classes_of(a)) for a in [el, *el.iterancestors()])]
        if hits and found.add_text("date_element", text_of(hits[0]), f"date {sel!r}"):
            return


@dataclass(frozen=True)
class Published:
    value: DateValue | None
    rung: str | None
    problems: list[str]
    date_line: str | None  # the structural signature of the line above the headline, if any
    rungs: tuple[str, ...] = ()  # every rung that gave a date, in cascade order


def find_published(
    root: Any, site_selectors: tuple[str, ...], title_el: Any, body_el: Any,
    strip_signatures: frozenset[str] = frozenset(),
) -> Published:
    """The publish date by the cascade, the rung that gave it ("json_ld", "meta", "time",
    "site_selector", "date_element", "byline", "date_line", or "<rung>+<rung>" when a later rung gave
    the same day's time), and the problems seen (a weekday that disagrees with its date...).
    A line above the headline whose place in the page (its signature) was seen holding the "today"
    strip on pages that are not articles is refused."""
    found = _Cascade()
    raw = meta.jsonld_field(root, "datePublished")
    found.add("json_ld", parse_machine_date(raw) if raw else None)
    raw = meta.meta_content(root, "article:published_time", "datePublished")
    found.add("meta", parse_machine_date(raw) if raw else None)
    scope = common_scope(title_el, body_el)
    if scope is not None:
        found.add("time", _time_element(scope, title_el))
    _site_selectors(found, root, site_selectors, title_el)
    if scope is not None:
        _generic_elements(found, scope, title_el)
    if title_el is not None:
        found.add_text("byline", text_after_title(title_el, body_el), "byline date")
    line = date_line_above_title(title_el, body_el)
    line_sig = signature(line) if line is not None else None
    if line is not None and not in_page_header(line, title_el):
        if line_sig in strip_signatures:
            found.problems.append("the line above the headline is the site's date strip")
        else:
            found.add_text("date_line", text_of(line), "date line")
    rungs = tuple(r for r, _ in found.candidates)
    if not found.candidates:
        return Published(None, None, found.problems, line_sig)
    rung, value = found.candidates[0]
    for later_rung, later in found.candidates[1:]:
        refined = same_day_refinement(value, later)
        if refined is not None:
            return Published(refined, f"{rung}+{later_rung}", found.problems, line_sig, rungs)
    return Published(value, rung, found.problems, line_sig, rungs)


def find_modified(root: Any) -> DateValue | None:
    raw = meta.jsonld_field(root, "dateModified") or meta.meta_content(root, "article:modified_time", "dateModified")
    return parse_machine_date(raw) if raw else None
