"""The site's monitors, run by spidermon when its spider closes (SPIDERMON_SPIDER_CLOSE_MONITORS).

Each failed monitor's sentence goes into the stat `monitors/failed` (a list); the verdict
(adapters/verdict.py) makes an ok/quiet site `degraded` with those sentences, and the run summary
carries them. The comparison with earlier runs is crawler/monitoring/history.py (pure); the runner
appends each run to the history beside the state store once every site has ended.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy.crawler import Crawler
from spidermon import Monitor, MonitorSuite
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.runners import MonitorRunner

from crawler.adapters.verdict import CLEAN_FINISH
from crawler.monitoring.history import Thresholds, judge, read_history
from crawler.paths import resolve

FAILED = "monitors/failed"
WARNINGS = "monitors/warnings"
HISTORY_FILE = "history.jsonl"


def thresholds(settings: Any) -> Thresholds:
    return Thresholds(
        min_runs=settings.getint("MONITOR_MIN_RUNS"), sigmas=settings.getfloat("MONITOR_SIGMAS"),
        min_drop=settings.getfloat("MONITOR_MIN_DROP"), coverage_drop=settings.getfloat("MONITOR_COVERAGE_DROP"),
        min_items_for_coverage=settings.getint("MONITOR_MIN_ITEMS_FOR_COVERAGE"),
        min_coverage={k: float(v) for k, v in (settings.getdict("MONITOR_MIN_COVERAGE") or {}).items()},
    )


class _SiteMonitor(Monitor):
    @property
    def crawler(self) -> Crawler:
        return self.data.crawler

    @property
    def site(self) -> str:
        return str(getattr(self.crawler.spidercls, "name", "?"))

    def stat(self, key: str, default: Any = 0) -> Any:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_value(key, default)

    def record(self, sentences: list[str], key: str = FAILED) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(key, [*self.stat(key, []), *sentences])


class FinishReasonMonitor(_SiteMonitor):
    def test_finish_reason(self) -> None:
        reason = self.stat("finish_reason", None)
        if reason not in CLEAN_FINISH:
            # The verdict already says `failed` with this reason; not a second sentence.
            self.fail(f"site {self.site} ended with finish reason {reason!r}")


class ErrorMonitor(_SiteMonitor):
    def test_error_share(self) -> None:
        """Server errors, time-outs and retries out of proportion to the pages fetched."""
        pages = int(self.stat("response_received_count"))
        errors = sum(int(v) for k, v in self.crawler.stats.get_stats().items()
                     if k.startswith("errors/") and not k.endswith(("HttpError_404", "HttpError_410")))
        retries = int(self.stat("retry/count"))
        share = self.crawler.settings.getfloat("MONITOR_MAX_ERROR_SHARE")
        if pages and errors + retries > share * pages:
            sentence = (f"site {self.site}: {errors} error(s) and {retries} retr(y/ies) for {pages} pages "
                        f"(more than {round(100 * share)}%)")
            self.record([sentence])
            self.fail(sentence)


class ValidationMonitor(_SiteMonitor):
    def test_items_match_the_schema(self) -> None:
        invalid = int(self.stat("item_dropped_reasons_count/InvalidItem"))
        if invalid:
            sentence = f"site {self.site}: {invalid} item(s) broke the JSON Schema (dropped)"
            self.record([sentence])
            self.fail(sentence)


class HistoryMonitor(_SiteMonitor):
    def test_against_earlier_runs(self) -> None:
        """Pages against mean ± sd of earlier runs; field coverage against them and the floors."""
        from crawler.monitoring.history import coverage_of

        if self.crawler.settings.get("DISPATCH_RUN_ID"):
            return  # a site job of a run over Scrapyd nodes: the dispatcher holds the history and judges
        stats = self.crawler.stats.get_stats()
        site = getattr(self.crawler.spidercls, "site", None)
        t = thresholds(self.crawler.settings)
        if site is not None and getattr(site, "monitor", None):
            t = t.with_overrides(site.monitor)
        path = resolve(self.crawler.settings.get("STATE_DIR")) / HISTORY_FILE
        current = {"pages": int(stats.get("response_received_count", 0)),
                   "items": int(stats.get("delivery/lines", 0)), "coverage": coverage_of(stats)}
        sentences = judge(self.site, current, read_history(path, self.site), t)
        if sentences:
            self.record(sentences)
            self.fail("; ".join(sentences))


class FallbackMonitor(_SiteMonitor):
    def test_no_fallback_to_the_generic_path(self) -> None:
        """A warning, not a failure: the generic path filled in, the site file drifted."""
        fallbacks = {k.split("/", 1)[1]: v for k, v in self.crawler.stats.get_stats().items()
                     if k.startswith("fallback/")}
        if fallbacks:
            self.record([f"site {self.site} fell back to the generic path: "
                         + ", ".join(f"{k}={v}" for k, v in sorted(fallbacks.items()))], WARNINGS)


class SiteCloseMonitors(MonitorSuite):
    monitors: ClassVar[list[type[Monitor]]] = [
        FinishReasonMonitor, ErrorMonitor, ValidationMonitor, HistoryMonitor, FallbackMonitor]


class QuietSpidermon(Spidermon):
    """Spidermon with its result block (~15 lines a site, through the deprecated Spider.log) left
    out of the log unless LOG_LEVEL=DEBUG: the site's end line carries the failed monitors' sentences."""

    def _run_suites(self, spider: Any, suites: Any) -> None:
        if self.crawler.settings.get("LOG_LEVEL") == "DEBUG":
            super()._run_suites(spider, suites)
            return
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            MonitorRunner().run(suite, **data)
