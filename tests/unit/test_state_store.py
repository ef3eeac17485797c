"""SQLiteStateStore: persistence, revisions, mirrors, held items, LSH search, runs and recovery."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_dedup_texts import CAO_LOC, ORIGINAL_BODY, SEED_000_BODY, SEED_COPY_BODY, TEMPLATE, VAN_LANG

from crawler.dedup.canonical import url_id
from crawler.dedup.fingerprint import content_hash, doc_sig, lsh_bands
from crawler.dedup.store import (
    SCHEMA_VERSION,
    PendingItem,
    Record,
    SQLiteStateStore,
    StateError,
    feed_lines,
    recover_open_runs,
)
from crawler.dedup.store_pg import PostgresStateStore

T0 = datetime(2023, 2, 7, 3, 0, tzinfo=UTC)
ORIG_URL = "https://baolangson.vn/ban-dan-van-tinh-uy-tap-huan-5071654.html"
COPY_URL = "https://danvan.vn/Home/Tin-hoat-dong/Dia-phuong/15230/Ban-Dan-van-Tinh-uy-Lang-Son"


StoreFactory = Callable[..., SQLiteStateStore]


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """Opens a store on this test's state, on each backend (the same semantics are required):
    SQLite in tmp_path, or a fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return lambda **options: SQLiteStateStore(tmp_path, **options)
    url = request.getfixturevalue("pg_url")
    return lambda **options: PostgresStateStore(url, **options)


def rec(url: str, body: str, site: str = "baolangson", published: str | None = None) -> Record:
    return Record(url, site, content_hash("t", body), doc_sig(body), published)


def test_creates_directories_and_persists_across_reopen(tmp_path: Path) -> None:
    state_dir = tmp_path / "output" / ".state"
    store = SQLiteStateStore(state_dir)
    assert store.path == state_dir / "state.sqlite3"
    assert store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0) == 1
    store.commit()
    store.close()

    store = SQLiteStateStore(state_dir)
    got = store.get(ORIG_URL)
    assert got is not None
    assert (got.id, got.site, got.revision, got.emitted, got.first_seen) == (
        url_id(ORIG_URL),
        "baolangson",
        1,
        True,
        T0,
    )
    assert got.sig == doc_sig(ORIGINAL_BODY)
    assert store.is_known(ORIG_URL)
    assert not store.is_known(COPY_URL)
    store.close()


def test_uncommitted_marks_are_not_durable(tmp_path: Path, new_store: StoreFactory) -> None:
    store = new_store()
    store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0)
    store.close()  # no commit: the feed never confirmed the line
    assert new_store().get(ORIG_URL) is None


def test_revision_bumps_only_when_content_changes(tmp_path: Path, new_store: StoreFactory) -> None:
    with new_store() as store:
        assert store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0) == 1
        assert store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0 + timedelta(hours=1)) == 1
        assert store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY + "\n\nĐính chính: 4.650 đại biểu."), T0) == 2
        got = store.get(ORIG_URL)
        assert got is not None and got.revision == 2 and got.first_seen == T0


def test_mark_seen_does_not_emit_and_never_downgrades(tmp_path: Path, new_store: StoreFactory) -> None:
    with new_store() as store:
        store.mark_seen(rec(COPY_URL, SEED_COPY_BODY, "danvan"), T0)
        seen = store.get(COPY_URL)
        assert seen is not None and not seen.emitted and seen.revision == 0
        assert store.is_known(COPY_URL)
        assert store.find_near_duplicate(doc_sig(ORIGINAL_BODY)) is None  # not indexed: never emitted
        assert store.mark_emitted(rec(COPY_URL, SEED_COPY_BODY, "danvan"), T0) == 1
        store.mark_seen(rec(COPY_URL, SEED_COPY_BODY, "danvan"), T0 + timedelta(days=1))
        again = store.get(COPY_URL)
        assert again is not None and again.emitted and again.revision == 1


def test_mirrors(tmp_path: Path, new_store: StoreFactory) -> None:
    with new_store() as store:
        store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0)
        assert store.add_mirror(ORIG_URL, COPY_URL) is True
        assert store.add_mirror(ORIG_URL, COPY_URL) is False
        assert store.add_mirror(ORIG_URL, ORIG_URL) is False
        got = store.get(ORIG_URL)
        assert got is not None and got.mirrors == (COPY_URL,)
        merged = store.mirror_of(COPY_URL)
        assert merged is not None and merged.canonical_url == ORIG_URL
        assert store.is_known(COPY_URL)


