"""Normalization of Vietnamese text at the extraction boundary, and the folded form for matching."""

from __future__ import annotations

import html
import re
import unicodedata

_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def normalize_text(text: str) -> str:
    """NFC, entities decoded, zero-width removed, every Unicode space folded to one plain space."""
    if not text:
        return ""
    text = html.unescape(text) if "&" in text else text
    text = _ZERO_WIDTH.sub("", text)
    text = text.replace("\u00d0", "\u0110")  # Icelandic Ð typed for Vietnamese Đ
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower case, no diacritics, đ -> d: the form used for matching and hashing."""
    text = unicodedata.normalize("NFD", normalize_text(text).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("đ", "d")
