"""Load and validate site files (`crawler/sites/*.toml`) and shared CMS layouts (`layouts/*.toml`).

A site file states what is known of one site: its identity, where to start, which URLs are articles,
how listings paginate and, optionally, selectors. A site may inherit a CMS layout; its own keys win.
Every error names the file and the field, so a broken file is fixed in one look.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.limits import MAX_URL_CHARS


# Package data is read through importlib.resources, so the registry also loads from a zipped egg
# (Scrapyd). TAPHUAN_SITES_DIR points it at another folder of site files (a private registry, or a
# test's copy); CMS layouts always come from the package.
def sites_dir() -> Traversable:
    """The folder of site files, read when asked (not at import): TAPHUAN_SITES_DIR, else the package's."""
    env = os.environ.get("TAPHUAN_SITES_DIR")
    return Path(env) if env else files("crawler.sites")


LAYOUTS_DIR: Traversable = files("crawler.sites").joinpath("layouts")


def _stem(path: Traversable) -> str:
    return path.name.rsplit(".", 1)[0]


def _toml_files(directory: Traversable) -> list[Traversable]:
    return sorted((p for p in directory.iterdir() if p.name.endswith(".toml") and p.is_file()),
                  key=lambda p: p.name)


def layout_names() -> list[str]:
    return [_stem(p) for p in _toml_files(LAYOUTS_DIR)]

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")
START_KINDS = ("listing", "feed", "sitemap", "search")
SELECTOR_FIELDS = ("title", "published", "modified", "summary", "body", "author", "source")
PAGINATION_KINDS = ("none", "query", "path", "next_link")
SITE_KINDS = ("newspaper", "party_portal", "danvan", "government", "national", "aggregator")
STATUSES = ("supported", "unsupported")

_TOP_KEYS = {
    "slug", "name", "province", "kind", "layout", "allowed_domains", "verified_live", "evidence",
    "status", "unsupported_reason", "start_urls", "articles", "pagination", "selectors", "transport",
    "canonical", "notes", "cms", "monitor",
}
# [monitor]: per-site thresholds of the run's monitors (crawler/monitoring/history.Thresholds).
_MONITOR_KEYS = {"min_runs", "sigmas", "min_drop", "coverage_drop", "min_coverage", "min_items_for_coverage"}


class RegistryError(ValueError):
    """A site or layout file is malformed; the message names the file and the field."""

    def __init__(self, path: Traversable | str, field_name: str, problem: str) -> None:
        self.path = str(path)
        self.field = field_name
        super().__init__(f"{path}: field '{field_name}': {problem}")


@dataclass(frozen=True)
class Selectors:
    """CSS selectors (or XPath when the string starts with '/' or '(') for each field, in order of
    preference; `remove` lists nodes dropped from the body before text is taken."""

    title: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    summary: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def merged_over(self, base: Selectors) -> Selectors:
        """Own selectors first, then the layout's as fallbacks; removals add up."""
        values: dict[str, tuple[str, ...]] = {}
        for name in (*SELECTOR_FIELDS, "remove"):
            own, inherited = getattr(self, name), getattr(base, name)
            values[name] = own + tuple(s for s in inherited if s not in own)
        return Selectors(**values)


@dataclass(frozen=True)
class Pagination:
    """How a listing's next page is found.

    kind="query": add or bump `param` (first extra page `first`); kind="path": `template` with
    `{n}` appended to the listing URL's path (e.g. "trang-{n}.html"); kind="next_link": follow
    `selector`. Paging stops at `max_pages` or after `stop_after_stale` pages bringing nothing new.
    """

    kind: str = "none"
    param: str = ""
    first: int = 2
    template: str = ""
    selector: str = ""
    max_pages: int = 50
    stop_after_stale: int = 1


@dataclass(frozen=True)
class Transport:
    """Per-host transport options; all off by default and logged when used."""

    legacy_tls: bool = False
    verify_tls: bool = True
    timeout: float | None = None
    http_only: bool = False


