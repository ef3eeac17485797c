"""The `crawler` console script: extract one page, validate output, run the offline demo."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler import __version__


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    return Path(path).read_bytes()


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.adapters.spiders.generic import generic_site
    from crawler.dedup.canonical import rules_from_mapping
    from crawler.extract import extract_article
    from crawler.sites.registry import site_for_url
    from crawler.stages import assemble_item, process_standalone

    try:
        raw = _read_input(args.file)
    except OSError as exc:
        print(f"crawler extract: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    site = site_for_url(args.url)
    article = extract_article(args.url, raw, site)
    if args.text:
        print(article.body)
        return 0 if article.body else 1
    target = site or generic_site([args.url])
    item = process_standalone(assemble_item(article, target), rules_from_mapping(site.canonical if site else None))
    data = item.to_dict()
    if not article.is_article:
        print(f"crawler extract: {args.url} does not look like an article ({'; '.join(article.reasons)})",
              file=sys.stderr)
    print(json.dumps(data, ensure_ascii=False, indent=None if args.compact else 2))
    return 0


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
        else:
            print(f"{name}: {count} lines valid")
    return status


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.tools.demo import run_demo

    return run_demo(sites=[s for s in (args.sites or "").split(",") if s], keep_state=args.keep_state)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crawler", description=__doc__)
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

    p = sub.add_parser("demo", help="serve the bundled fixture sites on 127.0.0.1 and crawl them")
    p.add_argument("--sites", help="comma-separated slugs (default: every site with fixtures)")
    p.add_argument("--keep-state", action="store_true", help="reuse output/.state instead of a fresh one")
    p.set_defaults(func=cmd_demo)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
