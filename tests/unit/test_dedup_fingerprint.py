"""Content hashes and near-duplicate signatures on realistic Vietnamese texts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from test_dedup_texts import (
    CAO_LOC,
    CAO_LOC_NEXT_WEEK,
    COPY_WITH_SAPO_BODY,
    EDITED_COPY_BODY,
    ORIGINAL_BODY,
    SEED_000_BODY,
    SEED_COPY_BODY,
    VAN_LANG,
    VAN_LANG_SAME_DAY,
)

from crawler.dedup.fingerprint import (
    DocSig,
    content_hash,
    doc_sig,
    fact_conflicts,
    facts,
    fingerprint,
    fingerprint_hex,
    hamming,
    is_near_duplicate,
    jaccard_estimate,
    signature_text,
)


def test_content_hash_ignores_tone_placement_case_and_spacing() -> None:
    a = content_hash("Tập huấn công tác dân vận", "Ban Dân vận Thành ủy  tổ chức\n\nhội nghị.")
    b = content_hash("tập huấn  công tác dân vận", "Ban Dân vận Thành uỷ tổ chức hội nghị.")
    assert a == b
    assert len(a) == 64
    assert content_hash("Tập huấn công tác dân vận", "Ban Dân vận Thành ủy tổ chức hội nghị lần 2.") != a


def test_signature_text_drops_captions_credits_and_widgets() -> None:
    text = signature_text(SEED_COPY_BODY)
    assert "Các đại biểu tham dự hội nghị" not in text
    assert "(baolangson.vn)" not in text
    assert "Gửi cho bạn bè" not in text
    assert text.startswith("Tại hội nghị, các đại biểu được truyền đạt 2 chuyên đề.")
    assert len(text.split("\n")) == 5


def test_facts_are_numbers_dates_and_name_spans() -> None:
    got = facts("Ngày 12/04, Ban Dân vận Huyện ủy Cao Lộc tập huấn cho 4.600 đại biểu tại 07-05-2023.")
    # "Ngày" and "Huyện" are single capitalised words, not spans; dates lose zero padding
    assert got == frozenset({"n:12/4", "n:4600", "n:7/5/2023", "p:ban dan", "p:cao loc"})


PAIRS = [
    # (name, a, b, expected near-duplicate)
    ("seed 004 copy vs reconstructed baolangson original", ORIGINAL_BODY, SEED_COPY_BODY, True),
    ("copy with two small edits", ORIGINAL_BODY, EDITED_COPY_BODY, True),
    ("copy with the sapo pasted into its body", ORIGINAL_BODY, COPY_WITH_SAPO_BODY, True),
    ("templated notice: other district, date, numbers", CAO_LOC, VAN_LANG, False),
    ("templated notice: same district, next week", CAO_LOC, CAO_LOC_NEXT_WEEK, False),
    ("templated notice: other district, same day", CAO_LOC, VAN_LANG_SAME_DAY, False),
    ("two different Dân vận trainings (seed 000 vs 004)", SEED_000_BODY, SEED_COPY_BODY, False),
]


@pytest.mark.parametrize(("name", "a", "b", "expected"), PAIRS, ids=[p[0] for p in PAIRS])
def test_near_duplicate_decisions(name: str, a: str, b: str, expected: bool) -> None:
    sa, sb = doc_sig(a), doc_sig(b)
    assert is_near_duplicate(sa, sb) is expected
    assert is_near_duplicate(sb, sa) is expected


def test_measured_similarities() -> None:
    """The numbers quoted in docs/dedup.md (deterministic: fixed hashes, fixed texts)."""
    got = {}
    for name, a, b, _ in PAIRS:
        sa, sb = doc_sig(a), doc_sig(b)
        got[name] = (
            jaccard_estimate(sa.minhash, sb.minhash), hamming(sa.simhash, sb.simhash), fact_conflicts(sa, sb)
        )
    assert got == {
        "seed 004 copy vs reconstructed baolangson original": (1.0, 2, (0, 0)),
        "copy with two small edits": (0.96875, 4, (0, 0)),
        "copy with the sapo pasted into its body": (0.75, 5, (0, 0)),
        "templated notice: other district, date, numbers": (0.84375, 4, (2, 1)),
        "templated notice: same district, next week": (0.9375, 3, (1, 0)),
        "templated notice: other district, same day": (0.9375, 3, (0, 1)),
        "two different Dân vận trainings (seed 000 vs 004)": (0.03125, 35, (3, 4)),
    }


def test_short_texts_never_match() -> None:
    a = doc_sig("Thông báo lịch tập huấn tháng 4.")
    assert not a.usable
    assert not is_near_duplicate(a, a)


def test_identical_texts_match_and_hex_is_16_digits() -> None:
    sig = doc_sig(SEED_COPY_BODY)
    assert is_near_duplicate(sig, sig)
    assert len(sig.hex) == 16 and int(sig.hex, 16) == sig.simhash
    assert fingerprint_hex(0) == "0000000000000000"
    assert hamming(0, (1 << 64) - 1) == 64


def test_docsig_round_trips_through_storage_form() -> None:
    sig = doc_sig(ORIGINAL_BODY)
    again = DocSig.from_stored(sig.simhash - (1 << 64) if sig.simhash >= 1 << 63 else sig.simhash,
                               sig.words, sig.minhash_blob(), sig.facts_text())
    assert again == sig


_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from test_dedup_texts import SEED_COPY_BODY
from crawler.dedup.fingerprint import doc_sig, fingerprint, content_hash
s = doc_sig(SEED_COPY_BODY)
print(json.dumps([s.hex, list(s.minhash), list(s.facts), fingerprint("tập huấn dân vận"),
                  content_hash("a", SEED_COPY_BODY)]))
"""


def test_signatures_are_identical_across_processes() -> None:
    here = os.path.dirname(__file__)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # a different str-hash salt than this process
    out = subprocess.run([sys.executable, "-c", _CHILD, here], capture_output=True, text=True, env=env,
                         check=True, timeout=60)
    s = doc_sig(SEED_COPY_BODY)
    expected = [s.hex, list(s.minhash), list(s.facts), fingerprint("tập huấn dân vận"),
                content_hash("a", SEED_COPY_BODY)]
    assert json.loads(out.stdout) == expected