def test_lsh_candidates_and_near_duplicate_search(tmp_path: Path, new_store: StoreFactory) -> None:
    with new_store() as store:
        store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0)
        store.mark_emitted(
            rec("https://danang.gov.vn/web/guest/chi-tiet?id=54019", SEED_000_BODY, "danang"), T0
        )
        store.mark_emitted(rec("https://a.vn/cao-loc", CAO_LOC, "a"), T0)
        copy = doc_sig(SEED_COPY_BODY)
        assert [r.canonical_url for r in store.candidates(copy)] == [ORIG_URL]
        found = store.find_near_duplicate(copy)
        assert found is not None and found.canonical_url == ORIG_URL
        assert store.find_near_duplicate(copy, exclude_url=ORIG_URL) is None
        # The templated sibling is a candidate (shares bands) but is rejected by the facts check.
        van_lang = doc_sig(VAN_LANG)
        assert [r.canonical_url for r in store.candidates(van_lang)] == ["https://a.vn/cao-loc"]
        assert store.find_near_duplicate(van_lang) is None


def test_changed_content_reindexes(tmp_path: Path, new_store: StoreFactory) -> None:
    with new_store() as store:
        store.mark_emitted(rec("https://a.vn/x", CAO_LOC, "a"), T0)
        store.mark_emitted(rec("https://a.vn/x", SEED_000_BODY, "a"), T0)
        assert store.find_near_duplicate(doc_sig(CAO_LOC)) is None
        found = store.find_near_duplicate(doc_sig(SEED_000_BODY))
        assert found is not None and found.canonical_url == "https://a.vn/x"


def test_recent_urls_uses_published_date_then_first_seen(tmp_path: Path, new_store: StoreFactory) -> None:
    with new_store() as store:
        store.mark_emitted(rec("https://a.vn/old", CAO_LOC, "a", "2023-01-02T08:00:00+07:00"), T0)
        store.mark_emitted(rec("https://a.vn/new", VAN_LANG, "a", "2023-02-06T08:00:00+07:00"), T0)
        store.mark_emitted(rec("https://a.vn/undated", SEED_000_BODY, "a"), T0)
        store.mark_emitted(rec("https://b.vn/new", ORIGINAL_BODY, "b", "2023-02-06T08:00:00+07:00"), T0)
        store.mark_seen(rec("https://a.vn/irrelevant", ORIGINAL_BODY, "a", "2023-02-06T08:00:00+07:00"), T0)
        since = datetime(2023, 2, 1, tzinfo=UTC)
        assert store.recent_urls("a", since) == ["https://a.vn/new", "https://a.vn/undated"]
        assert store.recent_urls("a", datetime(2023, 2, 7, 4, tzinfo=UTC)) == []


def test_touch_moves_last_seen_forward_only(tmp_path: Path, new_store: StoreFactory) -> None:
    with new_store() as store:
        store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0)
        store.touch(ORIG_URL, T0 + timedelta(days=3))
        store.touch(ORIG_URL, T0 + timedelta(days=1))
        got = store.get(ORIG_URL)
        assert got is not None and got.last_seen == T0 + timedelta(days=3)


def test_pending_hold_find_and_pop(tmp_path: Path, new_store: StoreFactory) -> None:
    with new_store() as store:
        held = PendingItem(
            COPY_URL,
            "danvan",
            "baolangson.vn",
            content_hash("t", SEED_COPY_BODY),
            doc_sig(SEED_COPY_BODY),
            json.dumps({"url": COPY_URL}),
            T0,
        )
        store.add_pending(held)
        store.commit()
        assert store.is_known(COPY_URL)
        assert [p.canonical_url for p in store.find_pending_near(doc_sig(ORIGINAL_BODY))] == [COPY_URL]
        assert store.find_pending_near(doc_sig(ORIGINAL_BODY), exclude_site="danvan") == []
        assert store.find_pending_near(doc_sig(CAO_LOC)) == []
        assert store.pop_pending("baolangson") == []
        assert store.pop_pending("danvan") == [held]
        assert store.pop_pending() == []


