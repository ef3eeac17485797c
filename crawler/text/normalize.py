"""Normalization of Vietnamese text at the extraction boundary, and the folded form for matching.

`normalize_text` is applied once, where text leaves the HTML: it gives NFC, decoded entities, one
plain space for every kind of space, no zero-width characters, Đ instead of the Icelandic Ð, repaired
malformed vowels ("lựơng" -> "lượng"), legacy font mojibake (TCVN3/VNI) converted, and one canonical
tone placement ("hoà" -> "hòa", "uỷ" -> "ủy") so that the same word is always spelled the same way.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# Spaces inside a line; newlines are handled separately by normalize_paragraphs.
_INLINE_SPACES = re.compile(r"[^\S\n]+|[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")

# Combining tone marks (grave, acute, tilde, hook above, dot below) and vowel shapes (circumflex,
# breve, horn). Everything else combining is left alone.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_SHAPES = frozenset("\u0302\u0306\u031b")
_VOWELS = frozenset("aăâeêioôơuưy")
# Letters with a shape mark that decide where the tone goes ("tiến", "người", "thuở").
_SHAPED_VOWELS = frozenset("ăâêôơư")


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split(" "))


_ONSETS = _words("b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x") | {""}
_CODAS = _words("c ch m n ng nh p t") | {""}
# Vowel groups that exist in Vietnamese (after the onset; "qu"/"gi" are onsets). Anything else,
# e.g. the French "où", is not a Vietnamese syllable and is left untouched.
_NUCLEI = _words(
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ"
    " uy ưa ưi ươ ưu yê iêu yêu oai oay oao oeo uây uôi uya uyê uyu ươi ươu"
)
_WORD = re.compile(r"[^\W\d_]+")
# Combining marks of any kind on a letter: a word with others (e.g. a cedilla) is not Vietnamese.
_ALLOWED_MARKS = _TONES | _SHAPES


def _split_letter(ch: str) -> tuple[str, str | None, bool]:
    """(NFC letter without tone, tone mark or None, is_upper) for one NFC character."""
    decomposed = unicodedata.normalize("NFD", ch)
    tone = None
    rest = []
    for c in decomposed:
        if c in _TONES:
            tone = c
        else:
            rest.append(c)
    base = unicodedata.normalize("NFC", "".join(rest))
    return base.lower(), tone, base != base.lower()


def _join_letter(base: str, tone: str | None, upper: bool) -> str:
    letter = base.upper() if upper else base
    if tone:
        letter = unicodedata.normalize("NFC", letter + tone)
    return letter


_Parsed = tuple[list[tuple[str, str | None, bool]], list[str], list[int], int, int, str, str]


def _parse(word: str) -> _Parsed | None:
    """Splits a word into letters, onset, vowel group and coda; None if it is not syllable-shaped.

    Returns (letters, bases, tone positions, vowel start, vowel end, onset, coda) where letters
    are (base, tone, is_upper) and bases the toneless lower-case letters.
    """
    if not word or len(word) > 7:
        return None
    decomposed = unicodedata.normalize("NFD", word)
    if any(unicodedata.combining(c) and c not in _ALLOWED_MARKS for c in decomposed):
        return None
    letters = [_split_letter(ch) for ch in word]
    tones = [i for i, (_, tone, _) in enumerate(letters) if tone]
    if len(tones) > 1:
        return None
    bases = [b for b, _, _ in letters]
    if not all(("a" <= b <= "z" and b not in "fjwz") or b in _SHAPED_VOWELS or b == "đ" for b in bases):
        return None
    # Onset: the consonants before the first vowel; "qu" and "gi" are onsets when a vowel follows.
    text = "".join(bases)
    start = 0
    while start < len(text) and text[start] not in _VOWELS:
        start += 1
    if (text.startswith("qu") or text.startswith("gi")) and len(text) > 2 and text[2] in _VOWELS:
        start = 2
    onset = text[:start]
    end = start
    while end < len(text) and text[end] in _VOWELS:
        end += 1
    coda = text[end:]
    if onset not in _ONSETS or coda not in _CODAS or end == start or end - start > 3:
        return None
    return letters, bases, tones, start, end, onset, coda


def is_vietnamese_syllable(word: str) -> bool:
    """Whether a word (NFC, any case) is shaped like one well-formed Vietnamese syllable.

    Checks onset, vowel group and coda against the Vietnamese inventories, at most one tone, the
    tone rule for stop codas (c, ch, p, t need sắc or nặng) and that ă/â need a coda.
    """
    parsed = _parse(word)
    if parsed is None:
        return False
    letters, bases, tones, start, end, _onset, coda = parsed
    nucleus = "".join(bases[start:end])
    if nucleus not in _NUCLEI or (nucleus in ("ă", "â", "oă", "uâ", "oo") and not coda):
        return False
    if tones and (tones[0] >= end or tones[0] < start - 1):
        return False
    # Stop codas take only sắc or nặng: "ất", "mét", never "ât" or "mèt".
    return not (
        coda in ("c", "ch", "p", "t") and (not tones or letters[tones[0]][1] not in ("\u0301", "\u0323"))
    )


@lru_cache(maxsize=65536)  # Vietnamese has a few thousand syllables: nearly every word is a cache hit
def _fix_word(word: str) -> str:
    """Repairs the vowel of one syllable and puts its tone mark in the canonical place.

    Only words that parse as a Vietnamese syllable (known onset, one contiguous vowel group, known
    coda, at most one tone) are touched, so English, French and proper names pass unchanged.
    """
    parsed = _parse(word)
    if parsed is None:
        return word
    letters, bases, tones, start, end, onset, coda = parsed
    nucleus = list(range(start, end))

    # Malformed horn placement: "ưo" is never Vietnamese, and "uơ" followed by a consonant is
    # "ươ" ("thuơng" -> "thương"); "thuở", "quơ" (open or after q) stay as they are.
    for i in nucleus[:-1]:
        pair = bases[i] + bases[i + 1]
        if pair == "ưo" or (pair == "uơ" and coda):
            bases[i], bases[i + 1] = "ư", "ơ"
    if "".join(bases[start:end]) not in _NUCLEI:
        return word
    if not tones:
        return "".join(_join_letter(bases[i], None, letters[i][2]) for i in range(len(letters)))
    if tones[0] >= end or (tones[0] < start and not (tones[0] == 1 and onset in ("qu", "gi"))):
        return word  # a tone on a consonant: not something to guess about ("qúy"/"gìa" are fixed)

    tone = letters[tones[0]][1]
    shaped = [i for i in nucleus if bases[i] in _SHAPED_VOWELS]
    if shaped:
        target = shaped[-1]  # "ươ" -> ơ, "iê"/"uô"/"uyê" -> the shaped one
    elif len(nucleus) == 3:
        target = nucleus[1]  # "ngoài", "khuỷu", "ngoẹo"
    elif len(nucleus) == 2:
        # Open syllables take the tone on the first vowel ("hòa", "thủy", "khỏe", "mùa");
        # closed ones on the second ("hoàn", "tuýp", "xoèn").
        target = nucleus[0] if not coda else nucleus[1]
    else:
        target = nucleus[0]
    return "".join(
        _join_letter(bases[i], tone if i == target else None, letters[i][2]) for i in range(len(letters))
    )


def normalize_tone_marks(text: str) -> str:
    """Puts every syllable's tone mark in one canonical place, word by word.

    The canonical style is the one most Vietnamese news sites use: "hòa", "khỏe", "thủy", "ủy"
    (tone on the first vowel of an open oa/oe/uy), so "hoà"/"hòa" and "uỷ"/"ủy" become one spelling.
    Also repairs malformed horns ("lựơng" -> "lượng", "lựong" -> "lượng"). Input should be NFC.
    """
    if not text:
        return ""
    return _WORD.sub(lambda m: _fix_word(m.group()), text)


_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x84\x86-\x9f]")


def _pre_normalize(text: str) -> str:
    """Entities decoded, legacy font mojibake fixed, zero-width removed, Ð -> Đ, NFC. Keeps spaces."""
    text = html.unescape(text) if "&" in text else text
    # Legacy fonts must be fixed before zero-width removal: TCVN3 writes "ư" as U+00AD (soft hyphen).
    from crawler.text.legacy import fix_legacy  # local import: legacy imports this module

    text = fix_legacy(text)
    text = _ZERO_WIDTH.sub("", text)
    # Control characters (an ANSI escape in a title, a stray \x01) are never text: a terminal that
    # prints the line must not be driven by the page. Tabs and line breaks become spaces below.
    text = _CONTROLS.sub("", text)
    text = text.replace("\u00d0", "\u0110")  # Icelandic Ð typed for Vietnamese Đ
    text = unicodedata.normalize("NFC", text)
    return normalize_tone_marks(text)


# One page's title, lead and paragraphs are normalized again at each step of their way (extraction,
# cleaning, classification, fingerprinting; fold() normalizes its input too), while a few pages are in
# flight: recent results are remembered. Short strings (titles, paragraphs) in a memo of 1024, whole
# bodies in one of 32, longer ones never: a few MB at most, not growing with the crawl.
_MEMO_SHORT = 2_000
_MEMO_LONG = 50_000


def normalize_text(text: str) -> str:
    """NFC, entities decoded, zero-width removed, every Unicode space folded to one plain space,
    Ð -> Đ, malformed vowels repaired, legacy fonts converted, canonical tone placement."""
    if not text:
        return ""
    if len(text) <= _MEMO_SHORT:
        return _normalize_short(text)
    if len(text) <= _MEMO_LONG:
        return _normalize_long(text)
    return _normalize_text(text)


def _normalize_text(text: str) -> str:
    return _SPACES.sub(" ", _pre_normalize(text)).strip()


_normalize_short = lru_cache(maxsize=1024)(_normalize_text)
_normalize_long = lru_cache(maxsize=32)(_normalize_text)


def normalize_paragraphs(text: str) -> str:
    """Like normalize_text, but keeps paragraph breaks: paragraphs are separated by one blank line.

    A single newline inside a paragraph becomes a space; empty paragraphs are dropped.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = _PARAGRAPH_BREAK.split(_pre_normalize(text))
    cleaned = (_SPACES.sub(" ", p).strip() for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p)


