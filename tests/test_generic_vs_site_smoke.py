"""The generic-vs-site-file benchmark on two small fixture sites, so it cannot rot: both crawls run
and the comparison has its shape. What the generic spider finds is not asserted (it is being
improved); what the site files find is (their fixtures are the reference)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.generic_vs_site import benchmark_slugs, compare_items, compare_site, table, totals, url_key
from crawler.tools.fixtures import load_fixture_site, serve_sites

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SITES = ["tuyenquang_dcs", "baogialai"]


def training_keys(slug: str) -> list[str]:
    fx = load_fixture_site(slug)
    expected = [fx.expected(a) for a in fx.articles]
    return sorted(url_key(e["url"]) or "" for e in expected if e.get("is_article", True) and e["is_training"])


def test_compare_site_structure(tmp_path: Path) -> None:
    with serve_sites(SITES) as running:
        results = [compare_site(slug, running[slug].base_url, tmp_path / slug) for slug in SITES]
    for slug, res in zip(SITES, results, strict=True):
        assert res.slug == slug
        assert res.site_crawl["returncode"] == 0 and res.generic_crawl["returncode"] == 0, (res.site_crawl, res.note)
        assert sorted(res.site_found) == training_keys(slug)  # the site file finds its fixture's training articles
        assert len(res.matched) + len(res.missed) == len(res.site_found)
        assert len(res.matched) + len(res.extra) == len(res.generic_found)
        for row in res.matched:
            assert {"site_key", "generic_key", "matched_by", "title_equal", "published_at_equal", "body_equal",
                    "body_f1"} <= set(row)
            assert 0.0 <= row["body_f1"] <= 1.0
    t = totals(results)
    assert t["sites"] == 2 and t["site_file_found"] == sum(len(r.site_found) for r in results)
    assert 0 <= t["generic_found_of_those"] <= t["site_file_found"]
    text = table(results)
    assert text.splitlines()[0].split()[:3] == ["site", "site", "gen"]
    assert "the site files found" in text and "sites ≥ all" in text


def test_matching_by_path_query_and_by_another_url() -> None:
    site = [{"url": "https://danang.gov.vn/web/guest/chi-tiet?id=1&_c=3", "title": "A", "published_at": "2023-05-25",
             "body": "một hai ba", "is_training": True},
            {"url": "https://danang.gov.vn/web/guest/chi-tiet?id=2&_c=3", "title": "B", "published_at": None,
             "body": "x", "is_training": True}]
    generic = [{"url": "http://127.0.0.1:8000/web/guest/chi-tiet?_c=3&id=1", "title": "A", "published_at": "2023-05-25",
                "body": "một hai", "is_training": True},
               {"url": "http://127.0.0.1:8000/web/guest/chinh-quyen/chi-tiet?id=2&_c=3", "title": "B",
                "published_at": None, "body": "x", "is_training": True}]
    res = compare_items("danang", site, generic)
    assert [m["matched_by"] for m in res.matched] == ["url", "title and date (another URL)"]
    assert res.matched[0]["title_equal"] and not res.matched[0]["body_equal"]
    assert res.matched[0]["body_f1"] == pytest.approx(0.8)
    assert res.missed == [] and res.extra == []


def test_unsupported_sites_are_skipped() -> None:
    slugs, skipped = benchmark_slugs(["danang", "tuyengiaodanvan", "nosuchsite"])
    assert slugs == ["danang"]
    assert skipped["tuyengiaodanvan"].startswith("unsupported")
    assert "nosuchsite" in skipped
