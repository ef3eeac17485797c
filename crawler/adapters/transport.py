"""Per-host transport options: legacy TLS renegotiation, certificate verification, timeout, HTTP only.

A site file's `[transport]` table (crawler/sites/*.toml) names what one site's servers need:

    [transport]
    legacy_tls = true    # OpenSSL 3 refuses servers without RFC 5746 renegotiation (bnews.vn)
    verify_tls = false   # the certificate is broken (cema.gov.vn: host name mismatch)
    timeout = 120        # seconds, for a slow server (request meta `download_timeout`)
    http_only = true     # https links to this host are fetched over http

Every option is off by default and applies only to the hosts of the site that asks for it (its
allowed domains, and its `-a base_url=` host when rebased); `-s TRANSPORT_HOSTS='{"host": {...}}'`
adds or overrides options per host without editing a site file. Each option is logged (INFO, naming
host and option) the first time it is used.

Scrapy's context factory is global to a crawler, so `PerHostContextFactory` looks the host up for
every TLS connection. It is installed through `PerHostHTTPSHandler` (DOWNLOAD_HANDLERS["https"])
because Scrapy 2.19 deprecates DOWNLOADER_CLIENTCONTEXTFACTORY; setting that to the factory works too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from OpenSSL import SSL
from scrapy.core.downloader.contextfactory import _ScrapyClientContextFactory
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.core.downloader.tls import _ScrapyClientTLSOptions, _ScrapyClientTLSOptions26
from scrapy.crawler import Crawler
from scrapy.utils._deps_compat import TWISTED_TLS_NEW_IMPL
from twisted.internet.ssl import CertificateOptions, optionsForClientTLS, platformTrust

from crawler.sites.registry import SiteConfig, Transport, load_registry_with_errors

logger = logging.getLogger(__name__)

OP_LEGACY_SERVER_CONNECT = getattr(SSL, "OP_LEGACY_SERVER_CONNECT", 0x4)
DEFAULT = Transport()


def _matches(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def parse_overrides(raw: Any) -> dict[str, Transport]:
    """TRANSPORT_HOSTS: {"host": {"verify_tls": false, ...}} (a dict, or its JSON from `-s`)."""
    if not raw:
        return {}
    data = json.loads(raw) if isinstance(raw, str) else dict(raw)
    known = {f.name for f in fields(Transport)}
    out: dict[str, Transport] = {}
    for host, options in data.items():
        unknown = set(options) - known
        if unknown:
            raise ValueError(f"TRANSPORT_HOSTS[{host!r}]: unknown option(s) {sorted(unknown)} (known: {sorted(known)})")
        out[host.lower()] = replace(DEFAULT, **options)
    return out


class HostTransport:
    """Which transport options a host gets, and from where (for the log line).

    Precedence: TRANSPORT_HOSTS, then the running spider's own site (for its allowed domains and its
    base URL's host), then whichever registered site owns the host."""

    def __init__(self, sites: Mapping[str, SiteConfig], overrides: Mapping[str, Transport] | None = None,
                 spider: Any = None) -> None:
        self.sites = sites
        self.overrides = dict(overrides or {})
        self.spider = spider
        self._cache: dict[str, tuple[Transport, str]] = {}
        self._logged: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostTransport:
        """One per crawler, shared by the middleware and the TLS context factory."""
        existing = getattr(crawler, "_taphuan_transport", None)
        if isinstance(existing, HostTransport):
            return existing
        sites, _errors = load_registry_with_errors()  # broken files are reported by the spider loader
        made = cls(sites, parse_overrides(crawler.settings.get("TRANSPORT_HOSTS")))
        made.crawler = crawler
        crawler._taphuan_transport = made  # type: ignore[attr-defined]
        return made

    crawler: Crawler | None = None

    def _spider(self) -> Any:
        if self.spider is not None:
            return self.spider
        return getattr(self.crawler, "spider", None) if self.crawler is not None else None

    def lookup(self, host: str) -> tuple[Transport, str]:
        host = host.lower().rstrip(".")
        if host not in self._cache:
            self._cache[host] = self._lookup(host)
        return self._cache[host]

    def _lookup(self, host: str) -> tuple[Transport, str]:
        for domain, options in sorted(self.overrides.items(), key=lambda kv: -len(kv[0])):
            if _matches(host, domain):
                return options, f"TRANSPORT_HOSTS[{domain!r}]"
        spider = self._spider()
        site = getattr(spider, "site", None)
        if isinstance(site, SiteConfig) and site.transport != DEFAULT:
            from urllib.parse import urlsplit

            base = getattr(spider, "base_url", None)
            base_host = (urlsplit(base).hostname or "").lower() if base else ""
            if host == base_host or site.owns_host(host):
                return site.transport, site.path or site.slug
        best: tuple[int, SiteConfig] | None = None
        for candidate in self.sites.values():
            for domain in candidate.allowed_domains:
                if _matches(host, domain) and (best is None or len(domain) > best[0]):
                    best = (len(domain), candidate)
        if best is not None and best[1].transport != DEFAULT:
            return best[1].transport, best[1].path or best[1].slug
        return DEFAULT, ""

    def note(self, host: str, option: str, detail: str) -> None:
        """Log (once per host and option) and count that an option was used."""
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"transport/{option}")
        if (host, option) in self._logged:
            return
        self._logged.add((host, option))
        _options, origin = self.lookup(host)
        logger.info("Transport option for %s: %s = %s (%s)", host, option, detail, origin or "default")


