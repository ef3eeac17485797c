"""Shared fixtures: fixture sites served on 127.0.0.1 and a runner for the real `scrapy crawl`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Crawls in the suite do their page work in the reactor's thread: a worker pool per crawl would cost
# every test a fork server. tests/e2e/test_workers.py runs the pool and checks it changes no line.
# Set before the project's settings are imported (here and in the zygote).
os.environ.setdefault("TAPHUAN_WORKERS", "0")

from crawler.tools.fixtures import FIXTURES_DIR, RunningSite, serve_sites

REPO = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow end-to-end tests first: spread over the xdist workers from the start, they no longer
    queue up on one worker at the end of the run (the short tests fill the gaps)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def serve():
    """serve("danang", ...) -> {slug: RunningSite}; servers stop at the end of the test."""
    stack: list = []

    def start(*slugs: str, root: Path | None = None, delays: dict[str, float] | None = None) -> dict[str, RunningSite]:
        ctx = serve_sites(list(slugs), root or FIXTURES_DIR, delays)
        running = ctx.__enter__()
        stack.append(ctx)
        return running

    yield start
    for ctx in reversed(stack):
        ctx.__exit__(None, None, None)


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict]
    stats: dict
    log: str
    output: Path


def run_scrapy(args: list[str], cwd: Path, timeout: float = 120,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`scrapy <args>` in a process of its own (forked from tests/zygote.py, which has Scrapy imported
    already), in `cwd`. TAPHUAN_HOME: relative output and state paths land in the test's directory."""
    from tests.zygote import zygote

    env = env or dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO),
                      TAPHUAN_HOME=str(cwd))
    return zygote().run(args, cwd, env, timeout)


@pytest.fixture
def crawl(tmp_path: Path):
    """crawl(slug, base_url, *extra) runs `scrapy crawl` in a subprocess with a per-test state dir
    and returns the items it wrote and the final stats it logged."""
    state = tmp_path / "state"

    def run(slug: str, base_url: str | None, *extra: str, out_name: str | None = "out.jsonl",
            state_dir: Path | None = None, timeout: float = 120) -> CrawlResult:
        """out_name=None keeps the project's default feed (output/<slug>/<time>.jsonl under tmp_path)."""
        out = tmp_path / (out_name or "default-feed")
        stats_file = tmp_path / f"{out.name}.stats.json"
        args = ["crawl", slug, *(["-O", f"{out}:jsonlines"] if out_name else []),
                "-s", f"STATE_DIR={state_dir or state}",
                "-s", "LOG_LEVEL=INFO", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
                "-s", f"STATS_FILE={stats_file}"]
        if base_url:
            args += ["-a", f"base_url={base_url}"]
        args += list(extra)
        # The working directory is the test's own, so default feeds land under tmp_path/output/.
        proc = run_scrapy(args, cwd=tmp_path, timeout=timeout)
        items = [json.loads(line) for line in out.read_text("utf-8").splitlines()] if out.exists() else []
        stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
        return CrawlResult(proc.returncode, items, stats, proc.stderr, out)

    return run


@pytest.fixture
def repo() -> Iterator[Path]:
    yield REPO


# -- PostgreSQL (the shared state backend) ------------------------------------------------------

def _pg_bin(name: str) -> str | None:
    """Debian installs the server binaries under /usr/lib/postgresql/<version>/bin, off PATH."""
    import glob
    import shutil

    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free 127.0.0.1 port (initdb + pg_ctl), for this test
    session only; yields the URL of its `postgres` database. The server refuses to run as root,
    so as root it runs as the `postgres` user of Debian's package."""
    import pwd
    import shutil
    import socket

    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql; .ci/run does)")
    base = tmp_path_factory.mktemp("pg")
    data = base / "data"
    prefix: list[str] = []
    user = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:
        user = "postgres"
        pw = pwd.getpwnam(user)
        for p in (base, *base.parents):
            if p == Path("/"):
                break
            os.chmod(p, os.stat(p).st_mode | 0o011)  # let postgres traverse the tmp tree
        shutil.chown(base, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", user, "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = subprocess.run([*prefix, initdb, "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8",
                           "--no-sync"], capture_output=True, text=True)
    assert done.returncode == 0, f"initdb failed: {done.stderr[-2000:]}"
    opts = f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off -c max_connections=50"
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://{user}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A fresh, empty database on the session's server for one test."""
    import uuid

    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    return pg_server.rsplit("/", 1)[0] + "/" + name


SCRAPYD_DEPLOY = Path(sys.executable).parent / "scrapyd-deploy"


@pytest.fixture(scope="session")
def egg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`scrapyd-deploy --build-egg` in a copy of the project (it writes build files next to scrapy.cfg)."""
    if not SCRAPYD_DEPLOY.exists():
        pytest.skip("scrapyd-client is not installed (dev dependency)")
    copy = tmp_path_factory.mktemp("project")
    shutil.copytree(REPO / "crawler", copy / "crawler", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("scrapy.cfg", "setup.py", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, copy / name)
    out = copy / "taphuan-crawler.egg"
    proc = subprocess.run([str(SCRAPYD_DEPLOY), "--build-egg", str(out)], cwd=copy,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # Our setup.py was used, not one scrapyd-deploy writes when there is none.
    assert (copy / "setup.py").read_text("utf-8") == (REPO / "setup.py").read_text("utf-8")
    return out
