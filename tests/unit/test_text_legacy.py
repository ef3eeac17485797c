"""Legacy encodings: TCVN3/VNI font mojibake detection and repair, cp1258 and gzip HTML bytes."""

from __future__ import annotations

import gzip
import json
import unicodedata
from pathlib import Path

import pytest

from crawler.text import normalize_text, normalize_tone_marks
from crawler.text.legacy import decode_html_bytes, detect_legacy, fix_legacy

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"

# TCVN3 samples: the first was produced with glibc iconv (UTF-8 -> TCVN5712-1, bytes read as
# Latin-1); the others are the strings used by public converters' tests and docs.
TCVN3_CASES = [
    ("Xin chµo, ®©y lµ mét dßng ch÷ bÞ lçi font", "Xin chào, đây là một dòng chữ bị lỗi font"),
    (
        "C¸c ®¹i biÓu ®\xadîc truyÒn ®¹t 2 chuyªn ®Ò vÒ c«ng t¸c d©n vËn trong vïng ®ång bµo d©n téc.",
        "Các đại biểu được truyền đạt 2 chuyên đề về công tác dân vận trong vùng đồng bào dân tộc.",
    ),
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam §éc lËp", "Cộng hoà xã hội chủ nghĩa Việt Nam Độc lập"),
    ("QuyÕt ®Þnh cña Bé tr\xadëng Bé Tµi chÝnh", "Quyết định của Bộ trưởng Bộ Tài chính"),
    ("B¸o c¸o tµi chÝnh quý II n¨m 2026", "Báo cáo tài chính quý II năm 2026"),
    ("§¶ng bé tØnh L¹ng S¬n", "Đảng bộ tỉnh Lạng Sơn"),
    ("M\xadêng Kh\xad¬ng", "Mường Khương"),
    ("B¶o Th¾ng", "Bảo Thắng"),
    ("Hµ Néi", "Hà Nội"),
]
VNI_CASES = [
    ("Xin chaøo caùc baïn", "Xin chào các bạn"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("Caên cöù Luaät Toå chöùc HÑND vaø UBND", "Căn cứ Luật Tổ chức HĐND và UBND"),
]


@pytest.mark.parametrize(("mojibake", "expected"), TCVN3_CASES)
def test_tcvn3(mojibake: str, expected: str) -> None:
    assert detect_legacy(mojibake) == "tcvn3"
    assert fix_legacy(mojibake) == expected


@pytest.mark.parametrize(("mojibake", "expected"), VNI_CASES)
def test_vni(mojibake: str, expected: str) -> None:
    assert detect_legacy(mojibake) == "vni"
    assert fix_legacy(mojibake) == expected


NEGATIVES = [
    "Tập huấn nghiệp vụ công tác dân vận cho lực lượng cốt cán ở cơ sở",
    "Tôi có",  # Unicode Vietnamese made only of Latin-1 letters
    "Bà có đi chợ không",
    "Copyright © 2023 Báo Lạng Sơn. All rights reserved®",
    "Training course for grassroots officials, 25 May 2023",
    "Le café « crème » coûte trop cher à Paris, où l'été est chaud.",
    "Le naïf maïs où être Noël à Paris, déjà vu, garçon français",
    "Müller für Straße, Ærø og Øresund, señor Muñoz",
    "Dosis: 10 µm, 30°C ± 2, ½ tấn, × 3",
    "« Bonjour » dit-il",
    "",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_not_legacy(text: str) -> None:
    assert detect_legacy(text) is None
    assert fix_legacy(text) == text


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_seeds_are_not_legacy(seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    assert detect_legacy(text) is None
    assert fix_legacy(text) == text


def test_one_tcvn3_paragraph_in_a_unicode_page() -> None:
    page = (
        "Tập huấn nghiệp vụ công tác dân vận\n\n"
        "Thùc hiÖn kÕ ho¹ch cña Ban d©n vËn thµnh ñy, ngµy 25-5, ban d©n vËn tæ chøc héi nghÞ.\n\n"
        "Các tin khác"
    )
    assert detect_legacy(page) == "tcvn3"
    assert fix_legacy(page) == (
        "Tập huấn nghiệp vụ công tác dân vận\n\n"
        "Thực hiện kế hoạch của Ban dân vận thành ủy, ngày 25-5, ban dân vận tổ chức hội nghị.\n\n"
        "Các tin khác"
    )


def test_tcvn3_sentence_inside_a_unicode_line() -> None:
    line = "Tin từ Lạng Sơn. Xin chµo, ®©y lµ mét dßng ch÷. Hết."
    assert fix_legacy(line) == "Tin từ Lạng Sơn. Xin chào, đây là một dòng chữ. Hết."


def test_normalize_text_repairs_before_dropping_soft_hyphens() -> None:
    # TCVN3 "ư" is U+00AD, which normalize_text otherwise drops as invisible.
    assert normalize_text("lùc l\xadîng cèt c¸n ë c¬ së") == "lực lượng cốt cán ở cơ sở"
    assert normalize_text("Céng hoµ x· héi") == "Cộng hòa xã hội"  # then canonical tone placement


# --- bytes --------------------------------------------------------------------------------------

TITLE = "Tập huấn nghiệp vụ công tác dân vận cho lực lượng cốt cán"


def _cp1258(text: str) -> bytes:
    """How a windows-1258 page stores text: letters with their shape (ê, ơ, ă) precomposed, the tone
    as a separate combining mark. Python's encoder does not decompose, so do it here."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        tones = [c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323"]
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(tones))
    return "".join(out).encode("cp1258")


def _html(charset: str, body: str = TITLE) -> str:
    return f'<html><head><meta charset="{charset}"><title>{body}</title></head><body>{body}</body></html>'


def test_cp1258_declared_in_header() -> None:
    raw = _cp1258(_html("windows-1258"))
    text = decode_html_bytes(raw, "text/html; charset=windows-1258")
    assert TITLE in text
    assert unicodedata.is_normalized("NFC", text)


def test_cp1258_uses_combining_tones_and_comes_back_nfc() -> None:
    raw = _cp1258("ệ")
    assert len(raw) == 2  # ê + combining dot below: cp1258 has no precomposed ệ
    assert decode_html_bytes(raw, "windows-1258") == "ệ"


def test_cp1258_declared_only_in_meta() -> None:
    raw = _cp1258(_html("windows-1258"))
    assert TITLE in decode_html_bytes(raw, None)


def test_utf8_default_and_bom() -> None:
    raw = _html("utf-8").encode("utf-8")
    assert TITLE in decode_html_bytes(raw, None)
    assert decode_html_bytes(b"\xef\xbb\xbf" + TITLE.encode(), None) == TITLE


def test_utf8_wins_over_a_wrong_latin1_declaration() -> None:
    raw = _html("iso-8859-1").encode("utf-8")
    assert TITLE in decode_html_bytes(raw, "text/html; charset=ISO-8859-1")


def test_gzip_without_content_encoding() -> None:
    raw = gzip.compress(_html("utf-8").encode("utf-8"))
    assert raw[:2] == b"\x1f\x8b"
    assert TITLE in decode_html_bytes(raw, "text/html; charset=utf-8")


def test_gzip_of_cp1258() -> None:
    raw = gzip.compress(_cp1258(_html("windows-1258")))
    assert TITLE in decode_html_bytes(raw, None)


def test_truncated_gzip_gives_what_was_read() -> None:
    full = gzip.compress(_html("utf-8", TITLE * 50).encode("utf-8"))
    text = decode_html_bytes(full[: len(full) - 10], None)
    assert text.startswith('<html><head><meta charset="utf-8"><title>Tập huấn')


def test_tcvn3_page_decodes_as_latin1_then_fixes() -> None:
    # An old .VnTime page declared windows-1252: bytes decode fine, the text is then repaired.
    raw = _html("windows-1252", "Xin chµo, ®©y lµ mét dßng ch÷").encode("cp1252")
    text = decode_html_bytes(raw, None)
    assert "Xin chµo" in text
    assert "Xin chào, đây là một dòng chữ" in fix_legacy(text)


def test_gzip_output_is_capped() -> None:
    raw = gzip.compress(b"a" * 1_000_000)
    assert decode_html_bytes(raw, "utf-8", max_size=1000) == "a" * 1000


# --- normal Unicode Vietnamese is never "fixed" ------------------------------------------------

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sites"

# Names made only of Latin-1 letters (à, â, ê, ô...) that the VNI/TCVN3 tables also hold: "Hoàng"
# read as VNI is "Hồng", "Châu" read as TCVN3 is "Chõu".
NAMES = [
    "Hoàng", "Châu", "Hoàn", "Toàn", "Đoàn", "Quân", "Thuận", "Nguyễn", "Trường", "Phượng", "Ánh",
    "Ân", "Ấn", "Âu", "Hoàng Châu", "HOÀNG CHÂU", "Toàn Thắng", "Đoàn Quân", "Ông Âu Hoàng",
    "Hoàng Anh Tuấn", "Trần Văn Toàn", "Lê Thị Ánh", "Châu Thành", "Hoài Ân", "Tân Châu",
    "Vân Hoàng Hoàn", "CHÂU ÂU", "Bà Hoàng", "Nguyễn Hoàng Châu",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_names_are_not_legacy(name: str) -> None:
    assert detect_legacy(name) is None
    assert fix_legacy(name) == name
    assert normalize_text(name) == name
    assert normalize_text(name.upper()) == name.upper()


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _unicode_texts() -> list[tuple[str, str]]:
    """(where, text) for the seeds and every string of the fixtures' expected JSON."""
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    for path in sorted(FIXTURES.glob("*/*.json")):
        for i, text in enumerate(_strings(json.loads(path.read_text(encoding="utf-8")))):
            if not text.startswith("http"):
                texts.append((f"{path.parent.name}/{path.name}#{i}", text))
    return texts


def _pieces(text: str) -> list[str]:
    """The text, its lines, its words and every run of two and three words: short runs are where a
    false positive hides (two names in a byline), a whole body dilutes it."""
    words = text.split()
    runs = [" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)]
    return [text, *text.splitlines(), *runs]


def test_unicode_texts_are_never_fixed() -> None:
    texts = _unicode_texts()
    assert len(texts) > 500  # seeds and fixtures are all there
    wrong = []
    for where, text in texts:
        for piece in _pieces(text):
            if fix_legacy(piece) != piece:
                wrong.append((where, piece, fix_legacy(piece)))
    assert wrong == []


def test_normalize_text_changes_unicode_texts_only_in_tones_and_spaces() -> None:
    for where, text in _unicode_texts():
        expected = " ".join(normalize_tone_marks(unicodedata.normalize("NFC", text)).split())
        assert normalize_text(text) == expected, where
