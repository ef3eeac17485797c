"""The site registry: a malformed file fails with a message naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sites.registry import RegistryError, load_registry_with_errors, load_site

VALID = """
slug = "example"
name = "Báo Ví Dụ"
province = "Lạng Sơn"
kind = "newspaper"
allowed_domains = ["example.vn"]
verified_live = false
evidence = ["sites.md §4"]

[start_urls]
listing = ["https://example.vn/chinh-tri/"]

[articles]
allow = ['-\\d+\\.html$']
deny = ['/tags/']

[pagination]
kind = "query"
param = "p"

[selectors]
title = "h1.title"
body = ["#content-detail", ".article-body"]
"""


def write(tmp_path: Path, text: str, name: str = "example.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_valid_file_loads_with_every_field(tmp_path: Path) -> None:
    site = load_site(write(tmp_path, VALID))
    assert site.slug == "example"
    assert site.province == "Lạng Sơn"
    assert site.start_urls == {"listing": ("https://example.vn/chinh-tri/",)}
    assert site.selectors.title == ("h1.title",)
    assert site.selectors.body == ("#content-detail", ".article-body")
    assert site.pagination.kind == "query" and site.pagination.param == "p"
    assert site.is_article_url("https://example.vn/tap-huan-dan-van-123.html")
    assert not site.is_article_url("https://example.vn/tags/tap-huan-123.html")
    assert not site.is_article_url("https://example.vn/chinh-tri/")
    assert site.verified_live is False


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (("slug = \"example\"", "slug = \"Example-1\""), "slug", "must match"),
        (("name = \"Báo Ví Dụ\"\n", ""), "name", "is required"),
        (("province = \"Lạng Sơn\"", "province = \"Atlantis\""), "province", "34 provinces"),
        (("kind = \"newspaper\"", "kind = \"blog\""), "kind", "must be one of"),
        (("allowed_domains = [\"example.vn\"]", "allowed_domains = [\"https://example.vn\"]"),
         "allowed_domains[0]", "host name"),
        (("listing = [\"https://example.vn/chinh-tri/\"]", "listing = [\"https://other.vn/x\"]"),
         "start_urls.listing[0]", "not in allowed_domains"),
        (("listing = [\"https://example.vn/chinh-tri/\"]", "listing = [\"ftp://example.vn/x\"]"),
         "start_urls.listing[0]", "not an http(s) URL"),
        (("deny = ['/tags/']", "deny = ['/tags/(']"), "articles.deny[0]", "bad regular expression"),
        (("param = \"p\"", "param = \"\""), "pagination.param", "is required when kind = 'query'"),
        (("kind = \"query\"", "kind = \"infinite\""), "pagination.kind", "must be one of"),
        (("verified_live = false", "verified_live = \"no\""), "verified_live", "must be bool"),
        (("evidence = [\"sites.md §4\"]", "evidence = []"), "evidence", "is required"),
        (("title = \"h1.title\"", "headline = \"h1.title\""), "selectors.headline", "unknown key"),
        (("[selectors]", "[selector]"), "selector", "unknown key"),
    ],
)
def test_malformed_file_names_file_and_field(tmp_path: Path, change: tuple[str, str], field: str, words: str) -> None:
    old, new = change
    assert old in VALID, old
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(RegistryError) as err:
        load_site(path)
    assert err.value.field == field
    assert str(path) in str(err.value)
    assert words in str(err.value)


def test_empty_evidence_list_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="evidence"):
        load_site(write(tmp_path, VALID.replace('evidence = ["sites.md §4"]', "evidence = [\"\"]")))


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "\n[broken\n")
    with pytest.raises(RegistryError, match=r"example\.toml: field '<file>': not valid TOML"):
        load_site(path)


def test_slug_must_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="must equal the file name"):
        load_site(write(tmp_path, VALID, name="other.toml"))


def test_unknown_layout_is_named(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="unknown layout 'joomla'"):
        load_site(write(tmp_path, VALID.replace('kind = "newspaper"', 'kind = "newspaper"\nlayout = "joomla"')))


def test_unsupported_site_needs_a_reason(tmp_path: Path) -> None:
    text = VALID.replace('kind = "newspaper"', 'kind = "newspaper"\nstatus = "unsupported"')
    with pytest.raises(RegistryError) as err:
        load_site(write(tmp_path, text))
    assert err.value.field == "unsupported_reason"


def test_layout_selectors_are_fallbacks_after_the_sites_own(tmp_path: Path) -> None:
    text = VALID.replace('kind = "newspaper"', 'kind = "government"\nlayout = "liferay"')
    site = load_site(write(tmp_path, text))
    assert site.selectors.title[0] == "h1.title"
    assert len(site.selectors.title) > 1  # the layout's follow
    assert site.pagination.param == "p"  # the site's own rule wins over the layout's `cur`


def test_one_broken_file_does_not_hide_the_others(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    write(tmp_path, VALID.replace('slug = "example"', 'slug = "broken"').replace("verified_live = false", ""),
          name="broken.toml")
    sites, errors = load_registry_with_errors(tmp_path)
    assert list(sites) == ["example"]
    assert len(errors) == 1 and errors[0].field == "verified_live" and errors[0].path.endswith("broken.toml")


def test_bad_canonical_rules_are_reported(tmp_path: Path) -> None:
    text = VALID + '\n[canonical]\npreset = "joomla"\n'
    with pytest.raises(RegistryError) as err:
        load_site(write(tmp_path, text))
    assert err.value.field.startswith("canonical") and "joomla" in str(err.value)


def test_pre_2025_province_is_refused_with_its_successor(tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as err:
        load_site(write(tmp_path, VALID.replace('province = "Lạng Sơn"', 'province = "Quảng Nam"')))
    assert err.value.field == "province" and "merged into 'Đà Nẵng'" in str(err.value)


@pytest.mark.parametrize("spelling", ["Thanh Hoá", "tỉnh Thanh Hóa", "Thanh Hóa"])
def test_province_spellings_are_canonicalized(tmp_path: Path, spelling: str) -> None:
    site = load_site(write(tmp_path, VALID.replace('province = "Lạng Sơn"', f'province = "{spelling}"')))
    assert site.province == "Thanh Hóa"


def test_monitor_table_overrides_thresholds_and_is_checked(tmp_path: Path) -> None:
    site = load_site(write(tmp_path, VALID + '\n[monitor]\nmin_runs = 5\nmin_coverage = { published_at = 0.5 }\n'))
    assert site.monitor == {"min_runs": 5, "min_coverage": {"published_at": 0.5}}
    with pytest.raises(RegistryError) as err:
        load_site(write(tmp_path, VALID + '\n[monitor]\nmin_coverage = { date = 0.5 }\n'))
    assert err.value.field == "monitor.min_coverage.date"
    with pytest.raises(RegistryError) as err:
        load_site(write(tmp_path, VALID + '\n[monitor]\nmin_coverage = { body = 1.5 }\n'))
    assert err.value.field == "monitor.min_coverage.body"