def test_run_marks_survive_when_the_feed_has_the_line(tmp_path: Path, new_store: StoreFactory) -> None:
    feed = tmp_path / "feed.jsonl"
    store = new_store(batch_size=1)  # commit after every write, like a long run
    store.begin_run("run-1", "baolangson", feed)
    store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0)
    store.mark_emitted(rec("https://baolangson.vn/b-1.html", CAO_LOC), T0)
    # The feed got the first line and half of the second, then the process died.
    feed.write_text(
        json.dumps({"id": url_id(ORIG_URL), "revision": 1})
        + '\n{"id": "'
        + url_id("https://baolangson.vn/b-1.html")
        + '", "rev',
        encoding="utf-8",
    )
    store._db.close()  # crash: no seal, no close()

    store = new_store()
    [run] = store.open_runs()
    assert (run.run_id, run.feed_path) == ("run-1", str(feed))
    [result] = recover_open_runs(store, [run])
    assert (result.kept, result.undone, result.undone_urls) == (1, 1, ["https://baolangson.vn/b-1.html"])
    assert store.get("https://baolangson.vn/b-1.html") is None  # emitted again next run: not lost
    assert store.find_near_duplicate(doc_sig(CAO_LOC)) is None
    kept = store.get(ORIG_URL)
    assert kept is not None and kept.emitted  # never emitted twice
    assert store.open_runs() == []
    store.close()


def test_recovery_restores_the_previous_revision_and_held_items(tmp_path: Path, new_store: StoreFactory) -> None:
    store = new_store()
    store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0)
    store.add_pending(
        PendingItem(COPY_URL, "danvan", "baolangson.vn", "h", doc_sig(SEED_COPY_BODY), "{}", T0)
    )
    store.commit()
    store.begin_run("run-2", "baolangson", tmp_path / "missing.jsonl")
    assert store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY + "\n\nCập nhật: thêm 300 đại biểu dự."), T0) == 2
    store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY + "\n\nCập nhật lần hai: thêm 400 đại biểu."), T0)
    assert [p.canonical_url for p in store.pop_pending()] == [COPY_URL]
    store.commit()
    store._db.close()

    store = new_store()
    [result] = recover_open_runs(store, store.open_runs())
    assert (result.feed_found, result.kept, result.undone) == (False, 0, 1)
    got = store.get(ORIG_URL)
    assert got is not None and (got.revision, got.content_hash) == (1, content_hash("t", ORIGINAL_BODY))
    assert store.find_near_duplicate(doc_sig(SEED_COPY_BODY)) is not None  # index restored too
    assert [p.canonical_url for p in store.pop_pending()] == [COPY_URL]  # held again, not lost
    store.close()


def test_seal_makes_marks_final_and_drops_released_items(tmp_path: Path, new_store: StoreFactory) -> None:
    store = new_store()
    store.add_pending(
        PendingItem(COPY_URL, "danvan", "baolangson.vn", "h", doc_sig(SEED_COPY_BODY), "{}", T0)
    )
    store.begin_run("run-3", "danvan", tmp_path / "f.jsonl")
    store.pop_pending()
    store.mark_emitted(rec(COPY_URL, SEED_COPY_BODY, "danvan"), T0)
    store.seal_run()
    store.close()
    store = new_store()
    assert store.open_runs() == []
    assert recover_open_runs(store) == []
    assert store.pop_pending() == []
    assert store._db.execute("SELECT COUNT(*) FROM pending").fetchone()[0] == 0
    store.close()


def test_live_runs_are_left_alone(tmp_path: Path, new_store: StoreFactory) -> None:
    a = new_store()
    a.begin_run("live", "x", tmp_path / "x.jsonl")
    a.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0)
    a.commit()
    b = new_store()
    assert recover_open_runs(b) == []  # same pid: alive
    assert b.get(ORIG_URL) is not None
    a.close()
    b.close()


def test_feed_lines_reads_complete_lines_only(tmp_path: Path) -> None:
    feed = tmp_path / "f.jsonl"
    feed.write_bytes(b'{"id": "a", "revision": 1}\nnot json\n{"id": "b", "revision": 2}\n{"id": "c"')
    assert feed_lines(feed) == {("a", 1), ("b", 2)}


def test_second_writer_waits_for_the_lock_then_proceeds(tmp_path: Path) -> None:
    a = SQLiteStateStore(tmp_path, busy_timeout_ms=100)
    b = SQLiteStateStore(tmp_path, busy_timeout_ms=100)
    a.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0)  # holds the write lock
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        b.mark_emitted(rec(COPY_URL, SEED_COPY_BODY, "danvan"), T0)
    a.commit()
    b.mark_emitted(rec(COPY_URL, SEED_COPY_BODY, "danvan"), T0)
    b.commit()
    assert a.get(COPY_URL) is not None
    a.close()
    b.close()


