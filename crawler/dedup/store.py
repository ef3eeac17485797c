"""The state store: what was emitted, under which canonical URL, with which content.

`StateStore` is the narrow interface the pipelines use; `SQLiteStateStore` implements it with the
standard library only, and `store_pg.PostgresStateStore` on a PostgreSQL server shared by several
machines (same logic; STATE_URL picks one, see docs/deployment.md).

Across processes, a new story is *claimed* (`claim`) before its line is written: the check for an
emitted copy and the mark are one transaction under an exclusive lock, so two processes meeting the
same story at the same moment write one line between them.

Crash safety ("never lost, never twice") rests on *runs*. Every emitted mark is tagged with the run
that wrote it and keeps a one-step undo. Marks of an open run are tentative, so they may be
committed early and often (short write transactions keep concurrent crawls unblocked). When the feed
file is complete, the caller seals the run. After a crash, `recover_open_runs` reads the crashed
run's feed file: marks whose line (id, revision) is in the file stay; the others are undone, so the
next run emits them again. The feed file is the truth of what consumers received.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from crawler.dedup.canonical import url_id
from crawler.dedup.fingerprint import DocSig, content_hash, doc_sig, is_near_duplicate, jaccard_estimate, lsh_bands

# 2: the `dead` table (URLs that answered 404/410, not fetched again for DEAD_DAYS); runs.complete
#    (whether a run ended normally: after one that did not, listings are read past pages with
#    nothing new, since the interrupted run may have left articles further down).
# 3: the `job_results` table (each site job's summary, read by the dispatcher of a run spread over
#    Scrapyd nodes: crawler/tools/nodes.py).
SCHEMA_VERSION = 3
STATE_FILE = "state.sqlite3"
DEAD_DAYS = 30
REBUILD_HINT = "uv run crawler state rebuild output/"


class StateError(RuntimeError):
    """The state store cannot be used (damaged, not writable, full, locked, newer than this code).
    The message is one line naming the path and what to do; `busy` is true when another process
    holds the site's lock."""

    def __init__(self, message: str, *, busy: bool = False) -> None:
        super().__init__(message)
        self.busy = busy


_F = TypeVar("_F", bound=Callable[..., Any])


