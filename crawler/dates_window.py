"""The `-a since=` / `-a until=` window of a crawl."""

from __future__ import annotations

from datetime import date


def parse_day(value: str, name: str) -> date:
    """A YYYY-MM-DD spider argument; a clear error names the argument otherwise."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"-a {name}={value!r}: expected a date as YYYY-MM-DD") from None


def in_window(day: date | None, since: date | None, until: date | None) -> bool:
    """Undated articles stay in: a missing date is not evidence that the article is out of range."""
    if day is None:
        return True
    return not ((since and day < since) or (until and day > until))
