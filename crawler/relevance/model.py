"""A learned second opinion on relevance: TF-IDF character n-grams on folded text + logistic regression.

The rules (`classify`) decide; this model never does by default. `disagreement` says when the two
differ, so the run report can flag the page for review. The artifact is built from the labelled files
by `uv run python -m crawler.tools.train_relevance` (deterministic: sorted input, fixed seed; it
prints the artifact's SHA-256) and shipped in the package: nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.relevance._text import zones
from crawler.text import fold

ARTIFACT = Path(__file__).resolve().parent / "data" / "relevance_model.pkl"
SEED = 17
# Threshold on the model's probability; 0.5 is the plain argmax of a balanced-weight model.
THRESHOLD = 0.5
FIXED_SHARE = 35  # percent of labelled items, by URL hash, that no rule change or training ever sees


def is_fixed(url: str) -> bool:
    """The fixed (held-out) part of the labelled sets: a stable hash of the URL, not file order."""
    digest = hashlib.sha256(f"taphuan-fixed:{url}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < FIXED_SHARE


def features(title: str, summary: str | None, body: str) -> str:
    """Folded headline (twice: it weighs more) and lead, the zones the rules mainly read."""
    t, lead, _ = zones(title, summary, body)
    return f"{fold(t.text)} | {fold(t.text)} | {fold(lead.text)}"


def train(rows: list[dict[str, Any]]) -> Any:
    """Fit on labelled rows (title, lead, body, label); rows are sorted by URL first for determinism."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    ordered = sorted(rows, key=lambda r: r["url"])
    texts = [features(r["title"], r.get("lead") or None, r.get("body") or "") for r in ordered]
    labels = [bool(r["label"]) for r in ordered]
    pipe = Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=40000
                ),
            ),
            ("lr", LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000, random_state=SEED)),
        ]
    )
    pipe.fit(texts, labels)
    return pipe


def dump(model: Any) -> bytes:
    buf = io.BytesIO()
    pickle.dump(model, buf, protocol=5)
    return buf.getvalue()


def save(model: Any, path: Path = ARTIFACT) -> str:
    """Write the artifact; return its SHA-256."""
    data = dump(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=2)
def _load(path: Path) -> Any:
    if not path.exists():
        return None
    try:
        import sklearn  # noqa: F401  (the artifact's classes come from it)
    except ImportError:
        return None
    with path.open("rb") as fh:
        # The artifact is built by this project's own command and shipped with the package.
        return pickle.load(fh)


def load_model(path: Path = ARTIFACT) -> Any:
    """The shipped model, or None when there is no artifact."""
    return _load(path)


def probability(model: Any, title: str, summary: str | None, body: str) -> float:
    return float(model.predict_proba([features(title, summary, body)])[0][1])


def predict(model: Any, title: str, summary: str | None, body: str) -> bool:
    return probability(model, title, summary, body) >= THRESHOLD


@dataclass(frozen=True)
class Disagreement:
    rules: bool
    model: bool
    probability: float


def disagreement(
    model: Any, title: str, summary: str | None, body: str, rules_verdict: bool
) -> Disagreement | None:
    """The model's different verdict, or None when it agrees with the rules."""
    p = probability(model, title, summary, body)
    if (p >= THRESHOLD) == rules_verdict:
        return None
    return Disagreement(rules_verdict, not rules_verdict, round(p, 3))