@dataclass(frozen=True)
class SiteConfig:
    slug: str
    name: str
    province: str | None
    allowed_domains: tuple[str, ...]
    start_urls: Mapping[str, tuple[str, ...]]
    article_allow: tuple[re.Pattern[str], ...]
    article_deny: tuple[re.Pattern[str], ...] = ()
    kind: str = "newspaper"
    layout: str | None = None
    pagination: Pagination = field(default_factory=Pagination)
    selectors: Selectors = field(default_factory=Selectors)
    transport: Transport = field(default_factory=Transport)
    canonical: Mapping[str, Any] = field(default_factory=dict)
    verified_live: bool = False
    evidence: tuple[str, ...] = ()
    status: str = "supported"
    unsupported_reason: str | None = None
    notes: str = ""
    path: str = ""
    monitor: Mapping[str, Any] = field(default_factory=dict)

    @property
    def supported(self) -> bool:
        return self.status == "supported"

    @property
    def generic_only(self) -> bool:
        """A site file with no article URL patterns: discovery and extraction are the generic path's."""
        return not self.article_allow

    def all_start_urls(self) -> list[tuple[str, str]]:
        """(kind, url) pairs in discovery order: sitemaps, feeds, listings, search pages."""
        order = ("sitemap", "feed", "listing", "search")
        return [(kind, url) for kind in order for url in self.start_urls.get(kind, ())]

    def is_article_url(self, url: str) -> bool:
        """Patterns match the path and query ("/a-b-123.html?x=1"), so they hold on any host. The
        patterns are user data: they never see a URL longer than MAX_URL_CHARS (not an article)."""
        if len(url) > MAX_URL_CHARS:
            return False
        parts = urlsplit(url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        if any(p.search(target) for p in self.article_deny):
            return False
        return any(p.search(target) for p in self.article_allow)

    def owns_host(self, host: str) -> bool:
        host = host.lower().split(":")[0]
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)


# ---------------------------------------------------------------------------------------------
# Validation helpers: each raises RegistryError naming the file and the dotted field.


def _req(data: Mapping[str, Any], key: str, typ: type, path: Traversable, prefix: str = "") -> Any:
    if key not in data:
        raise RegistryError(path, prefix + key, "is required")
    return _typed(data[key], typ, path, prefix + key)


def _opt(data: Mapping[str, Any], key: str, typ: type, path: Traversable, default: Any, prefix: str = "") -> Any:
    if key not in data:
        return default
    return _typed(data[key], typ, path, prefix + key)


def _typed(value: Any, typ: type, path: Traversable, name: str) -> Any:
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise RegistryError(path, name, f"must be {typ.__name__}, got {type(value).__name__} {value!r}")
    return value


