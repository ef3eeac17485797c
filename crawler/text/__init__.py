"""Vietnamese text: normalization, folding, legacy encodings, dates."""

from crawler.text.normalize import fold, normalize_text

__all__ = ["fold", "normalize_text"]
