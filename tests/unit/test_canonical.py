"""Canonical URL rules: one table row per rule, exact expected strings."""

from __future__ import annotations

import pytest

from crawler.dedup.canonical import (
    DEFAULT_RULES,
    CanonicalRules,
    canonical_url,
    rules_from_mapping,
    url_id,
)
from crawler.sites.registry import load_layout, load_registry

# The rules are data: the CMS layouts' [canonical] tables and danang's site file.
LIFERAY_RULES = rules_from_mapping(load_layout("liferay")["canonical"])
SHAREPOINT_RULES = rules_from_mapping(load_layout("sharepoint")["canonical"])
DANANG_RULES = rules_from_mapping(load_registry()["danang"].canonical)

CASES = [
    # scheme and host case, default ports, fragments
    ("HTTPS://BaoLangSon.VN/tap-huan-5071654.html#comment", DEFAULT_RULES,
     "https://baolangson.vn/tap-huan-5071654.html"),
    ("https://www.binhduong.gov.vn:443/Trang/ChiTietTinTuc.aspx?nid=12", DEFAULT_RULES,
     "https://www.binhduong.gov.vn/Trang/ChiTietTinTuc.aspx?nid=12"),
    ("http://cema.gov.vn:80/tin-tuc/a/b/c.htm", DEFAULT_RULES, "http://cema.gov.vn/tin-tuc/a/b/c.htm"),
    ("https://example.vn:8443/a", DEFAULT_RULES, "https://example.vn:8443/a"),
    ("http://example.vn:443/a", DEFAULT_RULES, "http://example.vn:443/a"),  # not the default for http
    # tracking parameters (Zalo, Facebook, Google) go, the rest is sorted
    ("https://baolangson.vn/x-5071654.html?utm_source=zalo&utm_medium=zalo&utm_campaign=zalo&zarsrc=30",
     DEFAULT_RULES, "https://baolangson.vn/x-5071654.html"),
    ("https://baocantho.com.vn/thoi-su/?p=2&fbclid=IwAR0abc&gidzl=3uwUBj&_ga=2.1&gclid=x&srsltid=y",
     DEFAULT_RULES, "https://baocantho.com.vn/thoi-su/?p=2"),
    ("https://a.vn/list?page=2&cat=5", DEFAULT_RULES, "https://a.vn/list?cat=5&page=2"),
    # percent-encoding: non-ASCII encoded as UTF-8, escapes upper-cased, NFD input composed first
    ("https://a.vn/tìm-kiếm?q=tập huấn", DEFAULT_RULES,
     "https://a.vn/t%C3%ACm-ki%E1%BA%BFm?q=t%E1%BA%ADp+hu%E1%BA%A5n"),
    ("https://a.vn/t%c3%acm", DEFAULT_RULES, "https://a.vn/t%C3%ACm"),
    ("https://a.vn/ti\u0300m", DEFAULT_RULES, "https://a.vn/t%C3%ACm"),
    ("https://a.vn/a/./b/../c", DEFAULT_RULES, "https://a.vn/a/c"),
    ("  https://a.vn/x?  ", DEFAULT_RULES, "https://a.vn/x"),
    # www. is kept unless the site says it is the same site
    ("https://www.sggp.org.vn/a-post1.html", DEFAULT_RULES, "https://www.sggp.org.vn/a-post1.html"),
    ("https://www.sggp.org.vn/a-post1.html", CanonicalRules(strip_www=True), "https://sggp.org.vn/a-post1.html"),
    # per-site drop (glob and name=value) and whitelist
    ("https://a.vn/x?id=1&sort=asc&view_mode=full", CanonicalRules(drop_params=("view_*",)),
     "https://a.vn/x?id=1&sort=asc"),
    ("https://a.vn/x?id=1&tab=0", CanonicalRules(drop_params=("tab=0",)), "https://a.vn/x?id=1"),
    ("https://a.vn/x?id=1&tab=2", CanonicalRules(drop_params=("tab=0",)), "https://a.vn/x?id=1&tab=2"),
    ("https://a.vn/x?nid=7&l=abc&x=1", CanonicalRules(keep_params=("nid",)), "https://a.vn/x?nid=7"),
    # Liferay: portlet plumbing goes, paging stays on listings, articles keep only their path
    ("https://ncov.moh.gov.vn/web/guest/tin-tuc?p_p_id=101_INSTANCE_iEPh&p_p_lifecycle=0&p_p_state=normal"
     "&p_p_mode=view&p_p_col_id=column-2&p_p_col_count=1&_101_INSTANCE_iEPh_cur=3&_101_INSTANCE_iEPh_delta=10",
     LIFERAY_RULES,
     "https://ncov.moh.gov.vn/web/guest/tin-tuc?_101_INSTANCE_iEPh_cur=3&_101_INSTANCE_iEPh_delta=10"
     "&p_p_id=101_INSTANCE_iEPh"),
    ("https://btg.dongthap.gov.vn/web/btg/chi-tiet-bai-viet/-/asset_publisher/Ab12/content/id/123"
     "?_101_INSTANCE_Ab12_redirect=%2Fweb%2Fbtg&_101_INSTANCE_Ab12_cur=2&inheritRedirect=true",
     LIFERAY_RULES, "https://btg.dongthap.gov.vn/web/btg/chi-tiet-bai-viet/-/asset_publisher/Ab12/content/id/123"),
    ("https://btg.dongthap.gov.vn/c/portal/update_language?p_l_id=54&redirect=%2Fweb%2Fbtg%2Fchi-tiet-bai-viet"
     "%2F-%2Fasset_publisher%2FAb12%2Fcontent%2Fid%2F123&languageId=fi_FI",
     LIFERAY_RULES, "https://btg.dongthap.gov.vn/web/btg/chi-tiet-bai-viet/-/asset_publisher/Ab12/content/id/123"),
    ("http://investdanang.gov.vn/vi/web/guest/tham-gia-su-kien?p_p_id=sukien_WAR_SuKienportlet"
     "&p_p_col_id=_118_INSTANCE_TertIKh05fWW__column-3&p_p_col_count=1&_sukien_WAR_SuKienportlet_id=8206"
     "&_sukien_WAR_SuKienportlet_type=detail", LIFERAY_RULES,
     "http://investdanang.gov.vn/vi/web/guest/tham-gia-su-kien?_sukien_WAR_SuKienportlet_id=8206"
     "&_sukien_WAR_SuKienportlet_type=detail&p_p_id=sukien_WAR_SuKienportlet"),
    # Đà Nẵng: one article, three page prefixes and several categories (real links of one saved page)
    ("https://danang.gov.vn/web/guest/chi-tiet?id=54019&_c=3", DANANG_RULES,
     "https://danang.gov.vn/web/guest/chi-tiet?id=54019"),
    ("http://danang.gov.vn/web/guest/chuyen-de-apec2017/chi-tiet?id=27757&_c=95,100000019", DANANG_RULES,
     "https://danang.gov.vn/web/guest/chi-tiet?id=27757"),
    ("http://danang.gov.vn/web/guest/chinh-quyen/chi-tiet?id=27797&_c=2", DANANG_RULES,
     "https://danang.gov.vn/web/guest/chi-tiet?id=27797"),
    ("http://danang.gov.vn/web/guest/thu-vien-hinh-anh/chi-tiet?id=9", DANANG_RULES,
     "https://danang.gov.vn/web/guest/thu-vien-hinh-anh/chi-tiet?id=9"),
    # SharePoint: case-insensitive paths and names, padded values, dialog noise
    ("https://yenbai.gov.vn/noidung/tintuc/Pages/danh-sach.aspx?l=Tintrongtinh%2F++++&page=57",
     SHAREPOINT_RULES,
     "https://yenbai.gov.vn/noidung/tintuc/pages/danh-sach.aspx?l=Tintrongtinh%2F&page=57"),
    ("https://www.binhduong.gov.vn:443/Trang/ChiTietTinTuc.aspx?NID=12&Source=%2Ftrang&IsDlg=1",
     SHAREPOINT_RULES,
     "https://www.binhduong.gov.vn/trang/chitiettintuc.aspx?nid=12"),
    ("https://a.gov.vn/Pages/x.aspx?q=T%E1%BA%ADp++++hu%E1%BA%A5n", SHAREPOINT_RULES,
     "https://a.gov.vn/pages/x.aspx?q=T%E1%BA%ADp+hu%E1%BA%A5n"),
]


