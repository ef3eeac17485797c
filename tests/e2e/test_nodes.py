"""A run spread over two real Scrapyd daemons on 127.0.0.1 sharing one PostgreSQL state
(`scrapy crawlall -a scrapyd=URL,URL -a egg=FILE`): the lines of a single local run, once each;
a second run writes nothing; a node killed mid-run loses nothing and doubles nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

# danvan republishes baolangson's story of the 4,600-delegate training (see test_incremental): a
# syndicated copy whose original is crawled by another job, maybe on the other node.
SITES = ["danvan", "baolangson", "danang", "baocantho", "baolaocai", "baocamau"]
STORY = "4.600"


@dataclass
class ScrapydNode:
    url: str
    proc: subprocess.Popen[bytes]
    home: Path

    def kill(self) -> None:
        """The machine goes away: the daemon and every job it started, at once."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def jobs(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/listjobs.json", timeout=5) as r:
            return json.loads(r.read())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_node(home: Path) -> ScrapydNode:
    home.mkdir(parents=True)
    port = _free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\neggs_dir = {home}/eggs\nlogs_dir = {home}/logs\ndbs_dir = {home}/dbs\n"
        "items_dir =\nmax_proc = 3\npoll_interval = 0.2\njobs_to_keep = 50\nfinished_to_keep = 200\n", "utf-8")
    # TAPHUAN_HOME: the jobs' relative paths (output/, its state directory) land in the node's folder.
    env = dict(os.environ, TAPHUAN_HOME=str(home))
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(home / "scrapyd.err", "wb"), start_new_session=True)  # noqa: SIM115
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/daemonstatus.json", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"scrapyd did not start: {(home / 'scrapyd.err').read_text()[-2000:]}") from None
            time.sleep(0.2)
    return ScrapydNode(url, proc, home)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[list[ScrapydNode]]:
    started = [start_node(tmp_path / f"node{i}") for i in (1, 2)]
    yield started
    for node in started:
        if node.proc.poll() is None:
            node.kill()


def fresh_db(pg_server: str) -> str:
    import psycopg

    name = "n_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    return pg_server.rsplit("/", 1)[0] + "/" + name


COMMON = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False",
          "-s", "LOG_LEVEL=INFO", "-s", "CONTACT=tests@example.invalid"]


