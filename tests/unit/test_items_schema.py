"""The item dataclass and the output's JSON Schema describe the same line: same fields, in the same
order, every field required."""

from __future__ import annotations

import json
from dataclasses import fields

from crawler.items import SCHEMA_VERSION, Announcement
from crawler.schema import SCHEMA_PATH


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_fields_and_schema_properties_agree_in_order() -> None:
    assert [f.name for f in fields(Announcement)] == list(schema()["properties"])


def test_every_field_is_required_and_later_fields_stay_allowed() -> None:
    s = schema()
    assert sorted(s["required"]) == sorted(f.name for f in fields(Announcement))
    # Fields may be added without a major version: a consumer validating with this schema must
    # accept a line from a newer minor version.
    assert s.get("additionalProperties", True) is True


def test_schema_version_is_the_items() -> None:
    assert schema()["properties"]["schema_version"].get("const", SCHEMA_VERSION) == SCHEMA_VERSION
    assert Announcement().schema_version == SCHEMA_VERSION
