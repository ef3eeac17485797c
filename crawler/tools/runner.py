"""Run one or several site spiders in one process, with one progress line for the whole run, and
summarize each site with its verdict (shared by `scrapy crawl`, `scrapy crawlall` and `crawler demo`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings

from crawler.adapters.args import SiteArgs
from crawler.adapters.context import RunContext
from crawler.adapters.extensions import site_summary
from crawler.adapters.monitors import HISTORY_FILE
from crawler.adapters.verdict import SiteSummary
from crawler.monitoring.history import append_history
from crawler.paths import resolve

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    summaries: list[SiteSummary]
    saved: Path | None = None
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime = field(default_factory=lambda: datetime.now(UTC))
    offline: bool = False

    @property
    def failed(self) -> bool:
        return any(s.failed for s in self.summaries)

    @property
    def feed_files(self) -> dict[str, int]:
        files: dict[str, int] = {}
        for s in self.summaries:
            for path in s.feed_files:
                files[path] = files.get(path, 0)
        return files


def user_agent(settings: Settings) -> str | None:
    """The user agent with the operator's CONTACT appended; None (and a warning) while it is unset."""
    contact = str(settings.get("CONTACT") or "").strip()
    agent = str(settings.get("USER_AGENT"))
    if not contact:
        logger.warning("CONTACT is not set: webmasters cannot reach whoever runs this crawler. Set it to an "
                       "e-mail address or URL (-s CONTACT=... or in crawler/settings.py)")
        return None
    return f"{agent.rstrip(')')}; +{contact})" if agent.endswith(")") else f"{agent} (+{contact})"


@dataclass
class _Site:
    slug: str
    args: SiteArgs
    crawler: Crawler | None = None
    done: bool = False


class _Run:
    """Starts at most `limit` sites at once (each site that ends starts the next) and prints progress.
    The process's join() loops while crawls are active, so it waits for the ones started late."""

    def __init__(self, process: AsyncCrawlerProcess, sites: list[_Site], limit: int, interval: float) -> None:
        self.process = process
        self.pending = list(sites)
        self.running: list[_Site] = []
        self.finished: list[_Site] = []
        self.limit = limit if limit > 0 else len(sites)
        self.interval = interval
        self.timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._fill()
        if self.interval > 0:
            self.timer = asyncio.get_event_loop().call_later(self.interval, self._tick)

    def _tick(self) -> None:
        if self.running or self.pending:
            self.progress()
            self.timer = asyncio.get_event_loop().call_later(self.interval, self._tick)

    def _fill(self) -> None:
        while self.pending and len(self.running) < self.limit:
            site = self.pending.pop(0)
            spider_cls = self.process.spider_loader.load(site.slug)
            site.crawler = self.process.create_crawler(spider_cls)
            self.running.append(site)
            crawl = self.process.crawl(site.crawler, args_obj=site.args)
            crawl.add_done_callback(partial(self._ended, site=site))

    def _ended(self, crawl: asyncio.Task[None], site: _Site) -> None:
        if not crawl.cancelled() and crawl.exception() is not None:
            logger.error("%s: the crawl could not run: %s", site.slug, crawl.exception())
        self.running.remove(site)
        self.finished.append(site)
        self._fill()
        if not self.running and not self.pending and self.timer is not None:
            self.timer.cancel()

    def progress(self) -> None:
        pages = items = errors = 0
        for site in self.running + self.finished:
            stats = site.crawler.stats.get_stats() if site.crawler and site.crawler.stats else {}
            pages += int(stats.get("response_received_count", 0))
            items += int(stats.get("delivery/lines", 0))
            errors += sum(int(v) for k, v in stats.items() if k.startswith("errors/"))
        running = ", ".join(s.slug for s in self.running[:6]) + (" ..." if len(self.running) > 6 else "")
        logger.info("progress: %d of %d sites done, %d running (%s), %d pending; %d pages, %d new items, %d errors",
                    len(self.finished), len(self.finished) + len(self.running) + len(self.pending),
                    len(self.running), running, len(self.pending), pages, items, errors)


# Scrapy's start-up listings (enabled middlewares, overridden settings, versions) and the engine's
# open/close lines, once per site: hundreds of lines for a `crawlall`. Each site's end line says what
# matters; LOG_LEVEL=DEBUG shows them all again.
CHATTY_LOGGERS = ("scrapy.middleware", "scrapy.crawler", "scrapy.addons", "scrapy.utils.log", "scrapy.core.engine")


def quiet_startup(settings: Settings) -> None:
    if settings.get("LOG_LEVEL") != "DEBUG":
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


