"""What `scrapy crawl` and `scrapy crawlall` share: user errors as one line and exit 2, the run
through crawler.tools.runner, verdict-based exit status."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy.settings import Settings

from crawler.adapters.args import ArgError, SiteArgs
from crawler.adapters.delivery import FeedConfigError, feed_targets
from crawler.adapters.verdict import format_table
from crawler.adapters.workers import pool_size_setting
from crawler.paths import resolve
from crawler.tools.runner import RunResult, closing_lines, run_sites


class UserError(Exception):
    """A mistake in the command line or its files: one line, exit status 2."""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check_outputs(settings: Settings) -> bool:
    """Whether the output goes to standard output (then the run's own report goes to stderr); checks
    the settings a user types on the way (the feed targets, WORKERS)."""
    try:
        pool_size_setting(settings)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    try:
        targets = feed_targets(settings)
    except FeedConfigError as exc:
        raise UserError(str(exc)) from None
    return any(t.template is None for t in targets)


def parse_args(cls: type[SiteArgs], raw: Mapping[str, Any]) -> SiteArgs:
    try:
        return cls.parse(raw)
    except ArgError as exc:
        raise UserError(str(exc)) from None


def _write_reports(settings: Settings, saved: Path) -> str:
    """The HTML report of this run and the history: beside its summary and as the latest."""
    from crawler.tools.report import write_report

    try:
        here = write_report(saved.parent, saved.parent / saved.stem / "report.html")
        latest = resolve(settings.get("REPORT_FILE"))
        latest.write_bytes(here.read_bytes())
    except OSError as exc:
        return f"the HTML report could not be written: {exc}"
    return f"report written to {latest}"


def run_and_report(settings: Settings, slugs: list[str], args: SiteArgs | Mapping[str, SiteArgs], *,
                   broken: Mapping[str, str] | None = None, table: bool, to_stderr: bool,
                   job: str | None = None) -> int:
    dispatched = str(settings.get("DISPATCH_RUN_ID") or "")
    if dispatched:
        return _run_job(settings, slugs, args, dispatched, job)
    runs_dir = Path(settings.get("RUNS_DIR"))
    result: RunResult = run_sites(settings, slugs, args=args, broken=broken, runs_dir=runs_dir)
    return report(settings, result, table=table, to_stderr=to_stderr)


def _run_job(settings: Settings, slugs: list[str], args: SiteArgs | Mapping[str, SiteArgs], run_id: str,
             job: str | None) -> int:
    """A site job of a run spread over Scrapyd nodes: the site's summary goes to the shared state
    store, where the dispatcher collects it; the dispatcher writes the run summary, the history and the
    report once for the whole run."""
    import sqlite3
    from dataclasses import asdict

    import psycopg

    from crawler.adapters.state import state_url
    from crawler.dedup.store import StateError
    from crawler.dedup.store_pg import open_store

    settings = settings.copy()
    settings.set("DISPATCH_JOB", job or f"{run_id}-{'-'.join(slugs)}", priority="cmdline")
    result = run_sites(settings, slugs, args=args, runs_dir=None, history=False)
    try:
        store = open_store(state_url(settings.get("STATE_URL")) or str(resolve(settings.get("STATE_DIR"))))
        try:
            for s in result.summaries:
                store.save_job_result(run_id, s.site, job or f"{run_id}-{s.site}", asdict(s))
        finally:
            store.close()
    except (StateError, sqlite3.Error, psycopg.Error, OSError) as exc:
        say(f"the site summary could not be saved for the dispatcher of run {run_id}: {exc}")
        return 1
    return 1 if result.failed else 0


def report(settings: Settings, result: RunResult, *, table: bool, to_stderr: bool) -> int:
    """The end of a run, local or spread over nodes: the table, the closing lines, the HTML report and
    the notification; the exit status (1 when a site failed)."""
    out = sys.stderr if to_stderr or not table else sys.stdout
    if table:
        print(format_table(result.summaries), file=out)
    for line in closing_lines(result):
        print(line, file=out)
    if result.saved is not None:
        print(_write_reports(settings, result.saved), file=out)
        from crawler.tools.notify import notify

        report = result.saved.parent / result.saved.stem / "report.html"
        for problem in notify(settings, result.saved.stem, result.summaries, report):
            print(problem, file=out)
    out.flush()
    return 1 if result.failed else 0
