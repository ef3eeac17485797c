"""The literal pre-check in front of the classifier's regexes never changes a result."""

from __future__ import annotations

import importlib
import re

from benchmarks.relevance_eval import DEFAULT_SET, load
from crawler.relevance._match import prefixes_of, search
from crawler.relevance._text import fold_aligned
from crawler.text import normalize_text

classify_mod = importlib.import_module("crawler.relevance.classify")
topics_mod = importlib.import_module("crawler.relevance.topics")

PATTERNS = [
    *(p for _, p in classify_mod._TRAINING),
    *(p for _, p in classify_mod._NEGATIVE),
    *(p for _, p in topics_mod.TOPICS),
    classify_mod._AUDIENCE,
    classify_mod._BOARDS,
]


def test_prefixes_are_what_every_match_starts_with() -> None:
    alternation = r"\b(?:dan van|van dong quan chung|khoi van)\b"
    assert prefixes_of(alternation) == {"dan van", "van dong quan chung", "khoi van"}
    assert prefixes_of(r"\btap huan\b") == {"tap huan"}
    assert prefixes_of(r"\b(?:hoi nghi )?huong dan nghiep vu\b") is None  # optional start: always searched
    assert prefixes_of(r"[\d.]+ lop") is None
    assert prefixes_of(r"(?i)tap huan") is None  # case-insensitive: the literals are not literal


def test_search_agrees_with_re_search_on_every_pattern_and_real_text() -> None:
    texts = []
    for path in sorted(DEFAULT_SET.parent.glob("relevance*.jsonl")):
        for row in load(path):
            texts.append(fold_aligned(normalize_text(f"{row['title']}\n{row['lead']}")))
    assert len(texts) >= 370
    checked = hits = 0
    for pattern in PATTERNS:
        for text in texts:
            got, want = search(pattern, text), re.search(pattern, text)
            assert (got and got.span()) == (want and want.span()), (pattern, text)
            checked += 1
            hits += want is not None
    assert checked > 15_000 and hits > 500  # the agreement covers matches, not only misses
