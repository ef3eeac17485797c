"""`crawler demo`: the whole pipeline with no internet, against the bundled fixture sites."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime

from scrapy.utils.project import get_project_settings

from crawler.adapters.args import SiteArgs
from crawler.adapters.verdict import format_table
from crawler.paths import resolve
from crawler.schema import validate_file
from crawler.sites.registry import load_registry_with_errors
from crawler.tools.fixtures import fixture_slugs, serve_sites
from crawler.tools.runner import closing_lines, run_sites

# Every title of the demo fits on a screen; a bigger fixture set prints a count instead of a flood.
SHOWN_TITLES = 100


def run_demo(sites: list[str] | None = None, keep_state: bool = False) -> int:
    registry, _errors = load_registry_with_errors()
    slugs = sites or [s for s in fixture_slugs() if s in registry and registry[s].supported]
    missing = [s for s in slugs if s not in registry]
    if missing:
        print(f"crawler demo: no registered site {', '.join(missing)}")
        return 2
    # Apart from real runs: its own feed, run summaries and (unless --keep-state) a fresh state.
    out_dir = resolve("output/demo")
    out_dir.mkdir(parents=True, exist_ok=True)
    out_file = out_dir / f"{datetime.now(UTC).strftime('%Y-%m-%dT%H-%M-%S')}.jsonl"
    # Outside the repository no scrapy.cfg is found; the demo still needs the project's settings.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    # One file for the whole demo; items keep their site in the `site` field.
    settings.set("FEEDS", {str(out_file): {"format": "jsonlines"}}, priority="cmdline")
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
        expected_verdicts = {slug: r.site.expected_verdict for slug, r in running.items()}
        print(f"Serving {len(running)} fixture sites on 127.0.0.1; crawling...")
        result = run_sites(
            settings,
            slugs,
            args={slug: SiteArgs(base_url=r.base_url) for slug, r in running.items()},
            runs_dir=out_dir / "runs",
        )
    summaries = result.summaries
    print(format_table(summaries))
    count, failures = validate_file(out_file) if out_file.exists() else (0, [])
    titles = []
    if out_file.exists():
        items = [json.loads(line) for line in out_file.read_text("utf-8").splitlines()]
        # Sorted, not in arrival order: the crawl's order varies from run to run, the listing should not.
        items.sort(key=lambda i: (i["site"], i["published_at"] or "", i["title"]))
        titles = [f"  [{i['site']}] {i['published_at'] or 'undated'}  {i['title']}" for i in items]
    print(f"\n{count} training announcements written to {out_file} "
          f"({'all valid' if not failures else f'{len(failures)} INVALID'} against the schema)")
    print("\n".join(titles[:SHOWN_TITLES]))
    if len(titles) > SHOWN_TITLES:
        print(f"  ... and {len(titles) - SHOWN_TITLES} more in {out_file}")
    print("\n".join(closing_lines(result)))
    unexpected = [s.site for s in summaries if s.failed and expected_verdicts.get(s.site) != "failed"]
    if unexpected:
        print(f"failed unexpectedly: {', '.join(unexpected)}")
    return 1 if failures or unexpected else 0
