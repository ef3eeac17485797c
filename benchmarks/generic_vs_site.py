"""Zero-config vs site file: does the generic spider, started from a site's home page, find the
training articles the site's own file finds, and extract them the same way?

    uv run python -m benchmarks.generic_vs_site                    # every fixture site (about 4 minutes)
    uv run python -m benchmarks.generic_vs_site --sites danang,baogialai
    uv run python -m benchmarks.generic_vs_site --direct           # generic started on http://127.0.0.1:PORT/

Every fixture site (tests/fixtures/sites/<slug>/) is served on 127.0.0.1 and crawled twice, each
crawl in its own subprocess with its own temporary STATE_DIR:

  (a) site file:   scrapy crawl <slug> -a base_url=<server>
  (b) zero-config: scrapy crawl generic -a start_urls=https://<site's host>/ -a base_url=<server>

(b) starts from the home page, as a crawl of the live site would: requests go to the fixture server
and items keep the site's own URLs. With --direct, (b) is `-a start_urls=<server>/` instead (a start
URL is trusted like a site's own address, loopback included); links the pages spell with the site's
real host (all the generated papers' links) are then other sites' links to the generic spider.

Items are matched by URL path and query (query order ignored), failing that by the path and query
of their canonical URLs, failing that by the same title and publish time (the same story reached
under another of the site's URLs; counted as found, and listed). For the articles both found,
title, published_at and body are compared for exact equality, and the bodies by token F1. Only
training articles count (what each crawl emits by default). Prints a per-site table and the
totals, and writes everything as JSON to output/benchmarks/generic_vs_site-<UTC time>.json (and
generic_vs_site-latest.json).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from benchmarks.extraction import prf
from crawler.sites.registry import load_registry_with_errors
from crawler.tools.fixtures import FIXTURES_DIR, fixture_slugs, serve_sites

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "output" / "benchmarks"
MAX_JOBS = 2  # two crawls at a time: this machine has two cores
FIELDS = ("title", "published_at", "body")


def url_key(url: str | None) -> str | None:
    """Path and query of a URL, query order ignored: generic and site-file items may carry other hosts."""
    if not url:
        return None
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return (parts.path or "/") + ("?" + query if query else "")


@dataclass
class Crawl:
    args: list[str]
    returncode: int
    seconds: float
    items: list[dict[str, Any]]
    stats: dict[str, Any]
    log_tail: str


@dataclass
class SiteResult:
    slug: str
    site_found: list[str]  # url keys of the training articles the site file found
    generic_found: list[str]
    matched: list[dict[str, Any]]  # one per article both found: keys, per-field equality, body F1
    missed: list[dict[str, str]]  # found by the site file only: key and title
    extra: list[dict[str, str]]  # found by the generic spider only
    site_crawl: dict[str, Any] = field(default_factory=dict)
    generic_crawl: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def generic_covers(self) -> bool:
        return not self.missed


def _summary(crawl: Crawl) -> dict[str, Any]:
    stats = crawl.stats
    return {
        "args": crawl.args,
        "returncode": crawl.returncode,
        "seconds": round(crawl.seconds, 1),
        "items": len(crawl.items),
        "pages": stats.get("response_received_count"),
        "status_404": stats.get("downloader/response_status_count/404"),
        "log_tail": crawl.log_tail if crawl.returncode else "",
    }


def run_crawl(spider: str, args: list[str], workdir: Path, timeout: float) -> Crawl:
    """One `scrapy crawl` in a subprocess, with its own state directory and output file."""
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / "items.jsonl"
    stats_file = workdir / "stats.json"
    cmd = ["crawl", spider, *args, "-O", f"{out}:jsonlines",
           "-s", f"STATE_DIR={workdir / 'state'}", "-s", f"STATS_FILE={stats_file}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING"]
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO), TAPHUAN_HOME=str(workdir))
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "scrapy", *cmd], cwd=workdir, env=env, capture_output=True,
                              text=True, timeout=timeout)
        rc, log = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        rc, log = -1, f"timed out after {timeout:.0f} s\n{exc.stderr or ''}"
    seconds = time.monotonic() - started
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines() if line.strip()] if out.exists() else []
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    return Crawl(["scrapy", *cmd], rc, seconds, items, stats, log[-3000:] if isinstance(log, str) else "")


def home_url(slug: str) -> str:
    """scheme://host/ of the site's first start URL: where a zero-config crawl of the live site starts."""
    sites, _ = load_registry_with_errors()
    first = sites[slug].all_start_urls()[0][1]
    parts = urlsplit(first)
    return f"{parts.scheme}://{parts.netloc}/"


