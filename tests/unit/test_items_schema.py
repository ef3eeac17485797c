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


# Keywords whose meaning is the same in drafts 7 and 2020-12: the fast check (fastjsonschema, draft 7)
# and jsonschema (2020-12) must give one verdict.
SAME_IN_DRAFT_7 = {"$schema", "$id", "$ref", "$defs", "title", "description", "type", "properties", "required",
                   "additionalProperties", "items", "pattern", "minLength", "maxLength", "minimum", "maximum",
                   "enum", "const", "format"}


def _keywords(node: object, out: set[str], in_properties: bool = False) -> set[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if not in_properties:
                out.add(k)
            _keywords(v, out, in_properties=(k in ("properties", "$defs") and not in_properties))
    elif isinstance(node, list):
        for v in node:
            _keywords(v, out)
    return out


def test_schema_uses_only_keywords_that_mean_the_same_in_draft_7() -> None:
    assert _keywords(schema(), set()) <= SAME_IN_DRAFT_7


def _valid_line() -> dict:
    from pathlib import Path

    from crawler.dedup import content_hash
    from crawler.dedup.canonical import rules_from_mapping, url_id
    from crawler.extract import extract_article
    from crawler.sites.registry import load_registry
    from crawler.stages import assemble_item, process_standalone

    page = Path(__file__).resolve().parent.parent / "fixtures" / "sites" / "danang" / "article_54019.html"
    site = load_registry()["danang"]
    article = extract_article("https://danang.gov.vn/web/guest/chi-tiet?id=54019&_c=3", page.read_text("utf-8"), site)
    item = process_standalone(assemble_item(article, site), rules_from_mapping(site.canonical))
    assert item.is_training and content_hash(item.title, item.body) and url_id(item.canonical_url)
    return item.to_dict()


BAD_VALUES = [None, 0, -1, 1.5, "", "x", "ftp://host/a", "2025-13-45", [], [1], {}, {"a": 1}, True]


def test_fast_check_and_jsonschema_agree_on_every_mutated_line() -> None:
    import copy

    import fastjsonschema

    from crawler.schema import fast_check, validator

    line = _valid_line()
    assert not list(validator().iter_errors(line))
    fast_check()(line)
    cases = []
    for key, value in line.items():
        without = {k: v for k, v in line.items() if k != key}
        cases.append(without)
        cases += [dict(line, **{key: bad}) for bad in BAD_VALUES]
        if isinstance(value, dict):
            for sub in value:
                cases += [dict(line, **{key: dict(value, **{sub: bad})}) for bad in BAD_VALUES]
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for sub in value[0]:
                cases += [dict(line, **{key: [dict(value[0], **{sub: bad})]}) for bad in BAD_VALUES]
    checked = 0
    for case in cases:
        jsonschema_ok = not list(validator().iter_errors(copy.deepcopy(case)))
        try:
            fast_check()(copy.deepcopy(case))
            fast_ok = True
        except fastjsonschema.JsonSchemaException:
            fast_ok = False
        assert fast_ok == jsonschema_ok, case
        checked += 1
    assert checked > 500
