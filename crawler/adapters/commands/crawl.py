"""`scrapy crawl <site>`: one site (or `generic`), with the same verdicts and exit status as
`crawlall` gives that site. Replaces Scrapy's command of the same name: spider arguments are parsed
and checked before anything starts, and a user error is one line with exit status 2."""

from __future__ import annotations

import argparse

from scrapy.commands import BaseRunSpiderCommand

from crawler.adapters.args import GenericArgs, SiteArgs, help_table
from crawler.adapters.commands._run import UserError, check_outputs, parse_args, run_and_report, say
from crawler.sites.registry import load_registry_with_errors


class Command(BaseRunSpiderCommand):
    requires_project = True
    # The runner makes its own process: nothing is started (or logged) before the arguments are checked.
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[options] <site>"

    def short_desc(self) -> str:
        return "Crawl one registered site (or `generic` with -a start_urls=...)"

    def long_desc(self) -> str:
        return ("Crawl one registered site (see `scrapy list`), or any site with `generic`.\n\n"
                "Arguments of a site's spider:\n" + help_table(SiteArgs) +
                "\n\nArguments of `generic`:\n" + help_table(GenericArgs) +
                "\n\nExit status: 0 when the site is ok, quiet, degraded or skipped; 1 when it failed; "
                "2 for a mistake in the command.")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            self.exitcode = self._run(args, opts)
        except UserError as exc:
            say(f"scrapy crawl: {exc}")
            self.exitcode = 2

    def _run(self, args: list[str], opts: argparse.Namespace) -> int:
        if len(args) != 1:
            raise UserError("name one site: scrapy crawl <site> (`scrapy list` names them)")
        slug = args[0]
        assert self.settings is not None
        sites, errors = load_registry_with_errors()
        broken = {e.path.rsplit("/", 1)[-1].removesuffix(".toml"): str(e) for e in errors}
        if slug in broken:
            raise UserError(f"the site file of {slug!r} is malformed: {broken[slug]}")
        if slug != "generic" and slug not in sites:
            raise UserError(f"unknown site {slug!r} (`scrapy list` names the {len(sites)} registered sites and "
                            "`generic`)")
        spargs = dict(opts.spargs)
        # Scrapyd passes its job id (and the egg version it pinned) as spider arguments.
        job = spargs.pop("_job", None)
        spargs.pop("_version", None)
        parsed = parse_args(GenericArgs if slug == "generic" else SiteArgs, spargs)
        stdout = check_outputs(self.settings)
        return run_and_report(self.settings, [slug], parsed, table=False, to_stderr=stdout, job=job)
