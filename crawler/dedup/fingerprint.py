"""Content hashes (did this page change?) and near-duplicate signatures (is this the same story?).

Everything here is deterministic across processes, machines and Python versions: hashes come from
hashlib (sha256, blake2b), never from Python's salted `hash()`.

Near-duplicate detection works on the *body* (the sapo lives in `summary`, and republishers often
drop it). Paragraphs shorter than MIN_PARAGRAPH_WORDS are left out of the signature: photo captions,
bylines ("KIM PHƯỢNG"), credits ("(baolangson.vn)") and widget leftovers ("Gửi cho bạn bè") are
exactly what differs between an original and its copies.

Candidates come from a MinHash sketch of the 3-word shingle set (one-permutation hashing: 32 bins
of one 64-bit blake2b hash per shingle), banded for the LSH index: 8 bands of 4 bins; a pair with
Jaccard J shares a band with probability 1-(1-J^4)^8 (0.99 at J=0.8, 0.92 at 0.7, 0.40 at 0.5).
A 64-bit SimHash is also computed: it is the item's `fingerprint` field for consumers, but measured
over 40 hash salts it is too noisy at 64 bits to decide (a republished copy lands within 3 bits
only about half the time, see docs/dedup.md), so decisions use the MinHash Jaccard estimate.

Templated notices from one board ("Ban Dân vận Huyện ủy X tổ chức hội nghị tập huấn ... ngày D ...
N đại biểu") share almost every shingle (Jaccard 0.88 for our test pair, more than a copy with a
pasted sapo), so similarity alone is not proof: the confirming check also compares the *facts*
(numbers, dates, capitalised name spans). A copy may lose facts (a dropped paragraph) but does not
gain different ones; two distinct events each have facts the other lacks.
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
MIN_JACCARD = 0.5
MINHASH_BINS = 32
BAND_ROWS = 4
_BIN_SHIFT = 64 - 5  # top 5 bits of the shingle hash choose one of the 32 bins
_VALUE_MASK = (1 << _BIN_SHIFT) - 1

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


def _simhash_of(hashes: list[int]) -> int:
    if not hashes:
        return 0
    # Column sums over the binary strings: one C-level pass instead of 64 Python ops per shingle.
    columns = zip(*(f"{h:064b}" for h in hashes), strict=True)
    half = len(hashes) / 2
    value = 0
    for col in columns:
        value = (value << 1) | (1 if col.count("1") > half else 0)
    return value


def _simhash(words: list[str]) -> int:
    return _simhash_of([_hash64(s) for s in _shingles(words)])


def _minhash_of(hashes: list[int]) -> tuple[int, ...]:
    """One-permutation MinHash with rotation densification (an empty bin borrows the next
    non-empty bin's minimum, offset by the distance, so equal texts still agree bin for bin)."""
    mins: list[int | None] = [None] * MINHASH_BINS
    for h in hashes:
        b, v = h >> _BIN_SHIFT, h & _VALUE_MASK
        current = mins[b]
        if current is None or v < current:
            mins[b] = v
    if all(m is None for m in mins):
        return ()
    out = []
    for i in range(MINHASH_BINS):
        for step in range(MINHASH_BINS):
            m = mins[(i + step) % MINHASH_BINS]
            if m is not None:
                # top 32 of the 59 value bits; a borrowed value is shifted by the distance
                out.append(((m >> 27) + step * 0x9E3779B1) & 0xFFFFFFFF)
                break
    return tuple(out)


def lsh_bands(minhash: tuple[int, ...]) -> list[tuple[int, int]]:
    """(band number, band value) pairs for the LSH index; a value is a signed 63-bit hash of the
    band's BAND_ROWS bins."""
    out = []
    for band in range(len(minhash) // BAND_ROWS):
        rows = minhash[band * BAND_ROWS : (band + 1) * BAND_ROWS]
        data = b"".join(v.to_bytes(4, "big") for v in rows)
        out.append((band, int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") >> 1))
    return out


def jaccard_estimate(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


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
    """What the store keeps to decide near-duplicates: SimHash (the output fingerprint), word count
    of the signature text, the 32-bin MinHash and the sorted facts."""

    simhash: int
    words: int
    minhash: tuple[int, ...] = ()
    facts: tuple[str, ...] = ()

    @property
    def hex(self) -> str:
        return fingerprint_hex(self.simhash)

    @property
    def usable(self) -> bool:
        return self.words >= MIN_WORDS and len(self.minhash) == MINHASH_BINS

    def minhash_blob(self) -> bytes:
        return b"".join(v.to_bytes(4, "big") for v in self.minhash)

    def facts_text(self) -> str:
        """facts joined by U+001F, for one TEXT column."""
        return "\x1f".join(self.facts)

    @classmethod
    def from_stored(cls, simhash: int, words: int, minhash_blob: bytes | None, facts_text: str) -> DocSig:
        blob = minhash_blob or b""
        minhash = tuple(int.from_bytes(blob[i : i + 4], "big") for i in range(0, len(blob), 4))
        return cls(simhash & _MASK64, words, minhash, tuple(facts_text.split("\x1f")) if facts_text else ())


def fingerprints(title: str, body: str) -> tuple[DocSig, str]:
    """The near-duplicate signature and the content hash together (one call to a worker process)."""
    return doc_sig(body), content_hash(title, body)


def doc_sig(body: str) -> DocSig:
    """The signature of an article body (summary excluded on purpose: see the module docstring)."""
    text = signature_text(body)
    words = _WORD.findall(fold(text))
    hashes = [_hash64(s) for s in _shingles(words)]
    return DocSig(_simhash_of(hashes), len(words), _minhash_of(hashes), tuple(sorted(facts(text))))


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
    """Same story: estimated shingle Jaccard >= MIN_JACCARD and no fact (number, date, name span)
    that each side has and the other lacks. Short texts never match. Conservative on purpose: a
    missed merge shows a consumer one repeat; a wrong merge loses an announcement."""
    if not (a.usable and b.usable) or jaccard_estimate(a.minhash, b.minhash) < MIN_JACCARD:
        return False
    return fact_conflicts(a, b) == (0, 0)
