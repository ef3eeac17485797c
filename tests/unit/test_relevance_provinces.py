"""The 34 provincial units, the old -> new mapping and province detection."""

from __future__ import annotations

import pytest

from crawler.relevance import OLD_TO_NEW, PROVINCES, canonical_province, detect_province, provinces_in


def test_thirty_four_units_and_sixty_three_old_names():
    assert len(PROVINCES) == 34 == len(set(PROVINCES))
    assert len(OLD_TO_NEW) == 63
    assert set(OLD_TO_NEW.values()) == set(PROVINCES)
    for name in (
        "Hà Nội",
        "TP Hồ Chí Minh",
        "Đà Nẵng",
        "Hải Phòng",
        "Cần Thơ",
        "Huế",
        "Thanh Hóa",
        "Khánh Hòa",
        "Đắk Lắk",
    ):
        assert name in PROVINCES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Bắc Giang", "Bắc Ninh"),
        ("Quảng Nam", "Đà Nẵng"),
        ("Bình Dương", "TP Hồ Chí Minh"),
        ("Bà Rịa – Vũng Tàu", "TP Hồ Chí Minh"),
        ("Kon Tum", "Quảng Ngãi"),
        ("Thừa Thiên Huế", "Huế"),
        ("tỉnh Hà Giang", "Tuyên Quang"),
        ("Tỉnh Bến Tre", "Vĩnh Long"),
        ("Hậu Giang", "Cần Thơ"),
        ("Hải Dương", "Hải Phòng"),
        ("Yên Bái", "Lào Cai"),
        ("Bình Thuận", "Lâm Đồng"),
        ("Nam Định", "Ninh Bình"),
        ("Hòa Bình", "Phú Thọ"),
        ("Hoà Bình", "Phú Thọ"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("thanh hoa", "Thanh Hóa"),
        ("Khánh Hoà", "Khánh Hòa"),
        ("Đăk Lăk", "Đắk Lắk"),
        ("thành phố Hồ Chí Minh", "TP Hồ Chí Minh"),
        ("TP.HCM", "TP Hồ Chí Minh"),
        ("TP. Đà Nẵng", "Đà Nẵng"),
        ("Lạng Sơn", "Lạng Sơn"),
        ("Hủa Phăn", None),
        ("Hà", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_province(name, expected):
    assert canonical_province(name) == expected


@pytest.mark.parametrize(
    ("site", "text", "expected"),
    [
        (None, "Ban Dân vận Tỉnh ủy Lạng Sơn tập huấn công tác dân vận", "Lạng Sơn"),
        (None, "Ban Dân vận Thành ủy tổ chức Hội nghị tập huấn", None),  # no name given
        (None, "Ban Tuyên giáo và Dân vận Tỉnh uỷ Nghệ An tổ chức", "Nghệ An"),
        (None, "tại tỉnh Quảng Nam và thành phố Đà Nẵng", "Đà Nẵng"),  # both are Đà Nẵng now
        (None, "Tỉnh ủy Nghệ An làm việc với Tỉnh ủy Hà Tĩnh", None),  # several: ambiguous
        (None, "lớp dành cho cán bộ tỉnh Hủa Phăn (Lào) và tỉnh Thanh Hóa", "Thanh Hóa"),
        (None, "Ban Dân vận Thành ủy TPHCM tổ chức khai giảng", "TP Hồ Chí Minh"),
        ("Đà Nẵng", "Tỉnh ủy Nghệ An", "Đà Nẵng"),  # the site's province wins
        ("Quảng Nam", "", "Đà Nẵng"),
    ],
)
def test_detect_province(site, text, expected):
    assert detect_province(site, text) == expected


def test_provinces_in_keeps_order_without_repeats():
    text = "Tỉnh ủy Bắc Giang, tỉnh Bắc Ninh và Thành ủy Hải Phòng; tỉnh Hải Dương"
    assert provinces_in(text) == ["Bắc Ninh", "Hải Phòng"]
