"""The site-name suffix of a <title> or og:title goes only when it names the site."""

from __future__ import annotations

import pytest

from crawler.extract import extract_article
from crawler.extract.heading import strip_site_suffix

NAMES = ("Báo Hà Tĩnh", "baohatinh.vn", "baohatinh")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # A real provincial headline with an en dash inside: the dash is not a site suffix.
        ("Những thành công bước đầu của “Năm dịch vụ công trực tuyến – 2015” tại Hà Tĩnh",
         "Những thành công bước đầu của “Năm dịch vụ công trực tuyến – 2015” tại Hà Tĩnh"),
        ("Tập huấn công tác dân vận - Báo Hà Tĩnh", "Tập huấn công tác dân vận"),
        ("Tập huấn công tác dân vận | baohatinh.vn", "Tập huấn công tác dân vận"),
        ("Tập huấn công tác dân vận – Chính trị – Báo Hà Tĩnh", "Tập huấn công tác dân vận – Chính trị"),
        ("Hội nghị tập huấn - Thời sự", "Hội nghị tập huấn - Thời sự"),  # a section name is not the site
        ("Báo Hà Tĩnh", "Báo Hà Tĩnh"),
    ],
)
def test_suffix_goes_only_when_it_names_the_site(title: str, expected: str) -> None:
    assert strip_site_suffix(title, NAMES) == expected


def test_title_fallback_keeps_a_dash_inside_the_headline() -> None:
    headline = "Những thành công bước đầu của “Năm dịch vụ công trực tuyến – 2015” tại Hà Tĩnh"
    html = (f"<html><head><title>{headline} - Báo Hà Tĩnh</title></head><body><div>"
            + "<p>" + "Nội dung bài viết về dịch vụ công trực tuyến của tỉnh, " * 20 + "</p></div></body></html>")
    assert extract_article("https://baohatinh.vn/a-123456.html", html).title == headline
