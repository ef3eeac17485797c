"""`crawler export`: the lines recent runs wrote, from every site, in one file (JSON Lines or CSV).

Runs are read from their summaries (RUNS_DIR, output/runs/<run id>.json: the feed files each run
wrote); a file shared by several runs (`-o` appends) gives only the lines crawled during the run.
Demo runs keep their summaries apart (output/demo/runs) and are never exported.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from crawler.dedup.store import feed_records
from crawler.paths import resolve

CSV_FIELDS = ("id", "revision", "url", "site", "site_name", "province", "title", "summary", "published_at",
              "is_training", "event_kind", "event_organizer", "event_start_date", "event_end_date",
              "event_audience", "event_participants", "crawled_at")


class ExportError(ValueError):
    """A mistake in the export's arguments or files (one line)."""


def _runs_dir() -> Path:
    from scrapy.utils.project import get_project_settings

    return resolve(get_project_settings().get("RUNS_DIR"))


def select_runs(since_run: str, runs_dir: Path) -> list[dict[str, Any]]:
    summaries = sorted(runs_dir.glob("*.json")) if runs_dir.is_dir() else []
    if not summaries:
        raise ExportError(f"no run summary in {runs_dir}: run `scrapy crawlall` (or `scrapy crawl <site>`) first")
    if since_run == "all":
        chosen = summaries
    elif since_run == "last":
        chosen = summaries[-1:]
    elif since_run.isdigit():
        chosen = summaries[-int(since_run):]
    else:
        names = [p.stem for p in summaries]
        if since_run not in names:
            raise ExportError(f"--since-run {since_run!r}: no such run in {runs_dir} (the latest is {names[-1]})")
        chosen = summaries[names.index(since_run):]
    runs = []
    for path in chosen:
        try:
            runs.append(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError) as exc:
            raise ExportError(f"cannot read the run summary {path}: {exc}") from None
    return runs


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def lines_of(runs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each run's lines: from its feed files, crawled between its start and its end."""
    seen: set[tuple[str, int]] = set()
    for run in runs:
        start, end = run.get("started_at", ""), run.get("finished_at", "9999")
        for name in run.get("feed_files", []):
            path = Path(name)
            if not path.is_file():
                print(f"crawler export: {path} (run {run.get('run_id')}) is gone: its lines are skipped",
                      file=sys.stderr)
                continue
            for line in feed_records(path):
                crawled = str(line.get("crawled_at", "")).replace("Z", "+00:00")
                key = (str(line.get("id")), int(line.get("revision") or 0))
                if key in seen or not (start[:19] <= crawled[:19] <= end[:19]):
                    continue
                seen.add(key)
                yield line


def export(*, since_run: str = "last", sites: list[str] | None = None, provinces: list[str] | None = None,
           since: str | None = None, fmt: str = "jsonl", output: str | None = None,
           runs_dir: Path | None = None) -> tuple[int, int]:
    """Writes the selected lines; returns (lines written, runs read)."""
    from crawler.relevance.provinces import canonical_province

    since_day = _day(since) if since else None
    if since and since_day is None:
        raise ExportError(f"--since {since!r}: expected a date as YYYY-MM-DD")
    wanted_provinces = set()
    for name in provinces or []:
        canon = canonical_province(name)
        if canon is None:
            raise ExportError(f"--province {name!r} is not one of the 34 provinces")
        wanted_provinces.add(canon)
    runs = select_runs(since_run, runs_dir or _runs_dir())
    selected = [line for line in lines_of(runs)
                if (not sites or line.get("site") in sites)
                and (not wanted_provinces or line.get("province") in wanted_provinces)
                and (since_day is None or (_day(line.get("published_at")) or since_day) >= since_day)]
    if output and output != "-":
        target = resolve(output)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="") as fh:
            _write(selected, fmt, fh)
    else:
        _write(selected, fmt, sys.stdout)
    return len(selected), len(runs)


def _write(lines: list[dict[str, Any]], fmt: str, fh: IO[str]) -> None:
    if fmt == "jsonl":
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for line in lines:
        event = line.get("event") or {}
        participants = event.get("participants") or {}
        writer.writerow({**line, **{f"event_{k}": event.get(k) for k in ("kind", "organizer", "start_date",
                                                                            "end_date", "audience")},
                         "event_participants": participants.get("count") if isinstance(participants, dict) else None})
