"""Date parsing: the shared table (tests/data/dates.jsonl), find_dates, parse_iso, to_iso."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler.text.dates import find_dates, parse_date, parse_iso, to_iso

TABLE = Path(__file__).resolve().parent.parent / "data" / "dates.jsonl"
ROWS = [json.loads(line) for line in TABLE.read_text(encoding="utf-8").splitlines() if line.strip()]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_table_is_big_enough_and_balanced() -> None:
    positives = [r for r in ROWS if r["expected"]]
    assert len(ROWS) >= 80
    assert len(positives) >= 40 and len(ROWS) - len(positives) >= 30


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:03d}-{r['note']}" for i, r in enumerate(ROWS)])
def test_parse_date_table(row: dict[str, str]) -> None:
    value = parse_date(row["input"])
    assert (to_iso(value) if value is not None else "") == row["expected"]


def test_types_date_vs_datetime() -> None:
    only_date = parse_date("Thứ Ba, 7/2/2023")
    assert type(only_date) is date
    with_time = parse_date("Đăng ngày 25-05-2023 00:04")
    assert isinstance(with_time, datetime)
    assert with_time.tzinfo == VN


def test_other_default_zone() -> None:
    value = parse_date("22/09/2022 15:15", tz="UTC")
    assert value == datetime(2022, 9, 22, 15, 15, tzinfo=UTC)


def test_printed_zone_wins_over_default() -> None:
    value = parse_date("Thứ ba, 23/12/2025 09:02 (GMT+7)", tz="UTC")
    assert isinstance(value, datetime)
    assert value.utcoffset() == timedelta(hours=7)


def test_weekday_check_can_be_disabled() -> None:
    assert parse_date("Thứ Hai, 7/2/2023") is None
    assert parse_date("Thứ Hai, 7/2/2023", check_weekday=False) == date(2023, 2, 7)


def test_find_dates_spans_index_the_original_text() -> None:
    text = "Trang chủ  Thứ Ba, 7/2/2023 | Đăng ngày 25-05-2023 00:04, Lượt xem: 50 | © 02-12-2021"
    found = find_dates(text)
    assert [(text[a:b], to_iso(v)) for (a, b), v in found] == [
        ("Thứ Ba, 7/2/2023", "2023-02-07"),
        ("ngày 25-05-2023 00:04", "2023-05-25T00:04:00+07:00"),
        ("02-12-2021", "2021-12-02"),
    ]


def test_find_dates_clock_before_weekday_and_date() -> None:
    text = "Cập nhật: 08:50, Thứ Ba, 07/10/2025 | Lượt xem: 5. Hôm sau 18:20 Chủ nhật 19/10/2025"
    found = find_dates(text)
    assert [(text[a:b], to_iso(v)) for (a, b), v in found] == [
        ("08:50, Thứ Ba, 07/10/2025", "2025-10-07T08:50:00+07:00"),
        ("18:20 Chủ nhật 19/10/2025", "2025-10-19T18:20:00+07:00"),
    ]
    assert find_dates("08:50, Thứ Hai, 07/10/2025") == []


def test_find_dates_with_entities_and_nfd() -> None:
    text = "Th\u01b0\u0301 Ba,&nbsp;7/2/2023 và (28-08-2017 17:36)"
    found = find_dates(text)
    assert [(text[a:b], to_iso(v)) for (a, b), v in found] == [
        ("Th\u01b0\u0301 Ba,&nbsp;7/2/2023", "2023-02-07"),
        ("28-08-2017 17:36", "2017-08-28T17:36:00+07:00"),
    ]


def test_find_dates_skips_weekday_mismatch_and_non_dates() -> None:
    text = "Thứ Hai, 7/2/2023. Kế hoạch 68-KH/BDVTU, ĐT 0236.3822.123, Lượt xem: 50, ngày 25-5."
    assert find_dates(text) == []
    assert [v for _, v in find_dates(text, check_weekday=False)] == [date(2023, 2, 7)]


def test_find_dates_ranges_give_both_ends() -> None:
    text = "Kỷ niệm (15.10.1930-15.10.2020) và (30/6/1945 - 30/6/2025)"
    assert [v for _, v in find_dates(text)] == [
        date(1930, 10, 15),
        date(2020, 10, 15),
        date(1945, 6, 30),
        date(2025, 6, 30),
    ]


ISO_CASES = [
    ("2025-06-17T13:43:02+0700", "2025-06-17T13:43:02+07:00"),
    ("2026-07-20T06:31:56+07:00", "2026-07-20T06:31:56+07:00"),
    ("2025-12-23T09:02:07.000+07:00", "2025-12-23T09:02:07+07:00"),
    ("2025-12-23T09:02:07.1234567+07:00", "2025-12-23T09:02:07+07:00"),
    ("2025-12-24T09:26:39", "2025-12-24T09:26:39+07:00"),
    ("2025-12-23T02:02:07Z", "2025-12-23T02:02:07+00:00"),
    ("  2025-09-24 ", "2025-09-24"),
    ("2025-06-17 13:43", "2025-06-17T13:43:00+07:00"),
    ("Wed, 23 Sep 2026 17:02:29 +07:00", "2026-09-23T17:02:29+07:00"),
    ("Wed, 23 Sep 2026 17:02:29 +0700", "2026-09-23T17:02:29+07:00"),
    ("Wed, 23 Sep 2026 10:02:29 GMT", "2026-09-23T10:02:29+00:00"),
    ("23 Sep 2026 10:02:29 -0000", "2026-09-23T10:02:29+07:00"),
    ("2025-02-30", ""),
    ("2025-06-17T25:00:00+07:00", ""),
    ("25/05/2023", ""),
    ("2023", ""),
    ("", ""),
    ("not a date", ""),
    ("0001-01-01T00:00:00Z", ""),
]


@pytest.mark.parametrize(("raw", "expected"), ISO_CASES)
def test_parse_iso(raw: str, expected: str) -> None:
    value = parse_iso(raw)
    assert (to_iso(value) if value is not None else "") == expected


TO_ISO_CASES = [
    (date(2023, 5, 25), "2023-05-25"),
    (datetime(2023, 5, 25, 0, 4, tzinfo=VN), "2023-05-25T00:04:00+07:00"),
    (datetime(2023, 5, 25, 0, 4), "2023-05-25T00:04:00+07:00"),  # naive: Vietnam time
    (datetime(2023, 5, 25, 0, 4, 5, 999999, tzinfo=UTC), "2023-05-25T00:04:05+00:00"),
    (datetime(2023, 5, 25, 0, 4, tzinfo=timezone(timedelta(hours=-5))), "2023-05-25T00:04:00-05:00"),
]


@pytest.mark.parametrize(("value", "expected"), TO_ISO_CASES)
def test_to_iso(value: date, expected: str) -> None:
    assert to_iso(value) == expected


def test_to_iso_rejects_strings() -> None:
    with pytest.raises(TypeError):
        to_iso("2023-05-25")  # type: ignore[arg-type]
