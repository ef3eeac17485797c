"""The README's tables of spider arguments are the ones generated from the typed arguments."""

from __future__ import annotations

import re
from pathlib import Path

from crawler.adapters.args import GenericArgs, SiteArgs, help_table

README = Path(__file__).resolve().parent.parent / "README.md"


def block(name: str) -> str:
    text = README.read_text("utf-8")
    match = re.search(rf"<!-- args:{name} -->\n(.*?)\n<!-- /args:{name} -->", text, re.S)
    assert match, f"README.md has no <!-- args:{name} --> block"
    return match.group(1)


def test_site_arguments_table_is_generated() -> None:
    assert block("site") == help_table(SiteArgs)


def test_generic_arguments_table_is_generated() -> None:
    assert block("generic") == help_table(GenericArgs)
