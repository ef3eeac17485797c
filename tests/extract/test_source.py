"""`source` names the outlet a republished item comes from. A credit naming the page's own outlet (its
domain, its name, or the paper's abbreviation before the lead) is cut from the text and gives None."""

from __future__ import annotations

import pytest

from crawler.extract import extract_article
from crawler.extract.rules import OwnOutlet
from crawler.sites import load_site
from crawler.sites.registry import sites_dir

LANGSON = OwnOutlet.of(["baolangson.vn"], ["Báo Lạng Sơn"])
VTC = OwnOutlet.of(["vtcnews.vn"], ["VTC News", "Báo điện tử VTC News"])
DANANG_PORTAL = OwnOutlet.of(["danang.gov.vn"], ["Cổng thông tin điện tử thành phố Đà Nẵng"])


@pytest.mark.parametrize(
    "own,credit,expected",
    [
        (LANGSON, "baolangson.vn", True),
        (LANGSON, "www.baolangson.vn", True),
        (LANGSON, "Báo Lạng Sơn", True),
        (LANGSON, "BÁO LẠNG SƠN", True),
        (LANGSON, "TTXVN", False),
        (LANGSON, "Báo Cao Bằng", False),
        (LANGSON, "baothanhhoa.vn", False),
        (VTC, "VTC News", True),
        (VTC, "Báo điện tử VTC News", True),
        (VTC, "vtcnews.vn", True),
        (VTC, "VTV", False),
        (DANANG_PORTAL, "Báo Đà Nẵng", False),  # the city paper (baodanang.vn), not the portal
        (DANANG_PORTAL, "danang.gov.vn", True),
        (DANANG_PORTAL, "baodanang.vn", False),
    ],
)
def test_names_credit(own: OwnOutlet, credit: str, expected: bool) -> None:
    assert own.names_credit(credit) is expected


@pytest.mark.parametrize(
    "credit,expected",
    [
        ("CTO", True),  # Báo Cần Thơ
        ("LSO", True),  # Báo Lạng Sơn
        ("KGO", True),  # Báo Kiên Giang
        ("TTĐT", True),  # a portal's "Trang thông tin điện tử"
        ("CTTĐT", True),
        ("TTXVN", False),  # the national agency: a republished item
        ("VOV", False),
        ("chinhphu.vn", False),
        ("baolangson.vn", True),
        ("Báo Lạng Sơn", True),
    ],
)
def test_own_lead_mark(credit: str, expected: bool) -> None:
    assert LANGSON.own_lead_mark(credit) is expected


def _page(lead: str, last: str, site_name: str = "") -> str:
    meta = f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    return (
        f'<html lang="vi"><head>{meta}<meta property="og:type" content="article"></head><body>'
        '<div class="detail"><h1 class="title">Ban Dân vận Tỉnh ủy tập huấn nghiệp vụ cho cán bộ cơ sở</h1>'
        '<div class="date">Thứ Ba, 07/02/2023 10:20</div><div class="content">'
        f"<p>{lead}Trong 2 ngày 6 và 7/2/2023, Ban Dân vận Tỉnh ủy tổ chức hội nghị tập huấn công tác dân vận"
        " năm 2023 cho hơn 4.600 đại biểu là cán bộ làm công tác dân vận các cấp trong tỉnh.</p>"
        "<p>Tại hội nghị, các đại biểu được truyền đạt 2 chuyên đề về công tác dân vận trong tình hình mới"
        " và công tác dân tộc của Đảng, Nhà nước.</p>"
        f"<p>{last}</p></div></div></body></html>"
    )


FIRST = "Trong 2 ngày 6 và 7/2/2023, Ban Dân vận Tỉnh ủy tổ chức hội nghị tập huấn"
LAST = "về công tác dân vận trong tình hình mới và công tác dân tộc của Đảng, Nhà nước."


@pytest.mark.parametrize(
    "url,lead,last,site_name,source",
    [
        # The paper's own marks: cut, no source.
        ("https://baolangson.vn/a-532718.html", "LSO - ", "(baolangson.vn)", "", None),
        ("https://baolangson.vn/a-532718.html", "(LSO) - ", "Theo Báo Lạng Sơn", "", None),
        ("https://baocantho.com.vn/a-a196670.html", "(CTO) - ", "", "", None),
        ("https://kiengiang.dcs.vn/a-1.html", "(KGO) - ", "", "", None),
        ("https://www.baothanhhoa.vn/a-262512.htm", "(Baothanhhoa.vn) - ", "", "Báo Thanh Hóa", None),
        ("https://vtcnews.vn/a-ar994669.html", "(VTC News) - ", "", "Báo điện tử VTC News", None),
        ("https://example.gov.vn/a-1.html", "", "Nguồn: Cổng TTĐT tỉnh", "Cổng TTĐT tỉnh", None),
        # Another outlet named: a republished item.
        ("https://danvan.vn/a-17526.html", "", "(baolangson.vn)", "Ban Dân vận Trung ương", "baolangson.vn"),
        ("https://danvan.vn/a-17526.html", "LSO - ", "Theo Báo Lạng Sơn", "", "Báo Lạng Sơn"),
        ("https://baolaichau.vn/a-52690.html", "", "Theo TTXVN", "Báo Lai Châu", "TTXVN"),
        ("https://baolaichau.vn/a-52690.html", "TTXVN - ", "", "Báo Lai Châu", "TTXVN"),
        ("https://baothanhhoa.vn/a-1.htm", "(Chinhphu.vn) - ", "", "Báo Thanh Hóa", "chinhphu.vn"),
    ],
)
def test_source_is_another_outlet_only(url: str, lead: str, last: str, site_name: str, source: str | None) -> None:
    got = extract_article(url, _page(lead, last or "Kết thúc hội nghị, các đại biểu làm bài thu hoạch.", site_name))
    assert got.is_article, got.reasons
    assert got.source == source
    assert got.body.startswith(FIRST)  # the lead mark is cut either way
    assert got.body.endswith(LAST if last else "các đại biểu làm bài thu hoạch.")


def test_site_name_from_the_registry_decides_without_og_site_name() -> None:
    site = load_site(sites_dir() / "baolangson.toml")
    page = _page("", "Theo Báo Lạng Sơn")
    assert extract_article("https://baolangson.vn/chinh-tri/a-532718.html", page, site).source is None
    assert extract_article("https://danvan.vn/a-17526.html", page).source == "Báo Lạng Sơn"


def test_republished_item_on_a_portal_keeps_the_paper() -> None:
    """danang.gov.vn article_54150 ends "Theo Báo Đà Nẵng": the city paper, not the portal."""
    site = load_site(sites_dir() / "danang.toml")
    page = _page("", "Theo Báo Đà Nẵng")
    assert extract_article("https://danang.gov.vn/web/guest/chi-tiet?id=54150&_c=3", page, site).source == "Báo Đà Nẵng"
