"""`search(pattern, text)`: re.search with a literal pre-check.

The classifier and the topic tagger run ~60 patterns of the shape `\\b(?:phrase|phrase|...)\\b` over
the folded title, lead and body of every page. Python's regex engine tries such a pattern at every
position of the text; most of them match nowhere. Every match of these patterns starts with one of
a few literal strings (the phrases' first words), and `str.__contains__` finds or rules those out in
C. The pre-check is exact: it only skips a regex search that could not have matched, and a pattern
whose matches need not start with a literal (a character class, a repeat) is always searched.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

try:  # the parser behind re.compile; private, so a change in it only turns the pre-check off
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    _sre_parse = None

_MAXCACHE = 512


def _prefixes(items: Any) -> frozenset[str] | None:
    """Literal strings one of which starts every match of the parsed sequence; None if unknown."""
    literal: list[str] = []
    for op, value in items:
        name = str(op)
        if name == "LITERAL":
            literal.append(chr(value))
            continue
        if literal:
            break
        if name == "AT":  # zero-width: \b, ^, $
            continue
        if name == "BRANCH":
            found: set[str] = set()
            for branch in value[1]:
                sub = _prefixes(branch)
                if not sub:
                    return None
                found |= sub
            return frozenset(found)
        if name == "SUBPATTERN":
            _group, add_flags, _del_flags, sub_items = value
            if add_flags:  # (?i) and the like: the literals would not be literal
                return None
            return _prefixes(sub_items)
        return None
    return frozenset({"".join(literal)}) if literal else None


@lru_cache(maxsize=_MAXCACHE)
def _compiled(pattern: str) -> tuple[re.Pattern[str], frozenset[str] | None]:
    compiled = re.compile(pattern)
    prefixes = None
    if _sre_parse is not None:
        try:
            parsed = _sre_parse.parse(pattern)
            if not parsed.state.flags & re.IGNORECASE:
                prefixes = _prefixes(list(parsed))
        except Exception:  # any surprise in the private parser: search without the pre-check
            prefixes = None
    return compiled, prefixes


def search(pattern: str, text: str) -> re.Match[str] | None:
    compiled, prefixes = _compiled(pattern)
    if prefixes is not None and not any(p in text for p in prefixes):
        return None
    return compiled.search(text)


def prefixes_of(pattern: str) -> frozenset[str] | None:
    """The literal pre-check of a pattern (for tests)."""
    return _compiled(pattern)[1]
