"""Legacy Vietnamese encodings: HTML bytes to text, and TCVN3 (ABC) / VNI font mojibake to Unicode.

Pages written with the old .VnTime (TCVN3) or VNI-Times fonts store Vietnamese as Latin-1 letters and
symbols that only the font turned into Vietnamese: "Xin chµo, ®©y lµ mét dßng ch÷" (TCVN3) or
"Xin chaøo caùc baïn" (VNI). Decoding gives valid but unreadable text, so it is repaired on the text,
fragment by fragment (a mostly-Unicode page can carry one pasted TCVN3 paragraph).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from typing import Literal

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

LegacyEncoding = Literal["tcvn3", "vni"]

# TCVN 5712:1993 upper half, as the Latin-1 characters a browser shows for each byte (first string)
# and the Vietnamese letter the TCVN3 font draws (second string). Generated from glibc's iconv
# TCVN5712-1 table and checked against the TCVN3 table of the npm package vietnamese-conversion
# (duydev/vietnamese-conversion src/charsets.ts) for every lowercase letter and Ă Â Ê Ô Ơ Ư Đ.
# 0xB0-0xB4 (° ± ² ³ ´) are combining tone marks in the standard but ordinary symbols in practice,
# so they are left alone; 0xA0 stays a no-break space.
_TCVN3_SRC = "¡¢£¤¥¦§¨©ª«¬\xad®¯µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ"
_TCVN3_DST = "ĂÂÊÔƠƯĐăâêôơưđẰàảãáạẲằẳẵắẴẮẦẨẪẤỀặầẩẫấậèỂẻẽéẹềểễếệìỉỄẾỒĩíịòỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵỐ"
_TCVN3 = dict(zip(_TCVN3_SRC, _TCVN3_DST, strict=True))

# VNI (Windows) writes a base letter followed by a modifier character; a few letters are single
# characters. Built from the VNI column of duydev/vietnamese-conversion src/charsets.ts.
_VNI_TONES = {"ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_CIRCUMFLEX = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_SINGLE = {"ñ": "đ", "ô": "ơ", "ö": "ư", "ò": "ị", "æ": "ỉ", "ó": "ĩ", "î": "ỵ"}


def _build_vni() -> dict[str, str]:
    table: dict[str, str] = {}
    for upper in (False, True):

        def case(s: str, upper: bool = upper) -> str:
            return s.upper() if upper else s

        for base in "aeouy":
            for mod, tone in _VNI_TONES.items():
                table[case(base + mod)] = case(unicodedata.normalize("NFC", base + tone))
        for base in "aeo":
            for mod, tone in _VNI_CIRCUMFLEX.items():
                table[case(base + mod)] = case(unicodedata.normalize("NFC", base + "\u0302" + tone))
        for mod, tone in _VNI_BREVE.items():
            table[case("a" + mod)] = case(unicodedata.normalize("NFC", "a\u0306" + tone))
        # ơ and ư are single characters (ô, ö) that take a tone modifier too.
        for single, letter in (("ô", "ơ"), ("ö", "ư")):
            for mod, tone in _VNI_TONES.items():
                table[case(single + mod)] = case(unicodedata.normalize("NFC", letter + tone))
        for single, letter in _VNI_SINGLE.items():
            table[case(single)] = case(letter)
    return table


_VNI = _build_vni()


def _alternation(keys: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)))


_TCVN3_RE = _alternation(list(_TCVN3))
_VNI_RE = _alternation(list(_VNI))

# Letters that Unicode Vietnamese text has and font mojibake (pure Latin-1) never has.
_VN_SPECIFIC = re.compile(r"[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9]")
# Latin-1 letters that are also ordinary Vietnamese letters in Unicode text: a word made only of
# these and ASCII proves nothing either way ("Hoàng Châu" is a name, not VNI for "Hồng Châu").
_VN_LATIN1 = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
# Evidence is a character normal Vietnamese never holds: a Latin-1 symbol or non-Vietnamese letter
# that the legacy font draws as a Vietnamese letter (TCVN3 "µ" à, "®" đ, "©" â; VNI "ø" grave,
# "ï" dot below, "ä" circumflex + dot, "ñ" đ). ASCII is never evidence: VNI writes base letters
# as plain a/e/o/u/y, which every text has.
_TCVN3_EVIDENCE = frozenset(c for c in _TCVN3 if not c.isascii()) - _VN_LATIN1
_VNI_EVIDENCE = frozenset(c for c in "".join(_VNI) if not c.isascii()) - _VN_LATIN1
_ANY_EVIDENCE = re.compile("[" + re.escape("".join(sorted(_TCVN3_EVIDENCE | _VNI_EVIDENCE))) + "]")
_TOKEN = re.compile(r"[A-Za-z\u00a1-\u00ff]+")
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+")


def _is_syllable(word: str) -> bool:
    """Whether an NFC word is shaped like one Vietnamese syllable (onset, vowel group, coda)."""
    from crawler.text.normalize import is_vietnamese_syllable

    return is_vietnamese_syllable(word)


def _convert(text: str, enc: LegacyEncoding) -> str:
    if enc == "tcvn3":
        return _TCVN3_RE.sub(lambda m: _TCVN3[m.group()], text)
    return _VNI_RE.sub(lambda m: _VNI[m.group()], text)


def _score(fragment: str, enc: LegacyEncoding) -> int:
    """Number of words that only make sense as `enc`, or 0 when the fragment is not `enc`.

    A fragment is `enc` only with real evidence: words holding characters normal Vietnamese never
    has that become valid syllables once converted, and more valid syllables after the conversion
    than before. A word that is already a valid syllable is never evidence.
    """
    evidence = _TCVN3_EVIDENCE if enc == "tcvn3" else _VNI_EVIDENCE
    strong_valid = strong_invalid = repaired = 0
    valid_before = valid_after = 0
    for token in _TOKEN.findall(fragment):
        if token.isascii():
            continue
        converted = _convert(token, enc)
        was_valid = _is_syllable(token)
        valid = _is_syllable(converted)
        valid_before += was_valid
        valid_after += valid
        if was_valid:
            continue
        if any(c in evidence for c in token):
            if len(token) < 2:
                continue  # a lone "©" or "«" is a symbol, not a letter
            if valid:
                strong_valid += 1
            else:
                strong_invalid += 1
        elif valid and converted != token:
            repaired += 1  # "Néi": not Vietnamese as it stands, "Nội" once converted
    # French, German or Nordic words carry the same Latin-1 letters but do not become syllables.
    if strong_valid == 0 or strong_valid + repaired < 2 or strong_invalid * 4 > strong_valid:
        return 0
    if valid_after <= valid_before:
        return 0
    return strong_valid + repaired


def _detect_fragment(fragment: str) -> LegacyEncoding | None:
    if not _ANY_EVIDENCE.search(fragment) or _VN_SPECIFIC.search(fragment):
        return None
    tcvn3, vni = _score(fragment, "tcvn3"), _score(fragment, "vni")
    if not tcvn3 and not vni:
        return None
    return "tcvn3" if tcvn3 >= vni else "vni"


def _fragments(text: str) -> list[str]:
    """Lines; a line that also holds Unicode Vietnamese is split further into sentences."""
    parts: list[str] = []
    for line in text.splitlines(keepends=True):
        if _ANY_EVIDENCE.search(line) and _VN_SPECIFIC.search(line):
            parts.extend(_split_keep(line))
        else:
            parts.append(line)
    return parts


def _split_keep(line: str) -> list[str]:
    pieces: list[str] = []
    last = 0
    for m in _SENTENCE.finditer(line):
        pieces.append(line[last : m.end()])
        last = m.end()
    pieces.append(line[last:])
    return pieces


def detect_legacy(text: str) -> LegacyEncoding | None:
    """ "tcvn3" or "vni" when some fragment of the text is font mojibake, else None.

    The encoding returned is the one of the fragment with the most evidence. Normal Vietnamese
    (it has letters such as ơ, ư, ạ that mojibake never has), English and Latin-1 European text
    give None.
    """
    if not text or not _ANY_EVIDENCE.search(text):
        return None
    best: tuple[int, LegacyEncoding | None] = (0, None)
    for fragment in _fragments(text):
        enc = _detect_fragment(fragment)
        if enc:
            score = _score(fragment, enc)
            if score > best[0]:
                best = (score, enc)
    return best[1]


def fix_legacy(text: str) -> str:
    """Converts every TCVN3 or VNI fragment of `text` to Unicode (NFC); other fragments unchanged."""
    if not text or not _ANY_EVIDENCE.search(text):
        return text
    out = []
    for fragment in _fragments(text):
        enc = _detect_fragment(fragment)
        out.append(unicodedata.normalize("NFC", _convert(fragment, enc)) if enc else fragment)
    return "".join(out)


# --- bytes -> text ----------------------------------------------------------------------------

_GZIP_MAGIC = b"\x1f\x8b"


def _gunzip(body: bytes, max_size: int) -> bytes:
    """Decompresses gzip bytes, at most `max_size` of output (a gzip bomb is cut, not followed);
    a truncated or corrupt stream gives what could be read."""
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return decomp.decompress(body, max_size)
    except zlib.error:
        return body


def _declared_encoding(declared: str | None) -> str | None:
    """Accepts a charset name ("windows-1258") or a Content-Type value ("text/html; charset=...")."""
    if not declared:
        return None
    if "=" in declared or ";" in declared or "/" in declared:
        return http_content_type_encoding(declared)
    return resolve_encoding(declared.strip().strip("\"'"))


def decode_html_bytes(body: bytes, declared: str | None, *, max_size: int = 64 * 1024 * 1024) -> str:
    """Decodes a fetched HTML body to NFC text.

    Gzip bytes (magic 1f 8b) are decompressed even without Content-Encoding, to at most
    `max_size`. The encoding comes from the BOM, then `declared` (a charset or a Content-Type
    value), then the page's <meta charset>, then UTF-8, then windows-1252. Valid multi-byte UTF-8
    wins over a declared single-byte charset (a common misdeclaration). windows-1258 writes tones
    as combining marks, hence the NFC. Font mojibake (TCVN3/VNI) is left to fix_legacy.
    """
    if body[:2] == _GZIP_MAGIC:
        body = _gunzip(body, max_size)
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        text = body[len(bom) :].decode(bom_encoding, errors="replace")
        return unicodedata.normalize("NFC", text)
    encoding = _declared_encoding(declared) or html_body_declared_encoding(body[:4096])
    candidates: list[str] = []
    if encoding and encoding != "utf-8":
        try:
            body.decode("ascii")
        except UnicodeDecodeError:
            candidates.append("utf-8")  # tried first, but only accepted if strictly valid
    if encoding:
        candidates.append(encoding)
    candidates += ["utf-8", "cp1252", "latin-1"]
    for candidate in candidates:
        try:
            text = body.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        return unicodedata.normalize("NFC", text)
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover
