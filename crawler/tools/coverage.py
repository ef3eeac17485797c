"""The coverage table (docs/coverage.md), rendered from the site registry so it cannot drift:

    uv run python -m crawler.tools.coverage > docs/coverage.md

First the coverage by kind: for each of the 34 provinces, its Party newspaper, its Party committee
portal and its Ban Tuyên giáo và Dân vận board, with "(generic)" where the site file holds only
identity and start URLs (the zero-config path does discovery and extraction). Then one row per site
file: slug and name, province, kind, CMS family (the layout it inherits, "custom" for own selectors,
"generic" for a generic-only file), how articles are discovered (the kinds of its start URLs),
status and whether the entry was checked against the live site.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from crawler.relevance.provinces import PROVINCES
from crawler.sites.registry import RegistryError, SiteConfig, load_registry_with_errors

DISCOVERY_ORDER = ("sitemap", "feed", "listing", "search")
KIND_COLUMNS = (("newspaper", "Party newspaper"), ("party_portal", "Party committee portal"),
                ("danvan", "Ban Tuyên giáo và Dân vận"))
NATIONAL = "— (national)"


def _cell(text: str) -> str:
    """One Markdown table cell: no pipes, no line breaks."""
    return " ".join(text.split()).replace("|", "\\|")


def discovery(site: SiteConfig) -> str:
    kinds = [kind for kind in DISCOVERY_ORDER if site.start_urls.get(kind)]
    return " + ".join(kinds) or "—"


def row(site: SiteConfig) -> str:
    cells = [
        f"`{site.slug}` {site.name}",
        site.province or NATIONAL,
        site.kind,
        family(site),
        discovery(site),
        site.status,
        "yes" if site.verified_live else "no",
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def family(site: SiteConfig) -> str:
    return site.layout or ("generic" if site.generic_only else "custom")


def by_kind(supported: Sequence[SiteConfig]) -> list[str]:
    """The province x kind table: slugs per cell, "(generic)" after generic-only ones, "—" for none."""
    lines = ["| province | " + " | ".join(title for _, title in KIND_COLUMNS) + " |",
             "|---" * (len(KIND_COLUMNS) + 1) + "|"]
    for province in PROVINCES:
        cells = [province]
        for kind, _ in KIND_COLUMNS:
            here = [s for s in supported if s.province == province and s.kind == kind]
            cells.append(", ".join(f"`{s.slug}`" + (" (generic)" if s.generic_only else "") for s in here) or "—")
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    full = [k for k, _ in KIND_COLUMNS]
    counts = ", ".join(
        f"{title}: {sum(1 for p in PROVINCES if any(s.province == p and s.kind == k for s in supported))} of 34"
        for k, title in KIND_COLUMNS)
    missing = sum(1 for p in PROVINCES for k in full if not any(s.province == p and s.kind == k for s in supported))
    return [f"Provinces with a site of each kind: {counts} ({missing} cells empty: no evidence of the site's "
            "address was found without internet access; docs/coverage-evidence.md says what was searched).", "",
            *lines]


def render(sites: Mapping[str, SiteConfig] | None = None, errors: Sequence[RegistryError] | None = None) -> str:
    """The whole of docs/coverage.md."""
    if sites is None:
        sites, errors = load_registry_with_errors()
    errors = list(errors or [])
    ordered = sorted(sites.values(), key=lambda s: s.slug)
    supported = [s for s in ordered if s.supported]
    unsupported = [s for s in ordered if not s.supported]
    verified = [s for s in ordered if s.verified_live]
    provinces = {s.province for s in supported if s.province}
    layouts = sorted({s.layout for s in ordered if s.layout})
    lines = [
        "# Coverage",
        "",
        "<!-- Generated from crawler/sites/*.toml by `uv run python -m crawler.tools.coverage > docs/coverage.md`;",
        "     tests/test_coverage_table.py fails when this file and the registry disagree. -->",
        "",
        f"{len(ordered)} registered sites: {len(supported)} supported, {len(unsupported)} unsupported; "
        f"{len(verified)} verified against the live site. Supported sites cover {len(provinces)} of the 34 "
        f"provinces, plus {sum(1 for s in supported if not s.province)} national sources. "
        f"CMS layouts in use: {', '.join(layouts) or 'none'}; \"custom\" means site-specific selectors only, "
        f"\"generic\" a site file with identity and start URLs only "
        f"({sum(1 for s in supported if s.generic_only)} sites), crawled by the zero-config path.",
        "",
        f"Provinces without a supported site: {', '.join(p for p in PROVINCES if p not in provinces) or 'none'}.",
        "",
        "Discovery lists the kinds of start URLs, in the order the spider reads them: `sitemap`, `feed` "
        "(RSS/Atom), `listing` (category pages, paginated), `search` (a site search for training terms).",
        "",
        "## By kind",
        "",
        *by_kind(supported),
        "",
        "## Site files",
        "",
        "| site | province | kind | CMS family | discovery | status | verified live |",
        "|---|---|---|---|---|---|---|",
        *(row(s) for s in ordered),
    ]
    if unsupported:
        lines += ["", "## Unsupported sites", ""]
        lines += [f"- `{s.slug}` ({_cell(s.name)}): {_cell(s.unsupported_reason or '')}" for s in unsupported]
    if errors:
        lines += ["", "## Site files that do not load", ""]
        lines += [f"- {_cell(str(e))}" for e in sorted(errors, key=lambda e: e.path)]
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