def run_sites(
    settings: Settings,
    slugs: list[str],
    *,
    args: SiteArgs | Mapping[str, SiteArgs] | None = None,
    broken: Mapping[str, str] | None = None,
    runs_dir: Path | None = None,
    history: bool = True,
) -> RunResult:
    """Crawl each slug in one reactor; `args` is one set for every site or one per slug."""
    context = RunContext()
    settings = settings.copy()
    settings.set("RUN_CONTEXT", context, priority="cmdline")
    agent = user_agent(settings)
    if agent and settings.getpriority("USER_AGENT") in (None, 0, 10, 20):
        settings.set("USER_AGENT", agent, priority="project")
    process = AsyncCrawlerProcess(settings)
    quiet_startup(settings)  # after: the process's logging set-up resets the loggers' levels
    default = args if isinstance(args, SiteArgs) else SiteArgs()
    per_site = args if isinstance(args, Mapping) else {}
    sites = [_Site(slug, per_site.get(slug, default)) for slug in slugs]
    run = _Run(process, sites, settings.getint("CRAWLALL_CONCURRENT_SITES"), settings.getfloat("PROGRESS_INTERVAL"))
    started = context.started
    if sites:
        run.start()
        process.start()
    summaries = [site_summary(s.crawler) for s in sites if s.crawler is not None and s.crawler.stats is not None]
    for slug, message in (broken or {}).items():
        summaries.append(SiteSummary(site=slug, verdict="failed", message=f"broken site file: {message}"))
    if history:
        record_history(settings, summaries, started)
    result = RunResult(summaries, started=started, finished=datetime.now(UTC), offline=_offline(summaries))
    if runs_dir is not None:
        result.saved = save_summary(result, resolve(runs_dir))
    return result


def record_history(settings: Settings, summaries: list[SiteSummary], started: datetime) -> None:
    """This run joins each crawled site's history beside the state store, which the next run's
    monitors (crawler/adapters/monitors.py) compare with."""
    path = resolve(settings.get("STATE_DIR")) / HISTORY_FILE
    rows = [{"run_id": started.strftime("%Y-%m-%dT%H-%M-%S"), "site": s.site, "verdict": s.verdict,
             "pages": s.pages, "items": s.items, "coverage": s.coverage, "errors": sum(s.errors.values())}
            for s in summaries if s.verdict != "skipped"]
    try:
        append_history(path, rows)
    except OSError as exc:
        logger.error("the run history could not be written to %s: %s", path, exc.strerror)


def _offline(summaries: list[SiteSummary]) -> bool:
    """Every crawled site failed and every error was a name lookup or a refused connection."""
    crawled = [s for s in summaries if s.verdict != "skipped" and not (s.message or "").startswith("broken")]
    if not crawled or any(not s.failed for s in crawled):
        return False
    kinds = {k for s in crawled for k in s.errors}
    network = ("DNSLookupError", "ConnectionRefusedError", "TCPTimedOutError", "TimeoutError", "NoRouteError",
               "ConnectError", "ConnectionLost")
    return bool(kinds) and all(any(n in k for n in network) for k in kinds)


def save_summary(result: RunResult, runs_dir: Path) -> Path:
    runs_dir.mkdir(parents=True, exist_ok=True)
    saved = runs_dir / f"{result.started.strftime('%Y-%m-%dT%H-%M-%S')}.json"
    totals = {
        "sites": len(result.summaries),
        "new_items": sum(s.items for s in result.summaries),
        "pages": sum(s.pages for s in result.summaries),
        "verdicts": {v: sum(1 for s in result.summaries if s.verdict == v)
                     for v in sorted({s.verdict for s in result.summaries})},
    }
    payload = {
        "run_id": saved.stem,
        "started_at": result.started.isoformat(),
        "finished_at": result.finished.isoformat(),
        "pid": os.getpid(),
        "totals": totals,
        "feed_files": sorted({f for s in result.summaries for f in s.feed_files}),
        "sites": [asdict(s) for s in result.summaries],
    }
    tmp = saved.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), "utf-8")
    tmp.replace(saved)
    return saved


def closing_lines(result: RunResult) -> list[str]:
    """What the run says at its end, after the table: totals, the files written, and the obvious
    when every site failed to resolve."""
    lines = []
    new = sum(s.items for s in result.summaries)
    files = sorted({f for s in result.summaries for f in s.feed_files})
    verdicts = ", ".join(f"{v} {sum(1 for s in result.summaries if s.verdict == v)}"
                         for v in ("ok", "quiet", "degraded", "failed", "skipped")
                         if any(s.verdict == v for s in result.summaries))
    lines.append(f"{len(result.summaries)} site(s): {verdicts}; {new} new item(s)"
                 + (f" in {len(files)} file(s):" if files else " (no file written)"))
    lines += [f"  {f}" for f in files]
    drifted = [s for s in result.summaries if s.fallbacks]
    if drifted:
        lines.append("site file drifted (the generic path filled in): " + "; ".join(
            f"{s.site} ({', '.join(f'{k}={v}' for k, v in sorted(s.fallbacks.items()))})" for s in drifted))
    if result.offline:
        lines.append("No site could be reached: every start page failed to resolve or connect. Is this machine "
                     "offline, or is its DNS down?")
    if result.saved:
        lines.append(f"summary saved to {result.saved}")
    return lines
