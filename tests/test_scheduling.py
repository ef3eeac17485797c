"""The scheduling recipes in deploy/ (docs/scheduling.md): the cron line, the systemd service and
timer, and the Scrapyd egg and job script, each checked the way the tool that runs it reads it."""

from __future__ import annotations

import configparser
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.sites.registry import load_registry_with_errors

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
CRON = DEPLOY / "cron" / "taphuan-crawler.cron"
SERVICE = DEPLOY / "systemd" / "taphuan-crawler.service"
TIMER = DEPLOY / "systemd" / "taphuan-crawler.timer"
APP_DIR = "/opt/taphuan-crawler"

# --- cron --------------------------------------------------------------------------------------

CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
CRON_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def cron_field(text: str, low: int, high: int) -> set[int]:
    """The values one crontab(5) field stands for: *, a-b, */n, a-b/n and lists of them."""
    values: set[int] = set()
    for part in text.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if rng == "*":
            start, stop = low, high
        elif "-" in rng:
            start, stop = (int(x) for x in rng.split("-", 1))
        else:
            start = stop = int(rng)
            if step_text:
                stop = high
        if not (low <= start <= stop <= high) or step < 1:
            raise ValueError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, stop + 1, step))
    return values


def cron_lines() -> tuple[dict[str, str], list[str]]:
    env: dict[str, str] = {}
    jobs = []
    for line in CRON.read_text("utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if CRON_ENV.match(line):
            key, _, value = line.partition("=")
            env[key] = value
        else:
            jobs.append(line)
    return env, jobs


def test_cron_schedule_is_every_six_hours() -> None:
    env, jobs = cron_lines()
    assert len(jobs) == 1, jobs
    fields = jobs[0].split(None, 6)
    schedule = {name: cron_field(value, low, high)
                for (name, low, high), value in zip(CRON_FIELDS, fields[:5], strict=True)}
    assert schedule["minute"] == {17}
    assert schedule["hour"] == {0, 6, 12, 18}
    assert schedule["day of month"] == set(range(1, 32))
    assert schedule["month"] == set(range(1, 13))
    assert fields[5] == "taphuan"  # /etc/cron.d format: the user comes before the command
    assert env == {"SHELL": "/bin/sh", "PATH": "/usr/local/bin:/usr/bin:/bin", "UV_FROZEN": "1"}


def test_cron_command_locks_and_runs_crawlall() -> None:
    _, jobs = cron_lines()
    command = jobs[0].split(None, 6)[6]
    assert "%" not in command  # cron turns an unescaped % into a newline
    assert command.startswith(f"cd {APP_DIR} && ")
    assert re.search(r"\bflock -n output/\.crawlall\.lock .*\buv run scrapy crawlall\b", command), command
    assert command.endswith(" >> output/logs/cron.log 2>&1")


def run_cron_command(workdir: Path, program: str) -> subprocess.CompletedProcess[str]:
    """The cron job's command as /bin/sh runs it, in `workdir`, with crawlall replaced by `program`."""
    _, jobs = cron_lines()
    command = jobs[0].split(None, 6)[6].replace(f"cd {APP_DIR}", f"cd {workdir}")
    command = command.replace("uv run scrapy crawlall", program)
    return subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=30)


@pytest.mark.skipif(shutil.which("flock") is None or shutil.which("timeout") is None,
                    reason="needs flock(1) and timeout(1) from util-linux/coreutils")
