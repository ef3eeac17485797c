"""`scrapy crawlall -a scrapyd=URL,URL`: the run's sites as Scrapyd jobs over several nodes
(crawler/tools/nodes.py), then the one run summary, history, report and exit status of a local run."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import Settings

from crawler.adapters.commands._run import UserError, check_outputs, report, say
from crawler.adapters.state import state_url
from crawler.adapters.verdict import SiteSummary
from crawler.dedup.store import StateError
from crawler.dedup.store_pg import open_store
from crawler.paths import resolve
from crawler.tools.nodes import Dispatcher, DispatchError, Limits, Plan, ResultsError, node_urls
from crawler.tools.runner import RunResult, _offline, record_history, save_summary

logger = logging.getLogger(__name__)

# Settings a job must not inherit from the dispatcher's command line: its outputs and log are its own.
NOT_FOR_JOBS = {"FEEDS", "FEED_URI", "FEED_FORMAT", "LOG_FILE", "DISPATCH_RUN_ID", "SCRAPYD_NODES"}
CMDLINE = 40  # scrapy.settings.SETTINGS_PRIORITIES["cmdline"]


def _local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1", socket.gethostname(), socket.getfqdn())


def job_settings(settings: Settings, state: str, nodes: list[str]) -> dict[str, str]:
    """What every job gets: the shared state, and the -s settings of this command line."""
    out = {name: str(settings.get(name)) for name in settings
           if settings.getpriority(name) == CMDLINE and name not in NOT_FOR_JOBS
           and isinstance(settings.get(name), str | int | float | bool)}
    if state:
        out["STATE_URL"] = state
    elif all(_local(n) for n in nodes):
        # SQLite: one file, shared only by processes of this machine.
        out["STATE_DIR"] = str(resolve(settings.get("STATE_DIR")))
    else:
        raise UserError("Scrapyd nodes on other machines need one shared state: set STATE_URL=postgresql://... "
                        "(SQLite in STATE_DIR is only shared on this machine; docs/deployment.md)")
    return out


def dispatch(settings: Settings, nodes_arg: str, sites: list[str], args: Mapping[str, Mapping[str, Any]], *,
             broken: Mapping[str, str], egg: str | None) -> int:
    if settings.getdict("FEEDS"):
        raise UserError("-o/-O with scrapyd=: each job writes its own file on its node (output/<site>/...); "
                        "collect them with `crawler export`, or point the nodes' output at one shared directory")
    check_outputs(settings)
    try:
        nodes = node_urls(nodes_arg)
    except DispatchError as exc:
        raise UserError(str(exc)) from None
    state = state_url(settings.get("STATE_URL"))
    started = datetime.now(UTC)
    run_id = started.strftime("%Y-%m-%dT%H-%M-%S")
    egg_bytes = None
    if egg:
        try:
            egg_bytes = Path(egg).read_bytes()
        except OSError as exc:
            raise UserError(f"-a egg={egg}: cannot read it ({exc.strerror})") from None
    plan = Plan(run_id=run_id, project=str(settings.get("SCRAPYD_PROJECT")), sites=sites,
                args={site: {k: str(v) for k, v in a.items()} for site, a in args.items()},
                settings=job_settings(settings, state, nodes), egg=egg_bytes,
                version=started.strftime("%Y%m%d%H%M%S") if egg_bytes else None)
    reader = ResultReader(state or str(resolve(settings.get("STATE_DIR"))))
    try:
        reader.open()
    except StateError as exc:
        raise UserError(str(exc)) from None
    limits = Limits(slots=max(1, settings.getint("SCRAPYD_SLOTS")), poll=settings.getfloat("SCRAPYD_POLL_INTERVAL"),
                    down_after=settings.getfloat("SCRAPYD_NODE_DOWN_AFTER"),
                    attempts=max(1, settings.getint("SCRAPYD_ATTEMPTS")),
                    progress=settings.getfloat("PROGRESS_INTERVAL"), busy_wait=settings.getfloat("SCRAPYD_BUSY_WAIT"))
    dispatcher = Dispatcher(nodes, plan, reader.results, limits,
                            on_failed=lambda summary: reader.save(run_id, summary))
    say(f"run {run_id}: {len(sites)} site(s) over {len(nodes)} Scrapyd node(s): {', '.join(nodes)}")
    try:
        summaries = dispatcher.run()
    except DispatchError as exc:
        reader.close()
        say(f"scrapy crawlall: {exc}")
        return 1
    except KeyboardInterrupt:
        cancelled = dispatcher.cancel()
        reader.close()
        say(f"scrapy crawlall: interrupted; {cancelled} job(s) of run {run_id} cancelled on the nodes")
        return 130
    reader.close()
    if dispatcher.rescheduled:
        say("started again on another node: " + ", ".join(sorted(set(dispatcher.rescheduled))))
    judge_history(settings, summaries)
    for slug, message in broken.items():
        summaries.append(SiteSummary(site=slug, verdict="failed", message=f"broken site file: {message}"))
    record_history(settings, summaries, started)
    result = RunResult(summaries, started=started, finished=datetime.now(UTC), offline=_offline(summaries))
    result.saved = save_summary(result, resolve(Path(settings.get("RUNS_DIR"))))
    return report(settings, result, table=True, to_stderr=False)



def judge_history(settings: Settings, summaries: list[SiteSummary]) -> None:
    """The history monitor of a local run (crawler/adapters/monitors.py), here: the jobs ran on nodes
    that may not see the history, which lives beside this machine's STATE_DIR. A failure degrades an
    ok/quiet site with its sentence, as in a local run."""
    from crawler.adapters.monitors import HISTORY_FILE, thresholds
    from crawler.monitoring.history import judge, read_history
    from crawler.sites.registry import load_registry_with_errors

    registry, _ = load_registry_with_errors()
    path = resolve(settings.get("STATE_DIR")) / HISTORY_FILE
    base = thresholds(settings)
    for s in summaries:
        if s.verdict not in ("ok", "quiet", "degraded"):
            continue
        overrides = getattr(registry.get(s.site), "monitor", None)
        t = base.with_overrides(overrides) if overrides else base
        sentences = judge(s.site, {"pages": s.pages, "items": s.items, "coverage": s.coverage},
                          read_history(path, s.site), t)
        if sentences:
            s.monitors = [*s.monitors, *sentences]
            s.message = "; ".join(x for x in (*sentences, s.message) if x)
            s.verdict = "degraded"


class ResultReader:
    """The jobs' summaries from the state store, for the dispatcher: a store that stops answering
    (a database restart, a dropped connection) is reopened on the next read; reads that fail are
    ResultsError, which the dispatcher tolerates for SCRAPYD_NODE_DOWN_AFTER seconds."""

    def __init__(self, state: str) -> None:
        self.state = state
        self.store: Any = None

    def open(self) -> Any:
        if self.store is None:
            self.store = open_store(self.state)
        return self.store

    def close(self) -> None:
        if self.store is not None:
            with contextlib.suppress(Exception):
                self.store.close()
            self.store = None

    def results(self, run_id: str) -> Mapping[str, Mapping[str, Any]]:
        try:
            store = self.open()
            return store.job_results(run_id)
        except Exception as exc:  # StateError or the backend's driver errors (sqlite3, psycopg)
            self.close()
            raise ResultsError(" ".join(str(exc).split())) from None

    def save(self, run_id: str, summary: SiteSummary) -> None:
        """A site the dispatcher failed itself: saved like a job's summary, so that jobs waiting for it
        (held copies) stop waiting. Best effort: the run summary has it anyway."""
        from dataclasses import asdict

        try:
            self.open().save_job_result(run_id, summary.site, f"{run_id}-{summary.site}-dispatcher", asdict(summary))
        except Exception as exc:
            self.close()
            logger.warning("%s: could not record its failure in the state store: %s", summary.site, exc)
