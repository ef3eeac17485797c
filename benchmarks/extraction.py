"""Body extraction benchmark: our extractor vs trafilatura alone, on every fixture article.

    uv run python -m benchmarks.extraction [--slug danang ...]

For each `[[articles]]` entry of `tests/fixtures/sites/*/fixture.toml` whose expected JSON has a
`body`, scores the extracted body against it by token-level precision, recall and F1 (bag of
lower-cased NFC word tokens), and reports the median milliseconds per page of each extractor.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.extract import extract_article
from crawler.extract.decode import decode_html
from crawler.sites.registry import RegistryError, SiteConfig, load_site, sites_dir
from crawler.tools.fixtures import FIXTURES_DIR, fixture_slugs, load_fixture_site

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(unicodedata.normalize("NFC", text or "").lower()))


def prf(got: str, expected: str) -> tuple[float, float, float]:
    g, e = tokens(got), tokens(expected)
    common = sum((g & e).values())
    p = common / sum(g.values()) if g else 0.0
    r = common / sum(e.values()) if e else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class Row:
    page: str
    ours: tuple[float, float, float]
    theirs: tuple[float, float, float]
    ms_ours: float
    ms_theirs: float


def _site(slug: str) -> SiteConfig | None:
    path = sites_dir() / f"{slug}.toml"
    if not path.exists():
        return None
    try:
        return load_site(path)
    except RegistryError:
        return None


def cases(
    slugs: list[str] | None = None, root: Path = FIXTURES_DIR
) -> list[tuple[str, str, bytes, dict[str, Any]]]:
    """(slug, page label, raw bytes, expected) for every fixture article with an expected body."""
    out = []
    for slug in slugs or fixture_slugs(root):
        try:
            fx = load_fixture_site(slug, root)
        except (OSError, ValueError) as exc:
            print(f"skip {slug}: {exc}", file=sys.stderr)
            continue
        for art in fx.articles:
            try:
                exp = fx.expected(art)
            except (OSError, ValueError):
                continue
            target = fx.file_for(art["route"])
            if target is None or not exp.get("body") or exp.get("is_article") is False:
                continue
            out.append((slug, f"{slug}/{target.name}", target.read_bytes(), exp))
    return out


def run(slugs: list[str] | None = None, use_sites: bool = True) -> list[Row]:
    import trafilatura

    rows = []
    for slug, label, raw, exp in cases(slugs):
        site = _site(slug) if use_sites else None
        url = exp.get("url") or "http://localhost/"
        t0 = time.perf_counter()
        ours = extract_article(url, raw, site).body
        t1 = time.perf_counter()
        theirs = trafilatura.extract(decode_html(raw), url=url, include_comments=False) or ""
        t2 = time.perf_counter()
        rows.append(
            Row(label, prf(ours, exp["body"]), prf(theirs, exp["body"]), (t1 - t0) * 1000, (t2 - t1) * 1000)
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", action="append", help="only these fixture sites")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--no-site", action="store_true", help="ignore site files: layouts and generic rules")
    args = parser.parse_args(argv)
    rows = run(args.slug, use_sites=not args.no_site)
    if not rows:
        print("no fixture articles with an expected body")
        return 1
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=1))
        return 0
    width = max(len(r.page) for r in rows)
    print(
        f"{'page':<{width}}  {'ours P':>6} {'R':>6} {'F1':>6}   "
        f"{'traf P':>6} {'R':>6} {'F1':>6}   {'ms':>6} {'ms traf':>7}"
    )
    for r in rows:
        print(
            f"{r.page:<{width}}  {r.ours[0]:6.3f} {r.ours[1]:6.3f} {r.ours[2]:6.3f}   "
            f"{r.theirs[0]:6.3f} {r.theirs[1]:6.3f} {r.theirs[2]:6.3f}   {r.ms_ours:6.1f} {r.ms_theirs:7.1f}"
        )
    mean_ours = statistics.mean(r.ours[2] for r in rows)
    mean_theirs = statistics.mean(r.theirs[2] for r in rows)
    print(f"\n{len(rows)} pages  mean body F1: ours {mean_ours:.3f}  trafilatura {mean_theirs:.3f}")
    print(
        f"median ms/page: ours {statistics.median(r.ms_ours for r in rows):.1f}  "
        f"trafilatura {statistics.median(r.ms_theirs for r in rows):.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
