"""A malformed site file stops only its own site: `scrapy crawlall` runs the others, names the file
and the field, and exits 1 so a scheduler notices."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from faults.server import serve_faults
from faults.sites import ARTICLE_IDS, article_path, danang_site, real_url

from tests.conftest import run_scrapy

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BROKEN_TEXT = """slug = "zz_broken_test"
name = "Broken test site"
kind = "newspaper"
allowed_domains = ["broken.example.vn"]
verified_live = false
evidence = ["a deliberately broken file written by tests/e2e/test_faults_registry.py"]

[start_urls]
listing = ["https://broken.example.vn/"]

[articles]
allow = ['-post\\d+\\.html$']

[pagination]
kind = "sideways"
"""


def test_broken_site_file_stops_only_its_site(tmp_path: Path) -> None:
    # A copy of the registry with one broken file, so nothing else ever sees it.
    sites = tmp_path / "sites"
    sites.mkdir()
    for toml in (REPO / "crawler" / "sites").glob("*.toml"):
        shutil.copy(toml, sites / toml.name)
    broken = sites / "zz_broken_test.toml"
    broken.write_text(BROKEN_TEXT, "utf-8")
    with serve_faults(danang_site()) as server:
        base_urls = tmp_path / "base_urls.json"
        base_urls.write_text(json.dumps({"danang": server.base_url}), "utf-8")
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO),
                   TAPHUAN_SITES_DIR=str(sites), TAPHUAN_HOME=str(tmp_path))
        args = ["crawlall", "-a", "sites=danang,zz_broken_test",
                "-a", f"base_urls={base_urls}", "-s", f"STATE_DIR={tmp_path / 'state'}",
                "-s", "KEEP_IRRELEVANT=True", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
        proc = run_scrapy(args, cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stderr[-3000:]
    message = f"{broken}: field 'pagination.kind': must be one of"
    assert message in proc.stderr  # logged when the registry is loaded
    # and in the printed summary (the table shortens long messages; the JSON below keeps them whole)
    assert "zz_broken_test" in proc.stdout and "broken site file" in proc.stdout
    feeds = list((tmp_path / "output" / "danang").glob("*.jsonl"))
    assert len(feeds) == 1, feeds
    items = [json.loads(line) for line in feeds[0].read_text("utf-8").splitlines()]
    assert sorted(i["url"] for i in items) == sorted(real_url(article_path(i)) for i in ARTICLE_IDS)
    runs = list((tmp_path / "output" / "runs").glob("*.json"))
    assert len(runs) == 1
    by_site = {s["site"]: s for s in json.loads(runs[0].read_text("utf-8"))["sites"]}
    assert by_site["danang"]["verdict"] == "ok" and by_site["danang"]["items"] == len(ARTICLE_IDS)
    assert by_site["zz_broken_test"]["verdict"] == "failed"
    assert by_site["zz_broken_test"]["message"].startswith(f"broken site file: {message}")
