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
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from crawler.adapters.verdict import SiteSummary

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


class ScrapydClient:
    """One node's JSON API. Every failure (refused, timeout, HTTP error, status "error") is a NodeError."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def _call(self, request: Request) -> dict[str, Any]:
        try:
            with urlopen(request, timeout=self.timeout) as response:
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
            raise NodeError(f"{self.url}: {message or 'error'}", answered=True)
        return data

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = f"?{urlencode(params)}" if params else ""
        return self._call(Request(f"{self.url}/{endpoint}{query}"))

    def post(self, endpoint: str, params: list[tuple[str, str]]) -> dict[str, Any]:
        return self._call(Request(f"{self.url}/{endpoint}", data=urlencode(params).encode(), method="POST"))

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
        return self._call(request)


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
class Node:
    client: ScrapydClient
    load: int = 0               # Scrapyd's running + pending jobs, all projects
    failing_since: float | None = None
    down: str | None = None     # why it is out of this run
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


def summary_from(payload: Mapping[str, Any]) -> SiteSummary:
    known = {f.name for f in fields(SiteSummary)}
    return SiteSummary(**{k: v for k, v in payload.items() if k in known})


class Dispatcher:
    """Runs `plan` over `nodes`; `results(run_id)` reads the jobs' saved summaries by job id."""

    def __init__(self, nodes: list[str], plan: Plan, results: Callable[[str], Mapping[str, Mapping[str, Any]]],
                 limits: Limits | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.nodes = [Node(ScrapydClient(url)) for url in nodes]
        self.plan = plan
        self.results = results
        self.limits = limits or Limits()
        self.clock = clock
        self.sleep = sleep
        self.queue: list[tuple[str, int, int]] = [(site, 1, 1) for site in plan.sites]  # site, number, tries
        self.done: dict[str, SiteSummary] = {}
        self.rescheduled: list[str] = []
        self._last: dict[str, str] = {}  # site -> the node its latest job went to
        self._last_progress = clock()

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
                                        "(scrapyd-deploy, or pass -a egg=FILE to upload it)")
            except NodeError as exc:
                node.down = str(exc)
                logger.warning("Scrapyd node left out of this run: %s", exc)
        if all(n.down for n in self.nodes):
            raise DispatchError("no Scrapyd node can take the run: " + "; ".join(str(n.down) for n in self.nodes))

    @staticmethod
    def _load(node: Node) -> int:
        status = node.client.get("daemonstatus.json")
        return int(status.get("running", 0)) + int(status.get("pending", 0))

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> list[SiteSummary]:
        self.prepare()
        while self.queue or any(n.jobs for n in self.nodes):
            self._fill()
            self.sleep(self.limits.poll)
            for node in self.nodes:
                if not node.down:
                    self._poll(node)
            if not self.queue and not any(n.jobs for n in self.nodes):
                break
            if all(n.down for n in self.nodes):
                self._give_up()
                break
            self._progress()
        return [self.done[site] for site in self.plan.sites if site in self.done]

    def _live(self) -> list[Node]:
        return [n for n in self.nodes if not n.down]

    def _fill(self) -> None:
        silent: set[str] = set()  # nodes that did not answer this round
        while self.queue:
            free = [n for n in self._live() if len(n.jobs) < self.limits.slots and n.url not in silent]
            if not free:
                return
            site, attempt, tries = self.queue[0]
            # Least loaded first; a retried site avoids the node its last attempt ran on when it can.
            last = self._last.get(site)
            node = min(free, key=lambda n: (n.url == last and len(free) > 1, n.load + len(n.jobs), n.started))
            job_id = f"{self.plan.run_id}-{site}-{attempt}"
            params = [("project", self.plan.project), ("spider", site), ("jobid", job_id)]
            if self.plan.version:
                params.append(("_version", self.plan.version))
            settings = dict(self.plan.settings, DISPATCH_RUN_ID=self.plan.run_id,
                            DISPATCH_SITES=",".join(self.plan.sites))
            params += [("setting", f"{k}={v}") for k, v in settings.items()]
            params += list(self.plan.args.get(site, {}).items())
            try:
                node.client.post("schedule.json", params)
            except NodeError as exc:
                if exc.answered:
                    # The node answers but will not run it (e.g. the spider is not in the deployed egg).
                    self.queue.pop(0)
                    self._finish(site, attempt, None, f"{node.url} refused the job: {exc}")
                else:
                    silent.add(node.url)
                    self._failing(node, str(exc))
                continue
            self.queue.pop(0)
            node.jobs[job_id] = Job(site, attempt, node.url, job_id, tries)
            node.started += 1
            self._last[site] = node.url
            logger.info("%s: job %s on %s", site, job_id, node.url)

    def _poll(self, node: Node) -> None:
        try:
            listed = node.client.get("listjobs.json", project=self.plan.project)
            node.load = self._load(node)
        except NodeError as exc:
            self._failing(node, str(exc))
            return
        node.failing_since = None
        states: dict[str, tuple[str | None, Any]] = {}
        for listing in ("pending", "running", "finished"):
            for entry in listed.get(listing, []):
                states[str(entry.get("id"))] = (listing, entry.get("log_url"))
        results = self.results(self.plan.run_id) if node.jobs else {}
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
            job.state = state
            if job.id in results:
                # Saved before the job's process exits: done even while Scrapyd still lists it running.
                del node.jobs[job.id]
                self._finish(job.site, job.attempt, results[job.id], None, node.url)
            elif state == "finished":
                del node.jobs[job.id]
                self._retry(job, f"the job {job.id} on {node.url} ended without a summary"
                            + (f" (its log: {job.log_url})" if job.log_url else ""))

    def _failing(self, node: Node, why: str) -> None:
        now = self.clock()
        node.failing_since = node.failing_since or now
        if now - node.failing_since < self.limits.down_after:
            return
        node.down = why
        jobs = list(node.jobs.values())
        node.jobs.clear()
        logger.error("Scrapyd node %s is down (%s)%s", node.url, why,
                     f": its site(s) {', '.join(j.site for j in jobs)} go to another node" if jobs else "")
        for job in jobs:
            self._retry(job, f"node {node.url} went down ({why})", count=False)

    def _retry(self, job: Job, why: str, count: bool = True) -> None:
        """Start the site again elsewhere. A node that went down does not use up an attempt (nothing is
        wrong with the site); a job that ended without a summary does."""
        attempt = job.attempt + 1
        if count and job.tries >= self.limits.attempts:
            self._finish(job.site, job.attempt, None, why)
            return
        logger.warning("%s: %s; starting it again (job %d)", job.site, why, attempt)
        self.rescheduled.append(job.site)
        self.queue.insert(0, (job.site, attempt, job.tries + (1 if count else 0)))

    def _finish(self, site: str, attempt: int, payload: Mapping[str, Any] | None, failure: str | None,
                node: str | None = None) -> None:
        if payload is not None:
            summary = summary_from(payload)
        else:
            summary = SiteSummary(site=site, verdict="failed", message=failure)
        summary.node = node
        self.done[site] = summary
        logger.info("%s: %s%s", site, summary.verdict, f" on {node}" if node else f" ({failure})")

    def _give_up(self) -> None:
        why = "; ".join(str(n.down) for n in self.nodes)
        for site, attempt, _ in self.queue:
            self._finish(site, attempt, None, f"no Scrapyd node left to run it ({why})")
        self.queue.clear()

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