def test_cron_command_skips_a_run_while_the_previous_one_holds_the_lock(tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    lock = (tmp_path / "output" / ".crawlall.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # a previous run still going
    skipped = run_cron_command(tmp_path, "echo crawled")
    assert skipped.returncode == 1
    log = tmp_path / "output" / "logs" / "cron.log"
    assert log.read_text() == ""
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()
    ran = run_cron_command(tmp_path, "echo crawled")
    assert ran.returncode == 0, ran.stderr
    assert log.read_text() == "crawled\n"
    # The exit status of crawlall (1 when a site failed) comes through flock and timeout.
    failed = run_cron_command(tmp_path, "sh -c 'echo failed; exit 1'")
    assert failed.returncode == 1
    assert log.read_text() == "crawled\nfailed\n"


# --- systemd -----------------------------------------------------------------------------------


def unit(path: Path) -> configparser.ConfigParser:
    # strict=False: systemd allows a key more than once (Environment=); case is significant.
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",),
                                       comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text("utf-8"), source=str(path))
    return parser


def unit_values(path: Path, section: str, key: str) -> list[str]:
    """Every value of a key that may repeat (configparser keeps only the last)."""
    values, current = [], None
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and line.startswith(f"{key}="):
            values.append(line.split("=", 1)[1])
    return values


def test_service_is_a_oneshot_crawlall_with_limits() -> None:
    service = unit(SERVICE)
    assert service.sections() == ["Unit", "Service"]
    s = service["Service"]
    assert s["Type"] == "oneshot"
    assert s["WorkingDirectory"] == APP_DIR
    executable, *args = s["ExecStart"].split()
    assert executable.startswith("/") and executable.endswith("/uv")  # systemd wants an absolute path
    assert args == ["run", "scrapy", "crawlall"]
    assert s["User"] == "taphuan"
    # A oneshot unit has no start timeout by default: a hung crawl would never end.
    assert s["TimeoutStartSec"] == "5h"
    for key in ("MemoryMax", "CPUQuota", "TasksMax", "Nice"):
        assert s.get(key), f"{key} missing"
    assert "UV_FROZEN=1" in unit_values(SERVICE, "Service", "Environment")
    writable = s["ReadWritePaths"].split()
    assert f"{APP_DIR}/output" in writable
    assert s["ProtectSystem"] == "strict"
    assert service["Unit"]["After"] == "network-online.target"


def test_timer_runs_the_service_every_six_hours_and_catches_up() -> None:
    timer = unit(TIMER)
    t = timer["Timer"]
    assert t["OnCalendar"] == "*-*-* 00/6:17:00"
    assert t["Persistent"] == "true"
    assert t["Unit"] == SERVICE.name
    assert timer["Install"]["WantedBy"] == "timers.target"


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    # The uv binary of the server need not exist here; verify the rest with a binary that does.
    service = SERVICE.read_text("utf-8").replace("/usr/local/bin/uv ", "/usr/bin/env ")
    (tmp_path / SERVICE.name).write_text(service, "utf-8")
    shutil.copy(TIMER, tmp_path / TIMER.name)
    proc = subprocess.run([str(SYSTEMD_ANALYZE), "verify", SERVICE.name, TIMER.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.strip() == ""


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_timer_and_cron_fire_at_the_same_times() -> None:
    proc = subprocess.run([str(SYSTEMD_ANALYZE), "calendar", "--iterations=4", "*-*-* 00/6:17:00"],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, TZ="UTC"))
    assert proc.returncode == 0, proc.stderr
    times = sorted(re.findall(r" (\d\d:\d\d):00 ", proc.stdout))
    assert times == ["00:17", "06:17", "12:17", "18:17"]


# --- Scrapyd -----------------------------------------------------------------------------------

def test_egg_holds_the_code_and_every_data_file(egg: Path) -> None:
    names = set(zipfile.ZipFile(egg).namelist())
    assert "crawler/settings.py" in names
    assert "crawler/schema/announcement.schema.json" in names
    for sub in ("crawler/sites", "crawler/sites/layouts"):
        for path in sorted((REPO / sub).glob("*.toml")):
            assert f"{sub}/{path.name}" in names, f"{sub}/{path.name} missing from the egg"
    # Only the crawler package: no tests, fixtures or benchmarks on the Scrapyd server.
    assert {n.split("/", 1)[0] for n in names} == {"crawler", "EGG-INFO"}


def test_egg_declares_the_scrapy_settings_entry_point(egg: Path) -> None:
    """Scrapyd's runner reads the settings module from the egg's [scrapy] entry point and fails
    without it; pyproject's [project] table makes setuptools drop scrapyd-deploy's own."""
    entry_points = configparser.ConfigParser()
    entry_points.read_string(zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode())
    assert entry_points["scrapy"]["settings"] == "crawler.settings"


# What scrapyd/runner.py does with an egg: put the zip first on sys.path, take the settings module
# from its [scrapy] entry point, run scrapy.cmdline.execute().
SCRAPYD_RUNNER = """
import configparser, os, sys, zipfile
egg = sys.argv[1]
sys.path.insert(0, egg)
entry_points = configparser.ConfigParser()
entry_points.read_string(zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode())
os.environ["SCRAPY_SETTINGS_MODULE"] = entry_points["scrapy"]["settings"]
import crawler
assert crawler.__file__.startswith(egg), crawler.__file__
sys.argv = ["scrapy", *sys.argv[2:]]
from scrapy.cmdline import execute
execute()
"""


def run_like_scrapyd(egg: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SCRAPY_SETTINGS_MODULE", "PYTHONPATH")}
    return subprocess.run([sys.executable, "-c", SCRAPYD_RUNNER, str(egg), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_egg_lists_every_site_when_run_like_scrapyd(egg: Path, tmp_path: Path) -> None:
    proc = run_like_scrapyd(egg, tmp_path, "list")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == sorted([*load_registry_with_errors()[0], "generic"])


def test_egg_loads_the_output_schema(egg: Path, tmp_path: Path) -> None:
    code = f"import sys; sys.path.insert(0, {str(egg)!r}); from crawler.schema import validator; validator()"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]


class FakeScrapyd(BaseHTTPRequestHandler):
    """listspiders.json and schedule.json as Scrapyd answers them; records every scheduled job."""

    spiders: list[str]
    scheduled: list[dict[str, list[str]]]

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/listspiders.json" and parse_qs(parts.query) == {"project": ["taphuan-crawler"]}:
            self.reply({"status": "ok", "spiders": self.spiders})
        else:
            self.reply({"status": "error", "message": f"unexpected {self.path}"}, 400)

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.scheduled.append(form)
        self.reply({"status": "ok", "jobid": f"job{len(self.scheduled)}"})

    def reply(self, data: dict[str, Any], status: int = 200) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_scrapyd() -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    scheduled: list[dict[str, list[str]]] = []
    handler = type("Handler", (FakeScrapyd,), {"spiders": ["baocantho", "danang", "generic"],
                                                "scheduled": scheduled})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", scheduled
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(shutil.which("curl") is None, reason="schedule-all.sh needs curl")
def test_schedule_all_schedules_one_job_per_site(fake_scrapyd) -> None:
    url, scheduled = fake_scrapyd
    env = dict(os.environ, SCRAPYD_URL=url, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    proc = subprocess.run(
        ["/bin/sh", str(DEPLOY / "scrapyd" / "schedule-all.sh"),
         "-d", "setting=STATE_DIR=/var/lib/taphuan-crawler/state", "-d", "since=2026-01-01"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    common = {"project": ["taphuan-crawler"], "setting": ["STATE_DIR=/var/lib/taphuan-crawler/state"],
              "since": ["2026-01-01"]}
    assert scheduled == [{**common, "spider": ["baocantho"]}, {**common, "spider": ["danang"]}]
    assert proc.stdout.splitlines() == ['baocantho: {"status": "ok", "jobid": "job1"}',
                                        'danang: {"status": "ok", "jobid": "job2"}']


def test_scheduling_doc_names_every_recipe() -> None:
    doc = (REPO / "docs" / "scheduling.md").read_text("utf-8")
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file():
            assert str(path.relative_to(REPO)) in doc, f"docs/scheduling.md does not mention {path}"
