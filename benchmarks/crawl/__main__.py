"""Crawl benchmark: the project's full crawl against a bare Scrapy spider on a synthetic portal.

    uv run python -m benchmarks.crawl                      # N = 1,000 and 10,000 (takes a while)
    uv run python -m benchmarks.crawl --n 1000             # one size
    uv run python -m benchmarks.crawl --quick              # 20 pages, fewer repeats (smoke)
    uv run python -m benchmarks.crawl --no-crawl           # extraction timings only

For each N: generates the site in a temporary directory, serves it from a separate process (and
measures the server's own rate), runs the bare spider and then `scrapy crawl danang` on it, each in
its own child process. Then times extraction alone per page. Prints a table and writes JSON to
output/benchmarks/crawl-<UTC time>.json (and crawl-latest.json). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.crawl.runner import REPO, CrawlRun, run_bare, run_full
from benchmarks.crawl.server import serve_site, server_rate
from benchmarks.crawl.site import SiteInfo, generate_site

OUT_DIR = REPO / "output" / "benchmarks"


def worker_counts(spec: str) -> list[int]:
    """"0,1,2,all" -> [0, 1, 2] on a 2-core machine (all = the usable cores; duplicates dropped)."""
    from crawler.adapters.workers import usable_cores

    out: list[int] = []
    for part in spec.split(","):
        n = usable_cores() if part.strip() == "all" else int(part)
        if n not in out:
            out.append(n)
    return out


def training_scores(info: SiteInfo, lines: Path) -> dict[str, Any]:
    """The full crawl's lines against the generator's labels, per story: a story and its generated
    near-duplicates are one story (the crawl rightly writes one line for them). Recall = training
    stories with a training line; false positives = lines marked training of other stories."""
    story: dict[int, int] = {}
    for base, copy in info.near_duplicates:  # copies of copies share the first story's id
        story[copy] = story.get(base, base)
    labelled = {story.get(i, i) for i in info.training_ids}
    found: set[int] = set()
    fp = 0
    if lines.exists():
        for raw in lines.open(encoding="utf-8"):
            item = json.loads(raw)
            match = re.search(r"[?&]id=(\d+)", item["url"])
            sid = story.get(int(match.group(1)), int(match.group(1))) if match else -1
            if item["is_training"] and sid in labelled:
                found.add(sid)
            elif item["is_training"]:
                fp += 1
    return {"training_stories": len(labelled), "true_positives": len(found), "false_positives": fp,
            "missed": len(labelled - found),
            "recall": round(len(found) / len(labelled), 4) if labelled else None}


def bench_size(n: int, tmp: Path, *, profile: bool = False, log: Any = print,
               workers: list[int] | None = None) -> dict[str, Any]:
    """Generate, serve and crawl one site of n articles: bare once, full once per WORKERS value."""
    root = tmp / f"site-{n}"
    t0 = time.perf_counter()
    info = generate_site(root, n)
    log(f"N={n}: generated {info.n_articles} articles + {info.n_listings} listings "
        f"({info.bytes_total / 1e6:.0f} MB, {info.training} training, {len(info.near_duplicates)} near-duplicates) "
        f"in {time.perf_counter() - t0:.1f} s")
    with serve_site(root) as base_url:
        paths = info.article_paths()[:2000]
        rate, mbps = server_rate(base_url, paths)
        log(f"N={n}: server alone: {rate:.0f} pages/s ({mbps:.0f} MB/s) over 16 keep-alive connections")
        bare = run_bare(base_url, tmp / f"bare-{n}")
        log(f"N={n}: bare  {_line(bare)}")
        fulls = []
        for w in workers or [-1]:
            full = run_full(base_url, tmp / f"full-{n}-w{w}", profile=profile, workers=w)
            scores = training_scores(info, tmp / f"full-{n}-w{w}" / "full.jsonl")
            log(f"N={n}: full (WORKERS={w}) {_line(full)}; training recall {scores['recall']}, "
                f"{scores['false_positives']} false positive(s)")
            fulls.append((full, scores))
    for run in (bare, *(f for f, _ in fulls)):
        if run.returncode != 0:
            log(f"N={n}: {run.kind} crawl exited {run.returncode}; see its log under {tmp}")
        if run.kind == "full" and run.stats.get("extract/pages", 0) < info.n_articles:
            log(f"N={n}: the full crawl (WORKERS={run.workers}) read {run.stats.get('extract/pages', 0)} "
                f"of {info.n_articles} articles: its figures are not comparable")
    return {
        "n": n,
        "site": {"articles": info.n_articles, "listings": info.n_listings, "pages": info.pages,
                 "mb": round(info.bytes_total / 1e6, 1), "training": info.training,
                 "near_duplicates": len(info.near_duplicates)},
        "server_pages_per_s": round(rate, 1),
        "bare": bare.summary(),
        "full": [dict(full.summary(), training=scores, ratio={
            "throughput_full_over_bare": round(full.pages_per_s / bare.pages_per_s, 3) if bare.pages_per_s else None,
            "cpu_full_over_bare": round(full.cpu_s / bare.cpu_s, 2) if bare.cpu_s else None,
            "rss_full_over_bare": round(full.peak_rss_mb / bare.peak_rss_mb, 2) if bare.peak_rss_mb else None,
        }) for full, scores in fulls],
    }


def _line(run: CrawlRun) -> str:
    return (f"{run.pages} pages, {run.items} items in {run.wall_s:.1f} s: {run.pages_per_s:.1f} pages/s, "
            f"{run.cpu_ms_per_page:.1f} CPU ms/page, peak RSS {run.peak_rss_mb:.0f} MB")


def table(result: dict[str, Any]) -> str:
    """The Markdown table of docs/benchmarks.md."""
    rows = ["| N | crawl | WORKERS | pages | wall s | pages/s | CPU ms/page | peak RSS MB | full/bare pages/s "
            "| training recall | false positives |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in result.get("sizes", []):
        b = size["bare"]
        rows.append(f"| {size['n']:,} | bare | | {b['pages']:,} | {b['wall_s']:.1f} | {b['pages_per_s']:.1f} | "
                    f"{b['cpu_ms_per_page']:.2f} | {b['peak_rss_mb']:.0f} | | | |")
        for r in size["full"]:
            t = r["training"]
            rows.append(f"| {size['n']:,} | full | {r['workers']} | {r['pages']:,} | {r['wall_s']:.1f} | "
                        f"{r['pages_per_s']:.1f} | {r['cpu_ms_per_page']:.2f} | {r['peak_rss_mb']:.0f} | "
                        f"{r['ratio']['throughput_full_over_bare']:.2f} | {t['recall']} | {t['false_positives']} |")
    stages = dict(result.get("stages") or {})
    if stages:
        rows.append("\nCPU ms per page by stage (one process, " + f"{stages.pop('pages', '?')} pages): "
                    + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    pool = result.get("pool") or []
    if pool:
        rows.append("\nThe worker pool alone (page work of the full crawl, no Scrapy): " + ", ".join(
            f"{p['workers']} worker(s) {p['pages_per_s']} pages/s ({p['pages_per_s'] / pool[0]['pages_per_s']:.2f}x)"
            for p in pool))
    ex = result.get("extraction")
    if ex:
        rows.append("\n| pages | ours ms | ours + classify ms | trafilatura ms |\n|---|---:|---:|---:|")
        for group in ("samples", "fixtures", "all"):
            if group in ex:
                g = ex[group]
                rows.append(f"| {group} ({g['pages']}) | {g['ours']:.1f} | {g['ours_classify']:.1f} | "
                            f"{g['trafilatura']:.1f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, action="append",
                        help="articles in the site (repeatable; default 1000 and 10000)")
    parser.add_argument("--quick", action="store_true", help="20 articles, extraction timed once per page")
    parser.add_argument("--no-crawl", action="store_true", help="extraction timings only")
    parser.add_argument("--no-extraction", action="store_true", help="crawls only")
    parser.add_argument("--repeats", type=int, default=5, help="runs per page for extraction timing")
    parser.add_argument("--profile", action="store_true", help="run the full crawl under pyinstrument")
    parser.add_argument("--keep", action="store_true", help="keep the generated sites and crawl outputs")
    parser.add_argument("--workers", default="0,1,2,all",
                        help="the full crawl's WORKERS values, comma-separated (all = the usable cores)")
    parser.add_argument("--no-stages", action="store_true", help="skip the per-stage CPU timing")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where to write the JSON results")
    args = parser.parse_args(argv)
    sizes = [20] if args.quick else (args.n or [1000, 10000])
    repeats = 1 if args.quick else args.repeats

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    result: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "sizes": []}
    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    try:
        if not args.no_crawl:
            for n in sizes:
                result["sizes"].append(bench_size(n, tmp, profile=args.profile, log=log,
                                                  workers=worker_counts(args.workers)))
        if not args.no_stages:
            from benchmarks.crawl.stages import time_stages

            stage_root = tmp / "stages"
            generate_site(stage_root, 20 if args.quick else 300)
            result["stages"] = {**time_stages(stage_root), "pages": 20 if args.quick else 300}
            from benchmarks.crawl.pool import pool_rate

            result["pool"] = [pool_rate(stage_root, w) for w in worker_counts(args.workers) if w > 0]
        if not args.no_extraction:
            from benchmarks.crawl.extract_timing import time_extraction

            result["extraction"] = time_extraction(repeats)
    finally:
        if args.keep:
            log(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
    text = json.dumps(result, ensure_ascii=False, indent=1)
    (args.out / f"crawl-{stamp}.json").write_text(text, "utf-8")
    (args.out / "crawl-latest.json").write_text(text, "utf-8")
    print(table(result))
    failed = [s["n"] for s in result["sizes"] for r in (s["bare"], *s["full"]) if r["returncode"] != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