def test_refuses_a_newer_schema(tmp_path: Path) -> None:
    SQLiteStateStore(tmp_path).close()
    db = sqlite3.connect(tmp_path / "state.sqlite3")
    db.execute("UPDATE schema_version SET version = 99")
    db.commit()
    db.close()
    with pytest.raises(StateError, match="has schema version 99, newer than this crawler's"):
        SQLiteStateStore(tmp_path)


def test_naive_datetimes_are_rejected(tmp_path: Path) -> None:
    with SQLiteStateStore(tmp_path) as store, pytest.raises(ValueError, match="naive datetime"):
        store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), datetime(2023, 2, 7))


def test_pragmas(tmp_path: Path) -> None:
    with SQLiteStateStore(tmp_path) as store:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert store._db.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION


def test_lsh_merge_keeps_every_entry_findable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import crawler.dedup.store as store_module

    monkeypatch.setattr(store_module, "LSH_MERGE_MIN", 10)  # merge after the second item
    with SQLiteStateStore(tmp_path) as store:
        store.mark_emitted(rec(ORIG_URL, ORIGINAL_BODY), T0)
        store.mark_emitted(rec("https://a.vn/cao-loc", CAO_LOC, "a"), T0)
        store.mark_emitted(rec("https://a.vn/seed0", SEED_000_BODY, "a"), T0)
        main = store._db.execute("SELECT COUNT(*) FROM lsh").fetchone()[0]
        recent = store._db.execute("SELECT COUNT(*) FROM lsh_recent").fetchone()[0]
        assert (main, recent) == (16, 8)
        for body, url in [
            (SEED_COPY_BODY, ORIG_URL),
            (CAO_LOC, "https://a.vn/cao-loc"),
            (SEED_000_BODY, "https://a.vn/seed0"),
        ]:
            found = store.find_near_duplicate(doc_sig(body))
            assert found is not None and found.canonical_url == url
        # A merged entry is replaced when the content changes.
        store.mark_emitted(rec(ORIG_URL, VAN_LANG), T0)
        assert store.find_near_duplicate(doc_sig(SEED_COPY_BODY)) is None
        old = set(lsh_bands(doc_sig(ORIGINAL_BODY).minhash))
        rows = store._db.execute(
            "SELECT band_no, band_value FROM lsh WHERE rid = 1 UNION ALL "
            "SELECT band_no, band_value FROM lsh_recent WHERE rid = 1"
        ).fetchall()
        assert {tuple(r) for r in rows} == set(lsh_bands(doc_sig(VAN_LANG).minhash))
        assert not old & {tuple(r) for r in rows}


def _claim_all(factory_args: tuple[str, str], site: str, stories: list[str], start: Any) -> list[bool]:
    """One crawl process: claims its own copy (its own URL) of every story; True where it won."""
    kind, where = factory_args
    store = SQLiteStateStore(where) if kind == "sqlite" else PostgresStateStore(where)
    store.begin_run(f"run-{site}", site, None)
    start.wait()
    won = [store.claim(rec(f"https://{site}.example.vn/{n}", body, site=site), T0) is None
           for n, body in enumerate(stories)]
    store.seal_run(complete=True)
    store.close()
    return won


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_claims_of_one_story_emit_it_once(tmp_path: Path, backend: str,
                                                     request: pytest.FixtureRequest) -> None:
    """Four processes (four sites carrying the same syndicated stories) claim every story at the
    same moment: each story is won by exactly one of them, the others see the winner's record."""
    where = str(tmp_path) if backend == "sqlite" else request.getfixturevalue("pg_url")
    stories = [TEMPLATE.format(date=f"{d}/4", unit=unit, n=100 + d)
               for d, unit in enumerate(["Cao Lộc", "Văn Lãng", "Lộc Bình", "Tràng Định", "Bắc Sơn", "Đình Lập"],
                                        start=1)]
    stories += [ORIGINAL_BODY, SEED_COPY_BODY]  # a near-duplicate pair: one story, two texts
    sites = ["baolangson", "danvan", "langson", "vov"]
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no connection shared by fork
    with ctx.Manager() as manager, ProcessPoolExecutor(len(sites), mp_context=ctx) as pool:
        start = manager.Barrier(len(sites))
        results = list(pool.map(_claim_all, [(backend, where)] * len(sites), sites,
                                [stories] * len(sites), [start] * len(sites)))
    winners = [sum(r[n] for r in results) for n in range(len(stories))]
    # ORIGINAL_BODY and SEED_COPY_BODY near-duplicate each other: one winner for the two together.
    assert winners[:6] == [1] * 6
    assert winners[6] + winners[7] == 1
    store = SQLiteStateStore(where) if backend == "sqlite" else PostgresStateStore(where)
    assert store.counts()["emitted"] == 7
    store.close()


