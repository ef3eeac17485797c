"""The state store on PostgreSQL: shared by crawl processes on several machines.

Same semantics as `SQLiteStateStore` (it reuses that class's logic; only the connection, the
transaction primitives, the schema and a few dialect differences live here). The SQL of the shared
code is written in SQLite's dialect; `_Connection` translates the handful of constructs that differ
(`?` parameters, INSERT OR IGNORE, rowid, IS NOT) so the two backends cannot drift apart.

Concurrency across processes: every write is in a transaction; `claim` takes a transaction-scoped
advisory lock (pg_advisory_xact_lock) so the check-then-mark of a story is one atomic step for all
claimers, and the unique constraint on records.url backs it for the exact URL.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import pq

from crawler.dedup.store import JOB_RESULTS, SCHEMA_VERSION, SQLiteStateStore, StateError

# Key of the advisory lock held while a story is claimed (any constant shared by all crawlers).
CLAIM_LOCK = 0x7461_7068_7561_6E01  # "taphuan" + 1
MIGRATE_LOCK = CLAIM_LOCK + 1
SITE_LOCK_SPACE = 0x7470  # first key of the two-key advisory locks that hold a site

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    rid BIGSERIAL PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    id TEXT NOT NULL,
    site TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    content_hash TEXT,
    simhash BIGINT,
    words INTEGER NOT NULL DEFAULT 0,
    minhash BYTEA,
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
    band_value BIGINT NOT NULL,
    rid BIGINT NOT NULL,
    PRIMARY KEY (band_no, band_value, rid)
);
CREATE TABLE IF NOT EXISTS lsh_recent (
    band_no INTEGER NOT NULL,
    band_value BIGINT NOT NULL,
    rid BIGINT NOT NULL,
    PRIMARY KEY (band_no, band_value, rid)
);
CREATE TABLE IF NOT EXISTS mirrors (
    mirror_url TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    run_id TEXT,
    added TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mirrors_url ON mirrors (url);
CREATE TABLE IF NOT EXISTS pending (
    seq BIGSERIAL UNIQUE,
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    simhash BIGINT NOT NULL,
    words INTEGER NOT NULL,
    minhash BYTEA,
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
    seq BIGSERIAL UNIQUE,
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


class _Row(tuple[Any, ...]):
    """A row readable by position and by column name, like sqlite3.Row."""

    names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    names = {d.name: i for i, d in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> _Row:
        row = _Row(values)
        row.names = names
        return row

    return make


_IGNORE = re.compile(r"^\s*INSERT OR IGNORE INTO", re.IGNORECASE)


def _translate(sql: str, params: Sequence[Any]) -> tuple[str, Sequence[Any]]:
    """SQLite dialect of the shared code -> PostgreSQL."""
    if "?1" in sql:  # one parameter used several times
        params = [params[0]] * sql.count("?1")
        sql = sql.replace("?1", "%s")
    if _IGNORE.match(sql):
        sql = _IGNORE.sub("INSERT INTO", sql) + " ON CONFLICT DO NOTHING"
    # Only add_pending replaces, and PostgresStateStore.add_pending deletes the old row first.
    sql = sql.replace("INSERT OR REPLACE INTO", "INSERT INTO")
    sql = sql.replace("IS NOT ?", "IS DISTINCT FROM ?")
    sql = re.sub(r"\browid\b", "seq", sql)
    return sql.replace("?", "%s"), params


class _Cursor:
    def __init__(self, cursor: psycopg.Cursor[Any], lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount = cursor.rowcount

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor.fetchall())


class _Connection:
    """The part of sqlite3.Connection the shared code uses, over one psycopg connection in
    autocommit mode (transactions are opened with an explicit BEGIN, as with SQLite)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    @property
    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        text, values = _translate(sql, params)
        returning = text.lstrip().upper().startswith("INSERT INTO RECORDS ") and "ON CONFLICT" not in text
        if returning:
            text += " RETURNING rid"
        cur = self.conn.cursor(row_factory=_row_factory)
        cur.execute(text.encode(), values)
        if returning:
            row = cur.fetchone()
            return _Cursor(cur, int(row[0]) if row else None)
        return _Cursor(cur)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        text, _ = _translate(sql, rows[0] if rows else ())
        with self.conn.cursor() as cur:
            cur.executemany(text.encode(), rows)

    def rollback(self) -> None:
        self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc[-1]}"))


