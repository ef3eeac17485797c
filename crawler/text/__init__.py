"""Vietnamese text: normalization, folding, legacy encodings, dates."""

from crawler.text.normalize import (
    fold,
    is_vietnamese_syllable,
    normalize_paragraphs,
    normalize_text,
    normalize_tone_marks,
)

__all__ = [
    "fold",
    "is_vietnamese_syllable",
    "normalize_paragraphs",
    "normalize_text",
    "normalize_tone_marks",
]
