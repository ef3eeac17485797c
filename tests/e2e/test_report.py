"""Monitors and the HTML report end to end: a fixture crawlall, then a second one where one site's
markup lost its dates and another site is down. The monitors name both sites with their sentence,
the exit status follows the verdicts, and headless Chromium renders the report (no console error,
charts drawn, one row per site, nothing fetched but file://); a screenshot goes to output/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from crawler.tools.fixtures import FIXTURES_DIR, serve_sites
from tests.e2e.test_crawlall import Run, closed_port_url, crawlall

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SITES = ["danang", "baodanang", "baocamau"]
UNDATED, DOWN = "danang", "baocamau"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[2] / "output" / "report-screenshot.png"
DATES = [re.compile(p, re.I | re.S) for p in (
    r"<time\b[^>]*>.*?</time>", r'<meta[^>]+(?:published_time|modified_time|datePublished|pubdate|date)[^>]*>',
    r'"date(?:Published|Modified|Created)"\s*:\s*"[^"]*",?', r"\b\d{1,2}[/\-.]\d{1,2}[/\-.]\d{4}\b",
    r"\b\d{1,2}:\d{2}\b", r"[Nn]gày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}")]


def strip_dates(site_dir: Path) -> None:
    for page in site_dir.glob("article_*.html"):
        text = page.read_text("utf-8")
        for pattern in DATES:
            text = pattern.sub("", text)
        page.write_text(text, "utf-8")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Run]:
    cwd = tmp_path_factory.mktemp("report")
    extra = ("-a", "sites=" + ",".join(SITES), "-s", "MONITOR_MIN_RUNS=1",
             "-s", "MONITOR_MIN_ITEMS_FOR_COVERAGE=1")
    with serve_sites(SITES) as running:
        first = crawlall(cwd, running, *extra)
    # The second run reads every article again (a state rebuilt from nothing; the history stays).
    (cwd / "state" / "state.sqlite3").unlink()
    root = tmp_path_factory.mktemp("sites")
    for slug in SITES:
        shutil.copytree(FIXTURES_DIR / slug, root / slug)
    strip_dates(root / UNDATED)
    with serve_sites(SITES, root) as running:
        second = crawlall(cwd, running, *extra, override={DOWN: closed_port_url()})
    return first, second


def test_monitors_name_the_undated_and_the_down_site(runs: tuple[Run, Run]) -> None:
    first, second = runs
    assert first.returncode == 0, first.log[-3000:]
    assert all(s["monitors"] == [] for s in first.sites.values())
    assert first.sites[UNDATED]["coverage"]["published_at"] == 1.0
    down, undated = second.sites[DOWN], second.sites[UNDATED]
    assert down["verdict"] == "failed"
    assert down["monitors"] == [f"site {DOWN} returned 0 pages where it returned {first.sites[DOWN]['pages']} ± 0"]
    assert undated["verdict"] == "degraded", (undated, first.sites[UNDATED])
    # Event dates in the text take their year from the publish date: they go with it.
    assert undated["monitors"] == ["site danang: published_at coverage fell from 100% to 0%",
                                   "site danang: event.start_date coverage fell from 100% to 0%"]
    assert "published_at coverage fell from 100% to 0%" in undated["message"]
    assert second.sites["baodanang"]["monitors"] == []
    assert second.returncode == 1  # the down site failed; degraded alone exits 0
    assert (second.cwd / "output" / "report.html").is_file()
    assert "report written to" in second.stdout


def test_report_renders_in_chromium(runs: tuple[Run, Run]) -> None:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (Debian's chromium package; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    second = runs[1]
    report = second.cwd / "output" / "report.html"
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        page.wait_for_selector("#chart-months .main-svg")
        assert errors == []
        assert [u for u in requests if not u.startswith(("file://", "data:", "blob:"))] == []
        assert page.locator("#chart-months svg.main-svg rect, #chart-months svg.main-svg path.point").count() > 0
        rows = page.locator("#sites tbody tr")
        assert rows.count() == len(SITES)
        table = {rows.nth(i).get_attribute("data-site"): rows.nth(i).locator("td").all_inner_texts()
                 for i in range(rows.count())}
        for slug, entry in second.sites.items():
            cells = table[slug]
            assert cells[1:4] == [entry["verdict"], str(entry["pages"]), str(entry["items"])]
            assert "; ".join(entry["monitors"]) in cells
        # One sparkline per site, each with its line drawn.
        assert page.locator("#sites .js-plotly-plot").count() == len(SITES)
        assert page.locator("#sites .scatterlayer path.js-line").count() == len(SITES)
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        browser.close()
    print(f"report: {report.stat().st_size} bytes; screenshot {SCREENSHOT}")
