"""Precision and recall of the training-announcement classifier on the labelled set.

Run: uv run python -m benchmarks.relevance_eval [path/to/relevance.jsonl]
     uv run python -m benchmarks.relevance_eval --corpus [--part fixed|tunable|all] [--model] [--errors]

Each line of the set is a real headline and lead (url, title, lead, label, hard, source_ref); the
classifier sees the headline as title and the lead as summary, with no body.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from crawler.relevance import classify

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "relevance.jsonl"


@dataclass(frozen=True)
class Result:
    size: int
    hard: int
    tp: int
    fp: int
    fn: int
    tn: int
    errors: list[tuple[dict, float, list[str]]]

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load(path: Path = DEFAULT_SET) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(rows: list[dict]) -> Result:
    tp = fp = fn = tn = 0
    errors = []
    for row in rows:
        verdict = classify(row["title"], row["lead"] or None, "")
        if verdict.is_training and row["label"]:
            tp += 1
        elif verdict.is_training:
            fp += 1
            errors.append((row, verdict.score, verdict.matched))
        elif row["label"]:
            fn += 1
            errors.append((row, verdict.score, verdict.matched))
        else:
            tn += 1
    hard = sum(1 for r in rows if not r["label"] and r.get("hard"))
    return Result(len(rows), hard, tp, fp, fn, tn, errors)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--corpus":
        from benchmarks import relevance_corpus

        return relevance_corpus.main(args[1:])
    rows = load(Path(args[0]) if args else DEFAULT_SET)
    res = evaluate(rows)
    print(
        f"items {res.size}  positives {res.tp + res.fn}  hard negatives {res.hard} "
        f"({res.hard / res.size:.0%})"
    )
    print(f"tp {res.tp}  fp {res.fp}  fn {res.fn}  tn {res.tn}")
    print(f"precision {res.precision:.4f}  recall {res.recall:.4f}  F1 {res.f1:.4f}")
    for row, score, matched in res.errors:
        kind = "FALSE POSITIVE" if not row["label"] else "FALSE NEGATIVE"
        print(f"\n{kind} score={score} {row['url']}\n  title: {row['title']}\n  lead: {row['lead'][:160]}")
        print(f"  matched: {matched}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
