"""Training-announcement classifier: the two seeds end to end, the evaluation set's numbers, and the
explainability contract (score == sum of the weights listed in `matched`)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from benchmarks.relevance_eval import DEFAULT_SET, evaluate, load
from crawler.items import EMPTY_EVENT
from crawler.relevance import Relevance, classify, detect_province, extract_event

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"

# Measured on tests/data/relevance.jsonl (202 items, 86 hard negatives): precision 1.0, recall 1.0.
# The rules were tuned on this same set, so these are optimistic numbers; the line is held here.
MIN_PRECISION = 1.00
MIN_RECALL = 1.00

# Held-out sets (tests/data/relevance_holdout*.jsonl), gathered in order and labelled by people who
# did not see the classifier; each was measured once untouched, then some became tuning sets. The
# line is held at the measured numbers; the history is in docs/relevance.md.
#   1: 100 rows. Untouched 0.755 / 0.902; after its fixes 0.796 / 0.951; after the audience round
#      0.848 / 0.951. Tuning set.
#   2: 77 rows. Untouched 0.9375 / 0.9677; no rule written for its items; after the rounds 0.968 / 0.968.
#   3: 100 rows aimed at the audience rule's edges. Untouched 0.764 / 1.000 (education, farming,
#      policy essays); after the audience round 0.955 / 1.000. Tuning set.
#   4: 81 rows. Untouched after that round 0.857 / 0.923 (0.828 / 0.923 before it); after the second
#      round (a course's subject is not its event; vocational; population sector) 1.000 / 0.962.
#   5: 75 rows. Untouched after both rounds 0.833 / 0.926 (0.765 / 0.963 before them); one miss was a
#      first-round bug ("chính trị hệ" folds like the summer "chính trị hè"), fixed: 0.839 / 0.963.
HOLDOUTS = [DEFAULT_SET.with_name(f"relevance_holdout{n}.jsonl") for n in ("", "2", "3", "4", "5")]
# (min rows, min share of hard negatives, min precision, min recall)
HOLDOUT_LINES = [(100, 0.40, 0.84, 0.95), (75, 0.40, 0.96, 0.96), (100, 0.40, 0.95, 1.00),
                 (80, 0.30, 1.00, 0.96), (75, 0.40, 0.83, 0.96)]


def _seed(name: str) -> tuple[str, str]:
    path = SEEDS / name
    assert path.is_file(), f"seed {path} is missing (tests/data/seeds/)"
    lines = path.read_text(encoding="utf-8").split("\n")
    if name.startswith("004"):
        return lines[1], "\n".join(lines[2:])  # line 1 is the page's render date
    return lines[0], "\n".join(lines[2:])  # line 2 is the "Đăng ngày" date line


def test_seed_000_is_training_with_exact_event():
    title, body = _seed("000_b8b95e567c1f237e.txt")
    verdict = classify(title, None, body)
    assert verdict.is_training
    assert verdict.matched[0] == "tap huan@title+3"
    assert extract_event(title, None, body, date(2023, 5, 25)) == {
        "kind": "hội nghị tập huấn",
        "organizer": "Ban Dân vận Thành ủy",
        "start_date": "2023-05-25",
        "end_date": "2023-05-25",
        "participants": None,
        "audience": "lực lượng cốt cán ở cơ sở",
        "topics": [
            "Thông tin tình hình an ninh trật tự năm 2023 và kỹ năng nắm, giải quyết tình hình an ninh "
            "trật tự tại địa bàn cơ sở",
            "Hướng dẫn công tác phát hiện, nội dung xử lý cá nhân, tổ chức hoạt động tôn giáo, tín "
            "ngưỡng trái pháp luật trên địa bàn thành phố",
        ],
        "location": None,
        "speakers": "Báo cáo viên của Công an thành phố",
    }


def test_seed_004_is_training_with_exact_event():
    title, body = _seed("004_7827dd883e4d051c.txt")
    assert title == "Ban Dân vận Tỉnh ủy Lạng Sơn tập huấn công tác dân vận cho hơn 4.600 đại biểu"
    assert classify(title, None, body).is_training
    assert extract_event(title, None, body, None) == {
        "kind": "tập huấn",
        "organizer": "Ban Dân vận Tỉnh ủy Lạng Sơn",
        "start_date": None,
        "end_date": None,
        "participants": {"count": 4600, "qualifier": "hơn", "text": "hơn 4.600 đại biểu"},
        "audience": None,
        "topics": [
            "Những điểm mới về công tác dân vận trong thực hiện Nghị quyết Đại hội đại biểu toàn quốc "
            "lần thứ XIII của Đảng",
            "Chủ trương, đường lối của Đảng, chính sách của Nhà nước về dân tộc; tình hình dân tộc và "
            "công tác dân tộc của Đảng, Nhà nước trong tình hình mới",
        ],
        "location": None,
        "speakers": None,
    }
    assert detect_province(None, f"{title}\n{body}") == "Lạng Sơn"


def test_event_has_exactly_the_contract_keys():
    event = extract_event("Hội nghị tập huấn", None, "", None)
    assert list(event) == list(EMPTY_EVENT)
    assert event["topics"] == []
    assert EMPTY_EVENT["topics"] == []  # the shared default was not mutated


def test_evaluation_set_holds_the_line():
    rows = load(DEFAULT_SET)
    res = evaluate(rows)
    assert res.size >= 200
    assert res.hard / res.size >= 0.40
    assert res.precision >= MIN_PRECISION >= 0.95
    assert res.recall >= MIN_RECALL >= 0.95


@pytest.mark.parametrize("n", range(len(HOLDOUTS)), ids=[p.stem for p in HOLDOUTS])
def test_holdout_sets_hold_the_line(n: int) -> None:
    min_size, min_hard, min_precision, min_recall = HOLDOUT_LINES[n]
    rows = load(HOLDOUTS[n])
    res = evaluate(rows)
    assert res.size >= min_size and res.hard / res.size >= min_hard
    # Each set is new text: none of its pages is in the tuned set or an earlier held-out set.
    earlier = {r["url"] for p in (DEFAULT_SET, *HOLDOUTS[:n]) for r in load(p)}
    assert not {r["url"] for r in rows} & earlier
    assert res.precision >= min_precision
    assert res.recall >= min_recall


@pytest.mark.parametrize(("path", "extra"), [(DEFAULT_SET, set()), *((p, {"note"}) for p in HOLDOUTS)])
def test_evaluation_rows_are_well_formed(path, extra):
    for row in load(path):
        assert set(row) == {"url", "title", "lead", "label", "hard", "source_ref"} | extra
        assert re.match(r"^https?://", row["url"])
        assert row["title"] or row["lead"]
        assert isinstance(row["label"], bool) and isinstance(row["hard"], bool)
        assert not (row["label"] and row["hard"])
        assert row["source_ref"]


def test_score_is_the_sum_of_matched_weights():
    for row in load(DEFAULT_SET):
        verdict = classify(row["title"], row["lead"] or None, "")
        weights = [float(re.search(r"[+-][\d.]+$", m).group()) for m in verdict.matched]
        assert verdict.score == pytest.approx(sum(weights)), verdict.matched


@pytest.mark.parametrize(
    ("title", "lead", "expected"),
    [
        # review meetings, visits, awards, drills: out of scope even with Dân vận vocabulary
        (
            "Giao ban công tác dân vận quý 1/2019",
            "Ngày 8/4, đồng chí Nguyễn Linh - Phó Bí thư thường trực Huyện ủy đã chủ trì hội nghị giao ban "
            "công tác Dân vận quý 1 và triển khai nhiệm vụ quý 2 năm 2019.",
            False,
        ),
        (
            "Biểu dương người có uy tín tiêu biểu",
            "Ngày 2-6, Ban Dân vận Tỉnh ủy, Ủy ban MTTQ tỉnh Thanh Hóa tổ chức Hội nghị biểu dương người có "
            "uy tín tiêu biểu trong đồng bào dân tộc thiểu số tỉnh Thanh Hóa.",
            False,
        ),
        (
            "Đào tạo, bồi dưỡng lý luận chính trị cho hơn 16 nghìn học viên",
            "Trong 6 tháng đầu năm, Trung tâm bồi dưỡng chính trị các huyện, thành phố, các đảng ủy trực "
            "thuộc Tỉnh ủy đã phối hợp với các ban, ngành, đoàn thể của địa phương mở 180 lớp đào tạo, bồi "
            "dưỡng lý luận chính trị cho 16.212 học viên, đạt 64% kế hoạch năm.",
            False,
        ),
        (
            "Khai giảng lớp bồi dưỡng lý luận chính trị dành cho đảng viên mới",
            "Sáng 20/10, Đảng uỷ các cơ quan Đảng tỉnh tổ chức khai giảng lớp bồi dưỡng lý luận chính trị "
            "dành cho đảng viên mới khoá 1 năm 2025.",
            True,
        ),
        # "công tác thi đua, khen thưởng" is a field of work trained in; an award ceremony is not
        (
            "Tập huấn công tác thi đua, khen thưởng cho cán bộ cơ sở năm 2025",
            "Sáng 12-3, Ban Thi đua - Khen thưởng thành phố tổ chức hội nghị tập huấn nghiệp vụ công tác "
            "thi đua, khen thưởng cho hơn 200 cán bộ, công chức cấp xã.",
            True,
        ),
        (
            "Trao bằng khen cho các tập thể tiêu biểu trong công tác thi đua, khen thưởng",
            "Chiều 12-3, UBND thành phố tổ chức lễ trao bằng khen cho 25 tập thể có thành tích xuất sắc.",
            False,
        ),
        (
            "Tổng kết công tác thi đua, khen thưởng năm 2024",
            "Sáng 10-1, UBND tỉnh tổ chức hội nghị tổng kết công tác thi đua, khen thưởng năm 2024.",
            False,
        ),
    ],
)
def test_hard_cases(title, lead, expected):
    assert classify(title, lead, "").is_training is expected


def test_training_mentioned_in_a_report_body_does_not_decide():
    title = "Công tác dân vận gắn với triển khai thực hiện nhiệm vụ chính trị"
    body = (
        "Năm 2021, công tác dân vận trên địa bàn tỉnh được tích cực triển khai. Toàn tỉnh đã xây dựng "
        "được trên 1.900 mô hình dân vận khéo.\n"
        "Ban Dân vận Tỉnh ủy đã mở 5 lớp tập huấn nghiệp vụ công tác dân vận, bồi dưỡng kiến thức cho "
        "cán bộ cơ sở."
    )
    verdict = classify(title, None, body)
    assert not verdict.is_training
    assert verdict.score <= 1.0


def test_relevance_is_frozen_and_serializes():
    verdict = classify("Tập huấn cán bộ Đoàn", None, "")
    assert isinstance(verdict, Relevance)
    with pytest.raises(AttributeError):
        verdict.score = 0  # type: ignore[misc]
    assert verdict.to_dict() == {"score": verdict.score, "matched": verdict.matched}


def test_folding_makes_tone_styles_and_legacy_d_equivalent():
    # "uỷ"/"ủy", "hoá"/"hóa" and the Icelandic Ð typed for Đ all match the same rules.
    a = classify("Tập huấn nghiệp vụ cho cán bộ Ðảng uỷ xã", None, "")
    b = classify("Tập huấn nghiệp vụ cho cán bộ Đảng ủy xã", None, "")
    assert a == b


@pytest.mark.parametrize(
    ("title", "lead", "fires"),
    [
        # a school's "cán bộ quản lý, giáo viên" are teachers, not the cadres of the rule
        ("Bồi dưỡng lý luận chính trị cho cán bộ quản lý, giáo viên",
         "Ngày 14/8, UBND phường tổ chức lớp bồi dưỡng cho đội ngũ cán bộ quản lý, giáo viên ở địa phương.",
         "doi tuong ngoai pham vi@title-4"),
        # a count of pupils is an audience too
        ("Tập huấn phòng chống xâm hại", "Ngày 3/4, Huyện đoàn tổ chức tập huấn cho gần 1.000 em học sinh.",
         "doi tuong ngoai pham vi@head-3.5"),
        ("Tập huấn nâng cao kiến thức về xử lý thuốc bảo vệ thực vật", "", "-ky thuat san xuat/day nghe@title-4"),
        ("Đổi mới cách dạy bồi dưỡng chính trị hè", "",
         "-giao duc pho thong: chinh tri he/sach giao khoa@title-4"),
        ("Bồi dưỡng kiến thức cho cán bộ, công chức",
         "(Quanlynhanuoc.vn) – Trong tiến trình chuyển đổi số quốc gia, trí tuệ nhân tạo đang trở thành nền tảng.",
         "-van ban/binh luan@lead-2.5"),
    ],
)
def test_out_of_scope_audiences_and_subjects(title: str, lead: str, fires: str) -> None:
    result = classify(title, lead, "")
    assert fires in result.matched
    assert not result.is_training


@pytest.mark.parametrize(
    ("title", "lead"),
    [
        ("Tập huấn hướng dẫn tổ chức tọa đàm, đối thoại ở cơ sở",
         "Ngày 6/1, Hội LHPN huyện tổ chức lớp tập huấn hướng dẫn tổ chức tọa đàm, đối thoại cho cán bộ hội."),
        ("Tập huấn kỹ năng tổ chức đại hội chi bộ", "Sáng 5/3, Đảng ủy xã tổ chức tập huấn cho bí thư chi bộ."),
    ],
)
def test_what_a_course_teaches_is_not_its_event(title: str, lead: str) -> None:
    result = classify(title, lead, "")
    assert result.is_training
    assert not any(m.startswith("-") for m in result.matched)


@pytest.mark.parametrize(
    ("title", "fires"),
    [
        ("Khai giảng lớp đào tạo nghề cho lao động nông thôn năm 2024", "-ky thuat san xuat/day nghe@title-4"),
        ("Khai giảng lớp Vận hành máy nông nghiệp năm 2022", "-ky thuat san xuat/day nghe@title-4"),
        ("Tập huấn chính sách Dân số - KHHGĐ cho đoàn viên", "-dan so/khhgd@title-4"),
    ],
)
def test_vocational_and_population_sector_classes(title: str, fires: str) -> None:
    result = classify(title, "", "")
    assert fires in result.matched
    assert not result.is_training


@pytest.mark.parametrize(
    "title",
    [
        "Bế giảng lớp Cao cấp lý luận chính trị hệ không tập trung",
        "Khai giảng lớp Trung cấp lý luận chính trị hệ tập trung khóa 45",
    ],
)
def test_a_mode_of_study_is_not_the_summer_course(title: str) -> None:
    # "hệ" (mode of study) folds like "hè" (summer): only the summer political course is out of scope.
    result = classify(title, "", "")
    assert result.is_training
    assert not any(m.startswith("-giao duc") for m in result.matched)


def test_an_academy_is_not_an_audience():
    # "Học viện" (academy) and "học viên" (trainees) fold to the same letters; neither says cadres.
    result = classify("Học viện Hải quân tuyên truyền biển, đảo cho 300 giảng viên, sinh viên",
                      "Ngày 28-10, Học viện Hải quân tổ chức lớp tập huấn về tình hình biển, đảo.", "")
    assert "doi tuong can bo/cot can@head+1" not in result.matched
    assert not result.is_training


def test_cadres_named_in_the_title_excuse_residents_named_in_the_lead():
    result = classify("Tập huấn kỹ năng dân vận cho cán bộ cơ sở",
                      "Ngày 5/6, Ban Dân vận tổ chức tập huấn kỹ năng vận động cho cán bộ, giải đáp kiến nghị "
                      "cho người dân.", "")
    assert result.is_training
    assert not any(m.startswith("doi tuong ngoai pham vi") for m in result.matched)