def crawlall(home: Path, state_url: str, base_urls: Path, *extra: str, wait: bool = True) -> subprocess.Popen[str]:
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO), TAPHUAN_HOME=str(home),
               STATE_URL=state_url)
    args = [sys.executable, "-m", "scrapy", "crawlall", "-a", f"sites={','.join(SITES)}",
            "-a", f"base_urls={base_urls}", *COMMON, *extra]
    proc = subprocess.Popen(args, cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if wait:
        proc.wait(timeout=600)
    return proc


def summary(home: Path) -> dict:
    latest = sorted((home / "output" / "runs").glob("*.json"))[-1]
    return json.loads(latest.read_text("utf-8"))


def lines_of(run: dict) -> list[dict]:
    out = []
    for path in run["feed_files"]:
        out += [json.loads(line) for line in Path(path).read_text("utf-8").splitlines()]
    return out


@pytest.fixture
def fixture_sites(serve, tmp_path: Path):
    def start(delays: dict[str, float] | None = None) -> Path:
        running = serve(*SITES, delays=delays)
        path = tmp_path / "base_urls.json"
        path.write_text(json.dumps({slug: r.base_url for slug, r in running.items()}), "utf-8")
        return path
    return start


def reference(tmp_path: Path, state_url: str, base_urls: Path) -> list[dict]:
    """The same sites in one local `crawlall` process on a state of its own."""
    proc = crawlall(tmp_path / "local", state_url, base_urls)
    assert proc.returncode == 0, proc.stderr.read()[-3000:] if proc.stderr else ""
    return lines_of(summary(tmp_path / "local"))


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_two_nodes_sharing_one_state_write_the_lines_of_one_local_run(
        tmp_path: Path, request: pytest.FixtureRequest, nodes: list[ScrapydNode], egg: Path, fixture_sites,
        backend: str) -> None:
    """PostgreSQL (any machines), or SQLite in the dispatcher's STATE_DIR (nodes on this machine)."""
    def new_state() -> str:
        return fresh_db(request.getfixturevalue("pg_server")) if backend == "postgresql" else ""

    base_urls = fixture_sites()
    expected = reference(tmp_path, new_state(), base_urls)
    assert expected
    state = new_state()
    # The dispatcher's history says baocamau used to return 180 pages: its monitor must say so, as a
    # local run's would (the jobs on the nodes do not see this machine's history).
    history = tmp_path / "dispatcher" / "output" / ".state" / "history.jsonl"
    history.parent.mkdir(parents=True)
    history.write_text("".join(json.dumps({"run_id": f"2026-11-0{n}T00-00-00", "site": "baocamau", "verdict": "ok",
                                           "pages": 180, "items": 5, "coverage": {}, "errors": 0}) + "\n"
                               for n in (1, 2, 3)), "utf-8")
    scrapyd = ",".join(n.url for n in nodes)
    proc = crawlall(tmp_path / "dispatcher", state, base_urls, "-a", f"scrapyd={scrapyd}", "-a", f"egg={egg}",
                    "-s", "SCRAPYD_POLL_INTERVAL=0.3", "-s", "SCRAPYD_SLOTS=3")
    out, err = proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    run = summary(tmp_path / "dispatcher")
    assert sorted(s["site"] for s in run["sites"]) == sorted(SITES)
    assert {s["node"] for s in run["sites"]} == {n.url for n in nodes}  # both nodes took sites
    verdicts = {s["site"]: s for s in run["sites"]}
    camau = verdicts.pop("baocamau")
    assert camau["verdict"] == "degraded"
    assert camau["monitors"] == [f"site baocamau returned {camau['pages']} pages where it returned 180 ± 0"]
    assert all(s["verdict"] in ("ok", "quiet") for s in verdicts.values()), out
    # This run joined the history (one row per site), for the next run's monitors.
    assert len(history.read_text("utf-8").splitlines()) == 3 + len(SITES)
    got = lines_of(run)
    # Exactly the local run's lines: the same ids, one line per story (the copy merged into its original).
    assert sorted(i["id"] for i in got) == sorted(i["id"] for i in expected)
    assert len([i for i in got if STORY in i["title"]]) == 1
    assert run["totals"]["new_items"] == len(got)
    # The dispatcher's own table and closing lines, as a local run prints them.
    assert f"{len(SITES)} site(s): " in out
    assert (tmp_path / "dispatcher" / "output" / "report.html").is_file()

    again = crawlall(tmp_path / "dispatcher", state, base_urls, "-a", f"scrapyd={scrapyd}",
                     "-s", "SCRAPYD_POLL_INTERVAL=0.3")
    err2 = again.stderr.read() if again.stderr else ""
    assert again.returncode == 0, err2[-3000:]
    second = summary(tmp_path / "dispatcher")
    assert second["run_id"] != run["run_id"]
    assert second["totals"]["new_items"] == 0 and second["feed_files"] == []


def test_a_node_killed_mid_run_loses_nothing_and_doubles_nothing(
        tmp_path: Path, pg_server: str, nodes: list[ScrapydNode], egg: Path, fixture_sites) -> None:
    delays = {"/no-such-page": 0.0}  # the servers keep this dict: filled in after the reference run
    base_urls = fixture_sites(delays=delays)
    expected = reference(tmp_path, fresh_db(pg_server), base_urls)
    # Now every page answers after 1 s, so the jobs are still crawling when node 1 dies.
    delays["/"] = 1.0
    state = fresh_db(pg_server)
    proc = crawlall(tmp_path / "dispatcher", state, base_urls, "-a", f"scrapyd={nodes[0].url},{nodes[1].url}",
                    "-a", f"egg={egg}", "-s", "SCRAPYD_POLL_INTERVAL=0.3", "-s", "SCRAPYD_NODE_DOWN_AFTER=2",
                    "-s", "SCRAPYD_SLOTS=3", wait=False)
    # Node 1 dies once one of its jobs has written a line (the story is half delivered).
    deadline = time.monotonic() + 120
    victim = nodes[0]
    while time.monotonic() < deadline:
        running = {j["spider"] for j in victim.jobs().get("running", [])}
        if any(p.stat().st_size > 0 for site in running for p in (victim.home / "output" / site).glob("*.jsonl")):
            break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("node 1 never had a running job with a line written")
    victim.kill()
    _out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    assert f"Scrapyd node {victim.url} is down" in err
    assert "started again on another node:" in err
    run = summary(tmp_path / "dispatcher")
    assert sorted(s["site"] for s in run["sites"]) == sorted(SITES)
    assert all(s["verdict"] in ("ok", "quiet") for s in run["sites"]), run["sites"]
    # The first job started on node 2 after the kill settled the dead job's open run from its feed
    # file (same machine here; any job recovers every dead run of its host at start).
    logs = "".join(p.read_text("utf-8") for p in (nodes[1].home / "logs").glob("*/*/*.log"))
    assert "Recovered crashed run" in logs
    # Every feed file of both nodes, the killed jobs' too: each story once, none missing.
    files = sorted(victim.home.glob("output/*/*.jsonl")) + sorted(nodes[1].home.glob("output/*/*.jsonl"))
    got = [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines()]
    ids = [i["id"] for i in got]
    assert len(ids) == len(set(ids)), "a line written twice"
    assert sorted(ids) == sorted(i["id"] for i in expected)
    # And the run summary lists every one of those files: the killed jobs named theirs as they started.
    assert sorted(run["feed_files"]) == sorted(str(f) for f in files)
    assert run["totals"]["new_items"] == len(expected)
    assert any("never sent its summary" in w for s in run["sites"] for w in s["warnings"])


@pytest.mark.parametrize(("extra", "env", "code", "line"), [
    (["-a", "egg=x.egg"], {}, 2,
     "scrapy crawlall: -a egg= uploads the project to Scrapyd nodes: name them with -a scrapyd=URL,URL"),
    (["-a", "scrapyd=ftp://node1"], {}, 2, "scrapy crawlall: scrapyd='ftp://node1' is not a Scrapyd URL (http://host:6800)"),
    (["-a", "scrapyd=http://10.1.2.3:6800"], {"STATE_URL": ""}, 2,
     "scrapy crawlall: Scrapyd nodes on other machines need one shared state: set STATE_URL=postgresql://... "
     "(SQLite in STATE_DIR is only shared on this machine; docs/deployment.md)"),
    (["-a", "scrapyd=http://127.0.0.1:9", "-O", "all.jsonl"], {}, 2,
     "scrapy crawlall: -o/-O with scrapyd=: each job writes its own file on its node (output/<site>/...); collect "
     "them with `crawler export`, or point the nodes' output at one shared directory"),
    (["-a", "scrapyd=http://127.0.0.1:9"], {}, 1,
     "scrapy crawlall: no Scrapyd node can take the run: http://127.0.0.1:9: [Errno 111] Connection refused"),
], ids=["egg-without-nodes", "not-a-url", "sqlite-across-machines", "one-output-file", "no-node-answers"])
def test_dispatch_mistakes_are_one_line(tmp_path: Path, extra: list[str], env: dict[str, str], code: int,
                                        line: str) -> None:
    from tests.conftest import run_scrapy

    environ = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO),
                   TAPHUAN_HOME=str(tmp_path), **env)
    proc = run_scrapy(["crawlall", "-a", "sites=danang", "-s", "CONTACT=tests@example.invalid", *extra], tmp_path,
                      env=environ)
    assert proc.returncode == code, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == line
