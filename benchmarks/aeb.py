"""Zyte's article-extraction-benchmark: body precision/recall/F1 of our extractor vs trafilatura, 181 real pages.

    uv run python -m benchmarks.aeb [--n N] [--id ID ...] [--tools ours,trafilatura] [--n-bootstrap 1000]

The pages, the ground truth and the evaluation code are upstream's, unchanged, in benchmarks/data/aeb/
(see its README.md). Each tool's output is written as the benchmark expects it,
`output/aeb/<tool>.json` = `{id: {"articleBody": text}}`, read back with upstream's `load_prediction`
and scored with upstream's `evaluate` (imported from benchmarks/data/aeb/evaluate.py, not
re-implemented): 4-word shingle TP/FP/FN per page, normalized per page; precision and recall are means
over pages, F1 is computed from the two means, accuracy is the share of pages whose token sequence is
exactly the ground truth's; the ± values are upstream's bootstrap standard deviations.

Tools:
  ours                   `crawler extract FILE --url URL --text`, in process: `extract_article(url, raw
                         bytes, site_for_url(url)).body` (`--check-cli K` compares K pages with the CLI)
  trafilatura            the benchmark's own runner (extractors/run_trafilatura.py):
                         `trafilatura.extract(html, include_comments=False)`, all else default, plus url=
  trafilatura_precision  the same with favor_precision=True
  trafilatura_recall     the same with favor_recall=True

Also writes output/aeb/metrics.json (upstream's --output shape) and output/aeb/per-page.json (each
page's P/R/F1 for every tool, and F1 of ours minus trafilatura) for the loss analysis in
docs/extraction-benchmark.md.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data" / "aeb"
OUT_DIR = Path(__file__).resolve().parent.parent / "output" / "aeb"
TOOLS = ("ours", "trafilatura", "trafilatura_precision", "trafilatura_recall")

Extractor = Callable[[str, bytes], str]


def load_evaluate(data_dir: Path = DATA_DIR) -> ModuleType:
    """Upstream's evaluate.py, imported as it is (it needs only the standard library)."""
    spec = importlib.util.spec_from_file_location("aeb_upstream_evaluate", data_dir / "evaluate.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {data_dir / 'evaluate.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_ground_truth(data_dir: Path = DATA_DIR) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((data_dir / "ground-truth.json").read_text("utf-8"))
    return data


def read_page(page_id: str, data_dir: Path = DATA_DIR) -> bytes:
    """The page's HTML bytes, un-gzipped (what a saved page handed to `crawler extract` holds)."""
    return gzip.decompress((data_dir / "html" / f"{page_id}.html.gz").read_bytes())


def _ours() -> Extractor:
    from crawler.extract import extract_article
    from crawler.sites.registry import load_registry_with_errors, site_for_url

    sites, _ = load_registry_with_errors()  # what site_for_url(url) loads on every call, loaded once

    def run(url: str, raw: bytes) -> str:
        return extract_article(url, raw, site_for_url(url, sites)).body

    return run


def _trafilatura(**options: Any) -> Extractor:
    import trafilatura

    def run(url: str, raw: bytes) -> str:
        # The benchmark's runner reads each page as UTF-8 text (gzip.open(path, 'rt', encoding='utf8')).
        html = raw.decode("utf-8")
        return trafilatura.extract(html, url=url, include_comments=False, **options) or ""

    return run


def extractors(names: Iterable[str]) -> dict[str, Extractor]:
    factories: dict[str, Callable[[], Extractor]] = {
        "ours": _ours,
        "trafilatura": lambda: _trafilatura(),
        "trafilatura_precision": lambda: _trafilatura(favor_precision=True),
        "trafilatura_recall": lambda: _trafilatura(favor_recall=True),
    }
    unknown = [n for n in names if n not in factories]
    if unknown:
        raise ValueError(f"unknown tool(s) {', '.join(unknown)}; known: {', '.join(factories)}")
    return {n: factories[n]() for n in names}


def tool_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    dist = "taphuan-crawler" if name == "ours" else "trafilatura"
    try:
        return version(dist)
    except PackageNotFoundError:
        return ""


@dataclass
class ToolResult:
    name: str
    version: str
    metrics: dict[str, Any]  # upstream's evaluate() result, without the per-page tp_fp_fns
    per_page: dict[str, tuple[float, float, float]]  # id -> (precision, recall, F1) of that page
    ms: list[float] = field(default_factory=list)

    @property
    def ms_mean(self) -> float:
        return statistics.mean(self.ms) if self.ms else 0.0

    @property
    def ms_median(self) -> float:
        return statistics.median(self.ms) if self.ms else 0.0


def page_scores(ev: ModuleType, true: str, pred: str) -> tuple[float, float, float]:
    """One page's precision, recall and F1 from upstream's shingle matching and scores."""
    tp, fp, fn = ev.string_shingle_matching(true=true, pred=pred)
    p = ev.precision_score(tp, fp, fn)
    r = ev.recall_score(tp, fp, fn)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run(
    ids: list[str] | None = None,
    tools: Iterable[str] = TOOLS,
    n_bootstrap: int = 1000,
    seed: int = 0,
    out_dir: Path = OUT_DIR,
    data_dir: Path = DATA_DIR,
) -> list[ToolResult]:
    """Extracts every page with every tool, writes the predictions and scores them with upstream's code."""
    ev = load_evaluate(data_dir)
    ground_truth = load_ground_truth(data_dir)
    if ids:
        missing = [i for i in ids if i not in ground_truth]
        if missing:
            raise ValueError(f"not in the ground truth: {', '.join(missing)}")
        ground_truth = {i: ground_truth[i] for i in ids}
    pages = {i: read_page(i, data_dir) for i in ground_truth}
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for name, extract in extractors(tools).items():
        for page_id in list(ground_truth)[:3]:  # warm-up, not timed: imports, caches, the site registry
            extract(ground_truth[page_id]["url"], pages[page_id])
        prediction: dict[str, dict[str, str]] = {}
        ms: list[float] = []
        for page_id, truth in ground_truth.items():
            t0 = time.perf_counter()
            text = extract(truth["url"], pages[page_id])
            ms.append((time.perf_counter() - t0) * 1000)
            prediction[page_id] = {"articleBody": text}
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(prediction, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
        loaded, _ = ev.load_prediction(path)
        random.seed(seed)  # upstream's bootstrap draws from the global generator: same draws every run
        metrics = ev.evaluate(ground_truth, loaded, n_bootstrap)
        metrics.pop("tp_fp_fns")
        per_page = {
            i: page_scores(ev, t.get("articleBody", ""), loaded[i].get("articleBody", ""))
            for i, t in ground_truth.items()
        }
        results.append(ToolResult(name, tool_version(name), metrics, per_page, ms))
    write_reports(results, ground_truth, out_dir)
    return results


def write_reports(results: list[ToolResult], ground_truth: dict[str, dict[str, Any]], out_dir: Path) -> None:
    metrics = {
        r.name: {**r.metrics, "version": r.version, "ms_mean": r.ms_mean, "ms_median": r.ms_median} for r in results
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=1, sort_keys=True), "utf-8")
    by_name = {r.name: r for r in results}
    pages: dict[str, dict[str, Any]] = {}
    for page_id, truth in ground_truth.items():
        row: dict[str, Any] = {"url": truth.get("url", "")}
        for r in results:
            p, rec, f = r.per_page[page_id]
            row[r.name] = {"precision": round(p, 4), "recall": round(rec, 4), "f1": round(f, 4)}
        if "ours" in by_name and "trafilatura" in by_name:
            row["f1_ours_minus_trafilatura"] = round(
                by_name["ours"].per_page[page_id][2] - by_name["trafilatura"].per_page[page_id][2], 4
            )
        pages[page_id] = row
    if "ours" in by_name and "trafilatura" in by_name:
        pages = dict(sorted(pages.items(), key=lambda kv: kv[1]["f1_ours_minus_trafilatura"]))
    (out_dir / "per-page.json").write_text(json.dumps(pages, ensure_ascii=False, indent=1), "utf-8")


def format_table(results: list[ToolResult], n_pages: int) -> str:
    lines = [
        f"{n_pages} pages; ± = bootstrap standard deviation (upstream's evaluate.py)",
        f"{'':<22} {'version':<9} {'F1':<13}  {'precision':<13}  {'recall':<13}  {'accuracy':<13}  "
        f"{'ms/page':>7} {'median':>7}",
    ]
    for r in results:
        m = r.metrics
        lines.append(
            f"{r.name:<22} {r.version:<9} "
            f"{m['f1']:.3f} ± {m['f1_std']:.3f}  {m['precision']:.3f} ± {m['precision_std']:.3f}  "
            f"{m['recall']:.3f} ± {m['recall_std']:.3f}  {m['accuracy']:.3f} ± {m['accuracy_std']:.3f}  "
            f"{r.ms_mean:7.1f} {r.ms_median:7.1f}"
        )
    return "\n".join(lines)


def print_differences(names: list[str], ids: list[str] | None, out_dir: Path, n_bootstrap: int, seed: int) -> None:
    """Upstream's bootstrap of metric differences (evaluate.py --bootstrap-differences), ours minus each other tool."""
    ev = load_evaluate()
    ground_truth = load_ground_truth()
    keys = list(ids or ground_truth)
    tp_fp_fns = {}
    for name in names:
        pred, _ = ev.load_prediction(out_dir / f"{name}.json")
        tp_fp_fns[name] = [
            ev.string_shingle_matching(true=ground_truth[k].get("articleBody", ""), pred=pred[k].get("articleBody", ""))
            for k in keys
        ]
    for name in names:
        if name == "ours":
            continue
        print(f"\nours minus {name} (upstream's bootstrap of differences, mean ± std):")
        random.seed(seed)
        ev.print_metrics_diff(tp_fp_fns["ours"], tp_fp_fns[name], n_bootstrap)


def check_cli(ids: list[str], data_dir: Path = DATA_DIR) -> list[tuple[str, bool]]:
    """Runs `crawler extract FILE --url URL --text` on each page and compares its stdout with the
    in-process body (the CLI prints the body and a newline)."""
    ours = _ours()
    ground_truth = load_ground_truth(data_dir)
    script = Path(sys.executable).parent / "crawler"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "crawler.cli"]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for page_id in ids:
            raw = read_page(page_id, data_dir)
            path = Path(tmp) / f"{page_id}.html"
            path.write_bytes(raw)
            url = ground_truth[page_id]["url"]
            proc = subprocess.run(
                [*command, "extract", str(path), "--url", url, "--text"], capture_output=True, check=False
            )
            out.append((page_id, proc.stdout.decode("utf-8") == ours(url, raw) + "\n"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.aeb",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="See docs/extraction-benchmark.md for the numbers and the loss analysis.",
    )
    parser.add_argument("--n", type=int, help="only the first N pages (ids in sorted order)")
    parser.add_argument("--id", action="append", dest="ids", help="only this page id (repeatable)")
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated, default {','.join(TOOLS)}")
    parser.add_argument("--n-bootstrap", type=int, default=1000, help="bootstrap samples (upstream default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap draws")
    parser.add_argument(
        "--bootstrap-differences",
        action="store_true",
        help="also print upstream's bootstrap of ours minus each trafilatura variant",
    )
    parser.add_argument(
        "--check-cli",
        type=int,
        default=3,
        metavar="K",
        help="compare K pages with the `crawler extract --text` CLI (0: skip; default 3)",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output directory (default {OUT_DIR})")
    args = parser.parse_args(argv)

    ids = args.ids
    if args.n is not None:
        ids = sorted(load_ground_truth())[: args.n]
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    results = run(ids, tools, args.n_bootstrap, args.seed, args.out)
    n_pages = len(next(iter(results)).per_page) if results else 0
    print(format_table(results, n_pages))
    if args.bootstrap_differences and "ours" in tools:
        print_differences([r.name for r in results], ids, args.out, args.n_bootstrap, args.seed)
    if args.check_cli and "ours" in tools:
        sample = sorted(ids or load_ground_truth())[: args.check_cli]
        checked = check_cli(sample)
        same = sum(ok for _, ok in checked)
        print(
            f"\nCLI check: `crawler extract --text` equals the in-process body on {same}/{len(checked)} pages"
            + ("" if same == len(checked) else f" (differ: {', '.join(i for i, ok in checked if not ok)})")
        )
        if same != len(checked):
            return 1
    print(f"\npredictions, metrics.json and per-page.json in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
