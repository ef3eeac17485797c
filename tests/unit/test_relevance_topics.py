"""Topic tags: keyword-based, stable order, readable names."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.relevance import TOPICS, topics


def test_tags_are_unique_and_readable():
    names = [name for name, _ in TOPICS]
    assert len(names) == len(set(names))
    assert "dân vận" in names and "tôn giáo" in names and "chuyển đổi số" in names


@pytest.mark.parametrize(
    ("title", "lead", "expected"),
    [
        ("Tập huấn kỹ năng dân vận khéo cho cán bộ cơ sở", None, ["dân vận khéo", "dân vận"]),
        ("Bồi dưỡng, cập nhật kiến thức công tác dân tộc, tôn giáo", None, ["tôn giáo", "dân tộc"]),
        (
            "Tập huấn chuyển đổi số và cải cách hành chính cho công chức cấp xã",
            None,
            ["chuyển đổi số", "cải cách hành chính"],
        ),
        (
            "Tập huấn công tác giám sát, phản biện xã hội năm 2025",
            "Ban Thường trực Ủy ban MTTQ tỉnh tổ chức hội nghị tập huấn cho đội ngũ cán bộ MTTQ ở cơ sở.",
            ["công tác Mặt trận"],
        ),
        ("Ban Nội chính trung ương hướng dẫn chống tham nhũng", None, ["phòng chống tham nhũng"]),
        ("Khai giảng lớp bồi dưỡng lý luận chính trị dành cho đảng viên mới", None, ["xây dựng Đảng"]),
        (
            "Tập huấn công tác tuyên truyền miệng năm 2022 khu vực phía Nam",
            "Ban Tuyên giáo Trung ương tổ chức Hội nghị tập huấn cho đội ngũ báo cáo viên.",
            ["tuyên giáo", "báo cáo viên / tuyên truyền miệng"],
        ),
        (
            "Khai mạc Lớp bồi dưỡng kiến thức quốc phòng và an ninh cho cán bộ đối tượng 3",
            None,
            ["quốc phòng"],
        ),
        ("Tập huấn cho lực lượng tham gia bảo vệ an ninh, trật tự ở cơ sở", None, ["an ninh trật tự"]),
        ("Thời tiết hôm nay", None, []),
    ],
)
def test_topics(title, lead, expected):
    assert topics(title, lead, "") == expected


def test_seed_topics_in_stable_order():
    path = Path(__file__).resolve().parents[1] / "data" / "seeds" / "000_b8b95e567c1f237e.txt"
    assert path.is_file(), f"seed {path} is missing (tests/data/seeds/)"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert topics(lines[0], None, "\n".join(lines[2:])) == [
        "dân vận",
        "báo cáo viên / tuyên truyền miệng",
        "tôn giáo",
        "dân tộc",
        "an ninh trật tự",
        "công tác Mặt trận",
    ]
