"""The live drift check must stay opt-in: a plain `pytest` (CI, no internet) deselects it, and
`pytest -m live` collects one test per supported site."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crawler.sites.registry import load_registry_with_errors

LIVE = Path(__file__).resolve().parent / "test_live_sites.py"


def collect(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", str(LIVE), *args],
                          cwd=LIVE.parent.parent.parent, capture_output=True, text=True, timeout=120)
    return proc.stdout


def test_live_tests_are_deselected_by_default() -> None:
    supported = sum(1 for s in load_registry_with_errors()[0].values() if s.supported)
    out = collect()
    assert f"no tests collected ({supported} deselected)" in out, out[-2000:]


def test_live_tests_are_collected_with_m_live() -> None:
    supported = sorted(s.slug for s in load_registry_with_errors()[0].values() if s.supported)
    out = collect("-m", "live")
    ids = [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "::test_site_still_extracts[" in line]
    assert ids == supported, out[-2000:]
