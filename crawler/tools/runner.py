"""Run several site spiders in one process and summarize each (shared by `crawlall` and `demo`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess, CrawlerProcessBase
from scrapy.settings import Settings

from crawler.sites.registry import SiteConfig

logger = logging.getLogger(__name__)


@dataclass
class SiteSummary:
    site: str
    status: str  # ok | empty | failed | unsupported | robots_refused | broken_site_file
    pages: int = 0
    items: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    robots_refused: int = 0
    finish_reason: str | None = None
    message: str | None = None


def _settle_held(drops: dict[str, int], stats: Mapping[str, Any]) -> None:
    """A copy held for its original is dropped by Scrapy's count and decided at the end of the run:
    merged into the original (a near-duplicate drop) or released as a line of its own (counted in
    `items`). The summary shows only what is still held after that (e.g. a run that stopped early):
    the held copies wait in the state store for the next run."""
    held = drops.pop("HeldForOriginal", 0)
    merged = int(stats.get("dedup/held_merged_into_original", 0))
    released = int(stats.get("dedup/held_released", 0))
    if merged:
        drops["NearDuplicate"] = drops.get("NearDuplicate", 0) + merged
    # Released/merged copies may include ones held by an earlier run that stopped early.
    if held - merged - released > 0:
        drops["HeldForOriginal"] = held - merged - released


def summarize(slug: str, stats: Mapping[str, Any], site: SiteConfig | None) -> SiteSummary:
    drops = {k.split("/", 1)[1]: int(v) for k, v in stats.items() if k.startswith("item_dropped_reasons_count/")}
    _settle_held(drops, stats)
    errors = {k.split("/", 1)[1]: int(v) for k, v in stats.items() if k.startswith(("errors/", "guard/"))}
    # Not log_count/ERROR: Scrapy's LogCount handler sits on the root logger, so with several
    # crawlers in one process every site would count every other site's errors.
    errors.update({f"exception/{k.split('/', 1)[1]}": int(v) for k, v in stats.items()
                   if k.startswith("spider_exceptions/") and k != "spider_exceptions/count"})
    summary = SiteSummary(
        site=slug,
        status="ok",
        pages=int(stats.get("response_received_count", 0)),
        items=int(stats.get("item_scraped_count", 0)),
        drops=drops,
        errors=errors,
        robots_refused=int(stats.get("robotstxt/forbidden", 0)),
        finish_reason=stats.get("finish_reason"),
    )
    if site is not None and not site.supported:
        summary.status, summary.message = "unsupported", site.unsupported_reason
    elif summary.robots_refused and summary.pages <= summary.robots_refused + 1 and not summary.items:
        summary.status = "robots_refused"
        summary.message = f"robots.txt refused {summary.robots_refused} request(s); nothing was fetched"
    elif summary.finish_reason not in ("finished", "closespider_pagecount", "closespider_timeout"):
        summary.status, summary.message = "failed", f"finish reason {summary.finish_reason!r}"
    elif summary.pages == 0 or (summary.items == 0 and errors and not drops):
        summary.status, summary.message = "failed", "no page could be fetched" if not summary.pages else "errors only"
    elif summary.items == 0:
        summary.status = "empty"
    return summary


def run_sites(
    settings: Settings,
    slugs: list[str],
    *,
    spider_args: Mapping[str, str] | None = None,
    base_urls: Mapping[str, str] | None = None,
    broken: Mapping[str, str] | None = None,
    runs_dir: Path | None = None,
    process: CrawlerProcessBase | None = None,
) -> tuple[list[SiteSummary], Path | None]:
    """Crawl each slug in one reactor; returns the summaries and where the summary JSON was saved."""
    process = process or CrawlerProcess(settings, install_root_handler=True)
    crawlers: dict[str, Crawler] = {}
    sites: dict[str, SiteConfig | None] = {}
    started = datetime.now(UTC)
    for slug in slugs:
        spider_cls = process.spider_loader.load(slug)
        sites[slug] = getattr(spider_cls, "site", None)
        crawler = process.create_crawler(spider_cls)
        crawlers[slug] = crawler
        kwargs = dict(spider_args or {})
        if base_urls and slug in base_urls:
            kwargs["base_url"] = base_urls[slug]
        process.crawl(crawler, **kwargs)
    process.start()
    summaries = [summarize(slug, crawler.stats.get_stats() if crawler.stats else {}, sites[slug])
                 for slug, crawler in crawlers.items()]
    for slug, message in (broken or {}).items():
        summaries.append(SiteSummary(site=slug, status="broken_site_file", message=message))
    saved = None
    if runs_dir is not None:
        runs_dir.mkdir(parents=True, exist_ok=True)
        saved = runs_dir / f"{started.strftime('%Y-%m-%dT%H-%M-%S')}.json"
        payload = {
            "started_at": started.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "sites": [asdict(s) for s in summaries],
        }
        saved.write_text(json.dumps(payload, ensure_ascii=False, indent=2), "utf-8")
    return summaries, saved


def format_table(summaries: list[SiteSummary]) -> str:
    lines = [f"{'site':<20} {'status':<16} {'pages':>6} {'items':>6}  drops / errors"]
    for s in summaries:
        drops = ", ".join(f"{k}={v}" for k, v in sorted(s.drops.items()))
        errors = ", ".join(f"{k}={v}" for k, v in sorted(s.errors.items()))
        # One line per site: a long, wrapped unsupported_reason is shortened (the JSON keeps it whole).
        message = " ".join((s.message or "").split())
        message = message if len(message) <= 100 else message[:99] + "…"
        detail = "; ".join(x for x in (drops, errors, message) if x)
        lines.append(f"{s.site:<20} {s.status:<16} {s.pages:>6} {s.items:>6}  {detail}")
    return "\n".join(lines)


FAILED_STATUSES = ("failed", "broken_site_file")
