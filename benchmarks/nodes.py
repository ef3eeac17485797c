"""Wall time of the fixture crawl: one local `crawlall` process vs the same sites as Scrapyd jobs on
1 and 2 nodes (real scrapyd daemons on 127.0.0.1, sharing one state).

    uv run python -m benchmarks.nodes [--nodes 1,2] [--delay 0.5] [--slots 4]
        [--state-url postgresql://user@host:port/db]

Every fixture site is served on 127.0.0.1 (each page answers after --delay seconds: a real
government server's latency; 0 makes the crawl CPU-bound). Default state: SQLite in a temporary
directory (all nodes are on this machine); with --state-url each configuration gets a fresh database
on that server (the user needs CREATEDB). The egg is built once with scrapyd-deploy (dev dependency).
Nodes on one machine share its cores: the figure says what the dispatcher costs and how the jobs
overlap, not what two machines give.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from crawler.sites.registry import load_registry
from crawler.tools.fixtures import FIXTURES_DIR, serve_sites

REPO = Path(__file__).resolve().parent.parent


def build_egg(work: Path) -> Path:
    copy = work / "project"
    shutil.copytree(REPO / "crawler", copy / "crawler", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("scrapy.cfg", "setup.py", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, copy / name)
    egg = work / "taphuan-crawler.egg"
    subprocess.run([str(Path(sys.executable).parent / "scrapyd-deploy"), "--build-egg", str(egg)], cwd=copy,
                   check=True, capture_output=True)
    return egg


@contextlib.contextmanager
def scrapyd_nodes(count: int, work: Path, slots: int) -> Iterator[list[str]]:
    procs, urls = [], []
    try:
        for i in range(count):
            home = work / f"node{i + 1}-{uuid.uuid4().hex[:6]}"
            home.mkdir(parents=True)
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            (home / "scrapyd.conf").write_text(
                f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home}/eggs\n"
                f"logs_dir = {home}/logs\ndbs_dir = {home}/dbs\nitems_dir =\nmax_proc = {slots}\n"
                "poll_interval = 0.2\njobs_to_keep = 100\nfinished_to_keep = 200\n", "utf-8")
            env = dict(os.environ, TAPHUAN_HOME=str(home), TAPHUAN_WORKERS="0")
            env.pop("SCRAPY_SETTINGS_MODULE", None)
            procs.append(subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"{url}/daemonstatus.json", timeout=2).close()
                    break
                time.sleep(0.2)
            urls.append(url)
        yield urls
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait()


def fresh_state(state_url: str | None, work: Path) -> tuple[str, str]:
    """(STATE_URL, STATE_DIR) of an empty state."""
    directory = str(work / f"state-{uuid.uuid4().hex[:6]}")
    if not state_url:
        return "", directory
    import psycopg

    name = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(state_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    return state_url.rsplit("/", 1)[0] + "/" + name, directory


def crawlall(home: Path, state: tuple[str, str], base_urls: Path, sites: list[str], *extra: str) -> tuple[float, dict]:
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO), TAPHUAN_HOME=str(home),
               STATE_URL=state[0], TAPHUAN_WORKERS="0")
    args = [sys.executable, "-m", "scrapy", "crawlall", "-a", f"sites={','.join(sites)}", "-a",
            f"base_urls={base_urls}", "-s", f"STATE_DIR={state[1]}", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False", "-s", "CONTACT=bench@example.invalid",
            "-s", "LOG_LEVEL=WARNING", *extra]
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=home, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"crawlall failed ({proc.returncode}): {proc.stderr[-2000:]}")
    runs = sorted((home / "output" / "runs").glob("*.json"))
    return wall, json.loads(runs[-1].read_text("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", default="1,2")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--state-url", default=os.environ.get("BENCH_STATE_URL", ""))
    opts = parser.parse_args()
    registry = load_registry()
    sites = sorted(p.name for p in FIXTURES_DIR.iterdir() if p.is_dir() and p.name in registry)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        egg = build_egg(work)
        delays = {"/": opts.delay} if opts.delay else None
        with serve_sites(sites, FIXTURES_DIR, delays) as running:
            base_urls = work / "base_urls.json"
            base_urls.write_text(json.dumps({s: r.base_url for s, r in running.items()}), "utf-8")
            rows = []
            wall, run = crawlall(work / "local", fresh_state(opts.state_url, work), base_urls, sites)
            rows.append(("local crawlall (1 process)", wall, run))
            for count in (int(n) for n in opts.nodes.split(",")):
                with scrapyd_nodes(count, work, opts.slots) as urls:
                    wall, run = crawlall(work / f"nodes{count}", fresh_state(opts.state_url, work), base_urls, sites,
                                         "-a", f"scrapyd={','.join(urls)}", "-a", f"egg={egg}",
                                         "-s", "SCRAPYD_POLL_INTERVAL=0.5", "-s", f"SCRAPYD_SLOTS={opts.slots}")
                rows.append((f"{count} Scrapyd node(s), {opts.slots} slots each", wall, run))
            report(rows, opts, sites)


def report(rows: list[tuple[str, float, dict]], opts: argparse.Namespace, sites: list[str]) -> None:
    print(f"{len(sites)} fixture sites, page delay {opts.delay} s, state "
          f"{'PostgreSQL' if opts.state_url else 'SQLite'}, {os.cpu_count()} cores")
    print(f"{'configuration':<36} {'wall s':>7} {'pages':>6} {'new':>5}  lines vs the local run")
    local = ids_of(rows[0][2])
    for name, wall, run in rows:
        ids = ids_of(run)
        same = "same ids, once each" if sorted(ids) == sorted(local) and len(set(ids)) == len(ids) else \
            f"DIFFERENT: {len(set(ids) - set(local))} extra, {len(set(local) - set(ids))} missing, " \
            f"{len(ids) - len(set(ids))} twice"
        print(f"{name:<36} {wall:>7.1f} {run['totals']['pages']:>6} {run['totals']['new_items']:>5}  {same}")


def ids_of(run: dict) -> list[str]:
    """The ids of every line the run wrote (its summary lists the files)."""
    return [json.loads(line)["id"] for path in run["feed_files"] for line in Path(path).read_text("utf-8").splitlines()]


if __name__ == "__main__":
    main()
