"""The JSON Schema of one output line, and validation of lines and files against it."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

# Read as package data, so it loads from a zipped egg (Scrapyd) too.
SCHEMA_PATH = files("crawler.schema").joinpath("announcement.schema.json")


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def line_errors(obj: Any) -> list[str]:
    """Human-readable schema violations of one decoded line ([] when valid)."""
    errors = sorted(validator().iter_errors(obj), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<line>'}: {e.message}" for e in errors]


def validate_file(path: Path) -> tuple[int, list[tuple[int, list[str]]]]:
    """(number of lines, [(line number, errors)]) for a JSON Lines file; blank lines are errors too."""
    failures: list[tuple[int, list[str]]] = []
    count = 0
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            count += 1
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                failures.append((number, [f"not UTF-8: {exc}"]))
                continue
            except json.JSONDecodeError as exc:
                failures.append((number, [f"not JSON: {exc.msg} at column {exc.colno}"]))
                continue
            errors = line_errors(obj)
            if errors:
                failures.append((number, errors))
    return count, failures
