"""Per-host transport options: which host gets which option, and the TLS contexts the factory makes."""

from __future__ import annotations

import re

import pytest
from OpenSSL import SSL
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.adapters.transport import (
    OP_LEGACY_SERVER_CONNECT,
    HostTransport,
    PerHostContextFactory,
    PerHostHTTPSHandler,
    context_of,
    parse_overrides,
)
from crawler.sites.registry import SiteConfig, Transport, load_registry


def site(slug: str, domains: tuple[str, ...], transport: Transport) -> SiteConfig:
    return SiteConfig(slug=slug, name=slug, province=None, allowed_domains=domains,
                      start_urls={"listing": (f"https://{domains[0]}/",)},
                      article_allow=(re.compile(r"-\d+\.html$"),), transport=transport, path=f"{slug}.toml")


SITES = {
    "bnews": site("bnews", ("bnews.vn",), Transport(legacy_tls=True)),
    "cema": site("cema", ("cema.gov.vn",), Transport(verify_tls=False, http_only=True)),
    "danang": site("danang", ("danang.gov.vn",), Transport()),
    "slow": site("slow", ("slow.gov.vn",), Transport(timeout=120)),
}


def factory(verify: bool = True, overrides: dict[str, Transport] | None = None) -> PerHostContextFactory:
    crawler = get_crawler(Spider, {"DOWNLOAD_VERIFY_CERTIFICATES": verify})
    made = PerHostContextFactory.from_crawler(crawler)
    made.transport = HostTransport(SITES, overrides)
    made.transport.crawler = crawler
    return made


def options_bits(context: SSL.Context) -> int:
    return int(context.set_options(0))  # set_options returns the options now in force


def test_legacy_renegotiation_only_for_the_named_host() -> None:
    made = factory()
    for host, legacy in ((b"bnews.vn", True), (b"www.bnews.vn", True), (b"danang.gov.vn", False),
                         (b"cema.gov.vn", False), (b"bnews.vn.example.com", False)):
        context = context_of(made.creatorForNetloc(host, 443))
        assert bool(options_bits(context) & OP_LEGACY_SERVER_CONNECT) is legacy, host


def test_certificate_verification_off_only_for_the_named_host() -> None:
    made = factory()
    for host, verified in ((b"cema.gov.vn", False), (b"www.cema.gov.vn", False), (b"danang.gov.vn", True),
                           (b"bnews.vn", True), (b"example.com", True)):
        mode = context_of(made.creatorForNetloc(host, 443)).get_verify_mode()
        assert bool(mode & SSL.VERIFY_PEER) is verified, host


def test_verification_globally_off_stays_off() -> None:
    made = factory(verify=False)
    assert context_of(made.creatorForNetloc(b"danang.gov.vn", 443)).get_verify_mode() == SSL.VERIFY_NONE


def test_options_are_logged_once_per_host_and_counted(caplog) -> None:
    caplog.set_level("INFO", logger="crawler.adapters.transport")
    made = factory()
    for _ in range(3):
        made.creatorForNetloc(b"bnews.vn", 443)
        made.creatorForNetloc(b"cema.gov.vn", 443)
    made.creatorForNetloc(b"danang.gov.vn", 443)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "Transport option for bnews.vn: legacy_tls = true: unsafe legacy renegotiation allowed (bnews.toml)",
        "Transport option for cema.gov.vn: verify_tls = false: certificate not verified (cema.toml)",
    ]
    stats = made.transport.crawler.stats
    assert stats.get_value("transport/legacy_tls") == 3 and stats.get_value("transport/verify_tls") == 3


def test_lookup_precedence_overrides_then_spider_then_registry() -> None:
    spider = Spider(name="danang")
    spider.site = SITES["cema"]  # type: ignore[attr-defined]
    spider.base_url = "https://127.0.0.1:8443/"  # type: ignore[attr-defined]
    transport = HostTransport(SITES, {"bnews.vn": Transport(timeout=5)}, spider=spider)
    assert transport.lookup("bnews.vn") == (Transport(timeout=5), "TRANSPORT_HOSTS['bnews.vn']")
    assert transport.lookup("127.0.0.1") == (SITES["cema"].transport, "cema.toml")  # rebased host
    assert transport.lookup("slow.gov.vn") == (Transport(timeout=120), "slow.toml")
    assert transport.lookup("Danang.gov.vn.") == (Transport(), "")


def test_parse_overrides() -> None:
    assert parse_overrides('{"A.vn": {"verify_tls": false}}') == {"a.vn": Transport(verify_tls=False)}
    assert parse_overrides({}) == {}
    with pytest.raises(ValueError, match="unknown option"):
        parse_overrides({"a.vn": {"verify": False}})


def test_the_registry_names_cema_as_http_only_without_verification() -> None:
    cema = load_registry()["cema"]
    assert cema.transport == Transport(verify_tls=False, http_only=True)
    transport = HostTransport(load_registry())
    assert transport.lookup("cema.gov.vn")[0] == cema.transport
    assert transport.lookup("danang.gov.vn")[0] == Transport()


def test_https_handler_is_wired_with_the_per_host_factory() -> None:
    """The handler itself needs a running reactor: tests/e2e/test_faults_tls.py exercises it."""
    import inspect

    from crawler import settings

    assert settings.DOWNLOAD_HANDLERS["https"] == "crawler.adapters.transport.PerHostHTTPSHandler"
    assert settings.DOWNLOAD_VERIFY_CERTIFICATES is True
    assert "PerHostContextFactory.from_crawler" in inspect.getsource(PerHostHTTPSHandler.__init__)
