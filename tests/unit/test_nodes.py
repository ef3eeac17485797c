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

from crawler.tools.nodes import Dispatcher, DispatchError, Limits, Plan, ResultsError, node_urls


class FakeNode:
    """Scrapyd's answers; a scheduled job is listed as running, then finished after `runs_for` polls."""

    def __init__(self, load: int = 0, runs_for: int = 1, schedule_answer: tuple[int, dict] | None = None) -> None:
        self.load = load
        self.runs_for = runs_for
        # (HTTP status, JSON) to answer schedule.json with instead of taking the job
        self.schedule_answer = schedule_answer
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
                if node.schedule_answer is not None:
                    status, data = node.schedule_answer
                    body = json.dumps(data).encode()
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(body)
                    return
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


def test_a_node_refusing_the_job_leaves_it_to_another(fakes: list[FakeNode]) -> None:
    """Scrapyd answers an error (the spider is not in that node's egg): another node takes it; when
    every node refuses, the site fails with their one-line reasons."""
    refusing = FakeNode(schedule_answer=(200, {"status": "error", "message": "Traceback (most recent call last):\n"
                                                "  ...\nspider 'a' not found"}))
    taking = FakeNode(load=3)
    fakes += [refusing, taking]
    results: dict[str, dict[str, Any]] = {}
    taking.on_schedule = lambda form: results.setdefault(form["jobid"][0], {"site": "a", "verdict": "quiet"})
    [summary] = Dispatcher([refusing.url, taking.url], plan("a"), lambda run: results, LIMITS).run()
    assert (summary.verdict, summary.node) == ("quiet", taking.url)

    failed: list[Any] = []
    [summary] = Dispatcher([refusing.url], plan("a"), lambda run: {}, LIMITS, on_failed=failed.append).run()
    assert summary.verdict == "failed"
    assert summary.message == f"every Scrapyd node refused the job: {refusing.url}: spider 'a' not found"
    assert failed == [summary]  # recorded, so that held copies stop waiting for this site


def test_schedule_json_without_an_answer_takes_the_node_out_even_while_it_lists_jobs(fakes: list[FakeNode]) -> None:
    """A proxy answering 502 to schedule.json while listjobs.json works: the node goes down after
    SCRAPYD_NODE_DOWN_AFTER instead of being asked forever; with no other node the site fails."""
    broken = FakeNode(schedule_answer=(502, {}))
    fakes.append(broken)
    [summary] = Dispatcher([broken.url], plan("a"), lambda run: {}, LIMITS).run()
    assert summary.verdict == "failed"
    assert summary.message is not None and summary.message.startswith("no Scrapyd node left to run it (schedule.json "
                                                                      "gets no answer: ")


def test_a_summary_saved_before_the_node_went_silent_is_taken(fakes: list[FakeNode]) -> None:
    """The job saved its summary, then its node vanished: the site is not crawled again."""
    vanishing, spare = FakeNode(runs_for=10_000), FakeNode(load=5)
    fakes += [vanishing, spare]
    results: dict[str, dict[str, Any]] = {}

    def save_then_vanish(form: dict[str, list[str]]) -> None:
        results[form["jobid"][0]] = {"site": "a", "verdict": "ok", "items": 2, "feed_files": ["/n1/a.jsonl"]}
        threading.Thread(target=vanishing.stop).start()

    vanishing.on_schedule = save_then_vanish
    [summary] = Dispatcher([vanishing.url, spare.url], plan("a"), lambda run: results, LIMITS).run()
    assert spare.scheduled == []
    assert (summary.verdict, summary.items, summary.feed_files, summary.node) == ("ok", 2, ["/n1/a.jsonl"],
                                                                                  vanishing.url)


def test_a_site_held_by_a_lost_job_waits_for_its_summary(fakes: list[FakeNode]) -> None:
    """Node 1 goes silent while its job still runs (a network cut): the site's new job on node 2 finds
    the site locked (busy). The run waits for the lost job's summary, which comes later, and reports
    it: not `skipped`."""
    cut, spare = FakeNode(runs_for=10_000), FakeNode(load=5)
    fakes += [cut, spare]
    results: dict[str, dict[str, Any]] = {}
    busy = {"site": "a", "verdict": "skipped",
            "message": "a is being crawled by pid 7 on n1 with the same state directory; this run leaves it alone"}

    def lost_job_reports_later(form: dict[str, list[str]]) -> None:
        results[form["jobid"][0]] = busy
        threading.Timer(0.5, lambda: results.setdefault("R-a-1", {"site": "a", "verdict": "ok", "items": 4})).start()

    cut.on_schedule = lambda form: threading.Thread(target=cut.stop).start()
    spare.on_schedule = lost_job_reports_later
    limits = Limits(slots=4, poll=0.01, down_after=0.2, attempts=2, progress=0, busy_wait=30)
    [summary] = Dispatcher([cut.url, spare.url], plan("a"), lambda run: dict(results), limits).run()
    assert [j["jobid"] for j in spare.scheduled] == [["R-a-2"]]
    assert (summary.verdict, summary.items, summary.node) == ("ok", 4, cut.url)


def test_a_state_store_that_stops_answering_ends_the_run_in_one_line(fakes: list[FakeNode]) -> None:
    node = FakeNode(runs_for=10_000)
    fakes.append(node)

    def unreadable(run: str) -> dict[str, dict[str, Any]]:
        raise ResultsError("connection to server at 127.0.0.1 port 5432 failed: Connection refused")

    with pytest.raises(DispatchError) as exc:
        Dispatcher([node.url], plan("a"), unreadable, LIMITS).run()
    assert str(exc.value) == ("cannot read the jobs' summaries from the state store (connection to server at "
                              "127.0.0.1 port 5432 failed: Connection refused); the jobs on the nodes go on and "
                              "their lines are written; this run has no summary")
