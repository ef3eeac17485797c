"""The JSON Schema of one output line, and validation of lines and files against it."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator

# Read as package data, so it loads from a zipped egg (Scrapyd) too.
SCHEMA_PATH = files("crawler.schema").joinpath("announcement.schema.json")


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _control_characters(obj: Any, path: str = "") -> list[str]:
    """Strings holding control characters (an escape sequence in a title): never text. A line
    break is allowed (the body's paragraphs)."""
    if isinstance(obj, str):
        found = _CONTROL.search(obj)
        return [f"{path or '<line>'}: control character {found.group()!r} at {found.start()}"] if found else []
    if isinstance(obj, dict):
        return [e for k, v in obj.items() for e in _control_characters(v, f"{path}/{k}".lstrip("/"))]
    if isinstance(obj, list):
        return [e for i, v in enumerate(obj) for e in _control_characters(v, f"{path}/{i}".lstrip("/"))]
    return []


@cache
def fast_check() -> Any:
    """The schema compiled to Python by fastjsonschema (~20x faster than jsonschema on a line):
    the check of every line; jsonschema words the errors of a line that fails it. fastjsonschema
    knows drafts up to 7: the schema uses only keywords that mean the same in 7 and 2020-12
    (type, properties, required, additionalProperties, items, pattern, minLength, minimum, $ref into
    $defs), which tests/unit/test_items_schema.py checks along with equal verdicts on bad lines."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(schema)


def line_errors(obj: Any) -> list[str]:
    """Human-readable schema violations of one decoded line ([] when valid)."""
    try:
        fast_check()(obj)
    except fastjsonschema.JsonSchemaException:
        pass
    else:
        return _control_characters(obj)
    errors = sorted(validator().iter_errors(obj), key=lambda e: list(e.absolute_path))
    found = [f"{'/'.join(str(p) for p in e.absolute_path) or '<line>'}: {e.message}" for e in errors]
    return found + _control_characters(obj)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_line(raw: bytes) -> Any:
    """One line as JSON, strictly: UTF-8, no NaN/Infinity; ValueError (with a short reason) for
    anything else, including numbers too long to read and nesting too deep to follow."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8: {exc}") from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise ValueError("not a line of this contract: nested too deeply") from None
    except ValueError as exc:  # NaN/Infinity, or an integer longer than Python reads
        raise ValueError(f"not JSON of this contract: {exc}") from None


def validate_file(path: Path) -> tuple[int, list[tuple[int, list[str]]]]:
    """(number of lines, [(line number, errors)]) for a JSON Lines file; blank lines are errors too."""
    failures: list[tuple[int, list[str]]] = []
    count = 0
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            count += 1
            try:
                obj = parse_line(raw)
                errors = line_errors(obj)
            except ValueError as exc:
                failures.append((number, [str(exc)]))
                continue
            except RecursionError:
                failures.append((number, ["not a line of this contract: nested too deeply"]))
                continue
            if errors:
                failures.append((number, errors))
    return count, failures