class PerHostContextFactory(_ScrapyClientContextFactory):
    """TLS settings per host: certificate verification on (DOWNLOAD_VERIFY_CERTIFICATES) except for
    hosts whose site sets verify_tls = false; OpenSSL's OP_LEGACY_SERVER_CONNECT only for hosts whose
    site sets legacy_tls = true (Scrapy's own factory sets it for every host)."""

    transport: HostTransport
    trust_root: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, method: int | None = SSL.SSLv23_METHOD,
                     *args: Any, **kwargs: Any) -> PerHostContextFactory:
        factory = super().from_crawler(crawler, method, *args, **kwargs)
        factory.transport = HostTransport.from_crawler(crawler)
        return factory

    def options_for(self, host: str) -> Transport:
        transport = getattr(self, "transport", None)
        return transport.lookup(host)[0] if transport is not None else DEFAULT

    def _trust(self) -> Any:
        if self.trust_root is None:
            self.trust_root = platformTrust()
        return self.trust_root

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:
        host = hostname.decode("ascii")
        options = self.options_for(host)
        transport = getattr(self, "transport", None)
        verify = self._verify_certificates and options.verify_tls
        kwargs = self._get_cert_options_kwargs()
        creator: Any
        if verify:
            creator = optionsForClientTLS(hostname=host, trustRoot=self._trust(), extraCertificateOptions=kwargs)
            context = context_of(creator)
        else:
            # Twisted's plain CertificateOptions, not Scrapy's: that one sets the legacy option always.
            cert_options = CertificateOptions(**kwargs)
            context = cert_options.getContext()
            if TWISTED_TLS_NEW_IMPL:
                creator = _ScrapyClientTLSOptions26(cert_options._makeTLSConnection, host)
            else:  # Twisted < 26.4
                creator = _ScrapyClientTLSOptions(host, context)  # type: ignore[arg-type]
            if self._verify_certificates and transport is not None:
                transport.note(host, "verify_tls", "false: certificate not verified")
        if options.legacy_tls:
            context.set_options(OP_LEGACY_SERVER_CONNECT)
            if transport is not None:
                transport.note(host, "legacy_tls", "true: unsafe legacy renegotiation allowed")
        return creator


class PerHostHTTPSHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler with the per-host TLS context factory."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._contextFactory = PerHostContextFactory.from_crawler(crawler)  # type: ignore[assignment]


def context_of(creator: Any) -> SSL.Context:
    """The OpenSSL context a connection creator uses (for tests and diagnostics)."""
    if hasattr(creator, "_ctx"):  # Twisted < 26.4
        context: SSL.Context = creator._ctx
    else:
        context = creator._createConnection.__self__.getContext()
    return context
