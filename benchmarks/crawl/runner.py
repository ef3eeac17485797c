"""Each crawl in its own child process, measured from outside: wall time, CPU seconds and peak RSS of
the child and every process it starts (the full crawl's worker pool), and Scrapy's final stats.

CPU: a cgroup (v1 cpuacct or v2) made for the crawl counts the child and all its descendants; where
no cgroup can be made (not root), os.wait4's rusage of the child alone, which misses the workers'
CPU, and the result says so (`cpu_source`). Peak RSS: the largest sum of the resident sizes of the
child and its descendants, sampled every 0.1 s from /proc (and the child's own ru_maxrss)."""

from __future__ import annotations

import contextlib
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
    workers: int | None = None  # the full crawl's WORKERS
    cpu_source: str = "wait4"

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


class CpuGroup:
    """A cgroup counting the CPU time of one process tree; None-safe when cgroups are not writable."""

    def __init__(self, name: str) -> None:
        self.path: Path | None = None
        self.usage_file = ""
        v1, v2 = Path("/sys/fs/cgroup/cpuacct"), Path("/sys/fs/cgroup")
        for base, usage in ((v1, "cpuacct.usage"), (v2, "cpu.stat")):
            usable = base == v1 or (base / "cgroup.controllers").exists()
            if (base / "cgroup.procs").exists() and usable:
                try:
                    path = base / name
                    path.mkdir(exist_ok=True)
                except OSError:
                    continue
                self.path, self.usage_file = path, usage
                break

    def add(self, pid: int) -> bool:
        if self.path is None:
            return False
        try:
            (self.path / "cgroup.procs").write_text(str(pid))
            return True
        except OSError:
            return False

    def cpu_s(self) -> float:
        assert self.path is not None
        text = (self.path / self.usage_file).read_text()
        if self.usage_file == "cpuacct.usage":
            return int(text) / 1e9
        usage = dict(line.split() for line in text.splitlines())
        return int(usage["usage_usec"]) / 1e6

    def remove(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):  # a straggler still in it: the kernel frees it later
                self.path.rmdir()


def _tree_rss_mb(root: int) -> float:
    """Resident MB of a process and its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


def _measure(cmd: list[str], cwd: Path, env: dict[str, str], log: Path,
             timeout: float) -> tuple[int, float, float, float, str]:
    """(returncode, wall s, CPU s, peak RSS MB, how the CPU was counted) of one child process tree."""
    group = CpuGroup(f"taphuan-bench-{os.getpid()}-{time.monotonic_ns()}")
    with log.open("wb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        # The child has not started its workers yet (it is still importing Scrapy): joining now
        # puts every descendant in the group.
        grouped = group.add(proc.pid)
        deadline = t0 + timeout
        peak_tree = 0.0
        last_sample = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if now > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            if now - last_sample >= 0.1:
                peak_tree = max(peak_tree, _tree_rss_mb(proc.pid))
                last_sample = now
            time.sleep(0.02)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu, source = usage.ru_utime + usage.ru_stime, "wait4 (the child only)"
    if grouped:
        time.sleep(0.2)  # the pool's workers exit just after the child
        cpu, source = group.cpu_s(), "cgroup (the child and its workers)"
    group.remove()
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return proc.returncode, wall, cpu, max(rss_mb, peak_tree), source


def run_bare(base_url: str, work: Path, timeout: float = 3600) -> CrawlRun:
    work.mkdir(parents=True, exist_ok=True)
    stats_file = work / "bare.stats.json"
    # A clean environment and a working directory without scrapy.cfg: no project settings at all.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    env["PYTHONPATH"] = str(REPO)
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(BARE_SPIDER), "-a", f"base_url={base_url}",
           "-s", f"BENCH_STATS_FILE={stats_file}"]
    rc, wall, cpu, rss, source = _measure(cmd, work, env, work / "bare.log", timeout)
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    return CrawlRun("bare", rc, wall, cpu, rss, int(stats.get("response_received_count", 0)),
                    int(stats.get("item_scraped_count", 0)), stats, cpu_source=source)


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


def run_full(base_url: str, work: Path, timeout: float = 3600, profile: bool = False,
             workers: int = -1) -> CrawlRun:
    """The project's `scrapy crawl danang` with every pipeline and the state store; with
    profile=True it runs under pyinstrument and writes full.profile.html next to the log."""
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO), TAPHUAN_HOME=str(work))
    runner = [sys.executable, "-m", "scrapy"]
    if profile:
        runner = [sys.executable, "-m", "pyinstrument", "-r", "html", "-o", str(work / "full.profile.html"),
                  "-m", "scrapy"]
    command = runner + full_command(base_url, work, ["-s", f"WORKERS={workers}"])
    rc, wall, cpu, rss, source = _measure(command, work, env, work / "full.log", timeout)
    stats_file = work / "full.stats.json"
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    lines = sum(1 for _ in (work / "full.jsonl").open("rb")) if (work / "full.jsonl").exists() else 0
    return CrawlRun("full", rc, wall, cpu, rss, int(stats.get("response_received_count", 0)), lines, stats,
                    workers=workers, cpu_source=source)
