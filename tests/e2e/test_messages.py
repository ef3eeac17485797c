"""Messages that tell the truth: user errors are one line with exit 2, an empty or non-HTML input is
no item, a closed pipe is no traceback, an unreachable run says so once, CONTACT is asked for, and
`crawler export` gives the lines of the last run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.tools.fixtures import serve_sites
from tests.conftest import REPO, run_scrapy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ARTICLE = REPO / "tests" / "fixtures" / "sites" / "danang" / "article_54019.html"


def cli(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, TAPHUAN_HOME=str(cwd), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "crawler.tools.cli", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, timeout=120)


def one_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8").strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["crawl", "nosuchsite"], 2, "scrapy crawl: unknown site 'nosuchsite' (`scrapy list` names the"),
        (["crawl", "danang", "-a", "since=25/05/2023"], 2,
         "scrapy crawl: -a since='25/05/2023': expected a date as YYYY-MM-DD"),
        (["crawl", "danang", "-a", "max_pages=many"], 2, "scrapy crawl: -a max_pages='many': expected a whole number"),
        (["crawl", "danang", "-a", "colour=blue"], 2, "scrapy crawl: unknown argument -a colour"),
        (["crawl", "danang", "-a", "since=2026-02-01", "-a", "until=2026-01-01"], 2,
         "scrapy crawl: -a since=2026-02-01 is after -a until=2026-01-01"),
        (["crawl", "generic"], 2, "scrapy crawl: missing -a start_urls=URL[,URL...]"),
        (["crawl", "generic", "-a", "start_urls=ftp://x.vn/"], 2,
         "scrapy crawl: -a start_urls='ftp://x.vn/': expected an http(s) URL"),
        (["crawl", "danang", "-O", "out.csv"], 2, "scrapy crawl: output 'out.csv': format 'csv' is not written"),
        (["crawlall", "-a", "base_urls=/nonexistent.json"], 2,
         "scrapy crawlall: -a base_urls=/nonexistent.json: cannot read it (No such file or directory)"),
    ],
)
def test_a_user_error_is_one_line_and_exit_2(tmp_path: Path, args: list[str], status: int, message: str) -> None:
    proc = run_scrapy(args, cwd=tmp_path)
    assert proc.returncode == status
    line = one_line(proc.stderr.encode())
    assert line.startswith(message), line
    assert not (tmp_path / "output").exists()  # nothing started


@pytest.mark.parametrize(
    ("content", "args", "status", "message"),
    [
        (b"", ["--url", "https://x.vn/a-123456.html"], 1, "is empty: no page to read"),
        (bytes(range(256)) * 20, ["--url", "https://x.vn/a-123456.html"], 1, "is not HTML (binary or plain text)"),
        (None, ["--url", "not-a-url"], 2, "--url 'not-a-url': expected the page's http(s) URL"),
        (None, ["--url", "http://[::1"], 2, "--url 'http://[::1': expected the page's http(s) URL"),
    ],
)
def test_extract_refuses_what_is_no_page(tmp_path: Path, content: bytes | None, args: list[str], status: int,
                                         message: str) -> None:
    page = tmp_path / "page.html"
    if content is None:
        page = ARTICLE
    else:
        page.write_bytes(content)
    proc = cli("extract", str(page), *args, cwd=tmp_path)
    assert proc.returncode == status
    assert message in one_line(proc.stderr)
    assert proc.stdout == b""


def test_extract_says_when_the_generic_rules_read_the_page(tmp_path: Path) -> None:
    proc = cli("extract", str(ARTICLE), "--url", "https://example.vn/web/guest/chi-tiet?id=54019", cwd=tmp_path)
    assert proc.returncode == 0
    assert one_line(proc.stderr) == "crawler extract: no site file for example.vn: the generic rules read the page"
    assert json.loads(proc.stdout)["title"]


def test_extract_into_a_closed_pipe_is_no_traceback(tmp_path: Path) -> None:
    env = dict(os.environ, TAPHUAN_HOME=str(tmp_path), PYTHONPATH=str(REPO))
    big = ARTICLE.read_bytes().replace(b"</p>", b" " + "chữ ".encode() * 20_000 + b"</p>", 1)
    page = tmp_path / "big.html"
    page.write_bytes(big)
    proc = subprocess.run(f"{sys.executable} -m crawler.tools.cli extract {page} "
                          "--url https://danang.gov.vn/web/guest/chi-tiet?id=54019 | head -c 10",
                          shell=True, cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert proc.stdout == b"{\n  \"schem"
    assert b"Traceback" not in proc.stderr and b"BrokenPipe" not in proc.stderr


def test_validate_reports_lines_of_any_shape(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": NaN}\n{"a": ' + "1" * 5000 + "}\n" + "[" * 100_000 + "]" * 100_000 + "\n", "utf-8")
    proc = cli("validate", str(bad), cwd=tmp_path)
    assert proc.returncode == 1
    out = proc.stdout.decode()
    assert f"{bad}:1: not JSON of this contract: NaN is not a JSON number" in out
    assert f"{bad}:2: not JSON of this contract: Exceeds the limit" in out
    assert f"{bad}:3: not a line of this contract: nested too deeply" in out
    assert b"Traceback" not in proc.stderr


def test_unreachable_run_says_so_once_without_tracebacks(tmp_path: Path) -> None:
    """Every site's start page refuses the connection (as an offline machine's would fail)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    sites = ["danang", "baocantho", "nhandan"]
    bases = tmp_path / "bases.json"
    bases.write_text(json.dumps(dict.fromkeys(sites, closed)), "utf-8")
    proc = run_scrapy(["crawlall", "-a", "sites=" + ",".join(sites), "-a", f"base_urls={bases}",
                       "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", "RETRY_TIMES=0"], cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout.count("No site could be reached") == 1
    assert "3 site(s): failed 3; 0 new item(s) (no file written)" in proc.stdout
    assert not list((tmp_path / "output").glob("*/*.jsonl"))  # no empty feed files
    robots = [line for line in proc.stderr.splitlines() if "robots.txt of" in line]
    assert len(robots) == 3, robots
    assert all("could not be fetched (" in r and "ConnectionRefusedError" in r for r in robots), robots
    assert len(proc.stderr.splitlines()) < 80, proc.stderr  # a few lines per site, not thousands
    assert "CONTACT is not set" in proc.stderr


def test_contact_goes_into_the_user_agent(tmp_path: Path) -> None:
    with serve_sites(["danang"]) as running:
        base = running["danang"].base_url
        from tests.conftest import run_scrapy as run

        proc = run(["crawl", "danang", "-a", f"base_url={base}", "-s", "CONTACT=ops@example.vn",
                    "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", "AUTOTHROTTLE_ENABLED=False",
                    "-s", "DOWNLOAD_DELAY=0", "-O", str(tmp_path / "o.jsonl")], cwd=tmp_path)
        agents = set(running["danang"].agents)
    assert proc.returncode == 0
    assert "CONTACT is not set" not in proc.stderr
    assert agents == {"taphuan-crawler/0.1 (training-announcement research crawler; +ops@example.vn)"}


def test_export_gives_the_last_runs_lines_in_one_file(tmp_path: Path) -> None:
    with serve_sites(["danang", "nhandan"]) as running:
        bases = tmp_path / "bases.json"
        bases.write_text(json.dumps({s: r.base_url for s, r in running.items()}), "utf-8")
        args = ["crawlall", "-a", "sites=danang,nhandan", "-a", f"base_urls={bases}",
                "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
        assert run_scrapy(args, cwd=tmp_path).returncode == 0
        assert run_scrapy(args, cwd=tmp_path).returncode == 0  # a second run: nothing new
    first_run = cli("export", "--since-run", "all", cwd=tmp_path)
    assert first_run.returncode == 0, first_run.stderr
    lines = [json.loads(line) for line in first_run.stdout.decode().splitlines()]
    assert {i["site"] for i in lines} == {"danang", "nhandan"}
    assert len({i["id"] for i in lines}) == len(lines)
    last = cli("export", cwd=tmp_path)  # --since-run last: the second run wrote nothing
    assert last.returncode == 0 and last.stdout == b""
    assert one_line(last.stderr) == "crawler export: 0 line(s) from 1 run(s)"
    csv = cli("export", "--since-run", "all", "--site", "danang", "--format", "csv", "-o", "danang.csv", cwd=tmp_path)
    assert csv.returncode == 0
    rows = (tmp_path / "danang.csv").read_text("utf-8").splitlines()
    assert rows[0].startswith("id,revision,url,site,") and len(rows) == 1 + sum(i["site"] == "danang" for i in lines)
    bad = cli("export", "--since", "May 2023", cwd=tmp_path)
    assert bad.returncode == 2
    assert one_line(bad.stderr) == "crawler export: --since 'May 2023': expected a date as YYYY-MM-DD"
