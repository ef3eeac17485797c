"""docs/coverage.md is rendered from the registry (crawler/tools/coverage.py) and must not drift from it."""

from __future__ import annotations

import re
from pathlib import Path

from crawler.sites.registry import load_registry_with_errors, load_site
from crawler.tools.coverage import discovery, render, row

REPO = Path(__file__).resolve().parent.parent
COVERAGE = REPO / "docs" / "coverage.md"
REGENERATE = "regenerate it with `uv run python -m crawler.tools.coverage > docs/coverage.md`"


def test_docs_coverage_matches_the_registry() -> None:
    assert COVERAGE.is_file(), f"docs/coverage.md is missing: {REGENERATE}"
    assert COVERAGE.read_text("utf-8") == render(), f"docs/coverage.md is out of date: {REGENERATE}"


def test_every_registered_site_has_one_row() -> None:
    table = [line for line in render().splitlines() if line.startswith("| `")]
    slugs = [re.match(r"\| `([a-z0-9_]+)`", line).group(1) for line in table]  # type: ignore[union-attr]
    assert slugs == sorted(load_registry_with_errors()[0])


def test_row_columns() -> None:
    danang = load_site(REPO / "crawler" / "sites" / "danang.toml")
    cells = [c.strip() for c in row(danang).strip("|").split(" | ")]
    assert cells == [f"`danang` {danang.name}", "Đà Nẵng", danang.kind, "liferay", "listing", "supported",
                     "yes" if danang.verified_live else "no"]


def test_discovery_names_every_start_url_kind_in_crawl_order() -> None:
    sites = load_registry_with_errors()[0]
    assert discovery(sites["nhandan"]) == "sitemap + listing"
    assert discovery(sites["sggp"]) == "feed + listing"
    assert discovery(sites["dangcongsan"]) == "listing + search"


def test_national_and_unsupported_sites() -> None:
    text = render()
    assert "| `znews` Znews | — (national) | national | custom | listing | supported | no |" in text
    sites = load_registry_with_errors()[0]
    for slug, site in sites.items():
        if not site.supported:
            assert f"- `{slug}` ({site.name}): " in text
            assert f"| {site.status} |" in row(site)
