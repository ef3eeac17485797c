"""The `crawler` console script: extract one page, validate output, export new lines, check or
rebuild the state store, list spider arguments, run the offline demo.

Exit status: 0 done, 1 the input was read but fails (not an article, invalid lines, a damaged
state), 2 a mistake in the command or a file that cannot be read. Every message is one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from crawler import __version__


class CliError(Exception):
    """One line for the user; exit status 2."""


def _read_input(path: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except IsADirectoryError:
        raise CliError(f"cannot read {path}: it is a directory") from None
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _looks_like_html(raw: bytes) -> bool:
    head = raw[:4096].lstrip().lower()
    if raw[:2] == b"\x1f\x8b":
        return True  # gzip: decoded by the extractor
    if b"\x00" in raw[:4096]:
        return False
    return head.startswith((b"<!doctype", b"<html", b"<?xml", b"\xef\xbb\xbf")) or b"<body" in head or b"<p" in head \
        or b"<div" in head or b"<h1" in head


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.adapters.args import ArgError, http_url
    from crawler.adapters.spiders.generic import generic_site
    from crawler.dedup.canonical import rules_from_mapping
    from crawler.extract import extract_article
    from crawler.sites.registry import site_for_url
    from crawler.stages import assemble_item, process_standalone

    try:
        url = http_url("url", args.url)
    except ArgError:
        raise CliError(f"--url {args.url!r}: expected the page's http(s) URL") from None
    raw = _read_input(args.file)
    if not raw.strip():
        print(f"crawler extract: {args.file} is empty: no page to read", file=sys.stderr)
        return 1
    if not _looks_like_html(raw):
        print(f"crawler extract: {args.file} is not HTML (binary or plain text)", file=sys.stderr)
        return 1
    site = site_for_url(url)
    if site is None:
        print(f"crawler extract: no site file for {url.split('/')[2]}: the generic rules read the page",
              file=sys.stderr)
    article = extract_article(url, raw, site)
    if not article.is_article:
        print(f"crawler extract: {url} does not look like an article ({'; '.join(article.reasons)})",
              file=sys.stderr)
    if args.text:
        print(article.body)
    else:
        target = site or generic_site([url])
        item = process_standalone(assemble_item(article, target), rules_from_mapping(site.canonical if site else None))
        print(json.dumps(item.to_dict(), ensure_ascii=False, indent=None if args.compact else 2))
    return 0 if article.is_article else 1


def cmd_validate(args: argparse.Namespace) -> int:
    from crawler.schema import validate_file

    status = 0
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"{name}: no such file", file=sys.stderr)
            status = 2
            continue
        count, failures = validate_file(path)
        for number, errors in failures:
            for error in errors:
                print(f"{name}:{number}: {error}")
        if failures:
            print(f"{name}: {len(failures)} of {count} lines invalid", file=sys.stderr)
            status = max(status, 1)
        elif count == 0:
            print(f"{name}: empty (no line to check)", file=sys.stderr)
            status = max(status, 1)
        else:
            print(f"{name}: {count} lines valid")
    return status


def cmd_export(args: argparse.Namespace) -> int:
    from crawler.tools.export import ExportError, export

    try:
        count, runs = export(since_run=args.since_run, sites=args.site, provinces=args.province, since=args.since,
                             fmt=args.format, output=args.output)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    print(f"crawler export: {count} line(s) from {runs} run(s)" + (f" written to {args.output}" if args.output
                                                                    and args.output != "-" else ""), file=sys.stderr)
    return 0


def cmd_state(args: argparse.Namespace) -> int:
    from crawler.tools.state import check, migrate, rebuild

    if args.action == "check":
        return check(args.state_dir, args.state_url)
    if args.action == "migrate":
        return migrate(args.state_dir, args.state_url)
    return rebuild(args.state_dir, [Path(p) for p in args.sources or ["output"]], args.state_url)


def cmd_args(args: argparse.Namespace) -> int:
    from crawler.adapters.args import GenericArgs, SiteArgs, help_table

    print("Arguments of a site's spider (`scrapy crawl <site>`, and every site of `scrapy crawlall`):\n")
    print(help_table(SiteArgs))
    print("\nArguments of `scrapy crawl generic`:\n")
    print(help_table(GenericArgs))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.tools.demo import run_demo

    return run_demo(sites=[s for s in (args.sites or "").split(",") if s], keep_state=args.keep_state)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crawler", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"taphuan-crawler {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("extract", help="print the item a saved page gives, without crawling")
    p.add_argument("file", help="an HTML file, or - for standard input")
    p.add_argument("--url", required=True, help="the page's URL (picks the site's rules by host)")
    p.add_argument("--text", action="store_true", help="print only the body text")
    p.add_argument("--compact", action="store_true", help="one line of JSON")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("validate", help="check JSON Lines files against the output schema")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("export", help="the lines written by recent runs, all sites, one file (JSONL or CSV)")
    p.add_argument("--since-run", default="last", help="'last' (the latest run), 'all', a run id "
                   "(output/runs/<id>.json) or 'N' (the last N runs)")
    p.add_argument("--site", action="append", default=[], help="only this site (repeatable)")
    p.add_argument("--province", action="append", default=[], help="only this province (repeatable)")
    p.add_argument("--since", help="only items published on or after YYYY-MM-DD")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("state", help="check the state store, create or migrate its schema, or rebuild it "
                       "from feed files")
    p.add_argument("action", choices=("check", "migrate", "rebuild"))
    p.add_argument("sources", nargs="*", default=None, help="rebuild: feed files or folders of them "
                   "(default: output/)")
    p.add_argument("--state-dir", default=None, help="default: the STATE_DIR setting (output/.state)")
    p.add_argument("--state-url", default=None, help="postgresql://... or sqlite:///path (default: the "
                   "STATE_URL setting or environment variable; empty = SQLite in --state-dir)")
    p.set_defaults(func=cmd_state)

    p = sub.add_parser("args", help="the spiders' -a arguments")
    p.set_defaults(func=cmd_args)

    p = sub.add_parser("report", help="a self-contained HTML page of the last run and the history")
    p.add_argument("-o", "--output", default=None, help="where to write it (default: REPORT_FILE, output/report.html)")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("demo", help="serve the bundled fixture sites on 127.0.0.1 and crawl them")
    p.add_argument("--sites", help="comma-separated slugs (default: every site with fixtures)")
    p.add_argument("--keep-state", action="store_true", help="reuse output/.state instead of a fresh one")
    p.set_defaults(func=cmd_demo)
    return parser


def cmd_report(args: argparse.Namespace) -> int:
    from scrapy.utils.project import get_project_settings

    from crawler.paths import resolve
    from crawler.tools.report import write_report

    settings = get_project_settings()
    out = Path(args.output) if args.output else resolve(settings.get("REPORT_FILE"))
    try:
        write_report(resolve(settings.get("RUNS_DIR")), out)
    except FileNotFoundError as exc:
        print(f"crawler report: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror}") from None
    print(f"crawler report: written to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    # Outside the checkout no scrapy.cfg is found: the commands still read the project's settings.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    # `state rebuild --state-url URL output/`: argparse fills the positional list before the option
    # and cannot resume it after; the paths that follow are still the sources.
    if extra and getattr(args, "action", None) == "rebuild" and not any(e.startswith("-") for e in extra):
        args.sources = [*(args.sources or []), *extra]
    elif extra:
        parser.parse_args(argv)  # the usual one-line error and exit status 2
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"crawler {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `crawler extract ... | head`: the reader left; nothing to report. Point stdout at devnull so
        # the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
