"""Content hashes (did this page change?) and near-duplicate signatures (is this the same story?).

Everything here is deterministic across processes, machines and Python versions: hashes come from
hashlib (sha256, blake2b), never from Python's salted `hash()`.

Near-duplicate detection works on the *body* (the sapo lives in `summary`, and republishers often
drop it). Paragraphs shorter than MIN_PARAGRAPH_WORDS are left out of the signature: photo captions,
bylines ("KIM PHƯỢNG"), credits ("(baolangson.vn)") and widget leftovers ("Gửi cho bạn bè") are
exactly what differs between an original and its copies.

A 64-bit SimHash over 3-word shingles finds candidates (Hamming distance <= MAX_HAMMING). Templated
notices from one board ("Ban Dân vận Huyện ủy X tổ chức hội nghị tập huấn ... ngày D ... N đại
biểu") share almost every sentence, so a small distance alone is not proof: the confirming check
also compares the *facts* of both texts (numbers, dates, capitalised name spans). A copy may lose
facts (a dropped paragraph) but does not gain different ones; two distinct events each have facts
the other lacks.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from crawler.text import fold, normalize_text

SHINGLE_SIZE = 3
MIN_PARAGRAPH_WORDS = 8
# Below this many words a text is too short to call anything a near-duplicate of it.
MIN_WORDS = 30
MAX_HAMMING = 3
# Name spans that one side has and the other lacks, tolerated on *both* sides (a changed caption
# can add one person's name to a copy).
MAX_NAME_CONFLICTS = 1

_WORD = re.compile(r"[a-z0-9]+")
_SPACES = re.compile(r"\s+")
_PARAGRAPHS = re.compile(r"\n\s*\n|\n")
_NUMBER = re.compile(r"\d+(?:[./,-]\d+)*")
_TOKEN = re.compile(r"\w+", re.UNICODE)
_MASK64 = (1 << 64) - 1


def _folded(text: str) -> str:
    return _SPACES.sub(" ", fold(text)).strip()


def content_hash(title: str, body: str) -> str:
    """sha256 (64 hex) of the folded, whitespace-collapsed title and body: changes when the words
    change, not when only tone placement ("uỷ"/"ủy"), case or spacing does."""
    data = _folded(title) + "\n" + _folded(body)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def signature_text(body: str) -> str:
    """The part of the body that signatures are computed from: paragraphs of at least
    MIN_PARAGRAPH_WORDS words, or the whole body when that leaves fewer than MIN_WORDS words."""
    paragraphs = [normalize_text(p) for p in _PARAGRAPHS.split(body or "")]
    paragraphs = [p for p in paragraphs if p]
    long_ones = [p for p in paragraphs if len(p.split()) >= MIN_PARAGRAPH_WORDS]
    if sum(len(p.split()) for p in long_ones) < MIN_WORDS:
        long_ones = paragraphs
    return "\n".join(long_ones)


def _hash64(data: str) -> int:
    return int.from_bytes(hashlib.blake2b(data.encode("utf-8"), digest_size=8).digest(), "big")


def _shingles(words: list[str]) -> set[str]:
    if len(words) < SHINGLE_SIZE:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_SIZE]) for i in range(len(words) - SHINGLE_SIZE + 1)}


def _simhash(words: list[str]) -> int:
    counts = [0] * 64
    for shingle in _shingles(words):
        h = _hash64(shingle)
        for bit in range(64):
            counts[bit] += 1 if (h >> bit) & 1 else -1
    value = 0
    for bit in range(64):
        if counts[bit] > 0:
            value |= 1 << bit
    return value


def fingerprint(text: str) -> int:
    """64-bit SimHash (unsigned) of the folded text's 3-word shingles; each distinct shingle counts
    once. Pass the output of signature_text() to get the item's fingerprint."""
    return _simhash(_WORD.findall(fold(text)))


def fingerprint_hex(value: int) -> str:
    """16 lower-case hex digits: the `fingerprint` field of an output line."""
    return f"{value & _MASK64:016x}"


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK64).bit_count()


def _number_fact(token: str) -> str:
    if "/" in token or "-" in token:  # a date: 07-02-2023, 7/2/2023 -> 7/2/2023
        return "/".join(str(int(p)) if p.isdigit() else p for p in re.split(r"[/-]", token))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", token):  # thousands: 4.600 -> 4600
        return token.replace(".", "")
    return token


def facts(text: str) -> frozenset[str]:
    """Salient tokens: numbers and dates ("n:4600", "n:12/4") and runs of two or more capitalised
    syllables ("p:cao loc", "p:ban dan"), folded. Sentence-initial words give spurious spans, but
    the same ones on both sides of a real copy."""
    text = unicodedata.normalize("NFC", text)
    out: set[str] = set()
    for line in text.split("\n"):
        for match in _NUMBER.finditer(line):
            out.add("n:" + _number_fact(match.group().rstrip(".,-/")))
        run: list[str] = []
        for token in [*_TOKEN.findall(line), ""]:
            if token and token[0].isupper() and not token.isdigit():
                run.append(token)
                continue
            if len(run) >= 2:
                out.add("p:" + fold(" ".join(run)))
            run = []
    return frozenset(out)


@dataclass(frozen=True)
class DocSig:
    """What the store keeps to decide near-duplicates: the SimHash, the word count of the signature
    text and its facts. `facts` is sorted, so the object serializes the same way every time."""

    simhash: int
    words: int
    facts: tuple[str, ...] = ()

    @property
    def hex(self) -> str:
        return fingerprint_hex(self.simhash)

    @property
    def usable(self) -> bool:
        return self.words >= MIN_WORDS

    def facts_text(self) -> str:
        """facts joined by U+001F, for one TEXT column."""
        return "\x1f".join(self.facts)

    @classmethod
    def from_stored(cls, simhash: int, words: int, facts_text: str) -> DocSig:
        return cls(simhash & _MASK64, words, tuple(facts_text.split("\x1f")) if facts_text else ())


def doc_sig(body: str) -> DocSig:
    """The signature of an article body (summary excluded on purpose: see the module docstring)."""
    text = signature_text(body)
    words = _WORD.findall(fold(text))
    return DocSig(_simhash(words), len(words), tuple(sorted(facts(text))))


def fact_conflicts(a: DocSig, b: DocSig) -> tuple[int, int]:
    """(number conflicts, name conflicts): for each kind, the smaller of "facts only a has" and
    "facts only b has". A copy that lost a paragraph scores 0; two events with different dates or
    places score >= 1 on both sides."""
    fa, fb = set(a.facts), set(b.facts)
    only_a, only_b = fa - fb, fb - fa

    def kind(s: set[str], prefix: str) -> int:
        return sum(1 for f in s if f.startswith(prefix))

    return (
        min(kind(only_a, "n:"), kind(only_b, "n:")),
        min(kind(only_a, "p:"), kind(only_b, "p:")),
    )


def is_near_duplicate(a: DocSig, b: DocSig) -> bool:
    """Same story: SimHash within MAX_HAMMING bits, no number/date that each side has and the other
    lacks, and at most MAX_NAME_CONFLICTS such name spans. Short texts never match."""
    if not (a.usable and b.usable) or hamming(a.simhash, b.simhash) > MAX_HAMMING:
        return False
    numbers, names = fact_conflicts(a, b)
    return numbers == 0 and names <= MAX_NAME_CONFLICTS
