"""`scrapy crawlall` end to end: every fixture site served on 127.0.0.1 at once, one real crawlall in a
subprocess, and its run summary, feeds and exit status checked site by site against the fixtures'
expected JSON."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.dedup.canonical import canonical_url, rules_from_mapping
from crawler.sites.registry import SiteConfig, load_registry_with_errors
from crawler.tools.fixtures import RunningSite, fixture_slugs, load_fixture_site, serve_sites
from tests.conftest import run_scrapy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REGISTRY: dict[str, SiteConfig] = load_registry_with_errors()[0]
# Generic-only site files have no fixtures (they describe no markup): the fixture runs name their sites.
SLUGS = [s for s in fixture_slugs() if s in REGISTRY]
SUMMARY_KEYS = ["site", "verdict", "pages", "items", "drops", "errors", "fallbacks", "robots_refused",
                "finish_reason", "message", "feed_files", "coverage", "monitors", "warnings", "training_items",
                "model_disagrees", "node"]


@dataclass
class Expected:
    training: list[str]  # URLs of the articles that must be emitted
    not_training: int  # articles that must be dropped as NotTraining


def expected_for(slug: str) -> Expected:
    site = load_fixture_site(slug)
    articles = [e for e in (site.expected(a) for a in site.articles) if e.get("is_article", True)]
    return Expected(sorted(e["url"] for e in articles if e["is_training"]),
                    sum(1 for e in articles if not e["is_training"]))


def robots_refuses_all(slug: str) -> bool:
    """The fixture's robots.txt disallows every path for every agent (baolangson)."""
    site = load_fixture_site(slug)
    robots = site.file_for("/robots.txt")
    if robots is None:
        return False
    lines = [line.split("#", 1)[0].strip().lower() for line in robots.read_text("utf-8").splitlines()]
    return "user-agent: *" in lines and "disallow: /" in lines


