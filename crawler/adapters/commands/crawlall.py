"""`scrapy crawlall`: every registered site (or a selection) in one process, for cron and timers.

    scrapy crawlall                               every supported site
    scrapy crawlall -a sites=danang,baocantho     a selection
    scrapy crawlall -a province="Lạng Sơn"        the sites of one province
    scrapy crawlall -a since=2026-01-01           spider arguments are passed to every site
    scrapy crawlall -a base_urls=FILE.json        {"slug": "http://127.0.0.1:PORT/"} (tests, mirrors)
    scrapy crawlall -O all.jsonl                  every site's lines in one file
    scrapy crawlall -a scrapyd=http://n1:6800,http://n2:6800 [-a egg=FILE]
                                                  one job per site over Scrapyd nodes sharing
                                                  STATE_URL (docs/deployment.md)

Prints a verdict per site (ok, quiet, degraded, failed, skipped), the totals and the files written,
and saves the summary as JSON in output/runs/. Exits 1 when a site failed, 2 for a mistake in the
command.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from scrapy.commands import BaseRunSpiderCommand

from crawler.adapters.args import SiteArgs, help_table, http_url
from crawler.adapters.commands._run import UserError, check_outputs, parse_args, run_and_report, say
from crawler.relevance.provinces import canonical_province
from crawler.sites.registry import load_registry_with_errors


def _base_urls(path: str) -> dict[str, str]:
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise UserError(f"-a base_urls={path}: cannot read it ({exc.strerror})") from None
    except ValueError as exc:
        raise UserError(f"-a base_urls={path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UserError(f"-a base_urls={path}: expected a JSON object of site -> URL")
    try:
        return {slug: http_url(f"base_urls[{slug}]", url).rstrip("/") + "/" for slug, url in data.items()}
    except ValueError as exc:
        raise UserError(str(exc)) from None


class Command(BaseRunSpiderCommand):
    requires_project = True
    # The runner makes its own process: nothing is started (or logged) before the arguments are checked.
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Run every registered site (or -a sites=a,b / -a province=...) in one process"

    def long_desc(self) -> str:
        return (__doc__ or "") + "\nArguments passed to every site:\n" + help_table(SiteArgs)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            self.exitcode = self._run(args, opts)
        except UserError as exc:
            say(f"scrapy crawlall: {exc}")
            self.exitcode = 2

    def _run(self, args: list[str], opts: argparse.Namespace) -> int:
        if args:
            raise UserError("crawlall takes no site names; use -a sites=a,b")
        spargs = dict(opts.spargs)
        sites, errors = load_registry_with_errors()
        wanted = [s.strip() for s in spargs.pop("sites", "").split(",") if s.strip()]
        province = spargs.pop("province", None)
        base_urls = _base_urls(spargs.pop("base_urls")) if "base_urls" in spargs else {}
        assert self.settings is not None
        nodes = spargs.pop("scrapyd", None) or str(self.settings.get("SCRAPYD_NODES") or "")
        egg = spargs.pop("egg", None)
        if egg and not nodes:
            raise UserError("-a egg= uploads the project to Scrapyd nodes: name them with -a scrapyd=URL,URL")
        broken = {Path(e.path).stem: str(e) for e in errors}
        unknown = [s for s in wanted if s not in sites and s not in broken]
        if unknown:
            raise UserError(f"unknown site(s): {', '.join(unknown)} (`scrapy list` names them)")
        selected = wanted or sorted(sites)
        broken = {slug: msg for slug, msg in broken.items() if not wanted or slug in wanted}
        if province:
            canon = canonical_province(province)
            if canon is None:
                raise UserError(f"-a province={province!r} is not one of the 34 provinces")
            selected = [s for s in selected if s in sites and sites[s].province == canon]
            broken = {}
        selected = [s for s in selected if s in sites]
        common = parse_args(SiteArgs, spargs)
        if nodes:
            from crawler.adapters.commands._dispatch import dispatch

            raw = {slug: dict(spargs, **({"base_url": base_urls[slug]} if slug in base_urls else {}))
                   for slug in selected}
            return dispatch(self.settings, nodes, selected, raw, broken=broken, egg=egg)
        per_site = {slug: replace(common, base_url=base_urls[slug]) if slug in base_urls else common
                    for slug in selected}
        stdout = check_outputs(self.settings)
        return run_and_report(self.settings, selected, per_site, broken=broken, table=True, to_stderr=stdout)
