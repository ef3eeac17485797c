"""Scale of the dedup state store: per-item insert and lookup cost at 10k and 100k items.

    uv run python -m benchmarks.dedup_scale [--sizes 10000,100000] [--queries 2000] [--seed 7]
        [--state-url postgresql://user@host:port/db]

--state-url measures PostgresStateStore instead: each size gets a fresh database on that server
(created and dropped here; the user needs CREATEDB). Default: SQLite in a temporary directory.

Texts are random Vietnamese articles drawn from the seeds' vocabulary (words, sentence lengths,
numbers and dates like the real ones), so fingerprints, MinHash bands and facts look like real
items'. Each size gets a fresh temporary store. "insert" is SQLiteStateStore.mark_emitted with a
commit every 500 items, averaged over the second half of the inserts (so the periodic LSH merges
are counted in proportion: the amortized cost at that size); "lookup" is
what the pipeline does per item: decide() (get, mirror_of, find_near_duplicate over the LSH index,
held items) for `queries` items, half of them edited copies of stored items (must be found), half
fresh texts (must not be). Signature computation is reported separately: it does not depend on the
store size.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from crawler.dedup.decide import Kind, decide
from crawler.dedup.fingerprint import DocSig, content_hash, doc_sig
from crawler.dedup.store import Record, SQLiteStateStore
from crawler.dedup.store_pg import PostgresStateStore

SEEDS = Path(__file__).resolve().parent.parent / "tests" / "data" / "seeds"
_FALLBACK = (
    "Ban Dân vận Tỉnh ủy tổ chức hội nghị tập huấn công tác dân vận cho đội ngũ cán bộ cơ sở năm nay "
    "các đại biểu được truyền đạt chuyên đề về xây dựng Đảng vận động Nhân dân đồng bào dân tộc thiểu số"
)


def vocabulary() -> tuple[list[str], list[str]]:
    """(lower-case words, capitalised words) from the seed texts (or a built-in sentence)."""
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    text = " ".join(p.read_text(encoding="utf-8") for p in files)
    words = re.findall(r"[^\W\d_]+", text or _FALLBACK)
    lower = sorted({w for w in words if w.islower()})
    upper = sorted({w for w in words if w[0].isupper() and not w.isupper()})
    return lower, upper


def random_article(rng: random.Random, lower: list[str], upper: list[str]) -> str:
    paragraphs = []
    for _ in range(rng.randint(3, 6)):
        sentences = []
        for _ in range(rng.randint(2, 4)):
            words = [rng.choice(lower) for _ in range(rng.randint(12, 28))]
            words.insert(rng.randint(0, len(words)), f"{rng.choice(upper)} {rng.choice(upper)}")
            if rng.random() < 0.5:
                words.insert(rng.randint(0, len(words)), f"{rng.randint(1, 28)}/{rng.randint(1, 12)}")
            if rng.random() < 0.4:
                words.insert(rng.randint(0, len(words)), str(rng.randint(20, 5000)))
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def edited_copy(rng: random.Random, text: str, lower: list[str]) -> str:
    """A republished copy: two words changed, a caption and a credit added."""
    words = text.split(" ")
    for _ in range(2):
        i = rng.randrange(len(words))
        if words[i].isalpha() and words[i].islower():
            words[i] = rng.choice(lower)
    return "Các đại biểu tham dự hội nghị\n\n" + " ".join(words) + "\n\n(baolangson.vn)\n\nGửi cho bạn bè"


def _sigs(args: tuple[int, int, int, int]) -> list[tuple[str, str, DocSig, str, str | None]]:
    """(url, site, signature, content hash, text if i % keep_every == 0) for items start..start+count."""
    seed, start, count, keep_every = args
    lower, upper = vocabulary()
    out = []
    for i in range(start, start + count):
        rng = random.Random(seed * 1_000_003 + i)
        text = random_article(rng, lower, upper)
        out.append((f"https://site{i % 40}.vn/bai-viet-{i}.html", f"site{i % 40}", doc_sig(text),
                    content_hash("", text), text if i % keep_every == 0 else None))
    return out


def corpus(seed: int, n: int, keep_every: int) -> list[tuple[str, str, DocSig, str, str | None]]:
    """Generated up front in worker processes, so they do not compete with the timed inserts."""
    chunk = 2000
    jobs = [(seed, s, min(chunk, n - s), keep_every) for s in range(0, n, chunk)]
    with ProcessPoolExecutor() as pool:
        return [row for part in pool.map(_sigs, jobs) for row in part]


@contextlib.contextmanager
def fresh_store(state_url: str | None) -> Iterator[tuple[SQLiteStateStore, Callable[[], float]]]:
    """A new empty store and a function giving its size in MB."""
    if not state_url:
        with tempfile.TemporaryDirectory() as tmp:
            store = SQLiteStateStore(Path(tmp))
            yield store, lambda: sum(f.stat().st_size for f in Path(tmp).glob("state.sqlite3*")) / 1e6
            store.close()
        return
    import psycopg

    name = "bench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(state_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
        try:
            store = PostgresStateStore(state_url.rsplit("/", 1)[0] + "/" + name)
            size = lambda: store._db.execute(  # noqa: E731
                "SELECT pg_database_size(current_database())").fetchone()[0] / 1e6
            yield store, size
            store.close()
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name}".encode())


def run_size(n: int, queries: int, seed: int, state_url: str | None = None) -> dict[str, float]:
    lower, _ = vocabulary()
    rng = random.Random(seed)
    t = time.perf_counter()
    items = corpus(seed, n, max(1, n // (queries // 2)))
    gen_time = time.perf_counter() - t
    kept = [text for *_, text in items if text is not None][: queries // 2]
    fresh = [sig for _, _, sig, _, _ in _sigs((seed + 1000, 0, queries - len(kept), 1))]
    t = time.perf_counter()
    copies = [doc_sig(edited_copy(rng, text, lower)) for text in kept]
    sig_time = (time.perf_counter() - t) / max(1, len(copies))
    with fresh_store(state_url) as (store, db_size):
        insert_time = 0.0
        for i, (url, site, sig, chash, _) in enumerate(items):
            record = Record(url, site, chash, sig)
            t = time.perf_counter()
            store.mark_emitted(record)
            if i % 500 == 499:
                store.commit()
            if i >= n // 2:
                insert_time += time.perf_counter() - t
        store.commit()
        del items

        found = missed = false_hits = 0
        t = time.perf_counter()
        for j, sig in enumerate(copies):
            d = decide(store, f"https://copy.vn/{j}", "h", sig)
            if d.kind is Kind.NEAR_DUPLICATE:
                found += 1
            else:
                missed += 1
        for j, sig in enumerate(fresh):
            d = decide(store, f"https://fresh.vn/{j}", "h", sig)
            if d.kind is not Kind.NEW:
                false_hits += 1
        lookup_time = time.perf_counter() - t
        size_mb = db_size()
    return {
        "insert_us": insert_time / (n - n // 2) * 1e6,
        "lookup_us": lookup_time / (len(copies) + len(fresh)) * 1e6,
        "sig_us": sig_time * 1e6,
        "found": found,
        "missed": missed,
        "false_hits": false_hits,
        "db_mb": size_mb,
        "gen_s": gen_time,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--state-url", default=None, help="postgresql://... (default: SQLite, temporary)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    for n in sizes:
        r = run_size(n, args.queries, args.seed, args.state_url)
        results[n] = r
        print(
            f"n={n:>7}: insert {r['insert_us']:7.1f} µs/item, lookup {r['lookup_us']:7.1f} µs/item "
            f"(copies found {r['found']}/{r['found'] + r['missed']}, false hits {r['false_hits']}), "
            f"signature {r['sig_us']:.0f} µs/item, db {r['db_mb']:.1f} MB",
            flush=True,
        )
    if len(sizes) >= 2:
        small, large = results[sizes[0]], results[sizes[-1]]
        ins, look = large["insert_us"] / small["insert_us"], large["lookup_us"] / small["lookup_us"]
        verdict = "OK" if max(ins, look) <= 1.5 else "TOO HIGH (must be <= 1.5)"
        print(f"ratio {sizes[-1]}/{sizes[0]}: insert {ins:.2f}, lookup {look:.2f}: {verdict}")


if __name__ == "__main__":
    main()