def fold(text: str) -> str:
    """Lower case, no diacritics, đ -> d: the form used for matching and hashing."""
    if len(text) <= _MEMO_SHORT:
        return _fold_short(text)
    if len(text) <= _MEMO_LONG:
        return _fold_long(text)
    return _fold(text)


class LazyTranslateTable(dict[int, Any]):
    """A str.translate table that computes a code point's mapping the first time it is seen, so a
    per-character Python loop becomes one C-level pass. Bounded: past `cap` entries, characters are
    still mapped but no longer stored."""

    def __init__(self, mapping: Callable[[int], Any], initial: dict[int, Any] | None = None,
                 cap: int = 20_000) -> None:
        super().__init__(initial or {})
        self._mapping = mapping
        self._cap = cap

    def __missing__(self, cp: int) -> Any:
        out = self._mapping(cp)
        if len(self) < self._cap:
            self[cp] = out
        return out


# Every combining mark (what unicodedata.combining() flags) deleted, đ to d.
_FOLD_TABLE = LazyTranslateTable(lambda cp: None if unicodedata.combining(chr(cp)) else cp, {ord("đ"): ord("d")})


def strip_marks(text: str) -> str:
    """Lower-case text without diacritics (NFD, combining marks removed, đ to d); no other changes."""
    return unicodedata.normalize("NFD", text.lower()).translate(_FOLD_TABLE)


def _fold(text: str) -> str:
    return strip_marks(normalize_text(text))


_fold_short = lru_cache(maxsize=1024)(_fold)
_fold_long = lru_cache(maxsize=32)(_fold)