@pytest.mark.parametrize(("url", "rules", "expected"), CASES)
def test_canonical_url(url: str, rules: CanonicalRules, expected: str) -> None:
    assert canonical_url(url, rules) == expected


@pytest.mark.parametrize(("url", "rules", "expected"), CASES)
def test_canonical_url_is_idempotent(url: str, rules: CanonicalRules, expected: str) -> None:
    assert canonical_url(expected, rules) == expected


def test_url_id_is_stable_and_short() -> None:
    # A fixed value (printf %s URL | sha256sum): ids are a contract with consumers.
    assert url_id("https://danang.gov.vn/web/guest/chi-tiet?id=54019") == "1556049db8c741aa"
    assert len(url_id("https://a.vn/")) == 16
    assert url_id("https://a.vn/x") != url_id("https://a.vn/y")


def test_variants_share_one_id() -> None:
    variants = [
        "http://danang.gov.vn/web/guest/chi-tiet?id=27757&_c=3",
        "http://danang.gov.vn/web/guest/chuyen-de-apec2017/chi-tiet?id=27757&_c=95,100000019",
        "https://DANANG.gov.vn:443/web/guest/chi-tiet?_c=3&id=27757&utm_source=zalo#top",
    ]
    assert len({url_id(canonical_url(v, DANANG_RULES)) for v in variants}) == 1


def test_rules_from_mapping_layers_site_keys_over_preset() -> None:
    rules = rules_from_mapping({"preset": load_layout("liferay")["canonical"], "strip_www": True,
                                "routes": [["/chi-tiet$", ["id"]]]})
    assert rules.strip_www
    assert rules.routes[0] == ("/chi-tiet$", ("id",))
    assert ("/-/asset_publisher/[^/]+/content/", ()) in rules.routes
    assert "p_p_state" in rules.drop_params
    assert canonical_url("https://www.x.gov.vn/web/guest/chi-tiet?id=5&_c=1&p_p_state=normal", rules) == (
        "https://x.gov.vn/web/guest/chi-tiet?id=5"
    )
    assert rules_from_mapping({}) == DEFAULT_RULES


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"preset": "joomla"}, "canonical.preset: 'joomla' is not a table of rules"),
        ({"strip_wwww": True}, "canonical.strip_wwww: unknown key"),
        ({"strip_www": "yes"}, "canonical.strip_www: must be true or false"),
        ({"drop_params": "utm"}, "canonical.drop_params: must be a list of strings"),
        ({"routes": [["/x"]]}, "canonical.routes: must be a list of [path_regex, [param, ...]]"),
        ({"path_rewrites": [["(", "x"]]}, "bad regular expression"),
    ],
)
def test_rules_from_mapping_errors_name_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        rules_from_mapping(data)
