"""Transport options per host, through the real `scrapy crawl`: certificate verification (on by
default, off per host), http_only (from a site file, and from TRANSPORT_HOSTS), a longer timeout.
HTTPS runs on 127.0.0.1 with a self-signed certificate made for the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from faults.server import Route, self_signed_tls, serve_faults
from faults.sites import ARTICLE_IDS, article_html, article_path, danang_site, real_url

from crawler.adapters.verdict import summarize

pytestmark = pytest.mark.slow

KEEP = ("-s", "KEEP_IRRELEVANT=True")
ALL = sorted(real_url(article_path(i)) for i in ARTICLE_IDS)


def hosts(options: dict) -> tuple[str, str]:
    return "-s", "TRANSPORT_HOSTS=" + json.dumps({"127.0.0.1": options})


def urls(result) -> list[str]:
    return sorted(item["url"] for item in result.items)


def test_self_signed_certificate_is_refused_by_default(crawl, tmp_path: Path) -> None:
    with serve_faults(danang_site(), tls=self_signed_tls(tmp_path)) as server:
        assert server.base_url.startswith("https://")
        result = crawl("danang", server.base_url, *KEEP)
    assert result.items == []
    assert result.stats["errors/tls_certificate"] == 1  # the listing; articles were never reached
    assert f"Request failed (tls_certificate): {real_url('/web/guest/chinh-quyen/danh-muc?id=3')}" in result.log
    assert "certificate verify failed" in result.log
    assert summarize("danang", result.stats).verdict == "failed"


def test_verification_off_for_the_named_host_only(crawl, tmp_path: Path) -> None:
    with serve_faults(danang_site(), tls=self_signed_tls(tmp_path)) as server:
        result = crawl("danang", server.base_url, *KEEP, *hosts({"verify_tls": False}))
    assert urls(result) == ALL, result.log[-3000:]
    assert "Transport option for 127.0.0.1: verify_tls = false: certificate not verified " \
           "(TRANSPORT_HOSTS['127.0.0.1'])" in result.log
    assert result.stats["transport/verify_tls"] >= 1
    assert not any(k.startswith("errors/") for k in result.stats)


def test_http_only_from_the_site_file(serve, crawl) -> None:
    """cema.toml says http_only (its certificate is broken): https URLs are fetched over http."""
    running = serve("cema")["cema"]
    https_base = running.base_url.replace("http://", "https://")
    result = crawl("cema", https_base, *KEEP)
    expected = sorted(running.site.expected(a)["url"] for a in running.site.articles)
    assert urls(result) == expected, result.log[-3000:]
    assert "Transport option for 127.0.0.1: http_only = true: https URLs fetched over http" in result.log
    assert "crawler/sites/cema.toml" in result.log
    assert not any(k.startswith("errors/") for k in result.stats)


def test_http_only_from_settings(crawl) -> None:
    with serve_faults(danang_site()) as server:
        https_base = server.base_url.replace("http://", "https://")
        result = crawl("danang", https_base, *KEEP, *hosts({"http_only": True}))
    assert urls(result) == ALL, result.log[-3000:]
    assert result.stats["transport/http_only"] >= 5


def test_longer_timeout_for_a_slow_host(crawl, tmp_path: Path) -> None:
    slow = danang_site(replace={54019: Route(body=article_html(54019), fault="slow", delay=2.5)})
    quick = ("-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0")
    with serve_faults(slow) as server:
        without = crawl("danang", server.base_url, *KEEP, *quick, out_name="without.jsonl")
        with_option = crawl("danang", server.base_url, *KEEP, *quick, *hosts({"timeout": 6}),
                            out_name="with.jsonl", state_dir=tmp_path / "state2")  # a fresh run, not a rerun
    assert urls(without) == [u for u in ALL if "54019" not in u]
    assert without.stats["errors/DownloadTimeoutError"] == 1
    assert urls(with_option) == ALL, with_option.log[-3000:]
    assert "Transport option for 127.0.0.1: timeout = 6 s (TRANSPORT_HOSTS['127.0.0.1'])" in with_option.log
    assert not any(k.startswith("errors/") for k in with_option.stats)