def _guarded(method: _F) -> _F:
    """SQLite errors of a write (disk full, read-only file, I/O error) become a StateError naming
    the database file; the transaction is rolled back, so nothing half-written is kept."""

    @functools.wraps(method)
    def wrapper(self: SQLiteStateStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except self.db_errors as exc:
            with contextlib.suppress(*self.db_errors):
                if self._db.in_transaction:
                    self._db.rollback()
            self._writes = 0
            raise StateError(f"cannot write the state database {self.path}: {exc}") from exc

    return wrapper  # type: ignore[return-value]
def _iso(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC or with an offset)")
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _utc_or_none(text: str | None) -> str | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None  # the pipeline stores offsets; an unzoned value cannot be compared safely
    return _iso(parsed)


def _signed(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Record:
    """One canonical URL that the store knows. `revision` counts emitted versions (1 = first line);
    0 with emitted=False means seen but never emitted (e.g. dropped as not a training item)."""

    canonical_url: str
    site: str
    content_hash: str | None = None
    sig: DocSig | None = None
    published_at: str | None = None
    id: str = ""
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    revision: int = 0
    emitted: bool = False
    mirrors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", url_id(self.canonical_url))


@dataclass(frozen=True)
class PendingItem:
    """An item held back until the end of the run because it credits another registered outlet;
    `payload` is the item as JSON text, ready to be emitted unchanged."""

    canonical_url: str
    site: str
    source: str
    content_hash: str
    sig: DocSig
    payload: str
    added: datetime | None = None


@dataclass(frozen=True)
class Run:
    run_id: str
    site: str
    feed_path: str | None
    started: datetime
    status: str
    pid: int
    host: str


@dataclass
class RecoveryResult:
    run_id: str
    kept: int = 0
    undone: int = 0
    remarked: int = 0
    feed_found: bool = False
    undone_urls: list[str] = field(default_factory=list)


class StateStore(Protocol):
    """What pipelines and spiders need from a state backend."""

    def is_known(self, canonical_url: str) -> bool: ...
    def get(self, canonical_url: str) -> Record | None: ...
    def mirror_of(self, url: str) -> Record | None: ...
    def find_near_duplicate(self, sig: DocSig, exclude_url: str | None = None) -> Record | None: ...
    def recent_urls(self, site: str, since: datetime) -> list[str]: ...
    @_guarded
    def mark_emitted(self, record: Record, when: datetime | None = None) -> int: ...
    def lock_site(self, name: str) -> None: ...
    @_guarded
    def claim(self, record: Record, when: datetime | None = None) -> Record | None: ...
    @_guarded
    def mark_seen(self, record: Record, when: datetime | None = None) -> None: ...
    @_guarded
    def add_mirror(self, canonical_url: str, mirror_url: str) -> bool: ...
    @_guarded
    def touch(self, canonical_url: str, when: datetime) -> None: ...
    @_guarded
    def add_pending(self, item: PendingItem) -> None: ...
    def find_pending_near(self, sig: DocSig, exclude_site: str | None = None) -> list[PendingItem]: ...
    @_guarded
    def release_pending(self, canonical_url: str) -> None: ...
    def pop_pending(self, site: str | None = None) -> list[PendingItem]: ...
    @_guarded
    def begin_run(self, run_id: str, site: str, feed_path: str | Path | None) -> None: ...
    @_guarded
    def seal_run(self) -> None: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...


# The same on both backends (store_pg.py appends it to its schema): one site job's summary for the
# dispatcher of a run over Scrapyd nodes; a job also saves a row under its id + JOB_STARTED when it
# starts, naming its feed file.
JOB_STARTED = "-started"
JOB_RESULTS = """
CREATE TABLE IF NOT EXISTS job_results (
    run_id TEXT NOT NULL,
    site TEXT NOT NULL,
    job TEXT NOT NULL,
    summary TEXT NOT NULL,
    saved TEXT NOT NULL,
    PRIMARY KEY (run_id, site, job)
)"""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    rid INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    id TEXT NOT NULL,
    site TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    content_hash TEXT,
    simhash INTEGER,
    words INTEGER NOT NULL DEFAULT 0,
    minhash BLOB,
    facts TEXT NOT NULL DEFAULT '',
    published_at TEXT,
    published_utc TEXT,
    revision INTEGER NOT NULL DEFAULT 0,
    emitted INTEGER NOT NULL DEFAULT 0,
    run_id TEXT,
    undo TEXT
);
CREATE INDEX IF NOT EXISTS records_site_recent ON records (site, first_seen);
CREATE INDEX IF NOT EXISTS records_run ON records (run_id);
CREATE TABLE IF NOT EXISTS lsh (
    band_no INTEGER NOT NULL,
    band_value INTEGER NOT NULL,
    rid INTEGER NOT NULL,
    PRIMARY KEY (band_no, band_value, rid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lsh_recent (
    band_no INTEGER NOT NULL,
    band_value INTEGER NOT NULL,
    rid INTEGER NOT NULL,
    PRIMARY KEY (band_no, band_value, rid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mirrors (
    mirror_url TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    run_id TEXT,
    added TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mirrors_url ON mirrors (url);
CREATE TABLE IF NOT EXISTS pending (
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    simhash INTEGER NOT NULL,
    words INTEGER NOT NULL,
    minhash BLOB,
    facts TEXT NOT NULL,
    payload TEXT NOT NULL,
    added TEXT NOT NULL,
    run_id TEXT,
    released_run TEXT
);
CREATE TABLE IF NOT EXISTS dead (
    url TEXT PRIMARY KEY,
    status INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    feed_path TEXT,
    started TEXT NOT NULL,
    status TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0
);
""" + JOB_RESULTS

# Recent LSH entries kept apart before a merge (8 per item): see _set_lsh.
LSH_MERGE_MIN = 64_000
_UNDO_COLUMNS = ("content_hash", "simhash", "words", "minhash", "facts", "published_at", "published_utc",
                 "revision", "emitted", "last_seen")


class SQLiteStateStore:
    """SQLite (WAL, synchronous=NORMAL, busy_timeout) implementation of StateStore.

    `path` is a directory (the file is <path>/state.sqlite3, directories created) or a file path
    ending in .sqlite3/.db. Writes are batched: nothing is durable until commit(), except that while
    a run is open the store commits by itself after `batch_size` writes or when its transaction is
    older than `max_tx_seconds` (safe: marks of an open run are tentative until seal_run, see the
    module docstring). That bounds how long another process's writer waits for the lock.
    """

    # Whether other machines share this store (PostgreSQL); a site lock then spans machines.
    shared = False

    # The driver's errors that _guarded turns into StateError (PostgresStateStore: psycopg's).
    db_errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self, path: str | Path, *, batch_size: int = 200,
                 max_tx_seconds: float = 1.0, busy_timeout_ms: int = 30_000, check: bool = False) -> None:
        path = Path(path)
        if path.suffix not in (".sqlite3", ".db", ".sqlite"):
            path = path / STATE_FILE
        self.path = path
        self.batch_size = batch_size
        self.max_tx_seconds = max_tx_seconds
        self._tx_started = 0.0
        self.run_id: str | None = None
        self._writes = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"cannot create the state directory {path.parent}: {exc.strerror}; STATE_DIR "
                             "must be a writable directory") from None
        try:
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a write transaction takes the
            # lock up front and waits (busy_timeout) instead of failing on a read->write upgrade.
            self._db = sqlite3.connect(str(path), isolation_level=None, timeout=busy_timeout_ms / 1000)
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            # 64 MiB page cache: the LSH index of ~100k items stays in memory, so the cost per item
            # does not rise with the store's size (see benchmarks/dedup_scale.py).
            self._db.execute("PRAGMA cache_size = -65536")
            self._db.execute("PRAGMA foreign_keys = OFF")
            if check:
                self._check_integrity()
            self._migrate()
            self._recent = self._db.execute("SELECT COUNT(*) FROM lsh_recent").fetchone()[0]
            self._main = self._db.execute("SELECT COUNT(*) FROM lsh").fetchone()[0]
        except StateError:
            raise
        except sqlite3.Error as exc:
            raise self._damaged(" ".join(str(exc).split())) from None

    def _damaged(self, problem: str) -> StateError:
        if "full" in problem or "disk I/O" in problem:
            return StateError(f"cannot write the state database {self.path}: {problem}")
        if "readonly" in problem or "unable to open" in problem:
            return StateError(f"cannot open the state database {self.path} for writing ({problem}); STATE_DIR "
                              "must be a writable directory")
        return StateError(
            f"the state database {self.path} is damaged ({problem}); move it aside and rebuild it from the "
            f"feed files: `{REBUILD_HINT}` (or delete it: the next run then emits every announcement again)")

    def _check_integrity(self) -> None:
        """SQLite's quick_check (every page and index read once), run when a process first opens
        the file: a damaged page is reported instead of silently losing known URLs."""
        rows = [r[0] for r in self._db.execute("PRAGMA quick_check(3)")]
        if rows != ["ok"]:
            raise self._damaged(" ".join(" ".join(rows).split()))

    # -- transactions -------------------------------------------------------------------------

    def _begin(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
            self._tx_started = time.monotonic()

    def _wrote(self) -> None:
        self._writes += 1
        if self.run_id is not None and (
            self._writes >= self.batch_size or time.monotonic() - self._tx_started > self.max_tx_seconds
        ):
            self.commit()

    @_guarded
    def commit(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")
        self._writes = 0

    def rollback(self) -> None:
        """Forget uncommitted writes (the caller's flush failed)."""
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
        self._writes = 0

    def close(self) -> None:
        """Closes WITHOUT committing: uncommitted marks were never made durable on purpose."""
        try:
            self.rollback()
        finally:
            self._db.close()

    def __enter__(self) -> SQLiteStateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        self._begin()
        # statement by statement: executescript() would COMMIT our transaction
        for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
            self._db.execute(statement)
        row = self._db.execute("SELECT version FROM schema_version").fetchone()
        if row is None:
            self._db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        elif row["version"] > SCHEMA_VERSION:
            self.rollback()
            raise StateError(
                f"the state database {self.path} has schema version {row['version']}, newer than this "
                f"crawler's ({SCHEMA_VERSION}): upgrade the crawler (git pull; uv sync)")
        elif row["version"] < SCHEMA_VERSION:
            # 1 -> 2: the `dead` table (created above) and runs.complete; 2 -> 3: job_results (above).
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(runs)")}
            if "complete" not in columns:
                self._db.execute("ALTER TABLE runs ADD COLUMN complete INTEGER NOT NULL DEFAULT 0")
            self._db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
        self.commit()

    # -- reads --------------------------------------------------------------------------------

    def _record(self, row: sqlite3.Row, with_mirrors: bool = True) -> Record:
        sig = None
        if row["simhash"] is not None:
            sig = DocSig.from_stored(row["simhash"], row["words"], row["minhash"], row["facts"])
        mirrors: tuple[str, ...] = ()
        if with_mirrors:
            mirrors = tuple(r[0] for r in self._db.execute(
                "SELECT mirror_url FROM mirrors WHERE url = ? ORDER BY added, mirror_url", (row["url"],)))
        return Record(
            canonical_url=row["url"], site=row["site"], content_hash=row["content_hash"], sig=sig,
            published_at=row["published_at"], id=row["id"],
            first_seen=datetime.fromisoformat(row["first_seen"]),
            last_seen=datetime.fromisoformat(row["last_seen"]),
            revision=row["revision"], emitted=bool(row["emitted"]), mirrors=mirrors,
        )

    def get(self, canonical_url: str) -> Record | None:
        row = self._db.execute("SELECT * FROM records WHERE url = ?", (canonical_url,)).fetchone()
        return self._record(row) if row else None

    def mirror_of(self, url: str) -> Record | None:
        """The record that `url` was merged into as a mirror, if any."""
        row = self._db.execute(
            "SELECT r.* FROM mirrors m JOIN records r ON r.url = m.url WHERE m.mirror_url = ?", (url,)
        ).fetchone()
        return self._record(row) if row else None

    def is_known(self, canonical_url: str) -> bool:
        """Seen before as a record (emitted or not), a mirror or a held item: no need to fetch."""
        return self._db.execute(
            "SELECT EXISTS(SELECT 1 FROM records WHERE url = ?1) OR EXISTS(SELECT 1 FROM mirrors "
            "WHERE mirror_url = ?1) OR EXISTS(SELECT 1 FROM pending WHERE url = ?1)",
            (canonical_url,),
        ).fetchone()[0] == 1

    def candidates(self, sig: DocSig) -> list[Record]:
        """Emitted records sharing at least one LSH band with `sig` (unconfirmed)."""
        pairs = lsh_bands(sig.minhash)
        if not pairs:
            return []
        where = " OR ".join("(l.band_no = ? AND l.band_value = ?)" for _ in pairs)
        params = [v for pair in pairs for v in pair]
        rows = self._db.execute(
            f"SELECT r.* FROM records r WHERE r.emitted = 1 AND r.rid IN ("
            f"SELECT l.rid FROM lsh l WHERE {where} UNION "
            f"SELECT l.rid FROM lsh_recent l WHERE {where}) ORDER BY r.rid", params + params).fetchall()
        return [self._record(row, with_mirrors=False) for row in rows]

    def find_near_duplicate(self, sig: DocSig, exclude_url: str | None = None) -> Record | None:
        """The emitted record that `sig` near-duplicates (closest fingerprint, then oldest)."""
        if not sig.usable:
            return None
        best: Record | None = None
        best_key: tuple[float, str] | None = None
        for record in self.candidates(sig):
            if record.canonical_url == exclude_url or record.sig is None:
                continue
            if is_near_duplicate(sig, record.sig):
                key = (-jaccard_estimate(sig.minhash, record.sig.minhash), _iso(record.first_seen or now()))
                if best_key is None or key < best_key:
                    best, best_key = record, key
        return self.get(best.canonical_url) if best else None

    def recent_urls(self, site: str, since: datetime) -> list[str]:
        """Emitted URLs of `site` published (or, when the date is unknown, first seen) since `since`,
        oldest first: what `-a refresh_days=N` re-fetches to catch edits."""
        cutoff = _iso(since)
        rows = self._db.execute(
            "SELECT url FROM records WHERE site = ? AND emitted = 1 AND "
            "COALESCE(published_utc, first_seen) >= ? ORDER BY COALESCE(published_utc, first_seen), url",
            (site, cutoff),
        )
        return [r[0] for r in rows]

    # -- writes -------------------------------------------------------------------------------

    def _undo_state(self, row: sqlite3.Row | None) -> str:
        if row is None:
            return "null"
        state = {c: row[c] for c in _UNDO_COLUMNS}
        state["minhash"] = state["minhash"].hex() if state["minhash"] is not None else None
        return json.dumps(state)

    def _set_lsh(self, rid: int, sig: DocSig | None, old: DocSig | None = None) -> None:
        """Index `sig` for record `rid`, replacing the entries of its previous signature `old`.

        Band values are random, so inserting them one by one into a large B-tree dirties a page per
        entry and the cost per item grows with the store. New entries go to the small `lsh_recent`
        tree instead, which is merged into `lsh` in key order (each page written once) when it
        exceeds max(LSH_MERGE_MIN, 1/8 of lsh): the amortized cost per item stays flat."""
        if old is not None and old.minhash:
            old_keys = [(b, v, rid) for b, v in lsh_bands(old.minhash)]
            for table in ("lsh", "lsh_recent"):
                self._db.executemany(
                    f"DELETE FROM {table} WHERE band_no = ? AND band_value = ? AND rid = ?", old_keys)
        if sig is not None and sig.usable:
            keys = [(b, v, rid) for b, v in lsh_bands(sig.minhash)]
            self._db.executemany(
                "INSERT OR IGNORE INTO lsh_recent (band_no, band_value, rid) VALUES (?, ?, ?)", keys)
            self._recent += len(keys)
            if self._recent > max(LSH_MERGE_MIN, self._main // 8):
                self.merge_lsh()

    @_guarded
    def merge_lsh(self) -> None:
        """Move the recent LSH entries into the main index (in key order). Called automatically."""
        self._begin()
        self._db.execute(
            "INSERT OR IGNORE INTO lsh SELECT * FROM lsh_recent ORDER BY band_no, band_value, rid")
        self._db.execute("DELETE FROM lsh_recent")
        self._main += self._recent
        self._recent = 0

    @staticmethod
    def _row_sig(row: sqlite3.Row | None) -> DocSig | None:
        if row is None or row["simhash"] is None or not row["emitted"]:
            return None
        return DocSig.from_stored(row["simhash"], row["words"], row["minhash"], row["facts"])

    def mark_emitted(self, record: Record, when: datetime | None = None) -> int:
        """Record that `record` is being written to the feed; returns its revision: 1 when new (or
        only seen before), previous + 1 when content_hash changed, unchanged otherwise. Not durable
        until commit(); tentative until seal_run() when a run is open."""
        when_s = _iso(when or now())
        self._begin()
        row = self._db.execute("SELECT * FROM records WHERE url = ?", (record.canonical_url,)).fetchone()
        sig = record.sig
        sig_cols = ((_signed(sig.simhash), sig.words, sig.minhash_blob(), sig.facts_text())
                    if sig else (None, 0, None, ""))
        if row is None:
            revision = 1
        elif not row["emitted"]:
            revision = max(1, row["revision"])
        elif row["content_hash"] != record.content_hash:
            revision = row["revision"] + 1
        else:
            revision = row["revision"]
        # Keep the undo of the state before this run, not of an earlier write of the same run.
        undo = row["undo"] if row is not None and self.run_id and row["run_id"] == self.run_id \
            else self._undo_state(row)
        values = (record.content_hash, *sig_cols, record.published_at, _utc_or_none(record.published_at),
                  revision, when_s, self.run_id, undo if self.run_id else None)
        if row is None:
            cur = self._db.execute(
                "INSERT INTO records (url, id, site, first_seen, content_hash, simhash, words, minhash, "
                "facts, published_at, published_utc, revision, last_seen, run_id, undo, emitted) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (record.canonical_url, record.id, record.site, when_s, *values))
            rid = int(cur.lastrowid or 0)
        else:
            self._db.execute(
                "UPDATE records SET content_hash = ?, simhash = ?, words = ?, minhash = ?, facts = ?, "
                "published_at = ?, "
                "published_utc = ?, revision = ?, last_seen = ?, run_id = ?, undo = ?, emitted = 1 "
                "WHERE rid = ?", (*values, row["rid"]))
            rid = row["rid"]
        old = self._row_sig(row)
        if old is None or sig is None or old.minhash != sig.minhash:
            self._set_lsh(rid, sig, old)
        self._wrote()
        return revision

    def lock_site(self, name: str) -> None:
        """One crawl per site across machines sharing this store. SQLite is on one machine, where
        SiteLock (a file lock in STATE_DIR) already does it."""

    def _begin_claim(self) -> None:
        """Start a transaction that excludes every other claimer: BEGIN IMMEDIATE takes SQLite's
        write lock, which is one per database file (other processes wait busy_timeout)."""
        self._begin()

    @_guarded
    def claim(self, record: Record, when: datetime | None = None) -> Record | None:
        """Atomically decide and mark one story across processes and machines: returns the emitted
        record that `record` repeats (its URL emitted with the same content, a mirror of it, or a
        near-duplicate by fingerprint) and writes nothing, or marks `record` emitted, commits and
        returns None. Two claimers of one story at the same moment get one None between them: the
        check and the mark run in one transaction under an exclusive claim lock, not read-then-write."""
        self.commit()  # the batch so far is not held under the claim lock
        self._begin_claim()
        try:
            found = self.get(record.canonical_url)
            if found is not None and found.emitted:
                if found.content_hash == record.content_hash:
                    self.commit()
                    return found
                found = None  # a new revision of this URL's own record: marked below, as decide() says
            else:
                found = self.mirror_of(record.canonical_url)
                if found is None and record.sig is not None:
                    found = self.find_near_duplicate(record.sig, exclude_url=record.canonical_url)
            if found is not None:
                self.commit()
                return found
            self.mark_emitted(record, when)
            self.commit()
            return None
        except BaseException:
            self.rollback()
            raise

    def mark_seen(self, record: Record, when: datetime | None = None) -> None:
        """Remember a URL that was fetched but not emitted (e.g. not a training item), so the next
        run need not fetch it again. Never downgrades an emitted record; not part of the LSH index."""
        when_s = _iso(when or now())
        self._begin()
        self._db.execute(
            "INSERT INTO records (url, id, site, first_seen, last_seen, content_hash, published_at, "
            "published_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen",
            (record.canonical_url, record.id, record.site, when_s, when_s, record.content_hash,
             record.published_at, _utc_or_none(record.published_at)))
        self._wrote()

    def add_mirror(self, canonical_url: str, mirror_url: str) -> bool:
        """Note that `mirror_url` is a copy of the record at `canonical_url`; False if it already
        was a mirror (of anything) or is itself that record."""
        if mirror_url == canonical_url:
            return False
        self._begin()
        cur = self._db.execute(
            "INSERT OR IGNORE INTO mirrors (mirror_url, url, run_id, added) VALUES (?, ?, ?, ?)",
            (mirror_url, canonical_url, self.run_id, _iso(now())))
        self._wrote()
        return cur.rowcount == 1

    def touch(self, canonical_url: str, when: datetime) -> None:
        self._begin()
        self._db.execute("UPDATE records SET last_seen = ? WHERE url = ? AND last_seen < ?",
                         (_iso(when), canonical_url, _iso(when)))
        self._wrote()

    @_guarded
    def mark_dead(self, canonical_url: str, status: int, when: datetime | None = None) -> None:
        """Remember a URL that answered 404/410, so later runs do not ask again for DEAD_DAYS."""
        when_s = _iso(when or now())
        self._begin()
        self._db.execute(
            "INSERT INTO dead (url, status, first_seen, last_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET status = excluded.status, last_seen = excluded.last_seen, "
            "hits = dead.hits + 1", (canonical_url, status, when_s, when_s))
        self._wrote()

    def is_dead(self, canonical_url: str, days: int = DEAD_DAYS) -> bool:
        row = self._db.execute("SELECT last_seen FROM dead WHERE url = ?", (canonical_url,)).fetchone()
        return row is not None and datetime.fromisoformat(row[0]) > now() - timedelta(days=days)

    # -- held items (prefer the original) -----------------------------------------------------

    def _pending(self, row: sqlite3.Row) -> PendingItem:
        return PendingItem(
            canonical_url=row["url"], site=row["site"], source=row["source"],
            content_hash=row["content_hash"],
            sig=DocSig.from_stored(row["simhash"], row["words"], row["minhash"], row["facts"]),
            payload=row["payload"], added=datetime.fromisoformat(row["added"]))

    def add_pending(self, item: PendingItem) -> None:
        """Hold an item back (replaces an earlier held version of the same URL)."""
        self._begin()
        self._db.execute(
            "INSERT OR REPLACE INTO pending (url, site, source, content_hash, simhash, words, minhash, "
            "facts, payload, added, run_id, released_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (item.canonical_url, item.site, item.source, item.content_hash, _signed(item.sig.simhash),
             item.sig.words, item.sig.minhash_blob(), item.sig.facts_text(), item.payload,
             _iso(item.added or now()), self.run_id))
        self._wrote()

    def find_pending_near(self, sig: DocSig, exclude_site: str | None = None) -> list[PendingItem]:
        """Held items that near-duplicate `sig` (held items are few: a linear scan)."""
        rows = self._db.execute("SELECT * FROM pending WHERE released_run IS NULL ORDER BY rowid")
        items = [self._pending(r) for r in rows]
        return [p for p in items if p.site != exclude_site and is_near_duplicate(sig, p.sig)]

    def release_pending(self, canonical_url: str) -> None:
        """Take a held item out of the queue (emitted, or merged as a mirror). Within a run it is
        only flagged, so recovery can put it back if the run's feed never got the result."""
        self._begin()
        if self.run_id is None:
            self._db.execute("DELETE FROM pending WHERE url = ?", (canonical_url,))
        else:
            self._db.execute("UPDATE pending SET released_run = ? WHERE url = ?",
                             (self.run_id, canonical_url))
        self._wrote()

    def pop_pending(self, site: str | None = None) -> list[PendingItem]:
        """All held items (of one site, or all), in arrival order, released (see release_pending)."""
        if site is None:
            rows = self._db.execute("SELECT * FROM pending WHERE released_run IS NULL ORDER BY rowid")
        else:
            rows = self._db.execute(
                "SELECT * FROM pending WHERE released_run IS NULL AND site = ? ORDER BY rowid", (site,))
        items = [self._pending(r) for r in rows]
        for item in items:
            self.release_pending(item.canonical_url)
        return items

    # -- runs and recovery --------------------------------------------------------------------

    def begin_run(self, run_id: str, site: str, feed_path: str | Path | None) -> None:
        """Start a run: from now on marks are tagged with `run_id` and undoable until seal_run().
        `feed_path` is the file the run's lines go to (None: unknown, e.g. stdout)."""
        self._begin()
        self._db.execute(
            "INSERT INTO runs (run_id, site, feed_path, started, status, pid, host) "
            "VALUES (?, ?, ?, ?, 'open', ?, ?)",
            (run_id, site, str(feed_path) if feed_path else None, _iso(now()), os.getpid(),
             socket.gethostname()))
        self.commit()
        self.run_id = run_id

    def seal_run(self, complete: bool = False) -> None:
        """Call once the run's feed file is complete (closed and flushed): makes its marks final.
        `complete`: the run ended normally (not stopped by an error or a cap)."""
        if self.run_id is None:
            self.commit()
            return
        self._seal(self.run_id)
        self._db.execute("UPDATE runs SET complete = ? WHERE run_id = ?", (int(complete), self.run_id))
        self.commit()
        self.run_id = None

    def previous_run_complete(self, site: str) -> bool:
        """Whether the site's latest earlier run ended normally (True when there is none)."""
        row = self._db.execute("SELECT complete FROM runs WHERE site = ? AND run_id IS NOT ? "
                               "ORDER BY started DESC, rowid DESC LIMIT 1", (site, self.run_id)).fetchone()
        return row is None or bool(row[0])

    def _seal(self, run_id: str) -> None:
        self._begin()
        self._db.execute("UPDATE records SET undo = NULL WHERE run_id = ?", (run_id,))
        self._db.execute("DELETE FROM pending WHERE released_run = ?", (run_id,))
        self._db.execute("UPDATE runs SET status = 'sealed' WHERE run_id = ?", (run_id,))

    def save_job_result(self, run_id: str, site: str, job: str, summary: dict[str, Any]) -> None:
        """A site job's summary for the dispatcher of run `run_id` (crawler/tools/nodes.py). Commits."""
        self.commit()
        self._begin()
        self._db.execute("DELETE FROM job_results WHERE run_id = ? AND site = ? AND job = ?", (run_id, site, job))
        self._db.execute("INSERT INTO job_results (run_id, site, job, summary, saved) VALUES (?, ?, ?, ?, ?)",
                         (run_id, site, job, json.dumps(summary, ensure_ascii=False), _iso(now())))
        self.commit()

    def job_results(self, run_id: str) -> dict[str, dict[str, Any]]:
        """The summaries saved by the jobs of run `run_id`, by job id (committed ones only: the read
        runs in a transaction of its own, so a long-lived reader sees new rows)."""
        self.commit()
        rows = self._db.execute("SELECT job, summary FROM job_results WHERE run_id = ?", (run_id,)).fetchall()
        self.commit()
        return {str(r["job"]): json.loads(r["summary"]) for r in rows}

    def open_runs(self) -> list[Run]:
        rows = self._db.execute("SELECT * FROM runs WHERE status = 'open' AND run_id IS NOT ? "
                                "ORDER BY started", (self.run_id,))
        return [Run(r["run_id"], r["site"], r["feed_path"], datetime.fromisoformat(r["started"]),
                    r["status"], r["pid"], r["host"]) for r in rows]

    def _undo_row(self, row: sqlite3.Row) -> None:
        """Put a record back as it was before this run's mark (or forget it if it was new)."""
        before = json.loads(row["undo"])
        if before is not None and before["minhash"] is not None:
            before["minhash"] = bytes.fromhex(before["minhash"])
        current = self._row_sig(row)
        if before is None:
            self._set_lsh(row["rid"], None, current)
            self._db.execute("DELETE FROM mirrors WHERE url = ?", (row["url"],))
            self._db.execute("DELETE FROM records WHERE rid = ?", (row["rid"],))
            return
        sets = ", ".join(f"{c} = ?" for c in _UNDO_COLUMNS)
        self._db.execute(f"UPDATE records SET {sets}, run_id = NULL, undo = NULL WHERE rid = ?",
                         (*(before[c] for c in _UNDO_COLUMNS), row["rid"]))
        sig = (DocSig.from_stored(before["simhash"], before["words"], before["minhash"], before["facts"])
               if before["simhash"] is not None and before["emitted"] else None)
        self._set_lsh(row["rid"], sig, current)

    @_guarded
    def unclaim(self, canonical_url: str) -> None:
        """Undo this open run's mark of `canonical_url` (its line could not be written after the
        claim), so a later run emits it. Commits."""
        self._begin()
        row = self._db.execute("SELECT * FROM records WHERE url = ? AND run_id = ? AND undo IS NOT NULL",
                               (canonical_url, self.run_id)).fetchone()
        if row is not None:
            self._undo_row(row)
        self.commit()

    @_guarded
    def resolve_run(self, run_id: str, delivered: set[tuple[str, int]], feed_found: bool,
                    lines: Iterable[dict[str, Any]] = ()) -> RecoveryResult:
        """Settle a crashed run: its marks whose (id, revision) is in `delivered` (the lines found in
        its feed) become final; the others are undone, held items it released are held again
        unless they ended up emitted or mirrored, and the run is sealed. `lines` (the feed's lines
        of this run's site) whose mark never reached the store (a state write failed after the line
        was written) are marked from the line itself. Commits."""
        result = RecoveryResult(run_id, feed_found=feed_found)
        run_row = self._db.execute("SELECT site FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        self._begin()
        rows = self._db.execute("SELECT * FROM records WHERE run_id = ? AND undo IS NOT NULL",
                                (run_id,)).fetchall()
        for row in rows:
            if (row["id"], row["revision"]) in delivered:
                result.kept += 1
                continue
            result.undone += 1
            result.undone_urls.append(row["url"])
            self._undo_row(row)
        self._db.execute(
            "UPDATE pending SET released_run = NULL WHERE released_run = ? "
            "AND NOT EXISTS (SELECT 1 FROM records r WHERE r.url = pending.url AND r.emitted = 1) "
            "AND NOT EXISTS (SELECT 1 FROM mirrors m WHERE m.mirror_url = pending.url)", (run_id,))
        site = run_row["site"] if run_row else None
        for line in lines:
            if line.get("site") == site and self.remark(line):
                result.remarked += 1
                result.kept += 1
        self._seal(run_id)
        self.commit()
        return result

    @_guarded
    def remark(self, line: dict[str, Any]) -> bool:
        """Mark a delivered line emitted when the store does not know it at that revision."""
        canon, revision = line.get("canonical_url"), line.get("revision")
        if not isinstance(canon, str) or not isinstance(revision, int):
            return False
        row = self._db.execute("SELECT revision, emitted FROM records WHERE url = ?", (canon,)).fetchone()
        if row is not None and row["emitted"] and row["revision"] >= revision:
            return False
        title, body = str(line.get("title") or ""), str(line.get("body") or "")
        published = line.get("published_at") if isinstance(line.get("published_at"), str) else None
        record = Record(canon, str(line.get("site") or ""), content_hash(title, body), doc_sig(body), published)
        # A mark of a line already delivered is final, not a tentative mark of an open run.
        run_id, self.run_id = self.run_id, None
        try:
            self.mark_emitted(record)
        finally:
            self.run_id = run_id
        self._db.execute("UPDATE records SET revision = ? WHERE url = ?", (revision, canon))
        for mirror in line.get("mirrors") or []:
            if isinstance(mirror, str):
                self.add_mirror(canon, mirror)
        return True

    def counts(self) -> dict[str, int]:
        """What the store knows, for `crawler state check`."""
        one = lambda sql: int(self._db.execute(sql).fetchone()[0])  # noqa: E731
        return {"URLs known": one("SELECT COUNT(*) FROM records"),
                "emitted": one("SELECT COUNT(*) FROM records WHERE emitted = 1"),
                "mirrors": one("SELECT COUNT(*) FROM mirrors"), "dead links": one("SELECT COUNT(*) FROM dead"),
                "held copies": one("SELECT COUNT(*) FROM pending WHERE released_run IS NULL"),
                "runs": one("SELECT COUNT(*) FROM runs")}


def feed_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Every complete line of a JSON Lines feed that parses to an object (a line cut short by a
    crash, or garbage, is skipped)."""
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break  # the last line of a crashed run, cut short
            try:
                obj = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            if isinstance(obj, dict):
                yield obj


def feed_lines(path: str | Path) -> set[tuple[str, int]]:
    """(id, revision) of every complete, parseable line of a JSON Lines feed. A line cut short by a
    crash does not parse, so its item counts as not delivered."""
    delivered: set[tuple[str, int]] = set()
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break  # the last line of a crashed run, cut short
            try:
                obj = json.loads(raw)
            except ValueError:
                continue
            if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                delivered.add((obj["id"], int(obj.get("revision") or 0)))
    return delivered


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# No crawl runs this long: an older open run is dead even if its pid was reused after a reboot.
MAX_RUN_AGE = timedelta(days=2)


def _alive(run: Run) -> bool:
    if now() - run.started > MAX_RUN_AGE:
        return False
    if run.host != socket.gethostname():
        return True  # cannot tell from here; leave it to that host (or to MAX_RUN_AGE)
    try:
        os.kill(run.pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True  # includes our own pid: another spider of this process (crawlall)


def recover_open_runs(store: SQLiteStateStore, runs: Iterable[Run] | None = None,
                      held_site: str | None = None) -> list[RecoveryResult]:
    """Settle the runs left open by crashed processes (call at startup, before begin_run).
    A run whose process is still alive is left alone. With no readable feed file nothing of the run
    is counted as delivered: its items are emitted again (a consumer may see a repeat, never a loss).
    `held_site`: the site whose lock the caller holds in a store shared across machines (PostgreSQL's
    site lock is held by a crawl for its whole life): an open run of that site on another host is dead,
    which the pid check cannot tell from here (a node that died mid-run, its site rescheduled)."""
    results = []
    for run in list(runs if runs is not None else store.open_runs()):
        orphan = held_site is not None and store.shared and run.site == held_site
        if runs is None and not orphan and _alive(run):
            continue
        delivered: set[tuple[str, int]] = set()
        lines: list[dict[str, Any]] = []
        found = bool(run.feed_path) and Path(str(run.feed_path)).is_file()
        if found:
            lines = list(feed_records(str(run.feed_path)))
            # Ids are per URL, so lines of other sites sharing the file (crawlall -O) change nothing.
            delivered = {(str(line.get("id")), _int(line.get("revision"))) for line in lines}
            lines = [line for line in lines if line.get("site") == run.site]
        results.append(store.resolve_run(run.run_id, delivered, found, lines))
    return results


class SiteLock:
    """One crawl per site and state directory at a time: an exclusive lock on
    <STATE_DIR>/locks/<name>.lock (released by the OS when the process ends, even by SIGKILL)."""

    def __init__(self, path: Path, handle: Any) -> None:
        self.path = path
        self._handle = handle

    @classmethod
    def acquire(cls, state_dir: Path, name: str) -> SiteLock:
        path = state_dir / "locks" / f"{name}.lock"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the crawl)
        except OSError as exc:
            raise StateError(f"cannot create the lock file {path}: {exc.strerror}; STATE_DIR must be a "
                             "writable directory") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StateError(f"{name} is being crawled by {holder} with the same state directory "
                             f"({state_dir}); this run leaves it alone", busy=True) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {_iso(now())}")
        handle.flush()
        return cls(path, handle)

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


__all__ = [
    "STATE_FILE",
    "PendingItem",
    "Record",
    "RecoveryResult",
    "Run",
    "SQLiteStateStore",
    "SiteLock",
    "StateError",
    "StateStore",
    "feed_lines",
    "feed_records",
    "recover_open_runs",
]