def test_site_lock_on_postgresql_holds_across_connections(pg_url: str) -> None:
    """Site jobs on two machines share only the database: the second job of a site is refused
    (busy) until the first one's connection ends."""
    a, b = PostgresStateStore(pg_url), PostgresStateStore(pg_url)
    a.lock_site("danang")
    with pytest.raises(StateError, match="danang is being crawled by another process") as exc:
        b.lock_site("danang")
    assert exc.value.busy
    b.lock_site("baolangson")  # another site is free
    a.close()
    # The server drops a's lock when its backend sees the connection end: a moment after close().
    deadline = time.monotonic() + 10
    while True:
        try:
            b.lock_site("danang")
            break
        except StateError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    b.close()


def test_state_migrate_creates_the_schema_on_either_backend(tmp_path: Path, pg_url: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from crawler.tools.cli import main

    assert main(["state", "migrate", "--state-url", pg_url]) == 0
    out = capsys.readouterr().out.strip()
    assert out == f"crawler state: {pg_url} is at schema version {SCHEMA_VERSION}"
    with PostgresStateStore(pg_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
    assert main(["state", "migrate", "--state-url", f"sqlite://{tmp_path}/s.sqlite3"]) == 0
    assert capsys.readouterr().out.strip() == \
        f"crawler state: {tmp_path}/s.sqlite3 is at schema version {SCHEMA_VERSION}"
    assert main(["state", "check", "--state-url", pg_url]) == 0
    assert capsys.readouterr().out.strip().startswith(f"crawler state: {pg_url} is sound: 0 URLs known")
    assert main(["state", "migrate", "--state-url", "postgresql://nobody@127.0.0.1:1/x"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("crawler state: cannot connect to the state database postgresql://nobody@127.0.0.1:1/x")
    assert "\n" not in err


def test_state_rebuild_into_an_empty_postgresql_database_only(tmp_path: Path, pg_url: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`crawler state rebuild --state-url postgresql://...`: the feed's lines become emitted marks (with
    their mirrors) in an empty database; a database that holds records is refused in one line."""
    from crawler.tools.cli import main

    feed = tmp_path / "output" / "danvan" / "2026-12-01T00-00-00Z.jsonl"
    feed.parent.mkdir(parents=True)
    lines = [{"canonical_url": f"https://danvan.vn/tin/{n}", "site": "danvan", "revision": 0,
              "title": f"Tập huấn công tác dân vận số {n}", "body": f"Nội dung hội nghị tập huấn {n} " * 30,
              "published_at": "2026-11-30T08:00:00+07:00", "mirrors": [f"https://baolangson.vn/{n}"] if n == 1 else []}
             for n in (1, 2, 3)]
    feed.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), "utf-8")
    assert main(["state", "rebuild", "--state-url", pg_url, str(tmp_path / "output")]) == 0
    assert capsys.readouterr().out.strip() == (
        f"crawler state: rebuilt {pg_url} from 3 line(s) in 1 file(s): 3 URLs known, 3 emitted, 1 mirrors, "
        "0 dead links, 0 held copies, 0 runs")
    with PostgresStateStore(pg_url) as store:
        record = store.get("https://danvan.vn/tin/1")
        assert record is not None and record.emitted and record.mirrors == ("https://baolangson.vn/1",)
    # sqlite:///file names the file it rebuilds, as the crawl reads it.
    named = f"sqlite://{tmp_path}/named.sqlite3"
    assert main(["state", "rebuild", "--state-url", named, str(tmp_path / "output")]) == 0
    assert capsys.readouterr().out.strip().startswith(f"crawler state: rebuilt {tmp_path}/named.sqlite3 from 3 line(s)")
    assert main(["state", "rebuild", "--state-url", pg_url, str(tmp_path / "output")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"crawler state: {pg_url} already holds 3 URL(s); rebuild into an empty database (createdb, "
                   "then --state-url or STATE_URL naming it)")
