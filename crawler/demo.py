"""`crawler demo`: the whole pipeline with no internet, against the bundled fixture sites."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from scrapy.utils.project import get_project_settings

from crawler.fixtures import fixture_slugs, serve_sites
from crawler.runner import FAILED_STATUSES, format_table, run_sites
from crawler.schema import validate_file
from crawler.sites.registry import load_registry_with_errors


def run_demo(sites: list[str] | None = None, keep_state: bool = False) -> int:
    registry, _errors = load_registry_with_errors()
    slugs = sites or [s for s in fixture_slugs() if s in registry and registry[s].supported]
    missing = [s for s in slugs if s not in registry]
    if missing:
        print(f"crawler demo: no registered site {', '.join(missing)}")
        return 2
    out_dir = Path("output/demo")
    out_dir.mkdir(parents=True, exist_ok=True)
    out_file = out_dir / f"{datetime.now(UTC).strftime('%Y-%m-%dT%H-%M-%S')}.jsonl"
    # Outside the repository no scrapy.cfg is found; the demo still needs the project's settings.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    # One file for the whole demo; items keep their site in the `site` field.
    settings.set("FEEDS", {str(out_file): {"format": "jsonlines", "encoding": "utf-8"}}, priority="cmdline")
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    # Dropped items (most fixture articles are not training ones) are logged with their whole body
    # at WARNING by default; the demo's table already counts them.
    settings.set("DEFAULT_DROPITEM_LOG_LEVEL", "INFO", priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    state_dir = None if keep_state else tempfile.mkdtemp(prefix="taphuan-demo-state-")
    if state_dir:
        settings.set("STATE_DIR", state_dir, priority="cmdline")
    with serve_sites(slugs) as running:
        print(f"Serving {len(running)} fixture sites on 127.0.0.1; crawling...")
        summaries, saved = run_sites(
            settings,
            slugs,
            base_urls={slug: r.base_url for slug, r in running.items()},
            runs_dir=Path(settings.get("RUNS_DIR", "output/runs")),
        )
    print(format_table(summaries))
    count, failures = validate_file(out_file) if out_file.exists() else (0, [])
    titles = []
    if out_file.exists():
        for line in out_file.read_text("utf-8").splitlines():
            item = json.loads(line)
            titles.append(f"  [{item['site']}] {item['published_at'] or 'undated'}  {item['title']}")
    print(f"\n{count} training announcements written to {out_file} "
          f"({'all valid' if not failures else f'{len(failures)} INVALID'} against the schema)")
    print("\n".join(titles[:40]))
    if saved:
        print(f"run summary: {saved}")
    return 1 if failures or any(s.status in FAILED_STATUSES for s in summaries) else 0
