"""Event fields: participants parsing, kind, organizer, audience, topics, location, speakers."""

from __future__ import annotations

import pytest

from crawler.relevance import extract_event, parse_participants


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "tập huấn công tác dân vận cho hơn 4.600 đại biểu",
            {"count": 4600, "qualifier": "hơn", "text": "hơn 4.600 đại biểu"},
        ),
        (
            "Lớp gồm 204 học viên đang công tác trong khối LLVT",
            {"count": 204, "qualifier": None, "text": "204 học viên"},
        ),
        (
            "tới điểm cầu tại 14 phường với gần 2.000 người tham dự",
            {"count": 2000, "qualifier": "gần", "text": "gần 2.000 người"},
        ),
        (
            "Tham dự buổi tập huấn có khoảng 100 cán bộ, hội viên nòng cốt",
            {"count": 100, "qualifier": "khoảng", "text": "khoảng 100 cán bộ"},
        ),
        (
            "cho trên 400 cán bộ, công chức, viên chức",
            {"count": 400, "qualifier": "trên", "text": "trên 400 cán bộ"},
        ),
        (
            "mở lớp bồi dưỡng công tác tôn giáo cho 130học viên là cán bộ",
            {"count": 130, "qualifier": None, "text": "130học viên"},
        ),
        ("với 1.900 đại biểu/75 điểm cầu", {"count": 1900, "qualifier": None, "text": "1.900 đại biểu"}),
        (
            "Tỉnh đoàn tổ chức lớp tập huấn cho hơn 200 bí thư, phó bí thư chi đoàn",
            {"count": 200, "qualifier": "hơn", "text": "hơn 200 bí thư"},
        ),
        ("bồi dưỡng cho 85 trưởng thôn, tổ trưởng tổ dân phố",
         {"count": 85, "qualifier": None, "text": "85 trưởng thôn"}),
        (
            "Gần như 1.200 đảng viên đã dự",
            {"count": 1200, "qualifier": "Gần như", "text": "Gần như 1.200 đảng viên"},
        ),
        (
            "thu hút hàng trăm đại biểu tham dự",
            {"count": 100, "qualifier": "hàng trăm", "text": "hàng trăm đại biểu"},
        ),
        ("khai mạc lớp tập huấn năm 2023", None),
        ("", None),
    ],
)
def test_participants_table(text, expected):
    assert parse_participants(text) == expected


def test_attendance_counts_over_a_period_are_not_participants():
    event = extract_event(
        "Hội nghị tập huấn",
        None,
        "Năm qua đã tổ chức 267 lớp tập huấn cho hơn 14.000 lượt hội viên, nông dân.",
        None,
    )
    assert event["participants"] is None


@pytest.mark.parametrize(
    ("title", "lead", "kind", "organizer"),
    [
        (
            "Tập huấn, bồi dưỡng nghiệp vụ dân vận cho cán bộ cơ sở và người có uy tín",
            "(Baothanhhoa.vn) - Sáng 24/9, Ban Tuyên giáo và Dân vận Tỉnh ủy phối hợp với "
            "Đảng ủy xã Sơn Điện tổ chức khai mạc hội nghị tập huấn, bồi dưỡng nghiệp vụ công tác "
            "dân vận cho đội ngũ cán bộ cơ sở.",
            "hội nghị tập huấn",
            "Ban Tuyên giáo và Dân vận Tỉnh ủy",
        ),
        (
            "Khai giảng các lớp Trung cấp lý luận chính trị hệ tập trung khóa học 2025-2026",
            "Chiều 13/8, Trường Chính trị tỉnh Thanh Hóa tổ chức khai giảng lớp Trung cấp lý luận "
            "chính trị hệ tập trung K52A khóa học 2025-2026.",
            "lớp trung cấp lý luận chính trị",
            "Trường Chính trị tỉnh Thanh Hóa",
        ),
        (
            "LĐLĐ thị xã Trảng Bàng tập huấn nghiệp vụ công đoàn năm 2020",
            "Từ ngày 20/7 đến ngày 24/7/2020, Liên đoàn Lao động thị xã Trảng Bàng phối hợp "
            "Ban Tuyên giáo thị xã tổ chức khai giảng lớp bồi dưỡng lý luận chính trị và nghiệp vụ "
            "công đoàn.",
            "lớp bồi dưỡng",
            "Liên đoàn Lao động thị xã Trảng Bàng",
        ),
        ("Chủ tịch UBMTTQ tỉnh chủ trì hội nghị", "Không ai tổ chức gì cả.", None, None),
    ],
)
def test_kind_and_organizer(title, lead, kind, organizer):
    event = extract_event(title, lead, "", None)
    assert event["kind"] == kind
    assert event["organizer"] == organizer


