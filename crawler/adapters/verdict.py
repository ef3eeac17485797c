"""A site's verdict for one run, from its crawl stats: what a scheduler and an operator act on.

- ok (exit 0): reached, new items written;
- quiet (0): reached, nothing new (a quiet news day is a success);
- degraded (0): reached, but some pages failed (server errors, timeouts, refused connections...; a
  dead link, 404/410, is the web's normal state: counted, remembered for a while, not a degradation);
- failed (1): start pages unreachable, robots.txt refused, nothing parsed, the output or the state
  store could not be written, a broken site file;
- skipped (0): not crawled on purpose: an unsupported site, or another process is crawling it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crawler.monitoring.history import coverage_of

VERDICTS = ("ok", "quiet", "degraded", "failed", "skipped")
FAILING = ("failed",)
CLEAN_FINISH = ("finished", "closespider_pagecount", "closespider_timeout")


@dataclass
class SiteSummary:
    site: str
    verdict: str
    pages: int = 0
    items: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    fallbacks: dict[str, int] = field(default_factory=dict)
    robots_refused: int = 0
    finish_reason: str | None = None
    message: str | None = None
    feed_files: list[str] = field(default_factory=list)
    coverage: dict[str, float] = field(default_factory=dict)   # share of new lines with each field
    monitors: list[str] = field(default_factory=list)         # failed monitors' sentences
    warnings: list[str] = field(default_factory=list)         # monitors' warnings (fallbacks)
    training_items: int = 0
    # Pages where the learned relevance model disagreed with the rules (the rules decided): for review.
    model_disagrees: int = 0
    # The Scrapyd node that ran the site's job (a run spread over nodes: crawler/tools/nodes.py).
    node: str | None = None

    @property
    def failed(self) -> bool:
        return self.verdict in FAILING


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


def _counts(stats: Mapping[str, Any], *prefixes: str) -> dict[str, int]:
    return {k.split("/", 1)[1]: int(v) for k, v in stats.items() if k.startswith(prefixes)}


def summarize(slug: str, stats: Mapping[str, Any], *, supported: bool = True,
              unsupported_reason: str | None = None, problem: tuple[str, str] | None = None) -> SiteSummary:
    """The site's summary and verdict. `problem` is the (finish reason, message) of a site stopped by
    the state component or the delivery (output or state not writable, site busy)."""
    drops = _counts(stats, "item_dropped_reasons_count/")
    _settle_held(drops, stats)
    errors = _counts(stats, "errors/", "guard/")
    # Not log_count/ERROR: Scrapy's LogCount handler sits on the root logger, so with several
    # crawlers in one process every site would count every other site's errors.
    errors.update({f"exception/{k.split('/', 1)[1]}": int(v) for k, v in stats.items()
                   if k.startswith("spider_exceptions/") and k != "spider_exceptions/count"})
    files = stats.get("delivery/files") or []
    summary = SiteSummary(
        site=slug, verdict="quiet",
        pages=int(stats.get("response_received_count", 0)),
        items=int(stats.get("delivery/lines", 0)),
        drops=drops, errors=errors, fallbacks=_counts(stats, "fallback/"),
        robots_refused=int(stats.get("robotstxt/forbidden", 0)),
        finish_reason=stats.get("finish_reason"),
        feed_files=list(files) if isinstance(files, list | tuple) else [str(files)],
        coverage=coverage_of(stats),
        training_items=int(stats.get("coverage/training", 0)),
        monitors=list(stats.get("monitors/failed") or []),
        warnings=list(stats.get("monitors/warnings") or []),
        model_disagrees=int(stats.get("relevance/model_disagrees", 0)),
    )
    summary.verdict, summary.message = _verdict(summary, stats, supported, unsupported_reason, problem)
    return summary


def _verdict(s: SiteSummary, stats: Mapping[str, Any], supported: bool, unsupported_reason: str | None,
             problem: tuple[str, str] | None) -> tuple[str, str | None]:
    if not supported:
        return "skipped", f"unsupported: {unsupported_reason}"
    if problem is not None:
        reason, message = problem
        return ("skipped" if reason == "site_busy" else "failed"), message
    starts = sum(int(v) for k, v in stats.items() if k.startswith("discovery/start/"))
    start_failed = int(stats.get("discovery/start_failed", 0))
    if s.robots_refused and s.pages <= s.robots_refused + 1 and not s.items:
        return "failed", f"robots.txt refused {s.robots_refused} request(s); nothing was fetched"
    if s.finish_reason not in CLEAN_FINISH:
        return "failed", f"the crawl ended abnormally (finish reason {s.finish_reason!r})"
    if starts and start_failed >= starts:
        reasons = ", ".join(sorted(s.errors)) or "no answer"
        return "failed", f"no start page could be fetched ({reasons})"
    if s.pages == 0:
        return "failed", "no page could be fetched"
    parsed = int(stats.get("discovery/listing_pages", 0)) + int(stats.get("extract/pages", 0))
    if parsed == 0:
        return "failed", "pages were fetched but none could be read (not HTML, or refused)"
    other = sum(n for k, n in s.errors.items() if k not in ("HttpError_404", "HttpError_410"))
    drift = f"site file drifted ({', '.join(f'{k}={v}' for k, v in sorted(s.fallbacks.items()))})" \
        if s.fallbacks else None
    failed = f"{other} page(s) failed" if other else None
    if other or s.monitors:
        # A failed monitor (crawler/adapters/monitors.py) degrades a site; exit status stays 0.
        return "degraded", "; ".join(x for x in (*s.monitors, failed, drift) if x)
    return ("ok" if s.items else "quiet"), drift


def format_table(summaries: list[SiteSummary]) -> str:
    lines = [f"{'site':<22} {'verdict':<9} {'pages':>6} {'new':>5}  drops / errors / notes"]
    for s in summaries:
        drops = ", ".join(f"{k}={v}" for k, v in sorted(s.drops.items()))
        errors = ", ".join(f"{k}={v}" for k, v in sorted(s.errors.items()))
        # One line per site: a long message is shortened (the JSON keeps it whole).
        message = " ".join((s.message or "").split())
        message = message if len(message) <= 110 else message[:109] + "…"
        detail = "; ".join(x for x in (drops, errors, message) if x)
        lines.append(f"{s.site:<22} {s.verdict:<9} {s.pages:>6} {s.items:>5}  {detail}")
    return "\n".join(lines)


def site_line(s: SiteSummary) -> str:
    """The one line logged when a site ends."""
    parts = [f"{s.site}: {s.verdict}", f"{s.pages} pages, {s.items} new"]
    if s.drops:
        parts.append("dropped " + ", ".join(f"{k}={v}" for k, v in sorted(s.drops.items())))
    if s.errors:
        parts.append("errors " + ", ".join(f"{k}={v}" for k, v in sorted(s.errors.items())))
    if s.message:
        parts.append(s.message)
    if s.feed_files:
        parts.append("wrote " + ", ".join(s.feed_files))
    return "; ".join(parts)
