"""The coverage table (docs/coverage.md), rendered from the site registry so it cannot drift:

    uv run python -m crawler.tools.coverage > docs/coverage.md

One row per site file: slug and name, province, kind, CMS family (the layout it inherits, or
"custom"), how articles are discovered (the kinds of its start URLs), status and whether the entry
was checked against the live site.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from crawler.relevance.provinces import PROVINCES
from crawler.sites.registry import RegistryError, SiteConfig, load_registry_with_errors

DISCOVERY_ORDER = ("sitemap", "feed", "listing", "search")
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
        site.layout or "custom",
        discovery(site),
        site.status,
        "yes" if site.verified_live else "no",
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


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
        f"CMS layouts in use: {', '.join(layouts) or 'none'}; \"custom\" means site-specific selectors only.",
        "",
        f"Provinces without a supported site: {', '.join(p for p in PROVINCES if p not in provinces) or 'none'}.",
        "",
        "Discovery lists the kinds of start URLs, in the order the spider reads them: `sitemap`, `feed` "
        "(RSS/Atom), `listing` (category pages, paginated), `search` (a site search for training terms).",
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
