"""Train the relevance model from the labelled files: `uv run python -m crawler.tools.train_relevance`.

Trains on every labelled set in tests/data (the corpus and the older sets) minus the corpus's fixed
part (by URL hash, the same for every file), which no change is ever tuned on. Prints the artifact's
SHA-256: two runs on the same files give the same hash.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from crawler.relevance import model

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SETS = [
    *sorted((DATA / "corpus").glob("*.jsonl")),
    DATA / "relevance.jsonl",
    *sorted(DATA.glob("relevance_holdout*.jsonl")),
]


def training_rows(paths: list[Path]) -> list[dict]:
    rows: dict[str, dict] = {}
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                row = json.loads(line)
                if "label" in row and not model.is_fixed(row["url"]):
                    rows.setdefault(row["url"], row)
    return list(rows.values())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else model.ARTIFACT
    missing = [p for p in SETS if not p.exists()]
    if missing:
        print(f"error: labelled file missing: {missing[0]} (run from a checkout of the repository)")
        return 1
    rows = training_rows(SETS)
    if not rows:
        print("error: no labelled rows to train on")
        return 1
    try:
        import sklearn  # noqa: F401  (training only; a crawl scores the exported numbers)
    except ImportError:
        print("error: training needs scikit-learn, a development dependency: run `uv sync` (with dev)")
        return 1
    pipe = model.train(rows)
    exported = model.export(pipe)
    # The exported numbers must score as scikit-learn does, or the artifact is not this model.
    texts = [model.features(r["title"], r.get("lead") or None, r.get("body") or "") for r in rows]
    worst = max(abs(p - exported.probability(t)) for p, t in zip(pipe.predict_proba(texts)[:, 1], texts, strict=True))
    if worst > 1e-4:
        print(f"error: the exported model differs from scikit-learn's by {worst:.2g} on the training items")
        return 1
    digest = model.save(exported, out)
    positives = sum(1 for r in rows if r["label"])
    print(
        f"trained on {len(rows)} items ({positives} positive); wrote {out}; sha256 {digest}; "
        f"largest difference from scikit-learn's probabilities {worst:.1e}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
