"""`crawler demo` end to end, as a user runs it: the console script in a fresh directory outside the
repository, no internet. It serves the fixture sites, crawls them and validates what it wrote."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.sites.registry import load_registry_with_errors
from crawler.tools.fixtures import fixture_slugs, load_fixture_site

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SEED_000_URL = "https://danang.gov.vn/web/guest/chi-tiet?id=54019&_c=3"
SEED_000_TITLE = "Tập huấn nghiệp vụ công tác dân vận cho lực lượng cốt cán ở cơ sở"


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # No SCRAPY_SETTINGS_MODULE and no scrapy.cfg in cwd: the demo must find its settings itself.
    # TAPHUAN_HOME: the project's output goes to the test's directory, not the checkout's.
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"} | {"TAPHUAN_HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", "crawler.tools.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    cwd = tmp_path_factory.mktemp("demo")
    return run_cli(["demo"], cwd), cwd


def output_file(cwd: Path) -> Path:
    files = list((cwd / "output" / "demo").glob("*.jsonl"))
    assert len(files) == 1, files
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d", files[0].stem), files[0].stem
    return files[0]


def test_demo_exits_zero_and_reports(demo) -> None:
    proc, cwd = demo
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    registry = load_registry_with_errors()[0]
    served = [s for s in fixture_slugs() if s in registry and registry[s].supported]
    assert proc.stdout.startswith(f"Serving {len(served)} fixture sites on 127.0.0.1; crawling...\n")
    out = output_file(cwd)
    count = len(out.read_text("utf-8").splitlines())
    assert (f"\n{count} training announcements written to {out} "
            "(all valid against the schema)\n") in proc.stdout
    assert re.search(rf"^summary saved to {re.escape(str(cwd))}/output/demo/runs/[\d\-T]+\.json$", proc.stdout,
                     re.MULTILINE)
    # Demo runs are kept apart from real ones: nothing in output/runs or the real state store.
    assert not (cwd / "output" / "runs").exists() and not (cwd / "output" / ".state").exists()
    # Dropped items are counted in the table, not dumped whole into the log.
    assert "Dropped:" not in proc.stderr


def test_demo_output_passes_validate(demo) -> None:
    _proc, cwd = demo
    out = output_file(cwd)
    check = run_cli(["validate", str(out)], cwd)
    count = len(out.read_text("utf-8").splitlines())
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == f"{out}: {count} lines valid\n"


def test_demo_output_has_every_training_article_and_the_seed(demo) -> None:
    proc, cwd = demo
    items = [json.loads(line) for line in output_file(cwd).read_text("utf-8").splitlines()]
    seed = [i for i in items if i["url"] == SEED_000_URL]
    assert len(seed) == 1
    assert seed[0]["title"] == SEED_000_TITLE
    assert seed[0]["published_at"] == "2023-05-25T00:04:00+07:00"
    assert seed[0]["is_training"] is True
    assert f"\n  [danang] 2023-05-25T00:04:00+07:00  {SEED_000_TITLE}\n" in proc.stdout
    # One line per training article of every crawlable fixture site, each once.
    registry = load_registry_with_errors()[0]
    want = 0
    for slug in fixture_slugs():
        site = load_fixture_site(slug)
        robots = site.file_for("/robots.txt")
        refused = robots is not None and "disallow: /" in robots.read_text("utf-8").lower().splitlines()
        if slug not in registry or not registry[slug].supported or refused:
            continue
        want += sum(1 for a in site.articles
                    if (e := site.expected(a)).get("is_article", True) and e["is_training"])
    assert len(items) == want
    assert len({i["id"] for i in items}) == len(items)
    assert all(i["is_training"] for i in items)
    # The console lists every line, sorted by site then date, whatever order the crawl wrote them in.
    listed = [line for line in proc.stdout.splitlines() if line.startswith("  [")]
    want_listed = sorted(items, key=lambda i: (i["site"], i["published_at"] or "", i["title"]))
    assert listed == [f"  [{i['site']}] {i['published_at'] or 'undated'}  {i['title']}"
                      for i in want_listed]
