"""Zyte's article-extraction-benchmark (benchmarks/aeb.py) on 3 of its pages, so it cannot rot: the
vendored data is whole, upstream's evaluation is the one used, and the table has sane numbers.
Offline: reads only benchmarks/data/aeb/. Timings are reported, never asserted."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from benchmarks import aeb

# The three smallest pages of the set.
IDS = [
    "85439e26c41c75901820d01a13e8cea7836abb58635ea3986f71a163ab0311d3",
    "ba07d1e64775f4090e39116c382111f5a2cfe9528dd179673f4e9bfcea370c15",
    "14cc2a0ca59c62a8c9f205a171e9ccf4ef4cf69b0c642f51c8c65c051b39024f",
]


def test_vendored_dataset_is_whole() -> None:
    truth = aeb.load_ground_truth()
    assert len(truth) == 181
    pages = sorted(p.name.split(".")[0] for p in (aeb.DATA_DIR / "html").glob("*.html.gz"))
    assert pages == sorted(truth)
    assert all(v.get("articleBody") and v.get("url", "").startswith("http") for v in truth.values())
    assert (aeb.DATA_DIR / "LICENSE").read_text("utf-8").startswith("MIT License")
    raw = (aeb.DATA_DIR / "html" / f"{IDS[0]}.html.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b" and b"<html" in gzip.decompress(raw).lower()


def test_upstream_evaluation_is_used() -> None:
    ev = aeb.load_evaluate()
    assert ev.__file__ == str(aeb.DATA_DIR / "evaluate.py")
    # Cases of upstream's own tests.py.
    assert ev.string_shingle_matching("a b c", "a b c d", ngram_n=3) == (0.5, 0.5, 0)
    assert ev.string_shingle_matching("a b c a b c", "a b c", ngram_n=3) == (0.25, 0, 0.75)
    assert ev._tokenize("a b,cd:e(foo,bar) ") == ["a", "b", "cd", "e", "foo", "bar"]


@pytest.mark.timeout(120)
def test_three_pages_table(tmp_path: Path) -> None:
    results = aeb.run(IDS, ["ours", "trafilatura"], n_bootstrap=20, out_dir=tmp_path)
    assert [r.name for r in results] == ["ours", "trafilatura"]
    for r in results:
        m = r.metrics
        for key in ("f1", "precision", "recall", "accuracy"):
            assert 0.0 <= m[key] <= 1.0 and 0.0 <= m[f"{key}_std"] <= 1.0, (r.name, key, m)
        # Both tools get these short pages (nearly) right.
        assert m["f1"] > 0.8 and m["recall"] > 0.8, (r.name, m)
        assert sorted(r.per_page) == sorted(IDS) and len(r.ms) == 3
        # Predictions in the benchmark's own format, readable by its loader.
        pred = json.loads((tmp_path / f"{r.name}.json").read_text("utf-8"))
        assert sorted(pred) == sorted(IDS) and all(set(v) == {"articleBody"} for v in pred.values())
    table = aeb.format_table(results, 3).splitlines()
    assert len(table) == 4 and table[0].startswith("3 pages")
    assert table[2].split()[0] == "ours" and table[3].split()[0] == "trafilatura"
    assert all(row.count("±") == 4 for row in table[2:])
    pages = json.loads((tmp_path / "per-page.json").read_text("utf-8"))
    assert sorted(pages) == sorted(IDS)
    assert all(-1.0 <= p["f1_ours_minus_trafilatura"] <= 1.0 for p in pages.values())
    metrics = json.loads((tmp_path / "metrics.json").read_text("utf-8"))
    assert set(metrics) == {"ours", "trafilatura"}


@pytest.mark.timeout(120)
def test_in_process_body_equals_the_cli() -> None:
    assert aeb.check_cli(IDS[:1]) == [(IDS[0], True)]
