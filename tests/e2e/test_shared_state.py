"""Several crawl processes on one state store at the same time: an overlapping cron run on SQLite,
or site jobs on several machines sharing PostgreSQL (STATE_URL). Real `scrapy crawl` processes
against fixture sites on 127.0.0.1; each story is one line in all of their feeds together."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.tools.fixtures import FIXTURES_DIR
from tests.conftest import REPO

pytestmark = pytest.mark.slow

# danvan.vn republished baolangson.vn's story of the 4,600-delegate training (see test_incremental).
STORY = "4.600"


def start_crawl(slug: str, base_url: str, tmp_path: Path, state_url: str, name: str) -> subprocess.Popen[str]:
    """`scrapy crawl <slug>` in a process of its own (not the zygote: those run one at a time)."""
    out = tmp_path / f"{name}.jsonl"
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO),
               TAPHUAN_HOME=str(tmp_path), STATE_URL=state_url)
    args = [sys.executable, "-m", "scrapy", "crawl", slug, "-O", f"{out}:jsonlines", "-a", f"base_url={base_url}",
            "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
            "-s", "ROBOTSTXT_OBEY=False", "-s", "LOG_LEVEL=INFO",
            "-s", f"STATS_FILE={tmp_path / (name + '.stats.json')}"]
    return subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def finish(proc: subprocess.Popen[str]) -> str:
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err[-3000:]
    return err


def lines(tmp_path: Path, *names: str) -> list[dict]:
    out = []
    for name in names:
        path = tmp_path / f"{name}.jsonl"
        out += [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return ""  # the default: SQLite in STATE_DIR
    return str(request.getfixturevalue("pg_url"))


@pytest.mark.parametrize("credited", [True, False], ids=["credited-copy", "uncredited-copy"])
def test_two_sites_carrying_one_story_crawled_at_once_emit_it_once(serve, tmp_path: Path, state_url: str,
                                                                   credited: bool) -> None:
    """The original and the syndicated copy are crawled by two processes at the same moment (both
    articles slowed down equally, so they are decided at about the same time): one line in all,
    every other article once, and a second pair of runs emits nothing. The credited copy is held
    for its original; the uncredited one (its "(baolangson.vn)" credit removed) is decided at once,
    so the two processes claim the same story within moments of each other."""
    delays = {"4600": 1.5, "532718": 1.5}
    root = FIXTURES_DIR
    if not credited:
        root = tmp_path / "sites"
        shutil.copytree(FIXTURES_DIR / "danvan", root / "danvan")
        shutil.copytree(FIXTURES_DIR / "baolangson", root / "baolangson")
        page = root / "danvan" / "article_17526.html"
        html = page.read_text("utf-8")
        assert "(baolangson.vn)" in html
        page.write_text(html.replace("(baolangson.vn)", ""), "utf-8")
    running = {**serve("danvan", root=root, delays=delays), **serve("baolangson", root=root, delays=delays)}
    alone_root = tmp_path / "alone"
    alone_root.mkdir()
    # The reference: the two sites one after the other in one process each, on a state of their own.
    for slug in ("baolangson", "danvan"):
        finish(start_crawl(slug, running[slug].base_url, alone_root, "" if not state_url else _fresh(state_url),
                           f"alone-{slug}"))
    reference = lines(alone_root, "alone-baolangson", "alone-danvan")

    procs = [start_crawl(slug, running[slug].base_url, tmp_path, state_url, f"run1-{slug}")
             for slug in ("danvan", "baolangson")]
    for proc in procs:
        finish(proc)
    together = lines(tmp_path, "run1-danvan", "run1-baolangson")
    story = [i for i in together if STORY in i["title"]]
    assert len(story) == 1, [(i["site"], i["url"]) for i in story]
    # Everything else is exactly the reference's lines (same ids, once each).
    assert sorted(i["id"] for i in together if STORY not in i["title"]) == \
        sorted(i["id"] for i in reference if STORY not in i["title"])
    assert len({i["id"] for i in together}) == len(together)

    procs = [start_crawl(slug, running[slug].base_url, tmp_path, state_url, f"run2-{slug}")
             for slug in ("danvan", "baolangson")]
    for proc in procs:
        finish(proc)
    assert lines(tmp_path, "run2-danvan", "run2-baolangson") == []


def _fresh(pg_url: str) -> str:
    """Another empty database on the same server."""
    import uuid

    import psycopg

    name = "ref_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    return pg_url.rsplit("/", 1)[0] + "/" + name


def test_an_overlapping_run_of_the_same_site_is_refused_in_one_line(serve, tmp_path: Path, state_url: str) -> None:
    """A cron run that outlasts its interval: the second process on the same state and site is
    skipped with one line naming the reason; the first emits every article once."""
    running = serve("danang", delays={"54019": 10.0})["danang"]
    first = start_crawl("danang", running.base_url, tmp_path, state_url, "first")
    # The second starts once the first holds the site (its feed file exists once its first line is
    # written); the first then still waits ~10 s for article 54019, ample for the second to start.
    deadline = time.monotonic() + 60
    while not (tmp_path / "first.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    second = start_crawl("danang", running.base_url, tmp_path, state_url, "second")
    err_second = finish(second)
    finish(first)
    assert lines(tmp_path, "second") == []
    busy = [line for line in err_second.splitlines() if "being crawled by" in line]
    assert busy, err_second[-2000:]
    assert "this run leaves it alone" in busy[0]
    assert "Traceback" not in err_second
    items = lines(tmp_path, "first")
    assert items and len({i["id"] for i in items}) == len(items)
