"""Durable or loud, never silent: a write error on the output or the state stops the site with one
line naming the path (exit 1) and marks nothing it did not write; a damaged or unusable state is
reported in one line with how to recover; two crawls of one site never run at once; paths do not
depend on the working directory. Each case runs the real `scrapy crawl danang` against the danang
fault site (tests/faults/) on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from faults.server import Route, serve_faults
from faults.sites import ARTICLE_IDS, all_urls, article_html, article_path, danang_site, page

from tests.conftest import REPO, run_scrapy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

KEEP = ["-s", "KEEP_IRRELEVANT=True"]


def crawl(cwd: Path, base_url: str, *extra: str, state: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_scrapy(["crawl", "danang", "-a", f"base_url={base_url}", "-s", f"STATE_DIR={state or cwd / 'state'}",
                       "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *KEEP, *extra], cwd=cwd)


def emitted(state: Path) -> int:
    db = sqlite3.connect(state / "state.sqlite3")
    try:
        return int(db.execute("SELECT COUNT(*) FROM records WHERE emitted = 1").fetchone()[0])
    finally:
        db.close()


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.is_file() else []


def error_lines(stderr: str, needle: str) -> list[str]:
    return [line for line in stderr.splitlines() if needle in line]


@contextlib.contextmanager
def small_fs(directory: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `directory` (needs root, as on the CI machine)."""
    directory.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.strip()}")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], capture_output=True)


def test_output_that_cannot_be_written_stops_the_site_and_marks_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out-is-a-directory"
    target.mkdir()
    with serve_faults(danang_site()) as server:
        for bad in (target, Path("/dev/full")):
            proc = crawl(tmp_path, server.base_url, "-O", f"{bad}:jsonlines")
            assert proc.returncode == 1, proc.stderr[-2000:]
            [line] = error_lines(proc.stderr, "danang: failed;")
            assert f"cannot write the feed {bad}" in line
            assert "Traceback" not in proc.stderr
            assert emitted(tmp_path / "state") == 0  # nothing marked: the next run delivers it all
        good = tmp_path / "good.jsonl"
        proc = crawl(tmp_path, server.base_url, "-O", str(good))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(i["url"] for i in lines(good)) == all_urls()


def test_output_disk_full_mid_run_keeps_whole_lines_and_loses_nothing(tmp_path: Path) -> None:
    with serve_faults(danang_site()) as server, small_fs(tmp_path / "small", "12k") as small:
        out = small / "out.jsonl"
        proc = crawl(tmp_path, server.base_url, "-O", str(out), "-s", "CONCURRENT_REQUESTS=1")
        assert proc.returncode == 1, proc.stderr[-2000:]
        [line] = error_lines(proc.stderr, "danang: failed;")
        assert f"cannot write the feed {out}: No space left on device" in line
        raw = out.read_bytes()
        assert raw.endswith(b"\n") or raw == b"", "a torn line was left in the file"
        first = lines(out)
        assert 1 <= len(first) < len(ARTICLE_IDS)
        assert emitted(tmp_path / "state") == len(first)  # exactly what the file holds
        rest = tmp_path / "rest.jsonl"
        proc = crawl(tmp_path, server.base_url, "-O", str(rest))
    assert proc.returncode == 0, proc.stderr[-2000:]
    urls = [i["url"] for i in first + lines(rest)]
    assert sorted(urls) == all_urls()  # nothing lost, nothing twice


def test_state_disk_full_stops_the_site_and_the_next_run_repeats_nothing(tmp_path: Path) -> None:
    from crawler.dedup.store import SQLiteStateStore

    out = tmp_path / "out.jsonl"
    with serve_faults(danang_site()) as server, small_fs(tmp_path / "small", "1m") as small:
        state = small / "state"
        SQLiteStateStore(state).close()  # the database exists; then the disk fills up
        filler = small / "filler"
        with open(filler, "wb", buffering=0) as fh, contextlib.suppress(OSError):
            while True:
                fh.write(b"\0" * 4096)
        os.truncate(filler, max(0, filler.stat().st_size - 16 * 1024))  # room for a few pages only
        proc = crawl(tmp_path, server.base_url, "-O", str(out), "-s", "CONCURRENT_REQUESTS=1", state=state)
        assert proc.returncode == 1, proc.stderr[-2000:]
        [line] = error_lines(proc.stderr, "danang: failed;")
        assert f"cannot write the state database {state / 'state.sqlite3'}" in line
        assert "Traceback" not in proc.stderr
        first = lines(out)
        # Space again (an operator freed the disk): the next run goes on from the same state.
        filler.unlink()
        again = tmp_path / "again.jsonl"
        proc = crawl(tmp_path, server.base_url, "-O", str(again), state=state)
        assert proc.returncode == 0, proc.stderr[-2000:]
    urls = [i["url"] for i in first + lines(again)]
    assert len(urls) == len(set(urls)), "a line was repeated"
    assert sorted(urls) == all_urls()


