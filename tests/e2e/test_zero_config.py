"""Zero-config as the guarantee: the generic spider reaches every article of a sectioned portal and
fetches each once; a republisher's date line above the headline is its date; a start URL on
127.0.0.1 is trusted without turning the guard off; a broken or minimal site file still delivers,
on the generic path, and the drift is named."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from faults.server import page, serve_faults
from faults.sites import LISTING, all_urls, article_path, danang_site

from crawler.tools.fixtures import load_fixture_site
from tests.conftest import REPO, run_scrapy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

QUIET = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]


def items_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def training(slug: str) -> dict[str, dict]:
    site = load_fixture_site(slug)
    return {e["url"].split("://", 1)[1]: e for e in (site.expected(a) for a in site.articles)
            if e.get("is_article", True) and e.get("is_training")}


def test_generic_reaches_every_article_of_a_sectioned_portal_once(serve, tmp_path: Path) -> None:
    """danang: / -> 302 /web/guest/trang-chu -> section "Chính quyền" -> category listing -> page 2,
    articles linked under two URL spellings (friendly-URL prefix)."""
    running = serve("danang")["danang"]
    out = tmp_path / "out.jsonl"
    stats = tmp_path / "stats.json"
    proc = run_scrapy(["crawl", "generic", "-a", "start_urls=https://danang.gov.vn/", "-a",
                       f"base_url={running.base_url}", "-O", str(out), "-s", f"STATS_FILE={stats}",
                       "-s", f"STATE_DIR={tmp_path / 'state'}", *QUIET], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    want = training("danang")
    assert len(want) == 4
    got = {i["url"].split("://", 1)[1].replace("/chinh-quyen/chi-tiet", "/chi-tiet"): i for i in items_of(out)}
    assert sorted(got) == sorted(want)
    for key, expected in want.items():
        assert got[key]["title"] == expected["title"]
        assert got[key]["published_at"] == expected["published_at"]
    # No page twice: each article is requested under one of its spellings only.
    for key in want:
        path = "/" + key.split("/", 1)[1]
        variant = path.replace("/web/guest/chi-tiet", "/web/guest/chinh-quyen/chi-tiet")
        assert running.hits.count(path) + running.hits.count(variant) == 1, key
    assert json.loads(stats.read_text("utf-8"))["dupefilter/url_variant"] >= 1


def test_republisher_date_line_above_the_headline_is_the_date(serve, tmp_path: Path) -> None:
    running = serve("danvan")["danvan"]
    out = tmp_path / "out.jsonl"
    proc = run_scrapy(["crawl", "generic", "-a", "start_urls=https://danvan.vn/", "-a", f"base_url={running.base_url}",
                       "-O", str(out), "-s", "KEEP_IRRELEVANT=True", "-s", f"STATE_DIR={tmp_path / 'state'}",
                       *QUIET], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    site = load_fixture_site("danvan")
    expected = {e["url"]: e["published_at"] for e in (site.expected(a) for a in site.articles)
                if e.get("is_article", True)}
    dated = {i["url"]: i["published_at"] for i in items_of(out)}
    lines_above = [u for u, d in expected.items() if d]  # the two articles whose only date is that line
    assert len(lines_above) == 2
    for url in lines_above:
        assert dated[url] == expected[url]
    # The header's "today" strip (Thứ Ba, 7/2/2023) is never taken: the seed copy prints no date.
    assert all(d != "2023-02-07" for d in dated.values())


def test_generic_on_a_loopback_mirror_needs_no_guard_change(tmp_path: Path) -> None:
    """The operator's start URL is trusted like a site's base URL: its host and port only. A link to
    another loopback port stays refused."""
    with serve_faults(danang_site()) as other:
        trap = f"{other.base_url.rstrip('/')}/web/guest/chi-tiet?id=77777&_c=3"
        links = {"/elsewhere": page(f'<html><body><a href="{trap}">Tin khác</a></body></html>')}
        with serve_faults(danang_site(linked=links)) as server:
            out = tmp_path / "out.jsonl"
            stats = tmp_path / "stats.json"
            proc = run_scrapy(["crawl", "generic", "-a", f"start_urls={server.base_url.rstrip('/')}{LISTING}",
                               "-O", str(out), "-s", "KEEP_IRRELEVANT=True", "-s", f"STATS_FILE={stats}",
                               "-s", f"STATE_DIR={tmp_path / 'state'}", *QUIET], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = sorted(i["url"].replace(server.base_url.rstrip("/"), "https://danang.gov.vn") for i in items_of(out))
    assert got == all_urls()
    assert other.hits_of(article_path(77777)) == 0


def _registry_copy(tmp_path: Path, slug: str, text: str | None = None,
                   edit: tuple[tuple[str, str], ...] = ()) -> Path:
    sites = tmp_path / "sites"
    sites.mkdir()
    for toml in (REPO / "crawler" / "sites").glob("*.toml"):
        shutil.copy(toml, sites / toml.name)
    target = sites / f"{slug}.toml"
    if text is not None:
        target.write_text(text, "utf-8")
    for old, new in edit:
        body = target.read_text("utf-8")
        assert old in body
        target.write_text(body.replace(old, new), "utf-8")
    return sites


def _crawl_with_registry(sites: Path, tmp_path: Path, slug: str,
                         base_url: str) -> tuple[subprocess.CompletedProcess[str], list[dict], dict]:
    out, runs = tmp_path / "out.jsonl", tmp_path / "runs"
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO),
               TAPHUAN_SITES_DIR=str(sites), TAPHUAN_HOME=str(tmp_path))
    proc = run_scrapy(["crawlall", "-a", f"sites={slug}", "-a", f"base_urls={_bases(tmp_path, slug, base_url)}",
                       "-O", str(out), "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", f"RUNS_DIR={runs}", *QUIET],
                      cwd=tmp_path, env=env, timeout=200)
    summary = json.loads(sorted(runs.glob("*.json"))[-1].read_text("utf-8")) if runs.exists() else {}
    return proc, items_of(out), {s["site"]: s for s in summary.get("sites", [])}


def _bases(tmp_path: Path, slug: str, base_url: str) -> Path:
    path = tmp_path / "bases.json"
    path.write_text(json.dumps({slug: base_url}), "utf-8")
    return path


@pytest.mark.parametrize(("what", "edit", "fallback"), [
    ("listing pattern", (("allow = ['/web/guest/(?:chinh-quyen/)?chi-tiet\\?(?:.*&)?id=\\d+']",
                          "allow = ['/no-such-article-path/\\d+\\.html$']"),), "listing"),
    # The Liferay layout's selectors would still match: the file drops its layout too.
    ("body selector", (('body = [".chi-tiet-main-content"]', 'body = [".no-such-body-class"]'),
                       ('layout = "liferay"\n', "")), "body"),
])
def test_a_broken_site_file_still_delivers_and_is_named(serve, tmp_path: Path, what: str,
                                                         edit: tuple[tuple[str, str], ...], fallback: str) -> None:
    running = serve("danang")["danang"]
    sites = _registry_copy(tmp_path, "danang", edit=edit)
    proc, items, summary = _crawl_with_registry(sites, tmp_path, "danang", running.base_url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    want = training("danang")
    got = {i["url"].split("://", 1)[1].replace("/chinh-quyen/chi-tiet", "/chi-tiet"): i for i in items}
    assert sorted(got) == sorted(want), what
    for key, expected in want.items():
        for name in ("title", "published_at", "summary"):
            assert got[key][name] == expected[name], (key, name)
        assert got[key]["body"].startswith(expected["body_starts"])
    entry = summary["danang"]
    assert entry["fallbacks"].get(fallback, 0) >= 1, entry
    assert "site file drifted" in (entry["message"] or "")
    assert f"site file drifted (the generic path filled in): danang ({fallback}=" in proc.stdout


def test_a_minimal_site_file_runs_wholly_on_the_generic_path(serve, tmp_path: Path) -> None:
    running = serve("danang")["danang"]
    minimal = ('slug = "danang"\nname = "Cổng thông tin điện tử thành phố Đà Nẵng"\nprovince = "Đà Nẵng"\n'
               'kind = "government"\nverified_live = false\nevidence = ["test: identity and start URL only"]\n'
               '[start_urls]\nlisting = ["https://danang.gov.vn/"]\n')
    sites = _registry_copy(tmp_path, "danang", text=minimal)
    proc, items, summary = _crawl_with_registry(sites, tmp_path, "danang", running.base_url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    want = training("danang")
    got = {i["url"].split("://", 1)[1].replace("/chinh-quyen/chi-tiet", "/chi-tiet"): i for i in items}
    assert sorted(got) == sorted(want)
    assert all(i["site"] == "danang" and i["province"] == "Đà Nẵng" for i in items)
    assert summary["danang"]["verdict"] == "ok"
