"""`crawler state check` and `crawler state rebuild`: look at the state store, or rebuild it from
the feed files, which are the truth of what consumers received.

A damaged database is moved aside (state.sqlite3.damaged-<UTC time>), never deleted; the rebuilt
one knows every delivered line (its URL, revision, content hash and near-duplicate signature,
recomputed from the line's text) and every mirror, so the next run repeats nothing.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from crawler.dedup.store import STATE_FILE, SQLiteStateStore, StateError, feed_records
from crawler.paths import resolve


def _state_dir(given: str | None) -> Path:
    if given:
        return resolve(given)
    from scrapy.utils.project import get_project_settings

    return resolve(get_project_settings().get("STATE_DIR"))


def _state_url(given: str | None) -> str:
    """--state-url, else the STATE_URL setting or environment variable (empty: SQLite in STATE_DIR)."""
    if given:
        return given
    from scrapy.utils.project import get_project_settings

    from crawler.adapters.state import state_url

    return state_url(get_project_settings().get("STATE_URL"))


def migrate(state_dir: str | None, url: str | None) -> int:
    """Create the state store's schema, or bring an older one to this crawler's version."""
    from crawler.dedup.store import SCHEMA_VERSION
    from crawler.dedup.store_pg import open_store

    target = _state_url(url) or str(_state_dir(state_dir))
    try:
        with open_store(target) as store:
            where = store.path
    except StateError as exc:
        print(f"crawler state: {exc}", file=sys.stderr)
        return 1
    print(f"crawler state: {where} is at schema version {SCHEMA_VERSION}")
    return 0


def check(state_dir: str | None, url: str | None = None) -> int:
    from crawler.dedup.store_pg import open_store

    target = _state_url(url)
    if not target:
        directory = _state_dir(state_dir)
        if not (directory / STATE_FILE).exists():
            print(f"crawler state: no state database at {directory / STATE_FILE} (the first run creates it)")
            return 0
        target = str(directory)
    try:
        with open_store(target, check=True) as store:
            counts = store.counts()
            where = store.path
    except StateError as exc:
        print(f"crawler state: {exc}", file=sys.stderr)
        return 1
    print(f"crawler state: {where} is sound: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def feed_files(sources: list[Path]) -> list[Path]:
    """JSON Lines files named or found under the folders (demo output left out: not delivered)."""
    files: list[Path] = []
    for source in sources:
        source = resolve(source)
        if source.is_file():
            files.append(source)
        elif source.is_dir():
            files += sorted(p for p in source.rglob("*.jsonl") if "demo" not in p.relative_to(source).parts)
    return files


def rebuild(state_dir: str | None, sources: list[Path], url: str | None = None) -> int:
    files = feed_files(sources)
    if not files:
        print(f"crawler state: no feed file in {', '.join(str(s) for s in sources)}: nothing to rebuild from",
              file=sys.stderr)
        return 2
    target = _state_url(url)
    if target and not target.startswith("sqlite:"):
        return _rebuild_shared(target, files)
    directory = _state_dir(state_dir)
    path = directory / STATE_FILE
    if target:  # sqlite:///path: a file (.sqlite3/.db) or a directory, as the crawl reads it
        named = Path(target.removeprefix("sqlite://"))
        path = named if named.suffix in (".sqlite3", ".db", ".sqlite") else named / STATE_FILE
        directory = path.parent
    if path.exists():
        aside = path.with_name(f"{path.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.rename(aside.with_name(aside.name + suffix))
        print(f"crawler state: the old database is kept as {aside}")
    try:
        with SQLiteStateStore(path if path.name != STATE_FILE else directory) as store:
            return _fill(store, files, str(path))
    except StateError as exc:
        print(f"crawler state: {exc}", file=sys.stderr)
        return 1


def _fill(store: SQLiteStateStore, files: list[Path], where: str) -> int:
    """Every feed line marked delivered in an empty store; the one line saying so."""
    lines = 0
    for feed in files:
        for line in feed_records(feed):
            lines += 1
            store.remark(line)
    store.commit()
    counts = store.counts()
    print(f"crawler state: rebuilt {where} from {lines} line(s) in {len(files)} file(s): "
          + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def _rebuild_shared(target: str, files: list[Path]) -> int:
    """Rebuild into a PostgreSQL database, which must hold no records: a live shared state is never
    moved aside from here (other machines may be using it); create an empty database and point
    STATE_URL at it."""
    from crawler.dedup.store_pg import open_store

    try:
        with open_store(target) as store:
            known = store.counts()["URLs known"]
            if known:
                print(f"crawler state: {store.path} already holds {known} URL(s); rebuild into an empty database "
                      "(createdb, then --state-url or STATE_URL naming it)", file=sys.stderr)
                return 2
            return _fill(store, files, str(store.path))
    except StateError as exc:
        print(f"crawler state: {exc}", file=sys.stderr)
        return 1