@pytest.mark.parametrize("damage", ["page", "truncated", "not_a_database"])
def test_damaged_state_is_reported_in_one_line_with_the_way_out(tmp_path: Path, damage: str) -> None:
    out = tmp_path / "out.jsonl"
    with serve_faults(danang_site()) as server:
        assert crawl(tmp_path, server.base_url, "-O", str(out)).returncode == 0
        db = tmp_path / "state" / "state.sqlite3"
        data = db.read_bytes()
        if damage == "page":
            db.write_bytes(data[:4096 * 3] + b"\xde\xad" * 2048 + data[4096 * 3 + 4096:])
        elif damage == "truncated":
            db.write_bytes(data[: len(data) // 3])
        else:
            db.write_bytes(b"this is not a database" * 100)
        proc = crawl(tmp_path, server.base_url, "-O", str(tmp_path / "second.jsonl"))
        assert proc.returncode == 1, proc.stderr[-2000:]
        [line] = error_lines(proc.stderr, "danang: failed;")
        assert f"the state database {db} is damaged" in line
        assert "uv run crawler state rebuild output/" in line
        assert "Traceback" not in proc.stderr
        assert not (tmp_path / "second.jsonl").exists()
        # The way out works: rebuilt from the feed, the next run repeats nothing.
        rebuilt = subprocess.run([sys.executable, "-m", "crawler.tools.cli", "state", "rebuild", str(out),
                                  "--state-dir", str(tmp_path / "state")], capture_output=True, text=True, cwd=tmp_path)
        assert rebuilt.returncode == 0, rebuilt.stderr
        third = tmp_path / "third.jsonl"
        proc = crawl(tmp_path, server.base_url, "-O", str(third))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert lines(third) == []


def test_state_dir_that_is_not_a_directory_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the state directory should be", "utf-8")
    with serve_faults(danang_site()) as server:
        proc = crawl(tmp_path, server.base_url, "-O", str(tmp_path / "out.jsonl"), state=blocker)
    assert proc.returncode == 1
    [line] = error_lines(proc.stderr, "danang: failed;")
    assert f"{blocker}" in line and "writable directory" in line
    assert "Traceback" not in proc.stderr


def test_read_only_state_dir_is_one_line(tmp_path: Path) -> None:
    with serve_faults(danang_site()) as server, small_fs(tmp_path / "ro", "1m") as ro:
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        proc = crawl(tmp_path, server.base_url, "-O", str(tmp_path / "out.jsonl"), state=ro / "state")
    assert proc.returncode == 1
    [line] = error_lines(proc.stderr, "danang: failed;")
    assert str(ro / "state") in line and "writable directory" in line
    assert "Traceback" not in proc.stderr


def test_two_crawls_of_one_site_never_run_at_once(tmp_path: Path) -> None:
    slow = {i: Route(body=article_html(i), fault="slow", delay=1.5) for i in ARTICLE_IDS}
    with serve_faults(danang_site(replace=slow), lifetime=90) as server:
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO),
                   TAPHUAN_HOME=str(tmp_path))
        first_out = tmp_path / "first.jsonl"
        first = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "danang", "-a", f"base_url={server.base_url}",
             "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
             "-s", "CONCURRENT_REQUESTS=1", *KEEP, "-O", str(first_out)], cwd=tmp_path, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            lock = tmp_path / "state" / "locks" / "danang.lock"
            deadline = time.monotonic() + 30
            while not (lock.exists() and lock.read_text("utf-8")) and time.monotonic() < deadline:
                time.sleep(0.05)
            second = crawl(tmp_path, server.base_url, "-O", str(tmp_path / "second.jsonl"))
        finally:
            _out, err = first.communicate(timeout=120)
    assert second.returncode == 0, second.stderr[-2000:]  # skipped, not failed: the other run is crawling it
    [line] = error_lines(second.stderr, "danang: skipped;")
    assert f"danang is being crawled by pid {first.pid} " in line
    assert not (tmp_path / "second.jsonl").exists()
    assert first.returncode == 0, err[-2000:]
    assert sorted(i["url"] for i in lines(first_out)) == all_urls()


def test_relative_paths_do_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    home = tmp_path / "project"
    with serve_faults(danang_site()) as server:
        runs = []
        for cwd in (tmp_path / "a", tmp_path / "b"):
            cwd.mkdir()
            env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO),
                       TAPHUAN_HOME=str(home))
            runs.append(run_scrapy(["crawl", "danang", "-a", f"base_url={server.base_url}", "-s",
                                    "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *KEEP], cwd=cwd, env=env))
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr[-2000:]
    feeds = sorted((home / "output" / "danang").glob("*.jsonl"))
    assert len(feeds) == 1  # the second run, from another directory, found the same state: nothing new
    assert sorted(i["url"] for i in lines(feeds[0])) == all_urls()
    assert (home / "output" / ".state" / "state.sqlite3").is_file()
    assert not list((tmp_path / "a").iterdir()) and not list((tmp_path / "b").iterdir())
    assert "1 site(s): quiet 1; 0 new item(s)" in runs[1].stderr


def test_an_article_path_is_not_fetched_twice_through_its_variants(tmp_path: Path) -> None:
    """Friendly-URL variants of one article (another path prefix) collapse before fetching."""
    variant = "/web/guest/chinh-quyen/chi-tiet?id=54019&_c=3"
    site = danang_site(linked={variant: page((REPO / "tests/fixtures/sites/danang/article_54019.html").read_bytes())})
    with serve_faults(site) as server:
        proc = crawl(tmp_path, server.base_url, "-O", str(tmp_path / "out.jsonl"), "-s",
                     f"STATS_FILE={tmp_path / 'stats.json'}")
        hits = server.hits_of(article_path(54019)) + server.hits_of(variant)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert hits == 1
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats["dupefilter/url_variant"] >= 1
