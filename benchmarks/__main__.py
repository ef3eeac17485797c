"""`uv run python -m benchmarks [ARGS]`: the speed and memory benchmark (`benchmarks.crawl`, same
arguments: `--quick`, `--n N`, `--workers 0,1,2,all`, `--no-crawl`, `--profile`...).

The other benchmarks, each its own entry point (see docs/benchmarks.md and the README):

    uv run python -m benchmarks.extraction        body precision/recall/F1 per fixture, ours vs trafilatura
    uv run python -m benchmarks.aeb               Zyte's article-extraction-benchmark: 181 real pages, vs trafilatura
    uv run python -m benchmarks.dates_accuracy    our date parser vs plain dateparser
    uv run python -m benchmarks.relevance_eval    classifier precision/recall on a labelled set
    uv run python -m benchmarks.dedup_scale       near-duplicate index cost at 10k and 100k
    uv run python -m benchmarks.crawl.stages      CPU ms per page of each stage of the full crawl
    uv run python -m benchmarks.crawl.pool        the worker pool alone: pages/s with 1, 2... workers
    uv run python -m benchmarks.generic_vs_site   zero-config spider from the home page vs each site file
"""

from __future__ import annotations

import sys

from benchmarks.crawl.__main__ import main

if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        print(__doc__)
    raise SystemExit(main(sys.argv[1:]))
