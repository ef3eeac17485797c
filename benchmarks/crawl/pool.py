"""The worker pool alone, without Scrapy: pages/s of extraction + classification + signature of the
benchmark's pages through `crawler.adapters.workers.SharedPool` with 1, 2, ... workers, so the pool's
scaling is seen where the reactor is not the bottleneck:

    uv run python -m benchmarks.crawl.pool [--n 300] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.crawl.site import generate_site


def page_work(url: str, html: str, site: Any) -> bool:
    """What the crawl does in workers for one article page."""
    from crawler.dedup import fingerprints
    from crawler.extract import extract_article
    from crawler.stages import assemble_item, enriched

    article = extract_article(url, html, site)
    item = enriched(assemble_item(article, site))
    fingerprints(item.title, item.body)
    return item.is_training


def pool_rate(root: Path, workers: int, limit: int | None = None) -> dict[str, float]:
    from crawler.adapters.workers import SharedPool
    from crawler.sites.registry import load_registry

    site = load_registry()["danang"]
    files = sorted((root / "articles").glob("*.html"))[:limit]
    pages = [(f"https://danang.gov.vn/web/guest/chi-tiet?id={f.stem}&_c=3", f.read_text("utf-8")) for f in files]
    shared = SharedPool(workers)
    try:
        # Warm-up: every worker started and its first page done before the clock starts.
        for future in [shared.pool.schedule(page_work, args=pages[0] + (site,)) for _ in range(workers * 2)]:
            future.result()
        t0 = time.perf_counter()
        futures = [shared.pool.schedule(page_work, args=(url, html, site)) for url, html in pages]
        training = sum(bool(f.result()) for f in futures)
        wall = time.perf_counter() - t0
    finally:
        shared.close()
    return {"workers": workers, "pages": len(pages), "wall_s": round(wall, 2),
            "pages_per_s": round(len(pages) / wall, 1), "training": training}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="pages to generate and work")
    parser.add_argument("--workers", default="1,2", help="pool sizes, comma-separated")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pool-") as tmp:
        generate_site(Path(tmp), args.n)
        rows = [pool_rate(Path(tmp), int(w)) for w in args.workers.split(",")]
    base = rows[0]["pages_per_s"]
    for row in rows:
        print(f"{row['workers']} worker(s): {row['pages_per_s']} pages/s ({row['pages']} pages in {row['wall_s']} s), "
              f"{row['pages_per_s'] / base:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