def compare_items(slug: str, site_items: list[dict[str, Any]], generic_items: list[dict[str, Any]]) -> SiteResult:
    """Match the two crawls' training articles and compare what both found."""
    site_items = [i for i in site_items if i.get("is_training", True)]
    generic_items = [i for i in generic_items if i.get("is_training", True)]
    used: set[int] = set()
    matched, missed = [], []
    for s in site_items:
        keys = (url_key(s.get("url")), url_key(s.get("canonical_url")))
        hit = next((n for n, g in enumerate(generic_items) if n not in used and url_key(g.get("url")) == keys[0]), None)
        how = "url" if hit is not None else ""
        if hit is None:
            hit = next((n for n, g in enumerate(generic_items)
                        if n not in used and keys[1] and url_key(g.get("canonical_url")) == keys[1]), None)
            how = "canonical_url" if hit is not None else ""
        if hit is None and s.get("title"):
            # The same story under another URL of the site (danang's /web/guest/chinh-quyen/chi-tiet?id=N
            # and /web/guest/chi-tiet?id=N): same headline and publish time.
            hit = next((n for n, g in enumerate(generic_items) if n not in used and g.get("title") == s.get("title")
                        and g.get("published_at") == s.get("published_at")), None)
            how = "title and date (another URL)" if hit is not None else ""
        if hit is None:
            missed.append({"key": keys[0] or "", "title": s.get("title") or ""})
            continue
        used.add(hit)
        g = generic_items[hit]
        row: dict[str, Any] = {"site_key": keys[0], "generic_key": url_key(g.get("url")), "matched_by": how}
        for name in FIELDS:
            row[f"{name}_equal"] = s.get(name) == g.get(name)
            if not row[f"{name}_equal"] and name != "body":
                row[f"{name}_site"], row[f"{name}_generic"] = s.get(name), g.get(name)
        row["body_f1"] = round(prf(g.get("body") or "", s.get("body") or "")[2], 4)
        matched.append(row)
    extra = [{"key": url_key(g.get("url")) or "", "title": g.get("title") or ""}
             for n, g in enumerate(generic_items) if n not in used]
    return SiteResult(slug, [url_key(i.get("url")) or "" for i in site_items],
                      [url_key(i.get("url")) or "" for i in generic_items], matched, missed, extra)


def compare_site(slug: str, base_url: str, workdir: Path, direct: bool = False, timeout: float = 300) -> SiteResult:
    """Crawl one served fixture site with its site file, then with the generic spider, and compare."""
    site = run_crawl(slug, ["-a", f"base_url={base_url}"], workdir / "site", timeout)
    if direct:
        generic_args = ["-a", f"start_urls={base_url.rstrip('/')}/"]  # a start URL is trusted, loopback too
    else:
        generic_args = ["-a", f"start_urls={home_url(slug)}", "-a", f"base_url={base_url}"]
    generic = run_crawl("generic", generic_args, workdir / "generic", timeout)
    result = compare_items(slug, site.items, generic.items)
    result.site_crawl, result.generic_crawl = _summary(site), _summary(generic)
    problems = [f"{name} crawl exit {c.returncode}"
                for name, c in (("site", site), ("generic", generic)) if c.returncode]
    result.note = "; ".join(problems)
    return result


def benchmark_slugs(wanted: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """Fixture sites with a supported site file, and the ones skipped with the reason."""
    sites, _ = load_registry_with_errors()
    slugs, skipped = [], {}
    for slug in wanted or fixture_slugs():
        if not (FIXTURES_DIR / slug / "fixture.toml").exists():
            skipped[slug] = "no fixture site"
        elif slug not in sites:
            skipped[slug] = "no (valid) site file"
        elif not sites[slug].supported:
            skipped[slug] = f"unsupported: {sites[slug].unsupported_reason}"
        else:
            slugs.append(slug)
    return slugs, skipped


def run(slugs: list[str], jobs: int = MAX_JOBS, direct: bool = False, timeout: float = 300,
        progress: bool = True) -> list[SiteResult]:
    results: dict[str, SiteResult] = {}
    with serve_sites(slugs) as running, tempfile.TemporaryDirectory(prefix="generic-vs-site-") as tmp:
        def one(slug: str) -> SiteResult:
            res = compare_site(slug, running[slug].base_url, Path(tmp) / slug, direct=direct, timeout=timeout)
            if progress:
                print(f"  {slug}: site {len(res.site_found)}, generic {len(res.generic_found)}, "
                      f"missed {len(res.missed)}", file=sys.stderr, flush=True)
            return res

        # Each site runs its two crawls one after the other, so `jobs` sites at a time is `jobs` crawls.
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, MAX_JOBS))) as pool:
            for res in pool.map(one, slugs):
                results[res.slug] = res
    return [results[s] for s in slugs]


