"""Per-stage CPU time of the full crawl's own work on the benchmark's danang pages, in one process:

    uv run python -m benchmarks.crawl.stages [--n 300]

extraction, item assembly, clean, canonicalize, classify (enrich), near-duplicate signature, content
hash and schema validation, as the spider and pipelines call them; CPU ms per page for each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.crawl.site import generate_site


def time_stages(root: Path, limit: int | None = None) -> dict[str, float]:
    from crawler.dedup import content_hash, doc_sig
    from crawler.dedup.canonical import rules_from_mapping
    from crawler.extract import extract_article
    from crawler.schema import line_errors
    from crawler.sites.registry import load_registry
    from crawler.stages import assemble_item, canonicalize, clean, enrich

    site = load_registry()["danang"]
    rules = rules_from_mapping(site.canonical)
    files = sorted((root / "articles").glob("*.html"))[:limit]
    pages = [(f"https://danang.gov.vn/web/guest/chi-tiet?id={f.stem}&_c=3", f.read_text("utf-8")) for f in files]
    spent: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any], *args: Any) -> Any:
        t0 = time.process_time()
        out = fn(*args)
        spent[name] = spent.get(name, 0.0) + time.process_time() - t0
        return out

    extract_article(*pages[0], site)  # warm-up: imports, registry and pattern caches
    for url, text in pages:
        article = timed("extract", extract_article, url, text, site)
        item = timed("assemble", assemble_item, article, site)
        timed("clean", clean, item)
        timed("canonicalize", canonicalize, item, rules)
        timed("classify", enrich, item)
        timed("signature", doc_sig, item.body)
        timed("content_hash", content_hash, item.title, item.body)
        timed("validate", line_errors, item.to_dict())
    per_page = {k: 1000 * v / len(pages) for k, v in spent.items()}
    per_page["total"] = sum(per_page.values())
    return per_page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="pages to generate and time")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as tmp:
        generate_site(Path(tmp), args.n)
        result = time_stages(Path(tmp))
    print("  ".join(f"{k}={v:.2f}" for k, v in result.items()), "CPU ms/page")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
