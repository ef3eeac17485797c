"""Decision rules: new / duplicate_url / changed / near_duplicate, and "prefer the original"."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_dedup_texts import CAO_LOC, ORIGINAL_BODY, SEED_COPY_BODY, VAN_LANG

from crawler.dedup.decide import Kind, apply, decide, hold, hold_for, release_held, source_domain
from crawler.dedup.fingerprint import content_hash, doc_sig
from crawler.dedup.store import Record, SQLiteStateStore

T0 = datetime(2023, 2, 7, 3, 0, tzinfo=UTC)
ORIG = "https://baolangson.vn/ban-dan-van-tinh-uy-tap-huan-5071654.html"
COPY = "https://danvan.vn/Home/Tin-hoat-dong/Dia-phuong/15230/Ban-Dan-van-Tinh-uy-Lang-Son"
COPY2 = "https://baomoi.com/ban-dan-van-tinh-uy-lang-son/c/45123456.epi"


def rec(url: str, body: str, site: str) -> Record:
    return Record(url, site, content_hash("t", body), doc_sig(body))


def run(store: SQLiteStateStore, url: str, body: str, site: str) -> Kind:
    r = rec(url, body, site)
    assert r.sig is not None and r.content_hash is not None
    d = decide(store, url, r.content_hash, r.sig)
    apply(store, d, r, T0)
    return d.kind


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStateStore:
    s = SQLiteStateStore(tmp_path)
    yield s
    s.close()


def test_new_then_duplicate_then_changed(store: SQLiteStateStore) -> None:
    r = rec(ORIG, ORIGINAL_BODY, "baolangson")
    assert r.sig is not None and r.content_hash is not None
    d = decide(store, ORIG, r.content_hash, r.sig)
    assert (d.kind, d.revision, d.emit) == (Kind.NEW, 1, True)
    apply(store, d, r)
    d = decide(store, ORIG, r.content_hash, r.sig)
    assert (d.kind, d.revision, d.emit) == (Kind.DUPLICATE_URL, 1, False)
    changed = rec(ORIG, ORIGINAL_BODY + "\n\nĐính chính: có 4.650 đại biểu tham dự hội nghị.", "baolangson")
    assert changed.sig is not None and changed.content_hash is not None
    d = decide(store, ORIG, changed.content_hash, changed.sig)
    assert (d.kind, d.revision) == (Kind.CHANGED, 2)
    apply(store, d, changed)
    got = store.get(ORIG)
    assert got is not None and d.target is not None
    assert (got.revision, got.id) == (2, d.target.id)


def test_copy_after_original_becomes_its_mirror(store: SQLiteStateStore) -> None:
    assert run(store, ORIG, ORIGINAL_BODY, "baolangson") is Kind.NEW
    assert run(store, COPY, SEED_COPY_BODY, "danvan") is Kind.NEAR_DUPLICATE
    original = store.get(ORIG)
    assert original is not None and original.mirrors == (COPY,)
    # Seen again later: known as a mirror, so a plain URL duplicate of the original.
    r = rec(COPY, SEED_COPY_BODY, "danvan")
    assert r.sig is not None and r.content_hash is not None
    d = decide(store, COPY, r.content_hash, r.sig)
    assert d.kind is Kind.DUPLICATE_URL and d.target is not None and d.target.canonical_url == ORIG


def test_templated_sibling_is_new(store: SQLiteStateStore) -> None:
    assert run(store, "https://a.vn/cao-loc", CAO_LOC, "a") is Kind.NEW
    assert run(store, "https://a.vn/van-lang", VAN_LANG, "a") is Kind.NEW


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("(baolangson.vn)", "baolangson.vn"),
        ("Theo Baolangson.vn", "baolangson.vn"),
        ("Nguồn: www.baolangson.vn", "baolangson.vn"),
        ("Theo TTXVN", None),
        ("", None),
        (None, None),
    ],
)
def test_source_domain(source: str | None, expected: str | None) -> None:
    assert source_domain(source) == expected


def test_hold_for() -> None:
    registered = ["baolangson.vn", "danvan.vn", "nhandan.vn"]
    assert hold_for("(baolangson.vn)", ["danvan.vn"], registered) == "baolangson.vn"
    assert hold_for("(baolangson.vn)", ["baolangson.vn"], registered) is None  # its own credit
    assert hold_for("(baoquangninh.vn)", ["danvan.vn"], registered) is None  # not crawled: no wait
    assert hold_for("Theo TTXVN", ["danvan.vn"], registered) is None
    assert hold_for("(m.baolangson.vn)", ["danvan.vn"], registered) == "baolangson.vn"


def _hold_copy(store: SQLiteStateStore, url: str, site: str) -> None:
    r = rec(url, SEED_COPY_BODY, site)
    assert r.sig is not None and r.content_hash is not None
    d = decide(store, url, r.content_hash, r.sig)
    assert d.kind is Kind.NEW
    hold(store, d, r, "baolangson.vn", json.dumps({"url": url, "published_at": "2023-02-07T08:00:00+07:00"}))


def test_original_later_in_the_run_absorbs_the_held_copy(store: SQLiteStateStore) -> None:
    store.begin_run("r1", "all", None)
    _hold_copy(store, COPY, "danvan")
    r = rec(ORIG, ORIGINAL_BODY, "baolangson")
    assert r.sig is not None and r.content_hash is not None
    d = decide(store, ORIG, r.content_hash, r.sig)
    assert (d.kind, d.mirrors, d.absorb) == (Kind.NEW, (COPY,), (COPY,))
    apply(store, d, r)
    assert release_held(store) == []
    got = store.get(ORIG)
    assert got is not None and got.mirrors == (COPY,)
    store.seal_run()


def test_held_copies_without_original_are_released_once(store: SQLiteStateStore) -> None:
    store.begin_run("r2", "all", None)
    _hold_copy(store, COPY, "danvan")
    _hold_copy(store, COPY2, "baomoi")
    released = release_held(store)
    assert [(p.canonical_url, d.kind) for p, d in released] == [
        (COPY, Kind.NEW),
        (COPY2, Kind.NEAR_DUPLICATE),
    ]
    first = store.get(COPY)
    assert first is not None and first.emitted and first.mirrors == (COPY2,)
    assert first.published_at == "2023-02-07T08:00:00+07:00"
    store.seal_run()
    # The original arriving in a later run can only become a mirror: a written line stays written.
    assert run(store, ORIG, ORIGINAL_BODY, "baolangson") is Kind.NEAR_DUPLICATE


def test_hold_refuses_non_new(store: SQLiteStateStore) -> None:
    run(store, ORIG, ORIGINAL_BODY, "baolangson")
    r = rec(ORIG, ORIGINAL_BODY, "baolangson")
    assert r.sig is not None and r.content_hash is not None
    d = decide(store, ORIG, r.content_hash, r.sig)
    with pytest.raises(ValueError, match="only a new item"):
        hold(store, d, r, "baolangson.vn", "{}")
