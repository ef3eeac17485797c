"""A site's run against its own history: pages and new items against mean ± sd of earlier runs,
field coverage against thresholds and against earlier coverage. Pure: plain dicts in, sentences out.

A history entry is one site's run: {"run_id", "pages", "items", "coverage": {field: share 0..1},
"verdict"}. Sentences are what the operator reads the morning after, so each names the site and the
numbers ("site X returned 0 pages where it returned 180 ± 20").
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COVERAGE_FIELDS = ("title", "published_at", "body", "summary", "event.start_date")


@dataclass
class Thresholds:
    """MONITOR_* settings, with a site file's [monitor] table on top."""

    min_runs: int = 3              # earlier runs needed before a drop is judged
    sigmas: float = 3.0            # how far below the mean is a drop
    min_drop: float = 0.5          # and at least this share below the mean (small, noisy sites)
    coverage_drop: float = 0.3     # coverage falling by this much (absolute share) is a failure
    min_coverage: dict[str, float] = field(default_factory=dict)  # absolute floors per field
    min_items_for_coverage: int = 5  # fewer new items say nothing about coverage

    def with_overrides(self, overrides: Mapping[str, Any]) -> Thresholds:
        merged = dict(self.__dict__)
        merged["min_coverage"] = {**self.min_coverage, **dict(overrides.get("min_coverage") or {})}
        for key in ("min_runs", "sigmas", "min_drop", "coverage_drop", "min_items_for_coverage"):
            if key in overrides:
                merged[key] = type(getattr(self, key))(overrides[key])
        return Thresholds(**merged)


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def _usable(history: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    # Runs that crawled the site (a skipped or broken run says nothing about its usual size).
    return [h for h in history if h.get("verdict") not in ("skipped", None) and h.get("pages", 0) > 0]


def count_drop(site: str, what: str, now: int, before: list[int], t: Thresholds) -> str | None:
    """'site X returned 0 pages where it returned 180 ± 20', or None."""
    if len(before) < t.min_runs:
        return None
    mean = statistics.fmean(before)
    sd = statistics.pstdev(before)
    if mean <= 0:
        return None
    if now < mean - t.sigmas * sd and now <= mean * (1 - t.min_drop):
        return f"site {site} returned {now} {what} where it returned {round(mean)} ± {round(sd)}"
    return None


def coverage_failures(site: str, now: Mapping[str, float], items: int, before: list[Mapping[str, Any]],
                      t: Thresholds) -> list[str]:
    """'published_at coverage fell from 98% to 12%' (against earlier runs) or below the floor."""
    if items < t.min_items_for_coverage:
        return []
    out = []
    for name in COVERAGE_FIELDS:
        if name not in now:
            continue
        share = float(now[name])
        earlier = [float(h["coverage"][name]) for h in before
                   if name in (h.get("coverage") or {}) and h.get("items", 0) >= t.min_items_for_coverage]
        if earlier:
            usual = statistics.fmean(earlier)
            if usual - share >= t.coverage_drop:
                out.append(f"site {site}: {name} coverage fell from {_pct(usual)} to {_pct(share)}")
                continue
        floor = t.min_coverage.get(name)
        if floor is not None and share < floor:
            out.append(f"site {site}: {name} coverage {_pct(share)} is below {_pct(floor)}")
    return out


def judge(site: str, current: Mapping[str, Any], history: Sequence[Mapping[str, Any]], t: Thresholds) -> list[str]:
    """Every failure sentence for this run of the site (empty: healthy)."""
    before = _usable(history)
    out = []
    # Pages only: new items of an incremental crawl fall to 0 on a quiet day, which is a success.
    for key, what in (("pages", "pages"),):
        sentence = count_drop(site, what, int(current.get(key, 0)), [int(h.get(key, 0)) for h in before], t)
        if sentence:
            out.append(sentence)
    out += coverage_failures(site, current.get("coverage") or {}, int(current.get("items", 0)), before, t)
    return out


def coverage_of(stats: Mapping[str, Any]) -> dict[str, float]:
    """Shares of delivered lines with each field filled, from the `coverage/*` stats."""
    total = int(stats.get("coverage/items", 0))
    if not total:
        return {}
    return {name: int(stats.get(f"coverage/{name}", 0)) / total for name in COVERAGE_FIELDS}


def read_history(path: Path, site: str, limit: int = 20) -> list[dict[str, Any]]:
    """The site's last `limit` runs from the history file (JSON Lines; a torn last line is skipped)."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text("utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and row.get("site") == site:
            rows.append(row)
    return rows[-limit:]


def append_history(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