class PostgresStateStore(SQLiteStateStore):
    """StateStore on a PostgreSQL server (`url`: postgresql://user:pass@host:port/db)."""

    shared = True

    db_errors = (psycopg.Error,)

    def __init__(self, url: str, *, batch_size: int = 200, max_tx_seconds: float = 1.0,
                 busy_timeout_ms: int = 30_000, check: bool = False) -> None:
        self.path = _redacted(url)  # type: ignore[assignment]
        self.batch_size = batch_size
        self.max_tx_seconds = max_tx_seconds
        self._tx_started = 0.0
        self.run_id: str | None = None
        self._writes = 0
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StateError(f"cannot connect to the state database {self.path}: "
                             f"{' '.join(str(exc).split())}; check STATE_URL and that the server runs") from None
        try:
            # A claimer waits for another's claim at most this long, then the site stops with one line.
            conn.execute(f"SET lock_timeout = {int(busy_timeout_ms)}".encode())
            self._db = _Connection(conn)  # type: ignore[assignment]
            self._migrate()
            self._recent = self._db.execute("SELECT COUNT(*) FROM lsh_recent").fetchone()[0]
            self._main = self._db.execute("SELECT COUNT(*) FROM lsh").fetchone()[0]
        except StateError:
            conn.close()
            raise
        except psycopg.Error as exc:
            conn.close()
            raise StateError(f"cannot use the state database {self.path}: {' '.join(str(exc).split())}") from None

    def _begin(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN")
            self._tx_started = time.monotonic()

    def _begin_claim(self) -> None:
        self._begin()
        self._db.execute("SELECT pg_advisory_xact_lock(?)", (CLAIM_LOCK,))

    def lock_site(self, name: str) -> None:
        """One crawl per site across all machines: a session advisory lock on the site's name, held
        until this store's connection closes (also when the process dies: the server drops it)."""
        got = self._db.execute("SELECT pg_try_advisory_lock(?::int, hashtext(?))",
                               (SITE_LOCK_SPACE, name)).fetchone()[0]
        if not got:
            raise StateError(f"{name} is being crawled by another process sharing the state database "
                             f"{self.path}; this run leaves it alone", busy=True)

    def commit(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("COMMIT")
        except psycopg.Error as exc:
            self._writes = 0
            raise StateError(f"cannot write the state database {self.path}: {exc}") from exc
        self._writes = 0

    def _migrate(self) -> None:
        """Create the schema or bring it to SCHEMA_VERSION (one migrator at a time)."""
        self._begin()
        self._db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATE_LOCK,))
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
            self._db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
        self.commit()

    def schema_version(self) -> int:
        return int(self._db.execute("SELECT version FROM schema_version").fetchone()[0])

    def add_pending(self, item: Any) -> None:
        # INSERT OR REPLACE: a new row, so the item moves to the end of the arrival order as in SQLite.
        self._begin()
        self._db.execute("DELETE FROM pending WHERE url = ?", (item.canonical_url,))
        super().add_pending(item)


def open_store(state: str, **options: Any) -> SQLiteStateStore:
    """The state store named by STATE_URL (postgresql://..., sqlite:///path) or a state directory."""
    scheme = urlsplit(state).scheme
    if scheme in ("postgresql", "postgres"):
        return PostgresStateStore(state, **options)
    if scheme == "sqlite":
        return SQLiteStateStore(state.removeprefix("sqlite://"), **options)
    if scheme and len(scheme) > 1:
        raise StateError(f"STATE_URL {state!r}: use sqlite:///path or postgresql://user@host/db")
    return SQLiteStateStore(state, **options)


__all__ = ["PostgresStateStore", "open_store"]
