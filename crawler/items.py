"""The output item: one JSON line per announcement.

Field order here is the key order of every JSON line. Field names are a contract with consumers:
add fields freely, but renaming or removing one needs a major bump of SCHEMA_VERSION.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"


EMPTY_EVENT: dict[str, Any] = {
    "kind": None,
    "organizer": None,
    "start_date": None,
    "end_date": None,
    "participants": None,
    "audience": None,
    "topics": [],
    "location": None,
    "speakers": None,
}


@dataclass
class Announcement:
    schema_version: str = SCHEMA_VERSION
    id: str = ""
    url: str = ""
    canonical_url: str = ""
    site: str = ""
    site_name: str | None = None
    province: str | None = None
    title: str = ""
    summary: str | None = None
    body: str = ""
    published_at: str | None = None
    modified_at: str | None = None
    author: str | None = None
    source: str | None = None
    images: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    is_training: bool = False
    relevance: dict[str, Any] = field(default_factory=lambda: {"score": 0.0, "matched": []})
    tags: list[str] = field(default_factory=list)
    event: dict[str, Any] = field(default_factory=lambda: {**EMPTY_EVENT, "topics": []})
    fingerprint: str | None = None
    mirrors: list[str] = field(default_factory=list)
    revision: int = 1
    crawled_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON line's object; dict order follows the field order above."""
        return dataclasses.asdict(self)