@dataclass
class Run:
    returncode: int
    seconds: float
    stdout: str
    log: str
    cwd: Path
    summary: dict
    sites: dict[str, dict]
    running: dict[str, RunningSite]


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the connection is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def crawlall(cwd: Path, running: dict[str, RunningSite], *extra: str,
             override: dict[str, str] | None = None) -> Run:
    cwd.mkdir(parents=True, exist_ok=True)
    base_urls = {slug: r.base_url for slug, r in running.items()} | (override or {})
    base_file = cwd / "base_urls.json"
    base_file.write_text(json.dumps(base_urls), "utf-8")
    runs_dir = cwd / "runs"
    args = ["crawlall", "-a", f"base_urls={base_file}", *extra,
            "-s", f"STATE_DIR={cwd / 'state'}", "-s", f"RUNS_DIR={runs_dir}",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
    started = time.monotonic()
    proc = run_scrapy(args, cwd=cwd, timeout=240)
    seconds = time.monotonic() - started
    saved = sorted(runs_dir.glob("*.json"))
    summary = json.loads(saved[-1].read_text("utf-8")) if saved else {}
    sites = {s["site"]: s for s in summary.get("sites", [])}
    return Run(proc.returncode, seconds, proc.stdout, proc.stderr, cwd, summary, sites, running)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    # A site without a fixture has no base URL, and crawlall would send it to the real site: only
    # generic-only site files may lack one, and the run names the fixture sites.
    unserved = sorted(s for s in set(REGISTRY) - set(SLUGS) if not REGISTRY[s].generic_only)
    assert not unserved, f"registered sites without a fixture site: {unserved}"
    with serve_sites(SLUGS) as running:
        yield crawlall(tmp_path_factory.mktemp("crawlall"), running, "-a", "sites=" + ",".join(SLUGS))


def test_every_site_is_in_the_summary(full_run: Run) -> None:
    run = full_run
    assert run.summary, f"no summary saved; exit {run.returncode}\n{run.stdout}\n{run.log[-3000:]}"
    assert sorted(run.sites) == sorted(SLUGS)
    assert list(run.summary) == ["run_id", "started_at", "finished_at", "pid", "totals", "feed_files", "sites"]
    assert run.summary["totals"]["new_items"] == sum(e["items"] for e in run.sites.values())
    assert run.summary["feed_files"] == sorted(f for e in run.sites.values() for f in e["feed_files"])
    for entry in run.sites.values():
        assert list(entry) == SUMMARY_KEYS, entry["site"]
    # The printed table names every site too, and where the summary went.
    table = run.stdout.splitlines()
    assert table[0].split()[:4] == ["site", "verdict", "pages", "new"]
    assert sorted(line.split()[0] for line in table[1:1 + len(SLUGS)]) == sorted(SLUGS)
    assert f"summary saved to {run.cwd / 'runs'}" in run.stdout
    print(f"crawlall over {len(SLUGS)} fixture sites: {run.seconds:.1f} s")


def test_exit_status_is_zero_when_no_site_failed(full_run: Run) -> None:
    failed = {s: e["message"] for s, e in full_run.sites.items() if e["verdict"] == "failed"
              and not robots_refuses_all(s)}
    assert failed == {}, failed
    # baolangson's robots.txt refuses the crawler: that site failed, so the run says so.
    assert full_run.returncode == (1 if any(robots_refuses_all(s) for s in SLUGS) else 0), full_run.log[-3000:]


def test_each_site_emits_its_training_articles_and_drops_the_rest(full_run: Run) -> None:
    """Counts come from each fixture's expected JSON; every mismatch is listed at once."""
    problems = []
    for slug in SLUGS:
        site, entry = REGISTRY[slug], full_run.sites[slug]
        if not site.supported or robots_refuses_all(slug):
            continue
        want = expected_for(slug)
        got_drops = entry["drops"].get("NotTraining", 0)
        status = "ok" if want.training else "quiet"
        verdict = entry["verdict"]
        if (entry["items"], got_drops, verdict) != (len(want.training), want.not_training, status):
            problems.append(f"{slug}: verdict {entry['verdict']} items {entry['items']} NotTraining {got_drops}; "
                            f"expected {status}, {len(want.training)} items, {want.not_training} NotTraining "
                            f"(errors {entry['errors']}, message {entry['message']!r})")
        if entry["pages"] < 2:
            problems.append(f"{slug}: only {entry['pages']} page(s) fetched")
    assert problems == [], "\n".join(problems)


def test_every_supported_site_wrote_its_feed(full_run: Run) -> None:
    problems = []
    for slug in SLUGS:
        if not REGISTRY[slug].supported:
            continue
        files = [Path(f) for f in full_run.sites[slug]["feed_files"]]
        want_file = bool(expected_for(slug).training) and not robots_refuses_all(slug)
        if len(files) != int(want_file):
            # One file per site with new lines; none for a site with nothing new (no empty files).
            problems.append(f"{slug}: feed files {files}, expected {int(want_file)}")
            continue
        if not files:
            continue
        if files[0].parent != full_run.cwd / "output" / slug:
            problems.append(f"{slug}: feed written to {files[0]}")
        items = [json.loads(line) for line in files[0].read_text("utf-8").splitlines()]
        # `url` is the link as found on the listing (":443", Liferay's redirect parameter...), so
        # the comparison is on the canonical form of the fixture's URL.
        rules = rules_from_mapping(REGISTRY[slug].canonical)
        want = [] if robots_refuses_all(slug) else [canonical_url(u, rules) for u in expected_for(slug).training]
        got = sorted(i["canonical_url"] for i in items)
        if got != sorted(want):
            problems.append(f"{slug}: feed has {got}, expected {sorted(want)}")
        if any(i["site"] != slug for i in items):
            problems.append(f"{slug}: items of another site in its feed")
        # Items keep the site's real URLs, never the 127.0.0.1 they were fetched from.
        if any(not REGISTRY[slug].owns_host(urlsplit(i["url"]).hostname or "") for i in items):
            problems.append(f"{slug}: item URL outside the site's domains")
        if len(items) != full_run.sites[slug]["items"]:
            problems.append(f"{slug}: {len(items)} lines but summary says {full_run.sites[slug]['items']} items")
    assert problems == [], "\n".join(problems)


def test_robots_refusal_is_reported_and_obeyed(full_run: Run) -> None:
    refusing = [s for s in SLUGS if robots_refuses_all(s)]
    assert "baolangson" in refusing
    for slug in refusing:
        entry = full_run.sites[slug]
        assert entry["verdict"] == "failed", entry
        assert entry["robots_refused"] >= 1
        assert entry["items"] == 0
        assert entry["message"] == f"robots.txt refused {entry['robots_refused']} request(s); nothing was fetched"
        # Only robots.txt was ever requested: the site is not crawled around.
        assert set(full_run.running[slug].hits) == {"/robots.txt"}, full_run.running[slug].hits
        assert f"{slug}: failed; 1 pages, 0 new; robots.txt refused" in full_run.log


def test_unsupported_site_is_reported_not_crawled(full_run: Run) -> None:
    unsupported = [s for s in SLUGS if not REGISTRY[s].supported]
    if "tuyengiaodanvan" in REGISTRY:
        assert "tuyengiaodanvan" in unsupported
    assert unsupported, "no unsupported site registered"
    for slug in unsupported:
        entry = full_run.sites[slug]
        assert entry["verdict"] == "skipped", entry
        assert entry["message"] == f"unsupported: {REGISTRY[slug].unsupported_reason}"
        assert (entry["pages"], entry["items"]) == (0, 0)
        assert full_run.running[slug].hits == []


def test_summary_counts_errors_per_site_only(full_run: Run) -> None:
    """Errors of one site must not show up in another's summary (Scrapy's log counters are
    process-wide, so they are not used)."""
    for slug, entry in full_run.sites.items():
        assert "log_errors" not in entry["errors"], slug
    assert full_run.sites["danang"]["errors"].get("IgnoreRequest") is None


def test_a_site_that_cannot_be_reached_fails_the_run(tmp_path: Path) -> None:
    with serve_sites(["danang"]) as running:
        run = crawlall(tmp_path, running, "-a", "sites=danang,baocantho",
                       override={"baocantho": closed_port_url()})
    assert run.returncode == 1, run.log[-3000:]
    assert run.sites["danang"]["verdict"] == "ok"
    assert run.sites["danang"]["items"] == len(expected_for("danang").training)
    failed = run.sites["baocantho"]
    assert failed["verdict"] == "failed"
    assert failed["message"] == "no start page could be fetched (DownloadConnectionRefusedError)"
    assert failed["pages"] == 0
    assert failed["errors"].get("DownloadConnectionRefusedError", 0) >= 1, failed["errors"]
    assert "baocantho: failed; 0 pages, 0 new; errors DownloadConnectionRefusedError=" in run.log


def test_sites_selection(tmp_path: Path) -> None:
    with serve_sites(["danang", "baobacninhtv"]) as running:
        run = crawlall(tmp_path, running, "-a", "sites=danang,baobacninhtv")
    assert run.returncode == 0, run.log[-3000:]
    assert [s["site"] for s in run.summary["sites"]] == ["danang", "baobacninhtv"]
    assert sorted(p.name for p in (tmp_path / "output").iterdir()) == ["baobacninhtv", "danang", "report.html"]
    for slug in ("danang", "baobacninhtv"):
        assert run.sites[slug]["items"] == len(expected_for(slug).training), run.sites[slug]


def test_province_selection(tmp_path: Path) -> None:
    in_province = sorted(s for s, site in REGISTRY.items() if site.province == "Lạng Sơn")
    assert {"baolangson", "danvanlangson"} <= set(in_province)
    assert set(in_province) <= set(SLUGS), "every selected site needs a fixture, or it would be crawled live"
    with serve_sites(in_province) as running:
        # Written the old way (no diacritics, other case): the province name is matched folded.
        run = crawlall(tmp_path, running, "-a", "province=lang son")
    assert run.returncode == 1, run.log[-3000:]  # baolangson's robots.txt refuses: that site failed
    assert sorted(run.sites) == in_province
    assert run.sites["baolangson"]["verdict"] == "failed"
    assert run.sites["baolangson"]["message"].startswith("robots.txt refused")
    assert run.sites["danvanlangson"]["items"] == len(expected_for("danvanlangson").training)


@pytest.mark.parametrize(
    ("argument", "message"),
    [("sites=danang,nosuchsite", "unknown site(s): nosuchsite (`scrapy list` names them)"),
     ("province=Atlantis", "-a province='Atlantis' is not one of the 34 provinces")],
)
def test_bad_selection_is_a_usage_error(tmp_path: Path, argument: str, message: str) -> None:
    proc = run_scrapy(["crawlall", "-a", argument, "-s", f"RUNS_DIR={tmp_path / 'runs'}"], cwd=tmp_path)
    assert proc.returncode == 2  # a mistake in the command
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr  # one line, no usage dump or traceback
    assert message in proc.stderr
    assert not (tmp_path / "runs").exists()  # nothing was crawled


# --- the per-site status, from a crawler's final stats ------------------------------------------


def stats(**values: object) -> dict[str, object]:
    base: dict[str, object] = {"finish_reason": "finished", "response_received_count": 5,
                               "downloader/request_count": 5, "discovery/start/listing": 1,
                               "discovery/listing_pages": 2, "extract/pages": 3}
    return base | {k.replace("__", "/"): v for k, v in values.items()}


@pytest.mark.parametrize(
    ("final", "verdict", "message"),
    [
        (stats(delivery__lines=2), "ok", None),
        (stats(item_dropped_reasons_count__NotTraining=3), "quiet", None),
        # A rerun: every article known, only dead sidebar links left. A quiet day is a success.
        (stats(errors__HttpError_404=1), "quiet", None),
        (stats(response_received_count=1, robotstxt__forbidden=1),
         "failed", "robots.txt refused 1 request(s); nothing was fetched"),
        (stats(response_received_count=0, errors__DownloadConnectionRefusedError=1,
               discovery__start_failed=1),
         "failed", "no start page could be fetched (DownloadConnectionRefusedError)"),
        (stats(errors__HttpError_500=4), "degraded", "4 page(s) failed"),
        (stats(errors__HttpError_404=4), "quiet", None),  # dead links are counted, not a degradation
        (stats(errors__HttpError_404=4, errors__TimeoutError=1), "degraded", "1 page(s) failed"),
        (stats(discovery__listing_pages=0, extract__pages=0),
         "failed", "pages were fetched but none could be read (not HTML, or refused)"),
        (stats(finish_reason="shutdown", delivery__lines=1), "failed",
         "the crawl ended abnormally (finish reason 'shutdown')"),
        (stats(finish_reason="closespider_timeout", delivery__lines=1), "ok", None),
        (stats(delivery__lines=1, fallback__body=2), "ok", "site file drifted (body=2)"),
    ],
)
def test_verdict(final: dict[str, object], verdict: str, message: str | None) -> None:
    from crawler.adapters.verdict import summarize

    summary = summarize("danang", final)
    assert (summary.verdict, summary.message) == (verdict, message)


def test_verdicts_of_sites_stopped_on_purpose() -> None:
    from crawler.adapters.verdict import summarize

    assert summarize("x", stats(), supported=False, unsupported_reason="client-rendered").verdict == "skipped"
    busy = summarize("x", stats(), problem=("site_busy", "x is being crawled by pid 1"))
    assert (busy.verdict, busy.message) == ("skipped", "x is being crawled by pid 1")
    full = summarize("x", stats(delivery__lines=3), problem=("output_error", "cannot write the feed /f: No space"))
    assert (full.verdict, full.failed) == ("failed", True)


def test_summarize_counts_the_site_own_errors_not_the_process_log() -> None:
    from crawler.adapters.verdict import summarize

    summary = summarize("danang", stats(**{"log_count/ERROR": 7, "errors/HttpError": 2, "guard/offsite": 1,
                                           "spider_exceptions/count": 1, "spider_exceptions/KeyError": 1,
                                           "delivery/lines": 1}))
    assert summary.errors == {"HttpError": 2, "offsite": 1, "exception/KeyError": 1}
