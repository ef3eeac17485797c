"""Accuracy of crawler.text.dates.parse_date against plain dateparser on tests/data/dates.jsonl.

    uv run python -m benchmarks.dates_accuracy [--verbose]

A result counts as correct only if it equals the expected value exactly (None included). Our parser
is compared on its ISO form (zone included). Plain `dateparser.parse(text, languages=['vi'])`
returns naive datetimes, so it is compared on the naive fields: the date for a date-only
expectation, date and time (to the second) for a datetime expectation.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from datetime import date, datetime
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "dates.jsonl"


def load_table(path: Path = TABLE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _ours_correct(text: str, expected: str) -> tuple[bool, str]:
    from crawler.text.dates import parse_date, to_iso

    value = parse_date(text)
    got = to_iso(value) if value is not None else ""
    return got == expected, got


def _dateparser_correct(text: str, expected: str) -> tuple[bool, str]:
    import dateparser

    try:
        value = dateparser.parse(text, languages=["vi"])
    except Exception as exc:  # a crash is a wrong answer, not a crash of the benchmark
        return expected == "", f"error: {exc!r}"
    if value is None:
        return expected == "", ""
    got = value.isoformat()
    if not expected:
        return False, got
    if "T" not in expected:
        return value.date() == date.fromisoformat(expected), got
    want = datetime.fromisoformat(expected).replace(tzinfo=None)
    return value.replace(tzinfo=None, microsecond=0) == want, got


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="list every wrong answer")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")  # dateparser's deprecation chatter
    rows = load_table()
    for name, check in (
        ("crawler.text.dates.parse_date", _ours_correct),
        ("dateparser.parse", _dateparser_correct),
    ):
        started = time.perf_counter()
        wrong = []
        for row in rows:
            ok, got = check(row["input"], row["expected"])
            if not ok:
                wrong.append((row, got))
        elapsed = time.perf_counter() - started
        correct = len(rows) - len(wrong)
        print(f"{name:32s} {correct:4d}/{len(rows)} correct = {correct / len(rows):6.1%}  ({elapsed:.2f} s)")
        if args.verbose:
            for row, got in wrong:
                print(f"    {row['input']!r}: expected {row['expected'] or 'None'!r}, got {got or 'None'!r}")
    positives = sum(1 for r in rows if r["expected"])
    print(
        f"table: {len(rows)} strings ({positives} dates, {len(rows) - positives} non-dates) from {TABLE.name}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
