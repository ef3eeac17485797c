"""crawler/monitoring/history.py: a site's run judged against its earlier runs and thresholds."""

from __future__ import annotations

from pathlib import Path

from crawler.monitoring.history import Thresholds, append_history, coverage_of, judge, read_history

FULL = {"title": 1.0, "published_at": 0.98, "body": 1.0, "summary": 0.9, "event.start_date": 0.6}


def run(pages: int, items: int = 20, **coverage: float) -> dict:
    return {"verdict": "ok", "pages": pages, "items": items, "coverage": {**FULL, **coverage}}


HISTORY = [run(160), run(180), run(200), run(180)]


def test_a_site_that_went_quiet_is_named_with_its_usual_pages() -> None:
    assert judge("baoxyz", run(0, items=0), HISTORY, Thresholds()) == [
        "site baoxyz returned 0 pages where it returned 180 ± 14"]


def test_normal_variation_and_a_quiet_news_day_pass() -> None:
    assert judge("baoxyz", run(150, items=0), HISTORY, Thresholds()) == []
    assert judge("baoxyz", run(175), HISTORY, Thresholds()) == []


def test_a_coverage_drop_against_earlier_runs_is_named() -> None:
    assert judge("baoxyz", run(180, published_at=0.12), HISTORY, Thresholds()) == [
        "site baoxyz: published_at coverage fell from 98% to 12%"]


def test_too_few_runs_or_items_say_nothing() -> None:
    assert judge("baoxyz", run(0), HISTORY[:2], Thresholds()) == []
    assert judge("baoxyz", run(180, items=3, published_at=0.0), HISTORY, Thresholds()) == []


def test_floors_and_site_overrides() -> None:
    t = Thresholds(min_coverage={"body": 0.9})
    assert judge("baoxyz", run(180, body=0.5), [], t) == ["site baoxyz: body coverage 50% is below 90%"]
    relaxed = t.with_overrides({"min_coverage": {"body": 0.4}, "min_runs": 10})
    assert relaxed.min_coverage == {"body": 0.4} and relaxed.min_runs == 10
    assert judge("baoxyz", run(180, body=0.5), [], relaxed) == []


def test_skipped_runs_are_not_history() -> None:
    history = [*HISTORY, {"verdict": "skipped", "pages": 0, "items": 0}]
    assert judge("baoxyz", run(0), history, Thresholds()) == [
        "site baoxyz returned 0 pages where it returned 180 ± 14"]


def test_coverage_from_stats() -> None:
    stats = {"coverage/items": 4, "coverage/title": 4, "coverage/published_at": 1, "coverage/body": 4}
    assert coverage_of(stats) == {"title": 1.0, "published_at": 0.25, "body": 1.0, "summary": 0.0,
                                  "event.start_date": 0.0}
    assert coverage_of({}) == {}


def test_history_file_round_trip_skips_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    append_history(path, [{"site": "a", "pages": 1}, {"site": "b", "pages": 2}])
    with path.open("a") as fh:
        fh.write('{"site": "a", "pag')
    assert read_history(path, "a") == [{"site": "a", "pages": 1}]
    assert read_history(tmp_path / "none.jsonl", "a") == []
