"""The crawl benchmark at a tiny size, so it cannot rot: it must complete and count the right pages.
Timings are reported, never asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.crawl.__main__ import main
from benchmarks.crawl.server import Site
from benchmarks.crawl.site import PER_LISTING, generate_site, load_info


def test_generated_site_shape(tmp_path: Path) -> None:
    info = generate_site(tmp_path, 45, seed=3)
    assert (info.n_articles, info.n_listings) == (45, 3)
    assert load_info(tmp_path) == info
    pages = sorted((tmp_path / "articles").glob("*.html"))
    assert len(pages) == 45
    # Real page weight: the danang shell (head, menus, right column, footer) around each story.
    assert all(100_000 < p.stat().st_size < 250_000 for p in pages)
    first = pages[0].read_text("utf-8")
    assert first.count('class="chi-tiet-title"') == 1 and "Đăng ngày " in first
    listing = (tmp_path / "listings" / "1.html").read_text("utf-8")
    assert listing.count('class="col-md-12 news-item danh-muc-news"') == PER_LISTING
    site = Site(tmp_path)
    assert site.lookup("/web/guest/chi-tiet?id=60001&_c=3") == tmp_path / "articles" / "60001.html"
    assert site.lookup("/web/guest/chinh-quyen/danh-muc?id=3&cur=3") == tmp_path / "listings" / "3.html"
    assert site.lookup("/web/guest/chinh-quyen/danh-muc?id=3&cur=4") == tmp_path / "listings" / "empty.html"
    assert site.lookup("/web/guest/chi-tiet?id=1&_c=3") is None


@pytest.mark.timeout(180)
def test_quick_benchmark_counts_pages(tmp_path: Path) -> None:
    assert main(["--quick", "--workers", "0,2", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "crawl-latest.json").read_text("utf-8"))
    (size,) = result["sizes"]
    assert size["n"] == 20
    # 20 articles, 1 listing page, the empty page that ends pagination, robots.txt.
    assert size["site"]["pages"] == 23
    assert size["bare"]["pages"] == 23
    assert size["bare"]["items"] == 20
    assert [full["workers"] for full in size["full"]] == [0, 2]
    for full in size["full"]:
        assert full["pages"] == 23
        assert full["stats"]["extract/pages"] == 20
        dropped = sum(v for k, v in full["stats"].items() if k.startswith("item_dropped_reasons_count/"))
        assert full["items"] + dropped == 20
        # The generator's labels against the lines: every training announcement found, no other.
        assert full["training"]["recall"] == 1.0
        assert full["training"]["false_positives"] == 0
        assert full["training"]["true_positives"] > 0
    assert set(result["stages"]) >= {"extract", "classify", "signature", "validate", "total"}
    assert [(p["workers"], p["pages"]) for p in result["pool"]] == [(2, 20)]
    extraction = result["extraction"]
    assert extraction["pages"] == len(extraction["rows"]) > 0
    assert set(extraction["all"]) == {"ours", "ours_classify", "trafilatura", "pages"}
