"""Relevance on the corpus (tests/data/corpus): per set, per kind of site, fixed vs tunable part.

Run: uv run python -m benchmarks.relevance_eval --corpus [--part fixed|tunable|all] [--model] [--errors]

Sets: the listing-sampled set (`sampling` listing/feed/sitemap/archive: every item of whole listing
pages, the crawl's base rate) and the hard set (`sampling` search: found by searching, ~40% positive).
Every figure has a seeded bootstrap 95% interval. The listing set has (so far) no positive, so its
precision and recall are undefined; what it measures is the false-positive rate on ordinary news,
and precision at a stated base rate is *estimated* from that rate and the hard set's recall.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from crawler.relevance import classify
from crawler.relevance.model import is_fixed

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "corpus"
FILES = ("hard.jsonl", "listing_newspapers.jsonl", "listing_portals.jsonl")
# Only these ways of drawing items give the crawl's base rate; "search" items (hard.jsonl, and the
# 14 lines of listing_portals.jsonl, which despite the file's name were found by searching) do not.
LISTING_SAMPLINGS = frozenset({"listing", "feed", "sitemap", "archive"})
RESAMPLES = 2000
SEED = 17
BASE_RATES = (0.02, 0.05)

Verdict = Callable[[dict], bool]


def load(names: Sequence[str], corpus: Path = CORPUS) -> list[dict]:
    rows = []
    for name in names:
        with (corpus / name).open(encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return rows


def select(rows: list[dict], part: str) -> list[dict]:
    if part == "all":
        return rows
    want = part == "fixed"
    return [r for r in rows if is_fixed(r["url"]) == want]


def rules_verdict(row: dict) -> bool:
    return classify(row["title"], row.get("lead") or None, row.get("body") or "").is_training


def counts(pairs: Sequence[tuple[bool, bool]]) -> tuple[int, int, int, int]:
    tp = sum(1 for p, y in pairs if p and y)
    fp = sum(1 for p, y in pairs if p and not y)
    fn = sum(1 for p, y in pairs if not p and y)
    return tp, fp, fn, len(pairs) - tp - fp - fn


def prf(pairs: Sequence[tuple[bool, bool]]) -> tuple[float | None, float | None, float | None, float]:
    """Precision, recall, F1 (None when undefined) and the false-positive rate."""
    tp, fp, fn, tn = counts(pairs)
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = 2 * p * r / (p + r) if p is not None and r is not None and p + r else None
    fpr = fp / (fp + tn) if fp + tn else 0.0
    return p, r, f, fpr


def interval(values: list[float]) -> tuple[float, float]:
    if not values:
        return (float("nan"), float("nan"))
    v = sorted(values)
    return v[int(0.025 * (len(v) - 1))], v[int(0.975 * (len(v) - 1))]


def bootstrap(pairs: Sequence[tuple[bool, bool]], rng: random.Random) -> list[tuple[float, float]]:
    """2.5/97.5 percentiles of precision, recall, F1 and FP rate over RESAMPLES resamples."""
    stats: list[list[float]] = [[], [], [], []]
    n = len(pairs)
    for _ in range(RESAMPLES):
        sample = [pairs[rng.randrange(n)] for _ in range(n)]
        for i, value in enumerate(prf(sample)):
            if value is not None:
                stats[i].append(value)
    return [interval(s) for s in stats]


def precision_at(base: float, recall: float, fpr: float) -> float:
    hit = base * recall
    false = (1 - base) * fpr
    return hit / (hit + false) if hit + false else 0.0


def _fmt(value: float | None, ci: tuple[float, float]) -> str:
    if value is None:
        return "   n/a          "
    return f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"


def report_line(name: str, pairs: list[tuple[bool, bool]], rng: random.Random) -> str:
    tp, fp, fn, _ = counts(pairs)
    p, r, f, fpr = prf(pairs)
    cis = bootstrap(pairs, rng)
    return (
        f"{name:<22} n={len(pairs):<4} pos={tp + fn:<4} tp={tp:<3} fp={fp:<3} fn={fn:<3} "
        f"P {_fmt(p, cis[0])}  R {_fmt(r, cis[1])}  F1 {_fmt(f, cis[2])}  FPR {_fmt(fpr, cis[3])}"
    )


def base_rate_estimate(
    listing: list[tuple[bool, bool]], hard: list[tuple[bool, bool]], rng: random.Random
) -> list[str]:
    """Precision at a base rate: listing set's FP rate on negatives, hard set's recall on positives."""
    negatives = [pair for pair in listing if not pair[1]]
    positives = [pair for pair in hard if pair[1]]
    if not negatives or not positives:
        return ["precision at base rate: not estimable (no listing negatives or no hard positives)"]
    fpr = sum(1 for p, _ in negatives if p) / len(negatives)
    rec = sum(1 for p, _ in positives if p) / len(positives)
    lines = []
    if fpr == 0:
        # A bootstrap of zero false positives is all zeros; the rule of three bounds the rate instead.
        bound = 3 / len(negatives)
        worst = ", ".join(f"{b:.0%}: {precision_at(b, rec, bound):.3f}" for b in BASE_RATES)
        lines.append(
            f"listing FP rate 0 of {len(negatives)}: 95% upper bound {bound:.4f} (rule of three); "
            f"precision at that bound, base rate {worst}"
        )
    for base in BASE_RATES:
        draws = []
        for _ in range(RESAMPLES):
            f = sum(1 for _ in negatives if negatives[rng.randrange(len(negatives))][0]) / len(negatives)
            r = sum(1 for _ in positives if positives[rng.randrange(len(positives))][0]) / len(positives)
            draws.append(precision_at(base, r, f))
        lo, hi = interval(draws)
        lines.append(
            f"ESTIMATE precision at base rate {base:.0%}: {precision_at(base, rec, fpr):.3f} "
            f"[{lo:.3f}, {hi:.3f}] (listing FP rate {fpr:.4f} on {len(negatives)}, hard recall {rec:.3f})"
            + (" -- no FP to resample: the interval is empty, quote the bound above" if fpr == 0 else "")
        )
    return lines


def evaluate(part: str, verdicts: dict[str, Verdict], corpus: Path = CORPUS, show_errors: bool = False) -> str:
    rows = select(load(FILES, corpus), part)
    listing = [r for r in rows if r["sampling"] in LISTING_SAMPLINGS]
    hard = [r for r in rows if r["sampling"] not in LISTING_SAMPLINGS]
    out = [
        f"part {part}: listing-sampled {len(listing)} items, hard (search-found) {len(hard)} items; "
        f"bootstrap {RESAMPLES} resamples, seed {SEED}"
    ]
    for vname, verdict in verdicts.items():
        rng = random.Random(SEED)
        out.append(f"\n== {vname} ==")
        predicted = {r["url"]: verdict(r) for r in listing + hard}
        lpairs = [(predicted[r["url"]], bool(r["label"])) for r in listing]
        hpairs = [(predicted[r["url"]], bool(r["label"])) for r in hard]
        out.append(report_line("listing-sampled", lpairs, rng))
        out.append(report_line("hard", hpairs, rng))
        for kind in sorted({r["site_kind"] for r in listing + hard}):
            pairs = [(predicted[r["url"]], bool(r["label"])) for r in listing + hard if r["site_kind"] == kind]
            out.append(report_line(f"kind={kind}", pairs, rng))
        out += base_rate_estimate(lpairs, hpairs, rng)
        if show_errors:
            for r in listing + hard:
                if predicted[r["url"]] != bool(r["label"]):
                    kind = "FP" if predicted[r["url"]] else "FN"
                    out.append(f"  {kind} [{r.get('class')}] {r['url']}\n     {r['title']}")
    return "\n".join(out)


def main(args: list[str]) -> int:
    part = "all"
    if "--part" in args:
        part = args[args.index("--part") + 1]
        if part not in ("fixed", "tunable", "all"):
            print(f"error: --part must be fixed, tunable or all, not {part!r}")
            return 2
    verdicts: dict[str, Verdict] = {"rules": rules_verdict}
    if "--model" in args:
        from crawler.relevance import model

        clf = model.load_model()
        if clf is None:
            print(f"error: no model artifact at {model.ARTIFACT}; run: uv run python -m crawler.tools.train_relevance")
            return 1

        def by_model(r: dict) -> bool:
            return bool(model.predict(clf, r["title"], r.get("lead") or None, r.get("body") or ""))

        verdicts["model"] = by_model
        verdicts["rules AND model (model vetoes)"] = lambda r: rules_verdict(r) and by_model(r)
        verdicts["rules OR model (model adds)"] = lambda r: rules_verdict(r) or by_model(r)
    print(evaluate(part, verdicts, show_errors="--errors" in args))
    return 0
