"""Shared text handling: NFC input, a folded copy aligned character by character with it, and the
title / lead / body zones the classifier and the extractors look at.

`crawler.text.fold` gives the folded form used for matching; it also collapses whitespace, so spans
found in its output cannot be mapped back. `fold_aligned` folds the same way (lower case, tone marks
and diacritics dropped, đ -> d) but one character for one character, so a match at [i:j] in the folded
string is the printed text at [i:j] of the normalized string: extracted fields keep their diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from crawler.text import normalize_text
from crawler.text.normalize import LazyTranslateTable

# A lead is the first real paragraph; picture captions ("Toàn cảnh hội nghị") are shorter than this.
_LEAD_MIN_WORDS = 10


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    low = ch.lower()
    if len(low) != 1:
        return ch
    base = "".join(c for c in unicodedata.normalize("NFD", low) if not unicodedata.combining(c))
    base = base.replace("đ", "d")
    return base if len(base) == 1 else low


_FOLD_TABLE = LazyTranslateTable(lambda cp: _fold_char(chr(cp)))


def fold_aligned(text: str) -> str:
    """`fold` without whitespace collapsing: len(result) == len(text)."""
    return text.translate(_FOLD_TABLE)


@dataclass(frozen=True)
class Zone:
    name: str  # "title", "lead" or "body"
    text: str  # normalized (NFC, canonical tone marks)
    folded: str  # fold_aligned(text)


def zone(name: str, text: str) -> Zone:
    norm = normalize_text(text)
    return Zone(name, norm, fold_aligned(norm))


def paragraphs(body: str) -> list[str]:
    return [p for p in (normalize_text(x) for x in (body or "").split("\n")) if p]


def zones(title: str, summary: str | None, body: str) -> tuple[Zone, Zone, Zone]:
    """Title, lead (the summary, else the first body paragraph long enough to be prose) and the rest."""
    paras = paragraphs(body)
    lead = normalize_text(summary or "")
    rest = paras
    if not lead:
        for i, p in enumerate(paras):
            if len(p.split()) >= _LEAD_MIN_WORDS:
                lead, rest = p, paras[i + 1 :]
                break
    elif paras and fold_aligned(paras[0]).startswith(fold_aligned(lead)[:60]):
        rest = paras[1:]  # the body repeats the summary as its first paragraph
    return zone("title", title or ""), zone("lead", lead), zone("body", "\n".join(rest))


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]