def _str_list(value: Any, path: Traversable, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RegistryError(path, name, f"must be a list of non-empty strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _regexes(value: Any, path: Traversable, name: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for i, pattern in enumerate(_str_list(value, path, name)):
        try:
            out.append(re.compile(pattern))
        except re.error as exc:
            raise RegistryError(path, f"{name}[{i}]", f"bad regular expression {pattern!r}: {exc}") from None
    return tuple(out)


def _check_unknown(data: Mapping[str, Any], allowed: Iterable[str], path: Traversable, prefix: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise RegistryError(path, prefix + unknown[0], f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _selectors(data: Any, path: Traversable) -> Selectors:
    if data is None:
        return Selectors()
    _typed(data, dict, path, "selectors")
    _check_unknown(data, (*SELECTOR_FIELDS, "remove"), path, "selectors.")
    return Selectors(**{k: _str_list(v, path, f"selectors.{k}") for k, v in data.items()})


def _pagination(data: Any, path: Traversable) -> Pagination:
    if data is None:
        return Pagination()
    _typed(data, dict, path, "pagination")
    _check_unknown(data, Pagination.__dataclass_fields__, path, "pagination.")
    kind = _opt(data, "kind", str, path, "none", "pagination.")
    if kind not in PAGINATION_KINDS:
        raise RegistryError(path, "pagination.kind", f"must be one of {PAGINATION_KINDS}, got {kind!r}")
    pag = Pagination(
        kind=kind,
        param=_opt(data, "param", str, path, "", "pagination."),
        first=_opt(data, "first", int, path, 2, "pagination."),
        template=_opt(data, "template", str, path, "", "pagination."),
        selector=_opt(data, "selector", str, path, "", "pagination."),
        max_pages=_opt(data, "max_pages", int, path, 50, "pagination."),
        stop_after_stale=_opt(data, "stop_after_stale", int, path, 1, "pagination."),
    )
    required = {"query": "param", "path": "template", "next_link": "selector"}.get(kind)
    if required and not getattr(pag, required):
        raise RegistryError(path, f"pagination.{required}", f"is required when kind = {kind!r}")
    if kind == "path" and "{n}" not in pag.template:
        raise RegistryError(path, "pagination.template", "must contain {n}")
    if pag.max_pages < 1 or pag.stop_after_stale < 1:
        raise RegistryError(path, "pagination.max_pages", "max_pages and stop_after_stale must be >= 1")
    return pag


def _transport(data: Any, path: Traversable) -> Transport:
    if data is None:
        return Transport()
    _typed(data, dict, path, "transport")
    _check_unknown(data, Transport.__dataclass_fields__, path, "transport.")
    timeout = _opt(data, "timeout", float, path, None, "transport.")
    if timeout is not None and timeout <= 0:
        raise RegistryError(path, "transport.timeout", "must be > 0")
    return Transport(
        legacy_tls=_opt(data, "legacy_tls", bool, path, False, "transport."),
        verify_tls=_opt(data, "verify_tls", bool, path, True, "transport."),
        timeout=timeout,
        http_only=_opt(data, "http_only", bool, path, False, "transport."),
    )


def _monitor(data: Any, path: Traversable) -> dict[str, Any]:
    if data is None:
        return {}
    _typed(data, dict, path, "monitor")
    _check_unknown(data, _MONITOR_KEYS, path, "monitor.")
    from crawler.monitoring.history import COVERAGE_FIELDS
    for key, value in data.items():
        if key == "min_coverage":
            _typed(value, dict, path, "monitor.min_coverage")
            _check_unknown(value, COVERAGE_FIELDS, path, "monitor.min_coverage.")
            for name, share in value.items():
                if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1:
                    raise RegistryError(path, f"monitor.min_coverage.{name}", "must be a share from 0 to 1")
        elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise RegistryError(path, f"monitor.{key}", "must be a number >= 0")
    return dict(data)


def _read_toml(path: Traversable) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(path, "<file>", f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise RegistryError(path, "<file>", f"cannot be read: {exc}") from None


@cache
def load_layout(name: str) -> dict[str, Any]:
    """A CMS layout's raw tables (selectors, articles, pagination), validated as a site's would be."""
    path = LAYOUTS_DIR.joinpath(f"{name}.toml")
    if not path.is_file():
        known = layout_names()
        raise RegistryError(path, "layout", f"unknown layout {name!r} (known: {', '.join(known)})")
    data = _read_toml(path)
    _check_unknown(data, {"name", "description", "fingerprints", "selectors", "articles", "pagination",
                          "canonical"}, path, "")
    _selectors(data.get("selectors"), path)
    _pagination(data.get("pagination"), path)
    return data


def _province(value: Any, path: Traversable) -> str | None:
    """One of the 34 current provinces; a pre-2025 name is refused with the name to write instead."""
    from crawler.relevance.provinces import OLD_TO_NEW, PROVINCES, canonical_province
    from crawler.text import fold

    if value is None:
        return None
    name = _typed(value, str, path, "province")
    canon = canonical_province(name)
    if canon is None:
        raise RegistryError(path, "province", f"{name!r} is not one of the 34 provinces (after 1/7/2025)")
    merged = {fold(old): new for old, new in OLD_TO_NEW.items() if new != old and old not in PROVINCES}
    if fold(name) in merged:
        raise RegistryError(path, "province", f"{name!r} merged into {canon!r} on 1/7/2025: write {canon!r}")
    return canon


def _identity(data: Mapping[str, Any], path: Traversable) -> dict[str, Any]:
    """slug, name, kind, status and its reason."""
    slug = _req(data, "slug", str, path)
    if not SLUG_RE.match(slug):
        raise RegistryError(path, "slug", f"must match {SLUG_RE.pattern}, got {slug!r}")
    if slug == "generic":
        raise RegistryError(path, "slug", "'generic' is reserved for the generic spider")
    if _stem(path) != slug and path.name.endswith(".toml"):
        raise RegistryError(path, "slug", f"must equal the file name ({_stem(path)!r}), got {slug!r}")
    kind = _opt(data, "kind", str, path, "newspaper")
    if kind not in SITE_KINDS:
        raise RegistryError(path, "kind", f"must be one of {SITE_KINDS}, got {kind!r}")
    status = _opt(data, "status", str, path, "supported")
    if status not in STATUSES:
        raise RegistryError(path, "status", f"must be one of {STATUSES}, got {status!r}")
    reason = _opt(data, "unsupported_reason", str, path, None)
    if status == "unsupported" and not reason:
        raise RegistryError(path, "unsupported_reason", "is required when status = 'unsupported'")
    return {"slug": slug, "name": _req(data, "name", str, path), "kind": kind, "status": status,
            "unsupported_reason": reason}


def _start_urls(data: Mapping[str, Any], path: Traversable) -> dict[str, tuple[str, ...]]:
    start_raw = _opt(data, "start_urls", dict, path, {})
    _check_unknown(start_raw, START_KINDS, path, "start_urls.")
    start_urls = {k: _str_list(v, path, f"start_urls.{k}") for k, v in start_raw.items()}
    for kind_name, urls in start_urls.items():
        for i, url in enumerate(urls):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise RegistryError(path, f"start_urls.{kind_name}[{i}]", f"not an http(s) URL: {url!r}")
    return start_urls


def _domains(data: Mapping[str, Any], start_urls: Mapping[str, tuple[str, ...]], path: Traversable) -> tuple[str, ...]:
    """allowed_domains as written, else the start URLs' hosts (without "www."); every start URL's
    host must be one of them."""
    if "allowed_domains" in data:
        domains = _str_list(_typed(data["allowed_domains"], list, path, "allowed_domains"), path, "allowed_domains")
    else:
        hosts = [(urlsplit(u).hostname or "").removeprefix("www.") for urls in start_urls.values() for u in urls]
        domains = tuple(dict.fromkeys(h for h in hosts if h))
        if not domains:
            raise RegistryError(path, "allowed_domains", "is required when there is no start URL")
    for i, dom in enumerate(domains):
        if "/" in dom or ":" in dom or dom != dom.lower():
            raise RegistryError(path, f"allowed_domains[{i}]", f"must be a lower-case host name, got {dom!r}")
    for kind_name, urls in start_urls.items():
        for i, url in enumerate(urls):
            host = urlsplit(url).hostname or ""
            if not any(host == d or host.endswith("." + d) for d in domains):
                raise RegistryError(path, f"start_urls.{kind_name}[{i}]", f"host {host!r} is not in allowed_domains")
    return domains


def _articles(data: Mapping[str, Any], layout: Mapping[str, Any], path: Traversable) -> tuple[
        tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    """Article URL patterns: the site's over its layout's. None at all: a generic-only site, whose
    article URLs the crawl recognizes by their shape."""
    articles = dict(layout.get("articles", {}))
    own_articles = _opt(data, "articles", dict, path, {})
    _check_unknown(own_articles, ("allow", "deny"), path, "articles.")
    articles.update(own_articles)
    return (_regexes(articles.get("allow", []), path, "articles.allow"),
            _regexes(articles.get("deny", []), path, "articles.deny"))


def _canonical(data: Mapping[str, Any], layout: Mapping[str, Any], path: Traversable) -> dict[str, Any]:
    """The site's `[canonical]` rules over its layout's; `preset = "<layout>"` names another CMS
    layout's rules (a site on that CMS without its selectors), put in place as a table."""
    canonical = dict(layout.get("canonical", {}))
    canonical.update(_opt(data, "canonical", dict, path, {}))
    preset = canonical.get("preset")
    if isinstance(preset, str):
        if preset not in layout_names():
            raise RegistryError(path, "canonical.preset", f"unknown preset {preset!r}: name a CMS layout "
                                f"({', '.join(layout_names())})")
        canonical["preset"] = dict(load_layout(preset).get("canonical", {}))
    try:
        from crawler.dedup.canonical import rules_from_mapping

        rules_from_mapping(canonical)
    except ValueError as exc:
        raise RegistryError(path, "canonical", str(exc)) from None
    return canonical


def parse_site(data: Mapping[str, Any], path: Traversable) -> SiteConfig:
    _check_unknown(data, _TOP_KEYS, path, "")
    identity = _identity(data, path)
    start_urls = _start_urls(data, path)
    if identity["status"] == "supported" and not any(start_urls.values()):
        raise RegistryError(path, "start_urls", "a supported site needs at least one start URL")
    domains = _domains(data, start_urls, path)
    layout_name = _opt(data, "layout", str, path, None)
    layout = load_layout(layout_name) if layout_name else {}
    allow, deny = _articles(data, layout, path)
    pag_raw = dict(layout.get("pagination", {}))
    pag_raw.update(_opt(data, "pagination", dict, path, {}))
    evidence = _str_list(_req(data, "evidence", list, path), path, "evidence")
    if not evidence:
        raise RegistryError(path, "evidence", "is required: at least one source the entry rests on")
    return SiteConfig(
        **identity,
        province=_province(data.get("province"), path),
        layout=layout_name,
        allowed_domains=domains,
        start_urls=start_urls,
        article_allow=allow,
        article_deny=deny,
        pagination=_pagination(pag_raw or None, path),
        selectors=_selectors(data.get("selectors"), path).merged_over(_selectors(layout.get("selectors"), path)),
        transport=_transport(data.get("transport"), path),
        canonical=_canonical(data, layout, path),
        verified_live=_req(data, "verified_live", bool, path),
        evidence=evidence,
        notes=_opt(data, "notes", str, path, ""),
        path=str(path),
        monitor=_monitor(data.get("monitor"), path),
    )


def load_site(path: Traversable | str) -> SiteConfig:
    path = Path(path) if isinstance(path, str) else path
    return parse_site(_read_toml(path), path)


def site_files(directory: Traversable | None = None) -> list[Traversable]:
    return _toml_files(directory or sites_dir())


def load_registry_with_errors(
    directory: Traversable | None = None,
) -> tuple[dict[str, SiteConfig], list[RegistryError]]:
    """All valid sites by slug, and the errors of the malformed files, so one broken file stops only
    its own site. The package's own registry is read once per process (several components ask)."""
    if directory is None and "TAPHUAN_SITES_DIR" not in os.environ:
        sites, errors = _package_registry()
        return dict(sites), list(errors)
    return _read_registry(directory or sites_dir())


@cache
def _package_registry() -> tuple[dict[str, SiteConfig], list[RegistryError]]:
    return _read_registry(files("crawler.sites"))


def _read_registry(directory: Traversable) -> tuple[dict[str, SiteConfig], list[RegistryError]]:
    sites: dict[str, SiteConfig] = {}
    errors: list[RegistryError] = []
    for path in site_files(directory):
        try:
            site = load_site(path)
        except RegistryError as exc:
            errors.append(exc)
            continue
        sites[site.slug] = site
    return sites, errors


def load_registry(directory: Traversable | None = None) -> dict[str, SiteConfig]:
    """All sites by slug; raises the first file's RegistryError."""
    sites, errors = load_registry_with_errors(directory)
    if errors:
        raise errors[0]
    return sites


def site_for_url(url: str, sites: Mapping[str, SiteConfig] | None = None) -> SiteConfig | None:
    """The registered site whose allowed domains hold the URL's host (longest domain wins)."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return None
    if sites is None:
        sites, _ = load_registry_with_errors()
    best: tuple[int, SiteConfig] | None = None
    for site in sites.values():
        for dom in site.allowed_domains:
            if (host == dom or host.endswith("." + dom)) and (best is None or len(dom) > best[0]):
                best = (len(dom), site)
    return best[1] if best else None
