"""Event dates in body text: find_event_dates(text, published) -> (start, end)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler.text.event_dates import find_event_dates

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
PUB = date(2023, 5, 25)

# (text, published, start, end)
CASES = [
    ("Ngày 25-5, Ban Dân vận Thành ủy tổ chức hội nghị tập huấn", PUB, date(2023, 5, 25), date(2023, 5, 25)),
    (
        "Sáng 7/2, Ban Dân vận tỉnh khai mạc lớp tập huấn",
        date(2023, 2, 7),
        date(2023, 2, 7),
        date(2023, 2, 7),
    ),
    ("Chiều 14-10, hội nghị bế mạc", date(2023, 10, 15), date(2023, 10, 14), date(2023, 10, 14)),
    ("Tối 5/6 đoàn đến Hà Nội", PUB, date(2023, 6, 5), date(2023, 6, 5)),
    ("Vào ngày 3/2 tới, lớp học sẽ khai giảng", date(2024, 1, 20), date(2024, 2, 3), date(2024, 2, 3)),
    ("Lớp học diễn ra từ ngày 23 đến 27/10", date(2023, 10, 20), date(2023, 10, 23), date(2023, 10, 27)),
    ("Trong 2 ngày 20-21/8, Ban Tuyên giáo tổ chức", date(2023, 8, 22), date(2023, 8, 20), date(2023, 8, 21)),
    ("Trong 2 ngày từ 20 đến 21/8, tại Hội trường", date(2023, 8, 22), date(2023, 8, 20), date(2023, 8, 21)),
    # two or three days joined by "và" or commas, with or without brackets (nghean_dcs, sggp fixtures)
    ("Trong 2 ngày 13 và 14/8, Ban Tuyên giáo và Dân vận Tỉnh ủy", date(2025, 8, 14), date(2025, 8, 13),
     date(2025, 8, 14)),
    ("Trong 2 ngày (8/10 và 9/10), Ủy ban MTTQ tổ chức", date(2025, 10, 8), date(2025, 10, 8), date(2025, 10, 9)),
    ("Trong 2 ngày 20, 21/8, tại Hội trường", date(2023, 8, 22), date(2023, 8, 20), date(2023, 8, 21)),
    ("Trong 3 ngày 15, 16 và 17/8/2024, lớp học", None, date(2024, 8, 15), date(2024, 8, 17)),
    ("Ngày 30/9 và 1/10, hội nghị tập huấn", date(2025, 10, 1), date(2025, 9, 30), date(2025, 10, 1)),
    ("Ngày 3, 4.600 đại biểu dự", date(2023, 2, 7), None, None),
    ("Lớp bồi dưỡng từ 4 - 7/6/2012 tại Đà Nẵng", None, date(2012, 6, 4), date(2012, 6, 7)),
    ("Hội nghị ngày 21 tháng 9 năm 2025 tại tỉnh", None, date(2025, 9, 21), date(2025, 9, 21)),
    ("từ ngày 28/9 đến ngày 02/10/2025", None, date(2025, 9, 28), date(2025, 10, 2)),
    ("từ ngày 21 đến ngày 23 tháng 9 năm 2025", None, date(2025, 9, 21), date(2025, 9, 23)),
    ("từ 28/12 đến 3/1/2024", None, date(2023, 12, 28), date(2024, 1, 3)),
    ("(từ ngày 31/7 đến ngày 04/8/2017)", None, date(2017, 7, 31), date(2017, 8, 4)),  # danang sample
    # year from the publish date; a date > ~6 months ahead belongs to the previous year
    ("Ngày 28-12, hội nghị tổng kết", date(2024, 1, 10), date(2023, 12, 28), date(2023, 12, 28)),
    ("Ngày 28-12, hội nghị tổng kết", date(2023, 12, 30), date(2023, 12, 28), date(2023, 12, 28)),
    ("Ngày 10-6, khai giảng", date(2024, 1, 10), date(2024, 6, 10), date(2024, 6, 10)),
    ("Ngày 20-8, khai giảng", date(2024, 1, 10), date(2023, 8, 20), date(2023, 8, 20)),
    ("Ngày 25-5, hội nghị", datetime(2023, 5, 25, 0, 4, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), PUB, PUB),
    # no year and no publish date: unknown
    ("Ngày 25-5, Ban Dân vận tổ chức", None, None, None),
    # document dates are not the event
    ("Thực hiện Kế hoạch số 68-KH/BDVTU ngày 10/3/2023 của Ban Dân vận", PUB, None, None),
    ("Quyết định số 1234/QĐ-UBND, ngày 10/3/2023 về việc cử cán bộ", PUB, None, None),
    ("Căn cứ Nghị quyết 202/2025/QH15 ngày 12/6/2025 của Quốc hội", None, None, None),
    (
        "Thực hiện Kế hoạch số 68-KH/BDVTU ngày 10/3/2023 của Ban Dân vận Thành ủy, ngày 25-5, Ban tổ chức",
        PUB,
        date(2023, 5, 25),
        date(2023, 5, 25),
    ),
    # bylines and page headers are not the event
    ("Đăng ngày 25-05-2023 00:04, Lượt xem: 50\nNội dung", PUB, None, None),
    ("Ngày 17-09-2018 Lượt xem: 79\nNội dung", None, None, None),
    ("Thứ Ba, ngày 7/2/2023\nTập huấn công tác dân vận", None, None, None),
    # numbers that are not dates
    ("Trong 2 ngày, hơn 4.600 đại biểu tham dự; tỉ số 2-1", PUB, None, None),
    ("Ngày 1.500 đại biểu", PUB, None, None),
    ("ngày 25-5 %", PUB, None, None),
    ("Giai đoạn 2020-2025, từ 2021 đến 2025", PUB, None, None),
    ("ngày 31/2", PUB, None, None),
    ("", PUB, None, None),
]


@pytest.mark.parametrize(("text", "published", "start", "end"), CASES, ids=[c[0][:40] for c in CASES])
def test_find_event_dates(text: str, published: date | None, start: date | None, end: date | None) -> None:
    assert find_event_dates(text, published) == (start, end)


def test_first_event_phrase_wins() -> None:
    text = "Sáng 24/9, khai mạc lớp tập huấn. Chiều 26/9, bế mạc và trao chứng chỉ."
    assert find_event_dates(text, date(2023, 9, 27)) == (date(2023, 9, 24), date(2023, 9, 24))


SEED_000 = (
    "Tập huấn nghiệp vụ công tác dân vận cho lực lượng cốt cán ở cơ sở\n"
    "Đăng ngày 25-05-2023 00:04, Lượt xem: 50\n\n"
    "Thực hiện Kế hoạch số 68-KH/BDVTU của Ban Dân vận Thành ủy về tổ chức các lớp tập huấn công tác "
    "dân vận năm 2023, ngày 25-5, Ban Dân vận Thành ủy tổ chức Hội nghị tập huấn nghiệp vụ công tác "
    "dân vận cho lực lượng cốt cán ở cơ sở năm 2023."
)


def test_seed_000_excerpt() -> None:
    assert find_event_dates(SEED_000, PUB) == (date(2023, 5, 25), date(2023, 5, 25))


def _seed(prefix: str) -> str:
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert matches, f"seed {prefix} is missing (tests/data/seeds/)"
    return matches[0].read_text(encoding="utf-8")


def test_seed_000_full() -> None:
    assert find_event_dates(_seed("000"), PUB) == (date(2023, 5, 25), date(2023, 5, 25))


def test_seed_004_has_no_event_date() -> None:
    # Its only date is the page header "Thứ Ba, 7/2/2023" (the render date, not the event).
    assert find_event_dates(_seed("004"), date(2023, 2, 7)) == (None, None)
