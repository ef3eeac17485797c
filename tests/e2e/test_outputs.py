"""Every output target is safe with every number of sites: `crawlall -O/-o FILE` and the default
per-site feeds write each item exactly once, the state store counts exactly what the files hold, and
a crawl killed mid-run loses nothing and repeats nothing when it runs again."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.dedup.canonical import canonical_url, rules_from_mapping
from crawler.sites.registry import load_registry_with_errors
from crawler.tools.fixtures import fixture_slugs, load_fixture_site, serve_sites
from tests.conftest import REPO, run_scrapy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REGISTRY = load_registry_with_errors()[0]
# Sites whose fixtures deliver lines (robots-refusing and unsupported ones deliver none).
DELIVERING = [s for s in fixture_slugs() if s in REGISTRY and REGISTRY[s].supported
              and load_fixture_site(s).expected_verdict is None]
THREE = ["danang", "baocantho", "nhandan"]


def expected_urls(slugs: list[str]) -> list[str]:
    """Canonical URLs of the fixtures' training articles (items' `url` is the link as found)."""
    urls = []
    for slug in slugs:
        site, rules = load_fixture_site(slug), rules_from_mapping(REGISTRY[slug].canonical)
        urls += [canonical_url(e["url"], rules) for e in (site.expected(a) for a in site.articles)
                 if e.get("is_article", True) and e["is_training"]]
    return sorted(urls)


def base_urls_file(cwd: Path, running: dict) -> Path:
    path = cwd / "base_urls.json"
    path.write_text(json.dumps({slug: r.base_url for slug, r in running.items()}), "utf-8")
    return path


def crawlall_args(cwd: Path, running: dict, *extra: str) -> list[str]:
    return ["crawlall", "-a", "sites=" + ",".join(running), "-a", f"base_urls={base_urls_file(cwd, running)}",
            "-s", f"STATE_DIR={cwd / 'state'}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
            *extra]


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def state_marks(cwd: Path) -> int:
    import sqlite3

    db = sqlite3.connect(cwd / "state" / "state.sqlite3")
    try:
        return int(db.execute("SELECT COUNT(*) FROM records WHERE emitted = 1").fetchone()[0])
    finally:
        db.close()


@pytest.fixture(scope="module")
def everything() -> Iterator[dict]:
    with serve_sites(DELIVERING) as running:
        yield running


@pytest.mark.parametrize("count", [1, 3, "all"])
def test_overwrite_one_file_from_several_sites_holds_every_item_once(tmp_path: Path, everything: dict,
                                                                      count: int | str) -> None:
    slugs = DELIVERING if count == "all" else THREE[: int(count)]
    running = {s: everything[s] for s in slugs}
    out = tmp_path / "all.jsonl"
    proc = run_scrapy(crawlall_args(tmp_path, running, "-O", str(out)), cwd=tmp_path, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = lines(out)
    assert sorted(i["canonical_url"] for i in got) == expected_urls(slugs)
    assert len({i["id"] for i in got}) == len(got)
    # The summary and the state count what the file holds: nothing marked that is not in it.
    summary = json.loads(sorted((tmp_path / "output" / "runs").glob("*.json"))[-1].read_text("utf-8"))
    assert summary["totals"]["new_items"] == len(got)
    assert summary["feed_files"] == [str(out)]
    assert state_marks(tmp_path) == len(got)
    # No per-site default feeds besides the file asked for.
    assert not any((tmp_path / "output").glob("*/*.jsonl"))


def test_append_twice_adds_nothing_the_second_time(tmp_path: Path, everything: dict) -> None:
    running = {s: everything[s] for s in THREE}
    out = tmp_path / "all.jsonl"
    first = run_scrapy(crawlall_args(tmp_path, running, "-o", str(out)), cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    before = out.read_bytes()
    second = run_scrapy(crawlall_args(tmp_path, running, "-o", str(out)), cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert out.read_bytes() == before
    assert sorted(i["canonical_url"] for i in lines(out)) == expected_urls(THREE)
    assert "3 site(s): quiet 3; 0 new item(s) (no file written)" in second.stdout


def test_default_feeds_one_file_per_site_with_new_lines(tmp_path: Path, everything: dict) -> None:
    running = {s: everything[s] for s in THREE}
    proc = run_scrapy(crawlall_args(tmp_path, running), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for slug in THREE:
        files = list((tmp_path / "output" / slug).glob("*.jsonl"))
        want = expected_urls([slug])
        assert len(files) == (1 if want else 0), (slug, files)
        assert sorted(i["canonical_url"] for f in files for i in lines(f)) == want
    again = run_scrapy(crawlall_args(tmp_path, running), cwd=tmp_path)
    assert again.returncode == 0
    # A run with nothing new leaves no empty files behind.
    assert all(len(list((tmp_path / "output" / s).glob("*.jsonl"))) <= 1 for s in THREE)


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, grew = set(), True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if (ppid == root or ppid in found) and pid not in found:
                found.add(pid)
                grew = True
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def _kill_after_first_line(args: list[str], cwd: Path, watch: Path | None) -> set[int]:
    """Kills the crawl (SIGKILL) once a line is on disk; returns the processes it had started."""
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO), TAPHUAN_HOME=str(cwd))
    proc = subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            files = [watch] if watch else list((cwd / "output").glob("*/*.jsonl"))
            if any(f.exists() and f.read_bytes().count(b"\n") >= 1 for f in files if f):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the crawl wrote nothing within 60 s")
        children = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    return children


@pytest.mark.parametrize(("target", "workers"), [("-O", 0), ("-o", 0), ("default", 0), ("-o", 2)])
def test_killed_crawl_then_rerun_loses_nothing_and_repeats_nothing(tmp_path: Path, target: str, workers: int) -> None:
    slugs = ["danang", "baocantho"]
    out = tmp_path / "all.jsonl"
    extra = [target, str(out)] if target != "default" else []
    extra += ["-s", f"WORKERS={workers}"]
    with serve_sites(slugs, delays={"chi-tiet": 1.0, "-a1": 1.0}) as slow:
        started = _kill_after_first_line(crawlall_args(tmp_path, slow, "-s", "CONCURRENT_REQUESTS=1", *extra),
                                         tmp_path, out if target != "default" else None)
    if workers:
        assert started, "the crawl started no worker process"
    # The fork server and the workers of a killed crawl go with it (their pipes to it close).
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in started if _alive(pid)], "processes of the killed crawl outlived it"
    killed = sorted(tmp_path.glob("output/*/*.jsonl")) if target == "default" else [out]
    first = [i for f in killed for i in lines(f)]
    for f in killed:
        assert f.read_bytes().endswith(b"\n"), "torn last line"
    assert 1 <= len(first) < len(expected_urls(slugs))
    saved = tmp_path / "after-kill"
    saved.mkdir()
    for f in killed:
        shutil.copy(f, saved / f"{f.parent.name}-{f.name}")
    with serve_sites(slugs) as fast:
        proc = run_scrapy(crawlall_args(tmp_path, fast, *extra), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    if target == "default":
        second = [i for f in sorted(tmp_path.glob("output/*/*.jsonl")) if f not in killed for i in lines(f)]
    elif target == "-o":
        second = lines(out)[len(first):]  # appended after the killed run's lines
    else:
        second = lines(out)  # the rerun overwrote the file it was asked to overwrite
    urls = [i["canonical_url"] for i in first] + [i["canonical_url"] for i in second]
    assert len(urls) == len(set(urls)), "an item was emitted twice"
    assert sorted(urls) == expected_urls(slugs), "an item was lost"
