"""Extraction alone, per page: our extractor, our extractor + classification, and trafilatura.

Pages: the real saved articles of /work/shared/html_samples (listed as articles in its MANIFEST.md)
and every fixture article with an expected body. Each extractor gets the same decoded text (what
Scrapy's `response.text` gives the spider); a page's time is the median of `repeats` runs, and the
reported figure is the median over pages. Times are the process's CPU time (steadier than wall time
when other work shares the machine).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.dedup.canonical import rules_from_mapping
from crawler.extract import extract_article
from crawler.extract.decode import decode_html
from crawler.sites.registry import SiteConfig, load_registry_with_errors, site_for_url
from crawler.stages import assemble_item, process_standalone
from crawler.tools.fixtures import FIXTURES_DIR, fixture_slugs, load_fixture_site

SAMPLES = Path("/work/shared/html_samples")


@dataclass
class Page:
    label: str
    url: str
    text: str
    site: SiteConfig | None


def sample_pages(root: Path = SAMPLES) -> list[Page]:
    """Article rows of the samples' MANIFEST.md (local file | page kind | ... | original URL | ...)."""
    manifest = root / "MANIFEST.md"
    if not manifest.exists():
        return []
    sites, _errors = load_registry_with_errors()
    pages = []
    for line in manifest.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 8 or "article" not in cells[1] or not (root / cells[0]).is_file():
            continue
        url = cells[7].split()[0]
        raw = (root / cells[0]).read_bytes()
        pages.append(Page(f"samples/{cells[0]}", url, decode_html(raw), site_for_url(url, sites)))
    return pages


def fixture_pages(root: Path = FIXTURES_DIR) -> list[Page]:
    sites, _errors = load_registry_with_errors()
    pages = []
    for slug in fixture_slugs(root):
        try:
            fx = load_fixture_site(slug, root)
        except (OSError, ValueError):
            continue
        for art in fx.articles:
            try:
                exp = fx.expected(art)
            except (OSError, ValueError):
                continue
            target = fx.file_for(art["route"])
            if target is None or not exp.get("body") or exp.get("is_article") is False:
                continue
            pages.append(Page(f"fixtures/{slug}/{target.name}", exp.get("url") or "http://localhost/",
                              decode_html(target.read_bytes()), sites.get(slug)))
    return pages


def _ours(page: Page) -> None:
    extract_article(page.url, page.text, page.site)


def _ours_classified(page: Page) -> None:
    article = extract_article(page.url, page.text, page.site)
    site = page.site or _generic_site(page.url)
    process_standalone(assemble_item(article, site), rules_from_mapping(site.canonical if page.site else None))


def _generic_site(url: str) -> SiteConfig:
    from crawler.adapters.spiders.generic import generic_site

    return generic_site([url])


def _trafilatura(page: Page) -> None:
    import trafilatura

    trafilatura.extract(page.text, url=page.url, include_comments=False)


def _time(fn: Callable[[Page], None], page: Page, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        t0 = time.process_time()  # CPU time: steadier than wall time on a shared machine
        fn(page)
        runs.append((time.process_time() - t0) * 1000)
    return statistics.median(runs)


def time_extraction(repeats: int = 5, pages: list[Page] | None = None) -> dict[str, Any]:
    """Median ms per page of each extractor, over all pages and per page group."""
    pages = pages if pages is not None else sample_pages() + fixture_pages()
    for page in pages:  # warm-up: imports, compiled patterns, registry caches
        _ours_classified(page)
        _trafilatura(page)
        break
    fns = {"ours": _ours, "ours_classify": _ours_classified, "trafilatura": _trafilatura}
    times = [(p.label, {name: _time(fn, p, repeats) for name, fn in fns.items()}) for p in pages]
    rows = [{"page": label, **{k: round(v, 3) for k, v in t.items()}} for label, t in times]
    out: dict[str, Any] = {"pages": len(rows), "repeats": repeats, "rows": rows}
    for group in ("samples", "fixtures", ""):
        chosen = [t for label, t in times if label.startswith(group)]
        if chosen:
            out[group or "all"] = {name: round(statistics.median(t[name] for t in chosen), 2) for name in fns}
            out[group or "all"]["pages"] = len(chosen)
    return out