def test_organizer_keeps_printed_diacritics_with_canonical_tone_marks():
    event = extract_event("", "Ngày 25-5, Ban Dân vận Thành uỷ tổ chức Hội nghị tập huấn.", "", None)
    assert event["organizer"] == "Ban Dân vận Thành ủy"


def test_audience_location_speakers_and_topics():
    lead = (
        "Sáng 14-6, tại hội trường Nhà khách Phương Nam (TPHCM), Ban Tuyên giáo Trung ương tổ chức "
        "Hội nghị tập huấn công tác tuyên truyền miệng cho báo cáo viên các tỉnh năm 2022."
    )
    body = (
        "Hội nghị tập huấn 2 chuyên đề “Công tác dân vận của tổ chức Đảng và chính quyền ở cơ sở trong "
        "tình hình mới” và “Kỹ năng tuyên truyền miệng” do Tiến sĩ Phạm Ngọc Lợi, Trưởng khoa Dân vận "
        "báo cáo.\nCác đại biểu được nhắc “không liên quan đến chuyên đề” ở đoạn khác."
    )
    event = extract_event("Tập huấn công tác tuyên truyền miệng", lead, body, None)
    assert event["location"] == "hội trường Nhà khách Phương Nam"
    assert event["audience"] == "báo cáo viên các tỉnh"
    assert event["topics"] == [
        "Công tác dân vận của tổ chức Đảng và chính quyền ở cơ sở trong tình hình mới",
        "Kỹ năng tuyên truyền miệng",
    ]
    assert event["speakers"] == "Tiến sĩ Phạm Ngọc Lợi, Trưởng khoa Dân vận"


def test_unstated_fields_stay_empty():
    event = extract_event("Tập huấn cán bộ Đoàn", None, "", None)
    assert event == {
        "kind": "tập huấn",
        "organizer": None,
        "start_date": None,
        "end_date": None,
        "participants": None,
        "audience": None,
        "topics": [],
        "location": None,
        "speakers": None,
    }


@pytest.mark.parametrize(
    ("body", "audience"),
    [
        # yenbai_gov fixture: the clause runs to ";"
        ("Tham dự hội nghị có hơn 250 đại biểu là lãnh đạo các sở, ban, ngành; Ủy ban nhân dân các huyện.",
         "lãnh đạo các sở, ban, ngành"),
        # tuyenquang_dcs fixture: words between the count and "là"
        ("Dự hội nghị có hơn 800 đại biểu tại điểm cầu Tỉnh ủy và điểm cầu các xã, phường, là cán bộ phụ "
         "trách công tác dân vận, thành viên ban chỉ đạo thực hiện dân chủ ở cơ sở các cấp.",
         "cán bộ phụ trách công tác dân vận, thành viên ban chỉ đạo thực hiện dân chủ ở cơ sở các cấp"),
        # the audience's end words still cut it
        ("Lớp có 60 học viên là cán bộ Đoàn cơ sở tại Hội trường Tỉnh đoàn.", "cán bộ Đoàn cơ sở"),
        # "là" that does not name who they are
        ("Lớp có 120 học viên, đây là lớp thứ ba được tổ chức.", None),
        ("Hơn 300 đại biểu dự hội nghị là minh chứng cho sự quan tâm.", None),
    ],
)
def test_audience_from_the_sentence_that_counts_participants(body: str, audience: str | None) -> None:
    event = extract_event("Hội nghị tập huấn nghiệp vụ", "Ngày 18/5, Ban Dân vận tổ chức hội nghị tập huấn.",
                          body, None)
    assert event["audience"] == audience


def test_audience_in_the_head_wins_over_the_count_sentence() -> None:
    event = extract_event("Tập huấn cho cán bộ cơ sở", None,
                          "Có 200 đại biểu là lãnh đạo các sở, ngành dự.", None)
    assert event["audience"] == "cán bộ cơ sở"
