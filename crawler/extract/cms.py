"""CMS family detection from markup fingerprints, and the family's shared selector layout."""

from __future__ import annotations

from functools import cache

from crawler.sites.registry import Selectors, layout_names, load_layout


@cache
def _fingerprints() -> dict[str, tuple[str, ...]]:
    return {name: tuple(str(f) for f in load_layout(name).get("fingerprints", ())) for name in layout_names()}


def detect_cms(html_text: str) -> str | None:
    """The family with the most distinct fingerprints in the page (case-sensitive: they are class
    names and paths), at least two, so one stray path ("/uploads/news/" in a link) does not decide."""
    best: tuple[int, str] | None = None
    for family, prints in _fingerprints().items():
        hits = sum(1 for f in prints if f in html_text)
        if hits >= 2 and (best is None or hits > best[0]):
            best = (hits, family)
    return best[1] if best else None


@cache
def layout_selectors(family: str) -> Selectors:
    data = load_layout(family).get("selectors", {})
    return Selectors(**{k: tuple(v) if isinstance(v, list) else (v,) for k, v in data.items()})
