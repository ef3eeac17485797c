"""Canonical URLs: one spelling per article, so the same page is never emitted twice.

`canonical_url` is an identity key for *article* URLs (the item's `canonical_url` and `id`, and the
spider's "already known?" check). It does not try to keep listing pages apart (Scrapy's request
fingerprinting does that), and it stays a fetchable URL for every rule shipped here.

Order of work: NFC and trim -> unwrap redirect wrappers (Liferay's language switch) -> drop tracking
and per-site noise parameters, or keep only a route's identity parameters -> w3lib's canonical form
(sorted query, upper-case percent escapes, no fragment, dot segments resolved, lower-case host) ->
default port dropped, optional `www.` strip / https upgrade / path rewrites.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import unquote, unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from crawler.limits import MAX_URL_CHARS

# Added by share buttons, ad networks and chat apps; never part of an article's identity.
# zarsrc/gidzl: Zalo (the dominant Vietnamese messenger) appends them to every shared link;
# srsltid: Google Merchant; zanpid: Zalo ads.
TRACKING_PARAMS: tuple[str, ...] = (
    "utm_*", "fbclid", "gclid", "gclsrc", "dclid", "wbraid", "gbraid", "msclkid", "yclid", "srsltid",
    "_ga", "_gl", "mc_cid", "mc_eid", "igshid", "fb_action_ids", "fb_action_types", "fb_source",
    "fb_ref", "_hsenc", "_hsmi", "mkt_tok", "zarsrc", "gidzl", "zanpid",
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PAD = re.compile(r"^(?:\+|%20)+|(?:\+|%20)+$", re.IGNORECASE)
_INNER_SPACES = re.compile(r"(?:\+|%20){2,}", re.IGNORECASE)


@dataclass(frozen=True)
class CanonicalRules:
    """Per-site canonicalization rules (the registry's `[canonical]` table maps onto these fields).

    drop_params: parameter names to drop, in addition to TRACKING_PARAMS. Glob patterns ("p_p_*",
        "_*_redirect"); "name=value" drops the parameter only when it has that exact value.
    keep_params: whitelist for every path: when set, only these parameters survive.
    routes: (path regex, whitelist) pairs, first match wins, checked before keep_params; for sites
        where an article route is identified by a few parameters and the rest is navigation noise.
    path_rewrites: (regex, replacement) pairs applied in order to the canonical (percent-encoded) path.
    unwrap: (path regex, parameter) pairs: a URL whose path matches is replaced by the URL in that
        parameter (resolved against it), e.g. Liferay's /c/portal/update_language?redirect=<url>.
    strip_www: the site serves the same pages with and without "www.".
    force_https: the site serves the same pages over http and https (old http links -> https).
    collapse_spaces_in_params: strip '+'/%20 padding at the ends of values and squeeze inner runs
        (SharePoint's `l=Tintrongtinh%2F++++`).
    case_insensitive: the server ignores case in paths and parameter names (IIS/SharePoint);
        lower-cases both (never values).
    """

    drop_params: tuple[str, ...] = ()
    keep_params: tuple[str, ...] | None = None
    routes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    path_rewrites: tuple[tuple[str, str], ...] = ()
    unwrap: tuple[tuple[str, str], ...] = ()
    strip_www: bool = False
    force_https: bool = False
    collapse_spaces_in_params: bool = False
    case_insensitive: bool = False
    _compiled: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            compiled = (
                tuple((re.compile(p), keep) for p, keep in self.routes),
                tuple((re.compile(p), r) for p, r in self.path_rewrites),
                tuple((re.compile(p), name) for p, name in self.unwrap),
            )
        except re.error as exc:
            raise ValueError(f"CanonicalRules: bad regular expression: {exc}") from exc
        object.__setattr__(self, "_compiled", compiled)

    def extended(self, other: CanonicalRules) -> CanonicalRules:
        """`other` layered over self: lists add up (other's routes/rewrites first), flags OR-ed,
        other's keep_params wins when set."""
        return CanonicalRules(
            drop_params=self.drop_params + tuple(p for p in other.drop_params if p not in self.drop_params),
            keep_params=other.keep_params if other.keep_params is not None else self.keep_params,
            routes=other.routes + self.routes,
            path_rewrites=other.path_rewrites + self.path_rewrites,
            unwrap=other.unwrap + self.unwrap,
            strip_www=self.strip_www or other.strip_www,
            force_https=self.force_https or other.force_https,
            collapse_spaces_in_params=self.collapse_spaces_in_params or other.collapse_spaces_in_params,
            case_insensitive=self.case_insensitive or other.case_insensitive,
        )


DEFAULT_RULES = CanonicalRules()

def rules_from_mapping(data: Mapping[str, Any] | None, where: str = "canonical") -> CanonicalRules:
    """Rules from a site file's `[canonical]` table: any CanonicalRules field (lists of strings;
    routes/path_rewrites/unwrap as lists of 2-item lists) layered over `preset`, a table of the same
    kind (the registry puts a CMS layout's `[canonical]` table there for `preset = "<layout>"`).
    Raises ValueError naming the key on bad input."""
    if not data:
        return DEFAULT_RULES
    data = dict(data)
    preset = data.pop("preset", None)
    if preset is not None and not isinstance(preset, Mapping):
        raise ValueError(f"{where}.preset: {preset!r} is not a table of rules (name a CMS layout in a site file)")
    base = rules_from_mapping(preset, f"{where}.preset") if preset else DEFAULT_RULES
    names = {f.name for f in fields(CanonicalRules) if f.init}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names:
            raise ValueError(f"{where}.{key}: unknown key; known: {sorted(names | {'preset'})}")
        if key in ("strip_www", "force_https", "collapse_spaces_in_params", "case_insensitive"):
            if not isinstance(value, bool):
                raise ValueError(f"{where}.{key}: must be true or false")
            kwargs[key] = value
        elif key in ("drop_params", "keep_params"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{where}.{key}: must be a list of strings")
            kwargs[key] = tuple(value)
        elif key == "routes":
            if not isinstance(value, list) or not all(
                isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], list)
                for v in value
            ):
                raise ValueError(f"{where}.routes: must be a list of [path_regex, [param, ...]]")
            kwargs[key] = tuple((v[0], tuple(str(p) for p in v[1])) for v in value)
        else:
            if not isinstance(value, list) or not all(
                isinstance(v, list) and len(v) == 2 and all(isinstance(s, str) for s in v) for v in value
            ):
                raise ValueError(f"{where}.{key}: must be a list of [string, string] pairs")
            kwargs[key] = tuple((v[0], v[1]) for v in value)
    return base.extended(CanonicalRules(**kwargs))


def _matches(patterns: tuple[str, ...], name: str, value: str) -> bool:
    for pattern in patterns:
        pname, eq, pvalue = pattern.partition("=")
        if fnmatchcase(name, pname) and (not eq or value == pvalue):
            return True
    return False


def _unwrap(url: str, rules: CanonicalRules) -> str:
    for _ in range(3):  # a wrapper around a wrapper is possible; a loop is not worth following
        parts = urlsplit(url)
        for pattern, param in rules._compiled[2]:
            if len(parts.path) > MAX_URL_CHARS or not pattern.search(parts.path):
                continue
            for pair in parts.query.split("&"):
                name, _, value = pair.partition("=")
                if unquote_plus(name) == param and value:
                    target = unquote_plus(value).strip()
                    if target and not target.lower().startswith(("javascript:", "data:")):
                        url = urljoin(url, target)
                        break
            else:
                continue
            break
        else:
            return url
    return url


def _clean_query(path: str, query: str, rules: CanonicalRules) -> str:
    whitelist = rules.keep_params
    for pattern, keep in rules._compiled[0]:
        if len(path) <= MAX_URL_CHARS and pattern.search(path):
            whitelist = keep
            break
    kept: list[str] = []
    for pair in query.split("&"):
        if not pair:
            continue
        raw_name, eq, raw_value = pair.partition("=")
        if rules.case_insensitive:
            raw_name = raw_name.lower()
        if rules.collapse_spaces_in_params and len(raw_value) <= MAX_URL_CHARS:
            raw_value = _INNER_SPACES.sub("+", _PAD.sub("", raw_value))
        name, value = unquote_plus(raw_name), unquote_plus(raw_value)
        if _matches(TRACKING_PARAMS, name, value) or _matches(rules.drop_params, name, value):
            continue
        if whitelist is not None and not _matches(whitelist, name, value):
            continue
        kept.append(f"{raw_name}{eq}{raw_value}")
    return "&".join(kept)


def canonical_url(url: str, rules: CanonicalRules | None = None) -> str:
    """The canonical form of an absolute http(s) URL (see the module docstring for the steps).

    >>> canonical_url("HTTPS://Example.VN:443/a?utm_source=zalo&b=2&a=1#top")
    'https://example.vn/a?a=1&b=2'
    """
    rules = rules or DEFAULT_RULES
    url = unicodedata.normalize("NFC", url.strip())
    url = _unwrap(url, rules)
    parts = urlsplit(url)
    path = parts.path.lower() if rules.case_insensitive else parts.path
    query = _clean_query(unquote(path), parts.query, rules)
    url = canonicalize_url(urlunsplit((parts.scheme, parts.netloc, path, query, "")), keep_blank_values=True)

    parts = urlsplit(url)
    scheme = parts.scheme
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal: urlsplit drops the brackets
        host = f"[{host}]"
    port = parts.port
    if rules.force_https and scheme == "http":
        scheme = "https"
        if port == 80:
            port = None
    if port == _DEFAULT_PORTS.get(scheme):
        port = None
    if rules.strip_www and host.startswith("www."):
        host = host[4:]
    netloc = host if port is None else f"{host}:{port}"
    if "@" in parts.netloc:
        netloc = parts.netloc.rpartition("@")[0] + "@" + netloc
    path = parts.path
    for pattern, replacement in rules._compiled[1]:
        if len(path) <= MAX_URL_CHARS:  # the site's patterns are user data: never run over a longer path
            path = pattern.sub(replacement, path)
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def url_id(canonical: str) -> str:
    """The item `id`: first 16 hex digits of sha256 of the canonical URL (stable across runs,
    machines and Python versions)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
