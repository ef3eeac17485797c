"""Every registered site has fixtures, and its fixture articles extract as a careful reader expects.

A failure names the site (the test id is the slug) and the field.
"""

from __future__ import annotations

from typing import Any

import pytest

from crawler.dedup.canonical import rules_from_mapping
from crawler.extract import extract_article
from crawler.sites.registry import SiteConfig, load_registry
from crawler.stages import assemble_item, process_standalone
from crawler.tools.fixtures import FIXTURES_DIR, load_fixture_site

REGISTRY = load_registry()
EXACT_FIELDS = ("title", "summary", "published_at", "modified_at", "author", "source", "is_training",
                "images", "attachments")


def article_cases() -> list[Any]:
    cases = []
    for slug, site in sorted(REGISTRY.items()):
        if not (FIXTURES_DIR / slug / "fixture.toml").exists():
            continue
        for article in load_fixture_site(slug).articles:
            cases.append(pytest.param(site, article, id=f"{slug}:{article['route']}"))
    return cases


@pytest.mark.parametrize("slug", sorted(s for s, site in REGISTRY.items() if not site.generic_only))
def test_every_site_has_fixtures(slug: str) -> None:
    """Every site file that describes markup (URL patterns, selectors) is tested on pages of that
    markup; a generic-only file states none, so it has nothing of its own to test here."""
    assert (FIXTURES_DIR / slug / "fixture.toml").exists(), f"site {slug!r} has no fixtures in {FIXTURES_DIR / slug}"
    fixture = load_fixture_site(slug)
    site = REGISTRY[slug]
    if not site.supported:
        assert site.unsupported_reason
        return
    assert fixture.articles, f"site {slug!r}: fixture.toml lists no [[articles]]"
    # Each start URL of the site is served by its fixture, so a rebased crawl has somewhere to begin.
    from urllib.parse import urlsplit

    for kind, url in site.all_start_urls():
        parts = urlsplit(url)
        route = parts.path + ("?" + parts.query if parts.query else "")
        assert fixture.file_for(route), f"site {slug!r}: start URL ({kind}) {route!r} has no fixture route"
    for article in fixture.articles:
        is_article = fixture.expected(article).get("is_article", True)
        assert site.is_article_url(article["route"]) == is_article, (
            f"site {slug!r}: articles.allow {'rejects' if is_article else 'accepts'} {article['route']}"
        )


def test_registry_covers_30_sites_and_25_provinces() -> None:
    provinces = {s.province for s in REGISTRY.values() if s.province}
    assert len(REGISTRY) >= 30, sorted(REGISTRY)
    assert len(provinces) >= 25, sorted(provinces)


@pytest.mark.parametrize(("site", "article"), article_cases())
def test_fixture_article_extracts(site: SiteConfig, article: dict[str, Any]) -> None:
    fixture = load_fixture_site(site.slug)
    expected = fixture.expected(article)
    html = fixture.file_for(article["route"]).read_bytes()  # type: ignore[union-attr]
    url = expected.get("url") or ("https://" + site.allowed_domains[0] + article["route"])
    extracted = extract_article(url, html, site)
    if expected.get("is_article") is False:
        assert not extracted.is_article, f"{site.slug}: {article['route']} must not be an article"
        return
    assert extracted.is_article, f"{site.slug}: {article['route']} not taken as an article: {extracted.reasons}"
    item = process_standalone(assemble_item(extracted, site), rules_from_mapping(site.canonical)).to_dict()
    for name in EXACT_FIELDS:
        if name in expected:
            assert item[name] == expected[name], f"{site.slug}: field {name!r}"
    body = item["body"]
    if "body_starts" in expected:
        assert body.startswith(expected["body_starts"]), f"{site.slug}: body starts {body[:80]!r}"
    if "body_ends" in expected:
        assert body.endswith(expected["body_ends"]), f"{site.slug}: body ends {body[-80:]!r}"
    for text in expected.get("body_not_contains", []):
        assert text not in body, f"{site.slug}: body contains {text!r}"
