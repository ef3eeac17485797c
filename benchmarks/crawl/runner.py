"""Each crawl in its own child process, measured from outside: wall time, the child's own user+sys
CPU seconds and peak RSS (os.wait4's rusage of exactly that child), and Scrapy's final stats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BARE_SPIDER = Path(__file__).resolve().parent / "bare_spider.py"


@dataclass
class CrawlRun:
    kind: str  # "bare" or "full"
    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    pages: int  # responses received
    items: int  # items that reached the end (full: lines written)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages if self.pages else 0.0

    def summary(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "stats"}
        out["pages_per_s"] = round(self.pages_per_s, 1)
        out["cpu_ms_per_page"] = round(self.cpu_ms_per_page, 2)
        keep = ("item_dropped_reasons_count/", "classify/", "dedup/", "errors/", "discovery/", "extract/")
        out["stats"] = {k: v for k, v in sorted(self.stats.items()) if k.startswith(keep)}
        return out


def _measure(cmd: list[str], cwd: Path, env: dict[str, str], log: Path,
             timeout: float) -> tuple[int, float, float, float]:
    """(returncode, wall s, user+sys CPU s, peak RSS MB) of one child process."""
    with log.open("wb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return proc.returncode, wall, usage.ru_utime + usage.ru_stime, rss_mb


def run_bare(base_url: str, work: Path, timeout: float = 3600) -> CrawlRun:
    work.mkdir(parents=True, exist_ok=True)
    stats_file = work / "bare.stats.json"
    # A clean environment and a working directory without scrapy.cfg: no project settings at all.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    env["PYTHONPATH"] = str(REPO)
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(BARE_SPIDER), "-a", f"base_url={base_url}",
           "-s", f"BENCH_STATS_FILE={stats_file}"]
    rc, wall, cpu, rss = _measure(cmd, work, env, work / "bare.log", timeout)
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    return CrawlRun("bare", rc, wall, cpu, rss, int(stats.get("response_received_count", 0)),
                    int(stats.get("item_scraped_count", 0)), stats)


def full_command(base_url: str, work: Path, extra: list[str] | None = None) -> list[str]:
    return [
        "crawl", "danang", "-a", f"base_url={base_url}", "-a", "max_pages=1000000",
        "-O", f"{work / 'full.jsonl'}:jsonlines",
        "-s", f"STATE_DIR={work / 'state'}", "-s", f"STATS_FILE={work / 'full.stats.json'}",
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
        "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "KEEP_IRRELEVANT=True", "-s", "LOG_LEVEL=INFO",
        # No per-site caps: the benchmark crawls every page of the largest site.
        "-s", "CLOSESPIDER_PAGECOUNT=0", "-s", "CLOSESPIDER_TIMEOUT=0", *(extra or []),
    ]


def run_full(base_url: str, work: Path, timeout: float = 3600, profile: bool = False) -> CrawlRun:
    """The project's `scrapy crawl danang` with every pipeline and the state store; with
    profile=True it runs under pyinstrument and writes full.profile.html next to the log."""
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO), TAPHUAN_HOME=str(work))
    runner = [sys.executable, "-m", "scrapy"]
    if profile:
        runner = [sys.executable, "-m", "pyinstrument", "-r", "html", "-o", str(work / "full.profile.html"),
                  "-m", "scrapy"]
    rc, wall, cpu, rss = _measure(runner + full_command(base_url, work), work, env, work / "full.log", timeout)
    stats_file = work / "full.stats.json"
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    lines = sum(1 for _ in (work / "full.jsonl").open("rb")) if (work / "full.jsonl").exists() else 0
    return CrawlRun("full", rc, wall, cpu, rss, int(stats.get("response_received_count", 0)), lines, stats)