def totals(results: list[SiteResult]) -> dict[str, Any]:
    site_n = sum(len(r.site_found) for r in results)
    found = sum(len(r.matched) for r in results)
    both = [m for r in results for m in r.matched]
    return {
        "sites": len(results),
        "site_file_found": site_n,
        "generic_found_of_those": found,
        "share": round(found / site_n, 4) if site_n else None,
        "sites_generic_covers": sum(r.generic_covers for r in results),
        "generic_extra": sum(len(r.extra) for r in results),
        **{f"{name}_equal": sum(m[f"{name}_equal"] for m in both) for name in FIELDS},
        "both_found": len(both),
        "mean_body_f1": round(sum(m["body_f1"] for m in both) / len(both), 4) if both else None,
    }


def table(results: list[SiteResult]) -> str:
    head = (f"{'site':<16} {'site':>4} {'gen':>4} {'both':>4} {'miss':>4} {'extra':>5} {'title=':>6} "
            f"{'date=':>5} {'body=':>5} {'F1':>5} {'secs':>9}")
    lines = [head, "-" * len(head)]
    for r in results:
        eq = {n: sum(m[f"{n}_equal"] for m in r.matched) for n in FIELDS}
        f1 = (sum(m["body_f1"] for m in r.matched) / len(r.matched)) if r.matched else None
        secs = f"{r.site_crawl.get('seconds', 0):.0f}+{r.generic_crawl.get('seconds', 0):.0f}"
        lines.append(f"{r.slug:<16} {len(r.site_found):>4} {len(r.generic_found):>4} {len(r.matched):>4} "
                     f"{len(r.missed):>4} {len(r.extra):>5} {eq['title']:>6} {eq['published_at']:>5} {eq['body']:>5} "
                     f"{f'{f1:.2f}' if f1 is not None else '-':>5} {secs:>9}" + (f"  ({r.note})" if r.note else ""))
    t = totals(results)
    lines.append("-" * len(head))
    share = f"{100 * t['share']:.0f}%" if t["share"] is not None else "n/a"
    lines.append(f"generic found {t['generic_found_of_those']} of the {t['site_file_found']} the site files found "
                 f"({share}), on {t['sites_generic_covers']} of {t['sites']} sites ≥ all")
    if t["both_found"]:
        lines.append(f"of the {t['both_found']} both found: title equal {t['title_equal']}, published_at equal "
                     f"{t['published_at_equal']}, body equal {t['body_equal']}, mean body F1 {t['mean_body_f1']:.3f}; "
                     f"generic-only training articles: {t['generic_extra']}")
    other = [(r.slug, m) for r in results for m in r.matched if m["matched_by"] != "url"]
    if other:
        lines.append("")
        lines.append("found under another URL than the site file's:")
        for slug, m in other:
            lines.append(f"  {slug}: {m['generic_key']} for {m['site_key']} (matched by {m['matched_by']})")
    below = [r for r in results if r.missed]
    if below:
        lines.append("")
        lines.append("sites where the generic spider missed articles the site file found:")
        for r in below:
            lines.append(f"  {r.slug}: " + "; ".join(f"{m['key']} ({m['title'][:60]})" for m in r.missed))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join((__doc__ or "").splitlines()[1:]))
    parser.add_argument("--sites", help="comma-separated slugs (default: every fixture site)")
    parser.add_argument("--jobs", type=int, default=MAX_JOBS, help=f"sites crawled at a time (at most {MAX_JOBS})")
    parser.add_argument("--direct", action="store_true",
                        help="start the generic spider on the fixture server's URL instead of the site's home URL")
    parser.add_argument("--timeout", type=float, default=300, help="seconds allowed per crawl")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the JSON result")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON instead of the table")
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.sites.split(",") if s.strip()] if args.sites else None
    slugs, skipped = benchmark_slugs(wanted)
    if not slugs:
        print("no fixture site to compare" + (f" (skipped: {skipped})" if skipped else ""), file=sys.stderr)
        return 1
    started = datetime.now(UTC)
    print(f"comparing {len(slugs)} fixture sites ({args.jobs} at a time)...", file=sys.stderr, flush=True)
    results = run(slugs, jobs=args.jobs, direct=args.direct, timeout=args.timeout)
    result = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "generic_start": "server URL (--direct)" if args.direct else "the site's home URL, rebased onto the server",
        "totals": totals(results),
        "skipped": skipped,
        "sites": [asdict(r) for r in results],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y-%m-%dT%H-%M-%SZ")
    text = json.dumps(result, ensure_ascii=False, indent=1)
    (args.out / f"generic_vs_site-{stamp}.json").write_text(text, "utf-8")
    (args.out / "generic_vs_site-latest.json").write_text(text, "utf-8")
    if args.json:
        print(text)
    else:
        print(table(results))
        if skipped:
            print("\nskipped: " + "; ".join(f"{s} ({why})" for s, why in skipped.items()))
        print(f"\nfull result: {args.out / f'generic_vs_site-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
