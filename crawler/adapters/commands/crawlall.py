"""`scrapy crawlall`: every registered site (or a selection) in one process, for cron and timers.

    scrapy crawlall                               every supported site
    scrapy crawlall -a sites=danang,baocantho     a selection
    scrapy crawlall -a province="Lạng Sơn"        the sites of one province
    scrapy crawlall -a since=2026-01-01           spider arguments are passed to every site
    scrapy crawlall -a base_urls=FILE.json        {"slug": "http://127.0.0.1:PORT/"} (tests, mirrors)

Prints a per-site summary and saves it as JSON in output/runs/. Exits 1 when a site failed outright
(nothing fetched, or a malformed site file), so a scheduler notices.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from crawler.relevance.provinces import canonical_province
from crawler.sites.registry import load_registry_with_errors
from crawler.tools.runner import FAILED_STATUSES, format_table, run_sites


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Run every registered site (or -a sites=a,b / -a province=...) in one process"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("crawlall takes no positional arguments; use -a sites=a,b")
        spargs = dict(opts.spargs)
        sites, errors = load_registry_with_errors()
        wanted = [s.strip() for s in spargs.pop("sites", "").split(",") if s.strip()]
        province = spargs.pop("province", None)
        base_urls_file = spargs.pop("base_urls", None)
        broken = {Path(e.path).stem: str(e) for e in errors}
        unknown = [s for s in wanted if s not in sites and s not in broken]
        if unknown:
            raise UsageError(f"unknown site(s): {', '.join(unknown)} (see `scrapy list`)")
        selected = wanted or sorted(sites)
        broken = {slug: msg for slug, msg in broken.items() if not wanted or slug in wanted}
        if province:
            canon = canonical_province(province)
            if canon is None:
                raise UsageError(f"-a province={province!r} is not one of the 34 provinces")
            selected = [s for s in selected if s in sites and sites[s].province == canon]
            broken = {}
        selected = [s for s in selected if s in sites]
        base_urls = json.loads(Path(base_urls_file).read_text("utf-8")) if base_urls_file else None
        assert self.crawler_process is not None and self.settings is not None
        runs_dir = Path(self.settings.get("RUNS_DIR", "output/runs"))
        summaries, saved = run_sites(
            self.settings,
            selected,
            spider_args=spargs,
            base_urls=base_urls,
            broken=broken,
            runs_dir=runs_dir,
            process=self.crawler_process,
        )
        print(format_table(summaries))
        if saved:
            print(f"summary saved to {saved}")
        if any(s.status in FAILED_STATUSES for s in summaries) or self.crawler_process.bootstrap_failed:
            self.exitcode = 1
