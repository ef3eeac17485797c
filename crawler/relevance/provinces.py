"""The 34 provincial units after the 1/7/2025 merger (Nghị quyết 202/2025/QH15), the pre-2025 names
they absorbed, and province detection from a site's configuration or the article text.

Names are matched on the folded form, so "Thanh Hoá"/"Thanh Hóa", "Đăk Lăk"/"Đắk Lắk" and
"tỉnh Khánh Hoà" all resolve to one canonical display name.
"""

from __future__ import annotations

import re
from functools import lru_cache

from crawler.relevance._text import fold_aligned
from crawler.text import normalize_text

# Display names as in the shared reference/sites.md §3; the six centrally run cities first.
PROVINCES: tuple[str, ...] = (
    "Hà Nội",
    "TP Hồ Chí Minh",
    "Hải Phòng",
    "Đà Nẵng",
    "Cần Thơ",
    "Huế",
    "An Giang",
    "Bắc Ninh",
    "Cà Mau",
    "Cao Bằng",
    "Điện Biên",
    "Đắk Lắk",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Hà Tĩnh",
    "Hưng Yên",
    "Khánh Hòa",
    "Lai Châu",
    "Lạng Sơn",
    "Lào Cai",
    "Lâm Đồng",
    "Nghệ An",
    "Ninh Bình",
    "Phú Thọ",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sơn La",
    "Tây Ninh",
    "Thái Nguyên",
    "Thanh Hóa",
    "Tuyên Quang",
    "Vĩnh Long",
)

# Every one of the 63 pre-2025 provinces and cities -> its unit since 1/7/2025.
OLD_TO_NEW: dict[str, str] = {
    # unchanged
    "Hà Nội": "Hà Nội",
    "Thừa Thiên Huế": "Huế",
    "Cao Bằng": "Cao Bằng",
    "Điện Biên": "Điện Biên",
    "Hà Tĩnh": "Hà Tĩnh",
    "Lai Châu": "Lai Châu",
    "Lạng Sơn": "Lạng Sơn",
    "Nghệ An": "Nghệ An",
    "Quảng Ninh": "Quảng Ninh",
    "Thanh Hóa": "Thanh Hóa",
    "Sơn La": "Sơn La",
    # merged: the province that kept its name, then the ones it absorbed
    "An Giang": "An Giang",
    "Kiên Giang": "An Giang",
    "Bắc Ninh": "Bắc Ninh",
    "Bắc Giang": "Bắc Ninh",
    "Cà Mau": "Cà Mau",
    "Bạc Liêu": "Cà Mau",
    "Đắk Lắk": "Đắk Lắk",
    "Phú Yên": "Đắk Lắk",
    "Đồng Nai": "Đồng Nai",
    "Bình Phước": "Đồng Nai",
    "Đồng Tháp": "Đồng Tháp",
    "Tiền Giang": "Đồng Tháp",
    "Gia Lai": "Gia Lai",
    "Bình Định": "Gia Lai",
    "Hưng Yên": "Hưng Yên",
    "Thái Bình": "Hưng Yên",
    "Khánh Hòa": "Khánh Hòa",
    "Ninh Thuận": "Khánh Hòa",
    "Lào Cai": "Lào Cai",
    "Yên Bái": "Lào Cai",
    "Lâm Đồng": "Lâm Đồng",
    "Đắk Nông": "Lâm Đồng",
    "Bình Thuận": "Lâm Đồng",
    "Ninh Bình": "Ninh Bình",
    "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình",
    "Phú Thọ": "Phú Thọ",
    "Vĩnh Phúc": "Phú Thọ",
    "Hòa Bình": "Phú Thọ",
    "Quảng Ngãi": "Quảng Ngãi",
    "Kon Tum": "Quảng Ngãi",
    "Quảng Trị": "Quảng Trị",
    "Quảng Bình": "Quảng Trị",
    "Tây Ninh": "Tây Ninh",
    "Long An": "Tây Ninh",
    "Thái Nguyên": "Thái Nguyên",
    "Bắc Kạn": "Thái Nguyên",
    "Tuyên Quang": "Tuyên Quang",
    "Hà Giang": "Tuyên Quang",
    "Vĩnh Long": "Vĩnh Long",
    "Bến Tre": "Vĩnh Long",
    "Trà Vinh": "Vĩnh Long",
    "Đà Nẵng": "Đà Nẵng",
    "Quảng Nam": "Đà Nẵng",
    "Cần Thơ": "Cần Thơ",
    "Sóc Trăng": "Cần Thơ",
    "Hậu Giang": "Cần Thơ",
    "Hải Phòng": "Hải Phòng",
    "Hải Dương": "Hải Phòng",
    "Hồ Chí Minh": "TP Hồ Chí Minh",
    "Bà Rịa - Vũng Tàu": "TP Hồ Chí Minh",
    "Bình Dương": "TP Hồ Chí Minh",
}

