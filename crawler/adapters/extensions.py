"""Extensions that report: the site's verdict line at its end, the stats file, and robots.txt
failures as one line each instead of two-part tracebacks."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.adapters.state import StateComponent
from crawler.adapters.verdict import SiteSummary, site_line, summarize

logger = logging.getLogger(__name__)


def site_summary(crawler: Crawler) -> SiteSummary:
    """The crawler's summary and verdict (after its engine stopped: the stats are complete)."""
    assert crawler.stats is not None and crawler.spidercls is not None
    site = getattr(crawler.spidercls, "site", None)
    component = crawler.get_extension(StateComponent) if crawler.extensions is not None else None
    return summarize(
        getattr(crawler.spidercls, "name", "?"), crawler.stats.get_stats(),
        supported=site.supported if site is not None else True,
        unsupported_reason=site.unsupported_reason if site is not None else None,
        problem=component.problem if component is not None else None,
    )


class SiteReport:
    """Logs the site's verdict when it ends (one line), and warns when its site file drifted."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteReport:
        ext = cls(crawler)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        install_robots_filter()
        return ext

    def engine_stopped(self) -> None:
        summary = site_summary(self.crawler)
        level = logging.ERROR if summary.failed else logging.WARNING if summary.verdict == "degraded" else logging.INFO
        logger.log(level, "%s", site_line(summary))


class StatsFile:
    """With `-s STATS_FILE=path`, the final crawl stats are saved there as JSON (for schedulers and
    tests); values that are not JSON (datetimes) are written as strings."""

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = Path(path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFile:
        path = crawler.settings.get("STATS_FILE")
        if not path:
            raise NotConfigured
        ext = cls(crawler, path)
        # engine_stopped comes after the stats collector closed: finish_reason/finish_time are set.
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, default=str, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")


class _RobotsOneLine(logging.Filter):
    """Scrapy logs a robots.txt download failure with its traceback (twice chained); a site that is
    down would print one per host. One line says it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith("Error downloading"):
            exc = record.exc_info[1]
            args = record.args if isinstance(record.args, dict) else {}
            request = args.get("request")
            record.msg = "robots.txt of %s could not be fetched (%s: %s); its pages are requested as if it allowed them"
            record.args = (urlsplit(getattr(request, "url", "")).netloc or "?", type(exc).__name__, exc)
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def install_robots_filter() -> None:
    target = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    if not any(isinstance(f, _RobotsOneLine) for f in target.filters):
        target.addFilter(_RobotsOneLine())
