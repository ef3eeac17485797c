"""Normalization of Vietnamese text: NFC, entities, spaces, Ð, malformed vowels, tone placement."""

from __future__ import annotations

import unicodedata

import pytest

from crawler.text import (
    fold,
    is_vietnamese_syllable,
    normalize_paragraphs,
    normalize_text,
    normalize_tone_marks,
)

TONE_CASES = [
    # old placement -> canonical (tone on the first vowel of an open oa/oe/uy)
    ("hoà", "hòa"),
    ("hoá", "hóa"),
    ("hoả", "hỏa"),
    ("khoẻ", "khỏe"),
    ("uỷ", "ủy"),
    ("thuỷ", "thủy"),
    ("tuỳ", "tùy"),
    ("luỹ", "lũy"),
    ("Uỷ ban", "Ủy ban"),
    ("quận uỷ", "quận ủy"),
    ("THUỶ", "THỦY"),
    ("Hoà Bình", "Hòa Bình"),
    # already canonical or not affected: must not move
    ("hòa", "hòa"),
    ("hoàn", "hoàn"),
    ("hoạch", "hoạch"),
    ("huỳnh", "huỳnh"),
    ("quý", "quý"),
    ("quỳnh", "quỳnh"),
    ("quốc", "quốc"),
    ("của", "của"),
    ("mùa", "mùa"),
    ("mía", "mía"),
    ("thuở", "thuở"),
    ("người", "người"),
    ("rượu", "rượu"),
    ("ngoài", "ngoài"),
    ("khuỷu", "khuỷu"),
    ("Nguyễn", "Nguyễn"),
    ("tuyển", "tuyển"),
    ("giữa", "giữa"),
    ("gì", "gì"),
    ("già", "già"),
    ("khuya", "khuya"),
    # tone on the wrong letter of an onset
    ("qúy", "quý"),
    ("gìa", "già"),
    # malformed vowels
    ("lựơng", "lượng"),
    ("lựong", "lượng"),
    ("lưọng", "lượng"),
    ("thuơng", "thương"),
    ("Trưòng", "Trường"),
    # foreign words pass unchanged
    ("où", "où"),
    ("café", "café"),
    ("résumé", "résumé"),
    ("Müller", "Müller"),
    ("José", "José"),
    ("naïve", "naïve"),
    ("idée", "idée"),
    ("Queue", "Queue"),
]


@pytest.mark.parametrize(("raw", "expected"), TONE_CASES)
def test_normalize_tone_marks(raw: str, expected: str) -> None:
    assert normalize_tone_marks(raw) == expected


def test_tone_marks_word_by_word_in_a_sentence() -> None:
    raw = "lãnh đạo Ban Dân vận các quận uỷ, huyện ủy; Uỷ ban Mặt trận, sức khoẻ và hoà bình"
    assert normalize_tone_marks(raw) == (
        "lãnh đạo Ban Dân vận các quận ủy, huyện ủy; Ủy ban Mặt trận, sức khỏe và hòa bình"
    )


NORMALIZE_CASES = [
    ("Ph&#242;ng", "Phòng"),
    ("&#x1ED4;n định", "Ổn định"),
    ("Ho&agrave;ng", "Hoàng"),
    ("Tập&nbsp;huấn", "Tập huấn"),
    ("Tập\u00a0\u00a0 huấn\u2003cán\u202fbộ", "Tập huấn cán bộ"),
    ("  dân\tvận \n cơ sở  ", "dân vận cơ sở"),
    ("tập\u200bhuấn\ufeff", "tậphuấn"),
    ("\u00d0ảng bộ", "Đảng bộ"),
    ("\u00d0ÀO TẠO", "ĐÀO TẠO"),
    ("số lựơng đại biểu", "số lượng đại biểu"),
    ("quận uỷ, huyện ủy", "quận ủy, huyện ủy"),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALIZE_CASES)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_nfd_input_becomes_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Hội nghị tập huấn nghiệp vụ")
    assert nfd != "Hội nghị tập huấn nghiệp vụ"
    assert normalize_text(nfd) == "Hội nghị tập huấn nghiệp vụ"
    assert unicodedata.is_normalized("NFC", normalize_text(nfd))


def test_mixed_precomposed_and_combining() -> None:
    mixed = "Ban Da\u0302n va\u0323\u0302n Tỉnh ủy"  # â and ậ typed as combining marks
    assert normalize_text(mixed) == "Ban Dân vận Tỉnh ủy"


def test_normalize_text_fixes_a_tcvn3_fragment() -> None:
    assert normalize_text("Xin chµo, ®©y lµ mét dßng ch÷") == "Xin chào, đây là một dòng chữ"


def test_normalize_text_is_idempotent() -> None:
    once = normalize_text("Ho&agrave; b\u00ecnh,  quận uỷ lựơng \u00d0ảng")
    assert normalize_text(once) == once


def test_normalize_paragraphs_keeps_breaks() -> None:
    raw = "Tập  huấn\nnghiệp vụ\n\n\n  Uỷ ban&nbsp;Mặt trận \r\n\r\n\n\n cuối"
    assert normalize_paragraphs(raw) == "Tập huấn nghiệp vụ\n\nỦy ban Mặt trận\n\ncuối"


def test_normalize_paragraphs_drops_empty() -> None:
    assert normalize_paragraphs("\n\n \u00a0\n\n") == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [("uỷ", "ủy"), ("Thành uỷ", "thành ủy"), ("hoà", "hòa"), ("Đảng", "dang"), ("\u00d0ảng", "Đảng")],
)
def test_fold_equates_variants(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_output() -> None:
    assert fold("Tập huấn Nghiệp vụ ĐÁNH GIÁ") == "tap huan nghiep vu danh gia"


@pytest.mark.parametrize(
    "word", ["chào", "Đảng", "người", "khuỷu", "quý", "giữa", "tuyển", "hòa", "hoà", "mét", "ất"]
)
def test_is_vietnamese_syllable_yes(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize("word", ["où", "Müller", "café", "ât", "at", "strong", "mèt", "chµo", "hoàt"])
def test_is_vietnamese_syllable_no(word: str) -> None:
    assert not is_vietnamese_syllable(word)
