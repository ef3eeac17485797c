"""A run spread over Scrapyd nodes: one job per site, least-loaded node first, a node that stops
answering has its sites started again on another node (`scrapy crawlall -a scrapyd=URL,URL`).

The jobs share the state store (STATE_URL, PostgreSQL across machines): it decides "one line per
story" across them, and each job saves its site's summary there under the run id
(`DISPATCH_RUN_ID`), where this dispatcher collects it. The dispatcher then writes the one run
summary, history and report, as a local `crawlall` does.

Scrapyd's JSON API (https://scrapyd.readthedocs.io/en/latest/api.html) is spoken with the
standard library: daemonstatus.json, listprojects.json, addversion.json, schedule.json,
listjobs.json, cancel.json.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from crawler.adapters.verdict import SiteSummary
from crawler.dedup.store import JOB_STARTED as STARTED
from crawler.dedup.store import feed_records

logger = logging.getLogger(__name__)


class NodeError(Exception):
    """A node did not answer (`answered` false), or answered with an error."""

    def __init__(self, message: str, answered: bool = False) -> None:
        super().__init__(message)
        self.answered = answered


class DispatchError(Exception):
    """The run cannot start (no node answers, the project is not deployed): one line for the user."""


def node_urls(value: str) -> list[str]:
    """`http://a:6800,http://b:6800` -> normalized base URLs; a malformed one is a DispatchError."""
    urls = []
    for raw in (v.strip() for v in value.split(",")):
        if not raw:
            continue
        parts = urlsplit(raw if "://" in raw else f"http://{raw}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DispatchError(f"scrapyd={raw!r} is not a Scrapyd URL (http://host:6800)")
        url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        if url not in urls:
            urls.append(url)
    if not urls:
        raise DispatchError("scrapyd= names no node (http://host:6800,http://host2:6800)")
    return urls


# schedule.json and addversion.json run `scrapy list` on the node before they answer (the first
# call per egg version takes seconds on a busy node).
SLOW_CALL = 60.0


class ScrapydClient:
    """One node's JSON API. Every failure (refused, timeout, HTTP error, status "error") is a NodeError."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def _call(self, request: Request, timeout: float | None = None) -> dict[str, Any]:
        try:
            with urlopen(request, timeout=timeout or self.timeout) as response:
                body = response.read()
        except HTTPError as exc:
            raise NodeError(f"{self.url}: HTTP {exc.code} from {request.full_url}", answered=exc.code < 500) from None
        except (URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NodeError(f"{self.url}: {reason}") from None
        try:
            data = json.loads(body)
        except ValueError:
            raise NodeError(f"{self.url}: not Scrapyd's JSON from {request.full_url}") from None
        if not isinstance(data, dict) or data.get("status") != "ok":
            message = data.get("message") if isinstance(data, dict) else None
            raise NodeError(f"{self.url}: {_one_line(str(message or 'error'))}", answered=True)
        return data

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = f"?{urlencode(params)}" if params else ""
        return self._call(Request(f"{self.url}/{endpoint}{query}"))

    def post(self, endpoint: str, params: list[tuple[str, str]]) -> dict[str, Any]:
        return self._call(Request(f"{self.url}/{endpoint}", data=urlencode(params).encode(), method="POST"),
                          SLOW_CALL)

    def add_version(self, project: str, version: str, egg: bytes) -> dict[str, Any]:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in (("project", project), ("version", version)):
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="{project}.egg"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + egg + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        request = Request(f"{self.url}/addversion.json", data=b"".join(parts), method="POST",
                          headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return self._call(request, SLOW_CALL)


@dataclass
class Job:
    site: str
    attempt: int      # the job's number for this site in this run (its id ends with it)
    node: str
    id: str
    tries: int = 1    # starts that count against SCRAPYD_ATTEMPTS (a node going down does not)
    state: str = "pending"  # pending, running, finished (as Scrapyd lists it)
    log_url: str | None = None
    missing_since: float | None = None  # not listed by its node (a restarted node forgets its jobs)


@dataclass
class Pending:
    """A site waiting for a node."""

    site: str
    attempt: int
    tries: int
    refused: dict[str, str] = field(default_factory=dict)  # node -> why it would not take the job


@dataclass
class Node:
    client: ScrapydClient
    load: int = 0               # Scrapyd's running + pending jobs, all projects
    failing_since: float | None = None    # since when it does not answer its polls
    refusing_since: float | None = None   # since when schedule.json gets no answer (polls may still work)
    down: str | None = None     # why it is out of this run
    answered_down: bool = False  # out for an answer (no project), not silence: not probed again
    jobs: dict[str, Job] = field(default_factory=dict)   # this run's unfinished jobs on it
    started: int = 0

    @property
    def url(self) -> str:
        return self.client.url


@dataclass
class Plan:
    """What to run: the sites, each site's spider arguments, the settings every job gets."""

    run_id: str
    project: str
    sites: list[str]
    args: Mapping[str, Mapping[str, str]]
    settings: Mapping[str, str]
    egg: bytes | None = None
    version: str | None = None


@dataclass
class Limits:
    slots: int = 4
    poll: float = 2.0
    down_after: float = 20.0
    attempts: int = 2
    progress: float = 30.0
    busy_wait: float = 1800.0   # how long a site held by a lost job of this run waits for its summary


class ResultsError(Exception):
    """The jobs' summaries cannot be read (the state store does not answer)."""


def summary_from(payload: Mapping[str, Any]) -> SiteSummary:
    known = {f.name for f in fields(SiteSummary)}
    return SiteSummary(**{k: v for k, v in payload.items() if k in known})


def busy(summary: SiteSummary) -> bool:
    """Skipped because another process holds the site (its lock), not crawled."""
    return summary.verdict == "skipped" and "is being crawled by" in (summary.message or "")


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in sorted(set(a) | set(b))}


def merge(a: SiteSummary, b: SiteSummary) -> SiteSummary:
    """One site crawled by two jobs of a run (one on a node that stopped answering, then came back):
    both wrote lines, so the site's summary holds both."""
    if busy(b):
        return a
    if busy(a):
        return b
    failed = [s for s in (a, b) if s.verdict == "failed"]
    if len(failed) == 1:
        verdict = "degraded"
    elif failed:
        verdict = "failed"
    elif "degraded" in (a.verdict, b.verdict):
        verdict = "degraded"
    else:
        verdict = "ok" if a.items + b.items else "quiet"
    return SiteSummary(
        site=a.site, verdict=verdict, pages=a.pages + b.pages, items=a.items + b.items,
        drops=_add(a.drops, b.drops), errors=_add(a.errors, b.errors), fallbacks=_add(a.fallbacks, b.fallbacks),
        robots_refused=a.robots_refused + b.robots_refused, finish_reason=b.finish_reason,
        message="; ".join(m for m in (a.message, b.message) if m) or None,
        feed_files=[*a.feed_files, *(f for f in b.feed_files if f not in a.feed_files)],
        coverage=a.coverage if a.items >= b.items else b.coverage,
        monitors=[*a.monitors, *b.monitors], warnings=[*a.warnings, *b.warnings],
        training_items=a.training_items + b.training_items, model_disagrees=a.model_disagrees + b.model_disagrees,
        node=", ".join(n for n in dict.fromkeys((a.node, b.node)) if n) or None)


def _one_line(text: str, limit: int = 300) -> str:
    """Scrapyd returns a failing `scrapy list`'s whole stderr as its message: its last line says it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[-1] if lines else text.strip()
    return line if len(line) <= limit else line[:limit - 1] + "…"


class Dispatcher:
    """Runs `plan` over `nodes`. `results(run_id)` reads the jobs' saved summaries by job id (raising
    ResultsError when it cannot); `on_failed(summary)` records a site the dispatcher fails itself,
    so that jobs waiting for it (held copies) stop waiting."""

    def __init__(self, nodes: list[str], plan: Plan, results: Callable[[str], Mapping[str, Mapping[str, Any]]],
                 limits: Limits | None = None, *, on_failed: Callable[[SiteSummary], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.nodes = [Node(ScrapydClient(url)) for url in nodes]
        self.plan = plan
        self.results = results
        self.on_failed = on_failed
        self.limits = limits or Limits()
        self.clock = clock
        self.sleep = sleep
        self.queue: list[Pending] = [Pending(site, 1, 1) for site in plan.sites]
        self.done: dict[str, SiteSummary] = {}
        # Jobs whose fate is unknown: on a node that stopped answering, or a schedule.json that got no
        # answer (the node may have queued it). Their summaries are still taken when they come.
        self.lost: dict[str, list[Job]] = {}
        self.parked: dict[str, float] = {}   # site -> until when it waits for a lost job's summary
        self.rescheduled: list[str] = []
        self._last: dict[str, str] = {}  # site -> the node its latest job went to
        self._last_progress = clock()
        self._results_failing: float | None = None
        self._all_down_since: float | None = None
        self._numbers: dict[str, int] = {}
        self._latest: Mapping[str, Mapping[str, Any]] = {}  # the summaries read last

    # -- start --------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Every node answers and has the project (the egg uploaded when given); nodes that do not
        are left out with a warning; none left is a DispatchError."""
        for node in self.nodes:
            try:
                node.load = self._load(node)
                if self.plan.egg is not None:
                    assert self.plan.version is not None
                    node.client.add_version(self.plan.project, self.plan.version, self.plan.egg)
                else:
                    projects = node.client.get("listprojects.json").get("projects", [])
                    if self.plan.project not in projects:
                        raise NodeError(f"{node.url}: project {self.plan.project!r} is not deployed there "
                                        "(scrapyd-deploy, or pass -a egg=FILE to upload it)", answered=True)
            except NodeError as exc:
                node.down = str(exc)
                node.answered_down = True  # left out from the start: not probed again in this run
                logger.warning("Scrapyd node left out of this run: %s", exc)
        if all(n.down for n in self.nodes):
            raise DispatchError("no Scrapyd node can take the run: " + "; ".join(str(n.down) for n in self.nodes))

    @staticmethod
    def _load(node: Node, timeout: float | None = None) -> int:
        status = node.client.get("daemonstatus.json") if timeout is None else \
            ScrapydClient(node.url, timeout).get("daemonstatus.json")
        return int(status.get("running", 0)) + int(status.get("pending", 0))

    # -- the loop -----------------------------------------------------------------------------

    def _busy(self) -> bool:
        return bool(self.queue or self.parked or any(n.jobs for n in self.nodes))

    def run(self) -> list[SiteSummary]:
        self.prepare()
        while self._busy():
            self._fill()
            self.sleep(self.limits.poll)
            results = self._read_results()
            for node in self.nodes:
                if not node.down:
                    self._poll(node, results)
                elif not node.answered_down:
                    self._probe(node)
            self._settle_lost(results)
            if not self._busy():
                break
            if self._all_down():
                self._give_up()
                break
            self._progress()
        self._settle_lost(self._read_results(final=True), final=True)
        return [self.done[site] for site in self.plan.sites if site in self.done]

    def _read_results(self, final: bool = False) -> Mapping[str, Mapping[str, Any]]:
        try:
            results = self.results(self.plan.run_id)
        except ResultsError as exc:
            if final:
                logger.warning("cannot read the jobs' summaries from the state store (%s)", exc)
                return {}
            now = self.clock()
            self._results_failing = self._results_failing or now
            if now - self._results_failing >= self.limits.down_after:
                raise DispatchError(f"cannot read the jobs' summaries from the state store ({exc}); the jobs "
                                    "on the nodes go on and their lines are written; this run has no summary") from None
            logger.warning("cannot read the jobs' summaries from the state store (%s): trying again", exc)
            return {}
        self._results_failing = None
        self._latest = results
        return results

    def _live(self) -> list[Node]:
        return [n for n in self.nodes if not n.down]

    def _number(self, site: str, at_least: int) -> int:
        """A job number not used yet for this site in this run (ids must not repeat)."""
        number = max(at_least, self._numbers.get(site, 0) + 1)
        self._numbers[site] = number
        return number

    def _fill(self) -> None:
        silent: set[str] = set()  # nodes that did not answer this round
        for pending in list(self.queue):
            free = [n for n in self._live() if len(n.jobs) < self.limits.slots and n.url not in silent
                    and n.url not in pending.refused]
            if not free:
                if pending.refused and all(n.url in pending.refused for n in self._live()):
                    # Every node that is up answered no (e.g. the spider is not in its egg).
                    self.queue.remove(pending)
                    self._fail(pending.site, "every Scrapyd node refused the job: "
                               + "; ".join(pending.refused.values()))
                continue
            # Least loaded first; a retried site avoids the node its last attempt ran on when it can.
            last = self._last.get(pending.site)
            node = min(free, key=lambda n: (n.url == last and len(free) > 1, n.load + len(n.jobs), n.started))
            number = self._number(pending.site, pending.attempt)
            job = Job(pending.site, number, node.url, f"{self.plan.run_id}-{pending.site}-{number}", pending.tries)
            try:
                node.client.post("schedule.json", self._params(job))
            except NodeError as exc:
                if exc.answered:
                    pending.refused[node.url] = f"{node.url}: {_one_line(str(exc).split(': ', 1)[-1])}"
                else:
                    # The node may have queued it all the same: its summary is taken if it comes.
                    silent.add(node.url)
                    self.lost.setdefault(job.site, []).append(job)
                    node.refusing_since = node.refusing_since or self.clock()
                    if self.clock() - node.refusing_since >= self.limits.down_after:
                        # Its polls may still answer: probing it again would bring it back to fail again.
                        node.answered_down = True
                        self._down(node, f"schedule.json gets no answer: {_one_line(str(exc))}")
                continue
            node.refusing_since = None
            self.queue.remove(pending)
            node.jobs[job.id] = job
            node.started += 1
            self._last[job.site] = node.url
            logger.info("%s: job %s on %s", job.site, job.id, node.url)

    def _params(self, job: Job) -> list[tuple[str, str]]:
        params = [("project", self.plan.project), ("spider", job.site), ("jobid", job.id)]
        if self.plan.version:
            params.append(("_version", self.plan.version))
        settings = dict(self.plan.settings, DISPATCH_RUN_ID=self.plan.run_id, DISPATCH_SITES=",".join(self.plan.sites))
        params += [("setting", f"{k}={v}") for k, v in settings.items()]
        return params + list(self.plan.args.get(job.site, {}).items())

    def _poll(self, node: Node, results: Mapping[str, Mapping[str, Any]]) -> None:
        try:
            listed = node.client.get("listjobs.json", project=self.plan.project)
            node.load = self._load(node)
        except NodeError as exc:
            self._failing(node, _one_line(str(exc)))
            return
        node.failing_since = None
        states: dict[str, tuple[str | None, Any]] = {}
        for listing in ("pending", "running", "finished"):
            for entry in listed.get(listing, []):
                states[str(entry.get("id"))] = (listing, entry.get("log_url"))
        for job in list(node.jobs.values()):
            state, log_url = states.get(job.id, (None, None))
            if log_url:
                job.log_url = f"{node.url}{log_url}" if str(log_url).startswith("/") else str(log_url)
            if state is None:
                # Not listed: a node that restarted forgets its jobs. Give it one grace period.
                job.missing_since = job.missing_since or self.clock()
                if self.clock() - job.missing_since < self.limits.down_after:
                    continue
                state = "finished"
            else:
                job.missing_since = None
            job.state = state
            if job.id in results:
                # Saved before the job's process exits: done even while Scrapyd still lists it running.
                del node.jobs[job.id]
                self._take(job, results[job.id])
            elif state == "finished":
                del node.jobs[job.id]
                self._retry(job, f"the job {job.id} on {node.url} ended without a summary"
                            + (f" (its log: {job.log_url})" if job.log_url else ""))
        # A lost job (schedule.json timed out) that this node lists as finished without a summary is
        # no longer lost: it ended.
        for site, jobs in list(self.lost.items()):
            for job in list(jobs):
                if job.node == node.url and states.get(job.id, (None, None))[0] == "finished" \
                        and job.id not in results:
                    jobs.remove(job)
            if not jobs:
                del self.lost[site]

    def _probe(self, node: Node) -> None:
        """A node that stopped answering may come back (a restart, a network cut): it takes jobs again."""
        try:
            node.load = self._load(node, timeout=2.0)
        except NodeError:
            return
        logger.warning("Scrapyd node %s answers again", node.url)
        node.down = None
        node.failing_since = node.refusing_since = None

    def _failing(self, node: Node, why: str) -> None:
        now = self.clock()
        node.failing_since = node.failing_since or now
        if now - node.failing_since >= self.limits.down_after:
            self._down(node, why)

    def _down(self, node: Node, why: str) -> None:
        node.down = why
        jobs = list(node.jobs.values())
        node.jobs.clear()
        logger.error("Scrapyd node %s is down (%s)%s", node.url, why,
                     f": its site(s) {', '.join(j.site for j in jobs)} go to another node" if jobs else "")
        for job in jobs:
            if job.id in self._latest:  # it saved its summary before its node went silent
                self._take(job, self._latest[job.id])
                continue
            self.lost.setdefault(job.site, []).append(job)
            self._retry(job, f"node {node.url} went down ({why})", count=False)

    def _all_down(self) -> bool:
        """Every node has been down for SCRAPYD_NODE_DOWN_AFTER (they are probed meanwhile)."""
        if not all(n.down for n in self.nodes):
            self._all_down_since = None
            return False
        self._all_down_since = self._all_down_since or self.clock()
        return self.clock() - self._all_down_since >= self.limits.down_after

    def _retry(self, job: Job, why: str, count: bool = True) -> None:
        """Start the site again elsewhere. A node that went down does not use up an attempt (nothing is
        wrong with the site); a job that ended without a summary does."""
        if job.site in self.done and not self._in_flight(job.site):
            return  # a lost job's summary came meanwhile
        if count and job.tries >= self.limits.attempts:
            self._fail(job.site, why)
            return
        logger.warning("%s: %s; starting it again", job.site, why)
        self.rescheduled.append(job.site)
        self.queue.insert(0, Pending(job.site, job.attempt + 1, job.tries + (1 if count else 0)))

    def _in_flight(self, site: str) -> bool:
        return any(j.site == site for n in self.nodes for j in n.jobs.values()) or \
            any(p.site == site for p in self.queue)

    def _take(self, job: Job, payload: Mapping[str, Any]) -> None:
        """A job's summary. Busy (the site's lock is held) while a lost job of this run may still hold
        it: wait for that job's summary instead (up to SCRAPYD_BUSY_WAIT)."""
        summary = summary_from(payload)
        summary.node = job.node
        if busy(summary) and self.lost.get(job.site) and job.site not in self.done:
            self.parked[job.site] = self.clock() + self.limits.busy_wait
            logger.warning("%s: held by an earlier job of this run on a node that stopped answering; waiting for "
                           "its summary", job.site)
            return
        self._accept(summary)

    def _accept(self, summary: SiteSummary) -> None:
        site = summary.site
        self.parked.pop(site, None)
        before = self.done.get(site)
        self.done[site] = merge(before, summary) if before is not None else summary
        logger.info("%s: %s%s", site, summary.verdict, f" on {summary.node}" if summary.node else "")

    def _settle_lost(self, results: Mapping[str, Mapping[str, Any]], final: bool = False) -> None:
        for site, jobs in list(self.lost.items()):
            for job in list(jobs):
                if job.id in results:
                    jobs.remove(job)
                    summary = summary_from(results[job.id])
                    summary.node = job.node
                    self._accept(summary)
            if not jobs:
                del self.lost[site]
        for site, until in list(self.parked.items()):
            if site not in self.lost:
                # The lost jobs ended without a summary: the site is free, crawl it again.
                del self.parked[site]
                self.queue.insert(0, Pending(site, self._numbers.get(site, 1) + 1, 1))
            elif self.clock() >= until or final:
                del self.parked[site]
                self._fail(site, "held by a job of this run on a node that stopped answering ("
                           + ", ".join(f"{j.id} on {j.node}" for j in self.lost[site])
                           + "); its summary never came", verdict="skipped")
        if final:
            for site, jobs in self.lost.items():
                s = self.done.get(site)
                if s is None:
                    continue
                # The files the lost jobs named when they started hold the lines they wrote.
                files = [str(f) for j in jobs for f in (results.get(j.id + STARTED) or {}).get("feed_files") or []]
                # Listed and counted when this machine sees the file (one machine, or a shared output mount).
                seen = [f for f in files if f not in s.feed_files and Path(f).is_file()]
                written = sum(1 for f in seen for line in feed_records(f) if line.get("site") == site)
                s.feed_files = [*s.feed_files, *seen]
                s.items += written
                unseen = [f for f in files if f not in seen]
                note = ("a job of this site on a node that stopped answering never sent its summary ("
                        + ", ".join(f"{j.id} on {j.node}" for j in jobs) + "): "
                        + (f"{written} line(s) it wrote are in {', '.join(seen)}" if seen else "")
                        + ("; " if seen and unseen else "")
                        + (f"its lines, if any, are in {', '.join(unseen)} on that node, not counted here"
                           if unseen else "")
                        + ("it named no feed file" if not files else ""))
                s.message = "; ".join(m for m in (s.message, note) if m)
                s.warnings = [*s.warnings, note]
                logger.warning("%s: %s", site, note)

    def _fail(self, site: str, why: str, verdict: str = "failed") -> None:
        """The dispatcher's own verdict on a site; a summary a job of the site sent stands over it."""
        logger.info("%s: %s (%s)", site, verdict, why)
        if site in self.done:
            return
        summary = SiteSummary(site=site, verdict=verdict, message=why)
        self.done[site] = summary
        if self.on_failed is not None:
            self.on_failed(summary)

    def _give_up(self) -> None:
        why = "; ".join(str(n.down) for n in self.nodes)
        for pending in self.queue:
            self._fail(pending.site, f"no Scrapyd node left to run it ({why})")
        self.queue.clear()
        for site in list(self.parked):
            del self.parked[site]
            self._fail(site, f"no Scrapyd node left to run it ({why})")

    def _progress(self) -> None:
        if self.limits.progress <= 0 or self.clock() - self._last_progress < self.limits.progress:
            return
        self._last_progress = self.clock()
        running = "; ".join(f"{n.url}: {', '.join(j.site for j in n.jobs.values())}" for n in self.nodes if n.jobs)
        logger.info("progress: %d of %d sites done, %d pending; %d new items so far; running %s",
                    len(self.done), len(self.plan.sites), len(self.queue),
                    sum(s.items for s in self.done.values()), running or "nothing")

    def cancel(self) -> int:
        """Cancel this run's unfinished jobs (on an interrupt); how many were cancelled."""
        cancelled = 0
        for node in self._live():
            for job in list(node.jobs.values()):
                try:
                    node.client.post("cancel.json", [("project", self.plan.project), ("job", job.id)])
                    cancelled += 1
                except NodeError as exc:
                    logger.warning("could not cancel %s on %s: %s", job.id, node.url, exc)
        return cancelled
