"""The dispatcher's decisions against fake Scrapyd nodes on 127.0.0.1 (real HTTP, Scrapyd's JSON
answers): least-loaded first, a job that ends without a summary is started on another node and
then failed with its log, a node that stops answering has its sites moved. The real daemons are in
tests/e2e/test_nodes.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.tools.nodes import Dispatcher, DispatchError, Limits, Plan, node_urls


class FakeNode:
    """Scrapyd's answers; a scheduled job is listed as running, then finished after `runs_for` polls."""

    def __init__(self, load: int = 0, runs_for: int = 1) -> None:
        self.load = load
        self.runs_for = runs_for
        self.scheduled: list[dict[str, list[str]]] = []
        self.polls: dict[str, int] = {}
        self.on_schedule: Any = None
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, data: dict[str, Any]) -> None:
                body = json.dumps(dict(data, status="ok")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/daemonstatus.json":
                    self._answer({"running": node.load, "pending": 0, "finished": 0})
                elif path == "/listprojects.json":
                    self._answer({"projects": ["taphuan-crawler"]})
                elif path == "/listjobs.json":
                    running, finished = [], []
                    for job in node.scheduled:
                        jid = job["jobid"][0]
                        node.polls[jid] = node.polls.get(jid, 0) + 1
                        entry = {"id": jid, "spider": job["spider"][0], "log_url": f"/logs/p/s/{jid}.log"}
                        (finished if node.polls[jid] > node.runs_for else running).append(entry)
                    self._answer({"pending": [], "running": running, "finished": finished})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                node.scheduled.append(form)
                if node.on_schedule:
                    node.on_schedule(form)
                self._answer({"jobid": form["jobid"][0]})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fakes() -> Iterator[list[FakeNode]]:
    made: list[FakeNode] = []
    yield made
    for node in made:
        node.stop()


def plan(*sites: str) -> Plan:
    return Plan(run_id="R", project="taphuan-crawler", sites=list(sites), args={"a": {"base_url": "http://x/"}},
                settings={"STATE_URL": "postgresql://db/x"})


LIMITS = Limits(slots=4, poll=0.01, down_after=0.2, attempts=2, progress=0)


def test_the_least_loaded_node_takes_the_job_with_the_run_settings(fakes: list[FakeNode]) -> None:
    busy, idle = FakeNode(load=5), FakeNode(load=0)
    fakes += [busy, idle]
    results: dict[str, dict[str, Any]] = {}
    idle.on_schedule = lambda form: results.setdefault(form["jobid"][0], {"site": "a", "verdict": "ok", "items": 3})
    done = Dispatcher([busy.url, idle.url], plan("a"), lambda run: results, LIMITS).run()
    assert busy.scheduled == []
    [job] = idle.scheduled
    assert job["spider"] == ["a"] and job["jobid"] == ["R-a-1"] and job["base_url"] == ["http://x/"]
    assert sorted(job["setting"]) == ["DISPATCH_RUN_ID=R", "DISPATCH_SITES=a", "STATE_URL=postgresql://db/x"]
    assert [(s.site, s.verdict, s.items, s.node) for s in done] == [("a", "ok", 3, idle.url)]


def test_a_job_without_a_summary_runs_once_more_elsewhere_then_fails_with_its_log(fakes: list[FakeNode]) -> None:
    one, two = FakeNode(), FakeNode()
    fakes += [one, two]
    dispatcher = Dispatcher([one.url, two.url], plan("a"), lambda run: {}, LIMITS)
    [summary] = dispatcher.run()
    assert [j["jobid"] for j in one.scheduled + two.scheduled] in ([["R-a-1"], ["R-a-2"]], [["R-a-2"], ["R-a-1"]])
    assert len(one.scheduled) == len(two.scheduled) == 1   # the second start avoided the first node
    assert summary.verdict == "failed"
    assert summary.message is not None and summary.message.startswith("the job R-a-2 on http://127.0.0.1:")
    assert summary.message.endswith("ended without a summary (its log: " + (one if one.scheduled[0]["jobid"] ==
                                     ["R-a-2"] else two).url + "/logs/p/s/R-a-2.log)")
    assert dispatcher.rescheduled == ["a"]


def test_a_node_that_stops_answering_has_its_sites_run_on_another(fakes: list[FakeNode]) -> None:
    dying, healthy = FakeNode(load=0, runs_for=10_000), FakeNode(load=1)
    fakes += [dying, healthy]
    results: dict[str, dict[str, Any]] = {}
    healthy.on_schedule = lambda form: results.setdefault(form["jobid"][0], {"site": form["spider"][0],
                                                                           "verdict": "quiet"})
    dying.on_schedule = lambda form: threading.Thread(target=dying.stop).start()
    done = Dispatcher([dying.url, healthy.url], plan("a"), lambda run: results, LIMITS).run()
    assert [j["jobid"] for j in dying.scheduled] == [["R-a-1"]]
    assert [j["jobid"] for j in healthy.scheduled] == [["R-a-2"]]
    assert [(s.site, s.verdict, s.node) for s in done] == [("a", "quiet", healthy.url)]


def test_a_moved_site_keeps_its_attempts(fakes: list[FakeNode]) -> None:
    """A node going down is not the site's fault: after the move the site still has two starts."""
    dying, flaky = FakeNode(load=0, runs_for=10_000), FakeNode(load=1)
    fakes += [dying, flaky]
    dying.on_schedule = lambda form: threading.Thread(target=dying.stop).start()
    [summary] = Dispatcher([dying.url, flaky.url], plan("a"), lambda run: {}, LIMITS).run()
    assert [j["jobid"] for j in flaky.scheduled] == [["R-a-2"], ["R-a-3"]]
    assert summary.verdict == "failed" and summary.message is not None and "R-a-3" in summary.message


def test_no_node_answering_is_one_error(fakes: list[FakeNode]) -> None:
    node = FakeNode()
    node.stop()
    with pytest.raises(DispatchError, match=r"^no Scrapyd node can take the run: http://127\.0\.0\.1:\d+: "):
        Dispatcher([node.url], plan("a"), lambda run: {}, LIMITS).run()


def test_node_urls() -> None:
    assert node_urls("n1:6800, http://n2:6800/ ,n1:6800") == ["http://n1:6800", "http://n2:6800"]
    with pytest.raises(DispatchError, match="not a Scrapyd URL"):
        node_urls("ftp://x")
    with pytest.raises(DispatchError, match="names no node"):
        node_urls(" , ")
