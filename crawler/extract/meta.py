"""Machine-readable metadata of a page: <meta> tags and JSON-LD objects."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from lxml import etree


def _jsonld_objects(data: Any) -> Iterable[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_objects(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in data:
                yield from _jsonld_objects(data[key])


def jsonld_field(root: etree._Element, key: str) -> str | None:
    """`key` (e.g. datePublished) of the page's article object in JSON-LD; tolerant of broken JSON."""
    for script in root.xpath('//script[contains(@type, "ld+json")]'):
        raw = script.text or ""
        try:
            data = json.loads(raw)
        except ValueError:
            match = re.search(rf'"{re.escape(key)}"\s*:\s*"([^"]+)"', raw)
            if match:
                return match.group(1)
            continue
        for obj in _jsonld_objects(data):
            kind = obj.get("@type", "")
            kinds = kind if isinstance(kind, list) else [kind]
            if isinstance(obj.get(key), str) and not any(k in ("BreadcrumbList", "Organization") for k in kinds):
                return str(obj[key])
    return None


def meta_content(root: etree._Element, *names: str) -> str | None:
    # One walk over the <meta> elements instead of an XPath over the whole tree per name and attribute.
    metas = [m for m in root.iter("meta") if m.get("content") is not None]
    for name in names:
        for attr in ("property", "itemprop", "name"):
            for meta in metas:
                if meta.get(attr) == name and str(meta.get("content")).strip():
                    return str(meta.get("content")).strip()
    return None