# Other spellings seen in print: folded alias -> old or new name.
_ALIASES: dict[str, str] = {
    "hcm": "Hồ Chí Minh",
    "tphcm": "Hồ Chí Minh",
    "tp hcm": "Hồ Chí Minh",
    "sai gon": "Hồ Chí Minh",
    "tp ho chi minh": "Hồ Chí Minh",
    "ba ria vung tau": "Bà Rịa - Vũng Tàu",
    "brvt": "Bà Rịa - Vũng Tàu",
    "ba ria": "Bà Rịa - Vũng Tàu",
    "thua thien hue": "Thừa Thiên Huế",
    "hue": "Thừa Thiên Huế",
    "dac lac": "Đắk Lắk",
    "dak nong": "Đắk Nông",
    "kontum": "Kon Tum",
    "bac can": "Bắc Kạn",
}

_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp\.?|t\.p\.?)\s+")


def _key(name: str) -> str:
    """Folded, punctuation to spaces, one space: "Bà Rịa–Vũng Tàu" -> "ba ria vung tau"."""
    folded = fold_aligned(normalize_text(name))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for old, new in OLD_TO_NEW.items():
        table[_key(old)] = new
    for new in PROVINCES:
        table[_key(new)] = new
    for alias, target in _ALIASES.items():
        table[alias] = OLD_TO_NEW[target]
    return table


def canonical_province(name: str | None) -> str | None:
    """The current (post-1/7/2025) display name for an old or new province name, with or without
    "tỉnh" / "thành phố" / "TP", in any tone-mark style; None if it is not a province."""
    if not name:
        return None
    key = _key(name)
    table = _table()
    if key in table:
        return table[key]
    stripped = _PREFIX.sub("", key.replace("tp.", "tp "))
    return table.get(stripped)


@lru_cache(maxsize=1)
def _mention_re() -> re.Pattern[str]:
    # Longest names first so "ba ria vung tau" wins over "ba ria". Separators may be "-", "–" or spaces.
    names = sorted((k for k in _table() if len(k) > 3), key=len, reverse=True)
    alt = "|".join(r"[\s\-–.]*".join(re.escape(w) for w in n.split()) for n in names)
    return re.compile(
        r"\b(?:tinh uy|thanh uy|tinh|thanh pho|tp\.?|ubnd tinh|hdnd tinh)\s*(" + alt + r")(?![a-z0-9])"
        r"|\b(tphcm|tp\.?\s?hcm|tp\.? ho chi minh)\b"
    )


def provinces_in(text: str) -> list[str]:
    """Current provinces explicitly named in the text ("Tỉnh ủy X", "tỉnh X", "Thành ủy X",
    "thành phố X", "TP X"), in order of first mention, without repeats."""
    folded = fold_aligned(normalize_text(text))
    found: list[str] = []
    for m in _mention_re().finditer(folded):
        raw = m.group(1) or m.group(2)
        prov = canonical_province(re.sub(r"[\s\-–.]+", " ", raw))
        if prov and prov not in found:
            found.append(prov)
    return found


def detect_province(site_province: str | None, text: str) -> str | None:
    """The site's configured province when it has one; otherwise the one province the text names
    explicitly. Several different provinces, or none, give None: never a guess."""
    configured = canonical_province(site_province)
    if configured:
        return configured
    found = provinces_in(text)
    return found[0] if len(found) == 1 else None
