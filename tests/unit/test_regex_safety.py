"""Regular expressions that run on page text, URLs, attribute values and titles stay fast on hostile
input: no catastrophic (or quadratic) backtracking, and bounded inputs where a pattern only ever
sees a window. Timings here are safety bounds (a slow regex takes seconds to hours on these inputs),
not benchmarks.

(a) the inputs that were slow before the fix, through the code that runs the pattern;
(b) every compiled pattern of the package (module attributes, inside tuples, lists, dicts and
    dataclasses, the relevance rule tables, the site files' URL and canonical patterns) against a
    standard set of adversarial strings and strings built from the pattern's own literals;
(c) the field caps (title, summary, body) and the page-size cut.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

import crawler
from crawler.limits import MAX_BODY_CHARS, MAX_PAGE_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS

LIMIT_S = 1.0  # (a): one call on a 100 kB input
PATTERN_LIMIT_S = 0.25  # (b): one pattern on one 10 kB string (linear ones take a few ms; quadratic, seconds)
N = 100_000
N_PATTERN = 10_000


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _rep(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


# --- (a) the findings -------------------------------------------------------------------------------

rules = importlib.import_module("crawler.extract.rules")
heading = importlib.import_module("crawler.extract.heading")
classify_mod = importlib.import_module("crawler.relevance.classify")
event_mod = importlib.import_module("crawler.relevance.event")
event_dates = importlib.import_module("crawler.text.event_dates")
dates = importlib.import_module("crawler.text.dates")
middlewares = importlib.import_module("crawler.adapters.middlewares")


def _title_of(html: str) -> str:
    from crawler.extract.dom import parse_html

    return heading.find_title(parse_html(html), ())[0]


FINDINGS: list[tuple[str, Callable[[], Any]]] = [
    # rules._VIEWS_INLINE: "\s*Lượt" tried from every space of a long run
    ("views label after spaces", lambda: rules.strip_inline_widgets(_rep(" \n", N) + "Lượt xem")),
    ("views label, spaces after", lambda: rules.strip_inline_widgets("Lượt xem" + " " * N + "!")),
    # rules._TRAIL_CREDIT: nested \s* / \s+ / (.{2,80}?) \s* (cubic)
    ("trailing credit, spaces", lambda: rules.normalize_source("Nguồn" + " " * N + "0" * 100)),
    ("trailing credit, short", lambda: rules.trailing_credit("nguồn" + " " * 80 + "0" * 5)),
    ("lead credit, spaces", lambda: rules.lead_credit("(" + " " * N + "x) - y")),
    # classify: \b[\d.]+ tried from every digit and dot of "1.1.1..."
    ("relevance on 1.1.1...", lambda: classify_mod.classify("tap huan", "cho " + _rep("1.", N), _rep("1.", N))),
    ("aggregate count on 1.1.1...", lambda: classify_mod._AGGREGATE_COUNT.search(_rep("1.", N) + "!")),
    ("other audience on 1.1.1...", lambda: classify_mod._OTHER_AUDIENCE.search(_rep("1.", N) + "!")),
    ("excused, spaces", lambda: classify_mod._EXCUSED.sub("", "thi dua" + " " * N + "!")),
    # event: speakers (cubic on spaces), organizer, head counts
    ("speakers, spaces", lambda: [p.search("do" + " " * N + "x") for p in event_mod._SPEAKERS]),
    ("speakers, words", lambda: [p.search(_rep("do ", N)) for p in event_mod._SPEAKERS]),
    ("organizer, newlines", lambda: event_mod._ORG.search("truong chinh tri" + "\n" * N + "!")),
    ("head count, digits", lambda: event_mod._PARTICIPANTS.search("hon " + "1" * N + "!")),
    ("audience end, spaces", lambda: event_mod._AUDIENCE_END.search(" " * N + "!", 0, 160)),
    # event_dates: a byline line of spaces after a date
    ("byline line, spaces", lambda: event_dates.find_event_dates("Thứ hai 1/2" + " " * N + "!", date(2025, 3, 1))),
    ("line after, time and spaces", lambda: event_dates._LINE_AFTER.fullmatch("12:30" + " " * N + "!")),
    ("document number, digits", lambda: event_dates.find_event_dates("ngay 1/2 " + "1" * N + "/", None)),
    # dates: dateparser's fallback on a long text with years and month words
    ("parse_date, long text", lambda: dates.parse_date(_rep("tháng 2025 ", N))),
    ("find_dates, 1/1/1...", lambda: dates.find_dates(_rep("1/1/", N))),
    # heading: <title> split on " | " over a long run of spaces
    ("title split, spaces", lambda: _title_of("<html><head><title>a" + " " * N + "!</title></head></html>")),
    # middlewares: an entity declaration searched from every "<!DOCTYPE" and every "["
    ("xml entity guard, doctypes", lambda: middlewares._ENTITY_DTD.search(_rep("<!DOCTYPE ", 65_536).encode())),
    ("xml entity guard, subsets", lambda: middlewares._ENTITY_DTD.search(_rep("<!DOCTYPE[", 65_536).encode())),
]


@pytest.mark.parametrize("name,call", FINDINGS, ids=[f[0] for f in FINDINGS])
def test_finding_is_fast(name: str, call: Callable[[], Any]) -> None:
    assert _timed(call) < LIMIT_S


def test_entity_guard_still_sees_entities() -> None:
    doc = b"<?xml version='1.0'?>\n<!DOCTYPE lolz [\n <!ENTITY lol 'lol'>\n]>\n<lolz>&lol;</lolz>"
    assert middlewares._ENTITY_DTD.search(doc)
    assert middlewares._ENTITY_DTD.search(b"<!-- <!doctype x> --><!DOCTYPE y [<!ENTITY a 'b'>]>")
    assert not middlewares._ENTITY_DTD.search(b"<?xml version='1.0'?><!DOCTYPE html><rss>[<!ENTITY]</rss>")
    assert not middlewares._ENTITY_DTD.search(b"<!DOCTYPE x [ ]> <!ENTITY a 'b'>")


def test_long_urls_are_never_matched() -> None:
    from crawler.discovery.urls import is_skipped_url, looks_like_article_url, looks_like_pagination

    url = "https://example.vn/" + "a-" * MAX_URL_CHARS + "123456.html"
    assert is_skipped_url(url)
    assert not looks_like_article_url(url)
    assert not looks_like_pagination(url + "?page=2")
    assert looks_like_article_url("https://example.vn/tin-tuc/mot-bai-viet-123456.html")


# --- (b) every compiled pattern -----------------------------------------------------------------------

# Patterns whose callers only ever give them a bounded window: tested on inputs of that length.
CALL_SITE_BOUND = {
    "crawler.text.dates._PREFIX": dates._PREFIX_WINDOW,
    "crawler.text.dates._PREFIX_CLOCK_FIRST": dates._PREFIX_WINDOW,
    "crawler.text.dates._VERSION_BEFORE": dates._PREFIX_WINDOW,
    "crawler.text.event_dates._DOC_NUMBER": 160,
    "crawler.text.event_dates._DOC_WORDS": 160,
    "crawler.text.event_dates._BYLINE_BEFORE": 20,
    "crawler.relevance.event._AUDIENCE_END": 160,
    "crawler.extract.rules._AGENCY_SUFFIX": 70,
    "crawler.extract.rules._BYLINE_PREFIX": 70,
    "crawler.extract.rules._PAREN_ONLY": 90,
    "crawler.extract.rules._TRAIL_CREDIT": rules._CREDIT_WINDOW,
    "crawler.extract.rules._LEAD_CREDIT": rules._CREDIT_WINDOW,
    "crawler.extract.decode._META_CHARSET": 4096,
    "crawler.adapters.middlewares._ENTITY_DTD": 65_536,
    "crawler.discovery.urls": MAX_URL_CHARS,
    "crawler.dedup.canonical": MAX_URL_CHARS,
    "registry": MAX_URL_CHARS,
}

# Relevance rules kept as pattern strings (run through crawler.relevance._match.search).
STRING_PATTERNS = ("crawler.relevance.classify._AUDIENCE", "crawler.relevance.classify._BOARDS")


def _walk(obj: Any, name: str, depth: int = 0) -> Iterator[tuple[str, re.Pattern[Any]]]:
    if isinstance(obj, re.Pattern):
        yield name, obj
    elif depth >= 4:
        return
    elif isinstance(obj, (tuple, list, frozenset, set)):
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        for i, item in enumerate(items):
            if (
                name.startswith("crawler.relevance")
                and isinstance(item, tuple)
                and len(item) == 2
                and all(isinstance(x, str) for x in item)
            ):
                yield f"{name}[{i}]", re.compile(item[1])  # (label, pattern) rule tables
            else:
                yield from _walk(item, f"{name}[{i}]", depth + 1)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _walk(value, f"{name}[{key!r}]", depth + 1)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _walk(getattr(obj, f.name), f"{name}.{f.name}", depth + 1)


def _collect() -> dict[str, re.Pattern[Any]]:
    by_key: dict[tuple[Any, int], str] = {}
    patterns: dict[str, re.Pattern[Any]] = {}

    def add(name: str, pattern: re.Pattern[Any]) -> None:
        key = (pattern.pattern, pattern.flags)
        if key not in by_key:
            by_key[key] = name
            patterns[name] = pattern

    for info in pkgutil.walk_packages(crawler.__path__, "crawler."):
        module = importlib.import_module(info.name)
        source = inspect.getsource(module)
        for attr, value in vars(module).items():
            if inspect.ismodule(value) or inspect.isclass(value) or callable(value):
                continue
            if not re.search(rf"^{re.escape(attr)}\b[^\n=]*=", source, re.M):
                continue  # imported: collected in the module that defines it
            for name, pattern in _walk(value, f"{info.name}.{attr}"):
                add(name, pattern)
    for dotted in STRING_PATTERNS:
        module_name, attr = dotted.rsplit(".", 1)
        add(dotted, re.compile(getattr(importlib.import_module(module_name), attr)))
    # The site files' article patterns and canonical rules (user data, run on URLs only).
    from crawler.discovery.urls import _registry_shapes
    from crawler.sites.registry import load_registry_with_errors

    for i, pattern in enumerate(_registry_shapes()):
        add(f"registry.articles[{i}]", pattern)
    sites, _errors = load_registry_with_errors()
    for slug, site in sorted(sites.items()):
        for name, pattern in _walk(site, f"registry.{slug}"):
            add(name, pattern)
    return {name: patterns[name] for name in by_key.values()}


PATTERNS = _collect()


def _bound(name: str) -> int:
    for prefix, bound in CALL_SITE_BOUND.items():
        if name == prefix or name.startswith(prefix + ".") or name.startswith(prefix + "["):
            return bound
    return N_PATTERN


_NFD = unicodedata.normalize("NFD", "Thứ Hai ngày ")
STANDARD_UNITS = [
    " ", "\n", " \n", "a", "a-", "a.", "1", "1.", "1/", "1-", "1:", "1:1 ", "Thứ ", "thu ", _NFD, "ệ", "(", "((a)",
    "<a", "<!DOCTYPE[", "&#1", "%20", "+", "?a=1&", "www.a.", '"a', ". ", "ngay 1/2 ", "Lượt xem ", "do ", "bo ",
]


def _literals(pattern: re.Pattern[Any]) -> list[str]:
    """Literal words of a pattern (for strings that get a match started and fail late)."""
    source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode("latin-1")
    words = re.findall(r"[^\W\d_]{2,}(?: [^\W\d_]{2,})*", re.sub(r"\\[a-zA-Z]", " ", source))
    return sorted(set(words), key=lambda w: (-len(w), w))[:4]


def _inputs(pattern: re.Pattern[Any], n: int) -> Iterator[str]:
    """Long runs of what quantifiers accept, ending in a character that makes a match fail late."""
    for unit in STANDARD_UNITS:
        yield _rep(unit, n - 1) + "!"
    for word in _literals(pattern):
        for run in (" ", "1", "a"):
            yield (word + run * n)[: n - 1] + "\x00"
        yield _rep(word + " ", n)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_is_fast_on_adversarial_input(name: str) -> None:
    pattern = PATTERNS[name]
    n = _bound(name)
    slow = []
    for text in _inputs(pattern, n):
        subject = text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text
        taken = _timed(lambda s=subject: pattern.search(s))
        if taken > PATTERN_LIMIT_S:
            slow.append((text[:30], round(taken, 2)))
    assert not slow, f"{name} ({pattern.pattern!r}) is slow on {slow}"


def test_collects_the_patterns() -> None:
    names = set(PATTERNS)
    assert len(names) > 150
    for expected in ("crawler.extract.rules._VIEWS_INLINE", "crawler.relevance.event._SPEAKERS[0]",
                     "crawler.discovery.urls.GENERIC_ARTICLE_SHAPES[0]", "crawler.relevance.classify._AUDIENCE"):
        assert expected in names
    assert any(n.startswith("registry.") for n in names)
    assert any(n.startswith("crawler.relevance.classify._TRAINING[") for n in names)


# --- (c) field caps ---------------------------------------------------------------------------------


def _item(title: str, summary: str | None, body: str) -> Any:
    from crawler.items import Announcement

    return Announcement(url="https://example.vn/a-1.html", site="x", site_name="X", province="Hà Nội",
                        title=title, summary=summary, body=body)


def test_fields_are_capped_at_a_word_boundary() -> None:
    from crawler.stages import clean, clean_body, clean_line

    title, summary, body = "tiêu đề " * 400, "tóm tắt " * 1_000, ("một đoạn văn bản dài " * 200 + "\n") * 60
    item = _item(title, summary, body)
    notes: list[str] = []
    assert clean(item, notes) == []  # a cut item is still usable: not a problem
    for cut, full, limit in ((item.title, clean_line(title), MAX_TITLE_CHARS),
                             (item.summary or "", clean_line(summary), MAX_SUMMARY_CHARS),
                             (item.body, clean_body(body), MAX_BODY_CHARS)):
        assert limit * 4 // 5 <= len(cut) <= limit
        assert full.startswith(cut) and full[len(cut)] in " \n"  # at a word boundary
    assert notes[0] == f"title cut to {MAX_TITLE_CHARS} characters (was 3199)"
    assert notes[1] == f"summary cut to {MAX_SUMMARY_CHARS} characters (was 7999)"
    assert notes[2].startswith(f"body cut to {MAX_BODY_CHARS} characters (was ")
    assert len(notes) == 3


def test_short_fields_are_not_touched() -> None:
    from crawler.stages import clean

    item = _item("Tập huấn nghiệp vụ", "Sáng 5/6, Ban Dân vận tổ chức.", "Đoạn một.\nĐoạn hai.")
    notes: list[str] = []
    assert clean(item, notes) == [] and notes == []
    assert (item.title, item.summary, item.body) == ("Tập huấn nghiệp vụ", "Sáng 5/6, Ban Dân vận tổ chức.",
                                                     "Đoạn một.\n\nĐoạn hai.")


def test_a_huge_page_is_cut_before_parsing() -> None:
    from crawler.extract import extract_article

    body = "<p>" + "Nội dung bài viết về tập huấn cán bộ. " * 40 + "</p>"
    page = f"<html><head><title>Tập huấn</title></head><body><h1>Tập huấn cán bộ</h1>{body}"
    page += "<!--" + "x" * (MAX_PAGE_CHARS + 10) + "-->" + "</body></html>"
    started = time.perf_counter()
    result = extract_article("https://example.vn/a-1.html", page)
    assert time.perf_counter() - started < 10
    assert any(r.startswith(f"page cut to {MAX_PAGE_CHARS} characters (was ") for r in result.reasons)
    assert result.title == "Tập huấn cán bộ"
