"""A learned second opinion on relevance: TF-IDF character n-grams on folded text + logistic regression.

The rules (`classify`) decide; this model never does by default. `disagreement` says when the two
differ, so the run report can flag the page for review.

Training uses scikit-learn (`uv run python -m crawler.tools.train_relevance`, a development tool); the
shipped artifact is the fitted model's numbers only (each n-gram's idf and weight, the intercept) as
gzipped, key-sorted JSON, scored here in plain Python. So a crawl neither imports scikit-learn (4-5 s
of scipy) nor unpickles code, nothing is downloaded, and two builds from the same files give the same
bytes (the trainer prints their SHA-256).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.relevance._text import zones
from crawler.text import fold

ARTIFACT = Path(__file__).resolve().parent / "data" / "relevance_model.json.gz"
SEED = 17
NGRAMS = (2, 5)
# Threshold on the model's probability; 0.5 is the plain argmax of a balanced-weight model.
THRESHOLD = 0.5
FIXED_SHARE = 35  # percent of labelled items, by URL hash, that no rule change or training ever sees
_DIGITS = 7  # significant digits kept in the artifact: probabilities move by < 1e-5

_WHITE = re.compile(r"\s\s+")


def is_fixed(url: str) -> bool:
    """The fixed (held-out) part of the labelled sets: a stable hash of the URL, not file order."""
    digest = hashlib.sha256(f"taphuan-fixed:{url}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < FIXED_SHARE


def features(title: str, summary: str | None, body: str) -> str:
    """Folded headline (twice: it weighs more) and lead, the zones the rules mainly read."""
    t, lead, _ = zones(title, summary, body)
    return f"{fold(t.text)} | {fold(t.text)} | {fold(lead.text)}"


def char_wb_ngrams(text: str, lo: int = NGRAMS[0], hi: int = NGRAMS[1]) -> list[str]:
    """scikit-learn's `analyzer="char_wb"` (lower-cased, each word padded with one space), exactly."""
    grams: list[str] = []
    for word in _WHITE.sub(" ", text.lower()).split():
        w = f" {word} "
        for n in range(lo, hi + 1):
            offset = 0
            grams.append(w[offset : offset + n])
            while offset + n < len(w):
                offset += 1
                grams.append(w[offset : offset + n])
            if offset == 0:  # the word is shorter than n
                break
    return grams


@dataclass(frozen=True)
class LinearModel:
    """Sublinear TF-IDF, L2-normalized, then a logistic regression: (idf, weight) per n-gram."""

    weights: dict[str, tuple[float, float]]
    intercept: float

    def probability(self, text: str) -> float:
        values = []
        for gram, count in Counter(char_wb_ngrams(text)).items():
            entry = self.weights.get(gram)
            if entry is not None:
                values.append(((1.0 + math.log(count)) * entry[0], entry[1]))
        norm = math.sqrt(sum(v * v for v, _ in values)) or 1.0
        z = self.intercept + sum(v * w for v, w in values) / norm
        return 1.0 / (1.0 + math.exp(-z))


def train(rows: list[dict[str, Any]]) -> Any:
    """Fit with scikit-learn on labelled rows (title, lead, body, label), sorted by URL for determinism."""
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
                    analyzer="char_wb", ngram_range=NGRAMS, min_df=2, sublinear_tf=True, max_features=40000
                ),
            ),
            ("lr", LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000, random_state=SEED)),
        ]
    )
    pipe.fit(texts, labels)
    return pipe


def _round(x: float) -> float:
    return float(f"{x:.{_DIGITS}g}")


def export(pipe: Any) -> LinearModel:
    """The fitted pipeline's numbers: what scoring needs, nothing of scikit-learn."""
    vec, lr = pipe.named_steps["tfidf"], pipe.named_steps["lr"]
    idf, coef = vec.idf_, lr.coef_[0]
    weights = {g: (_round(idf[i]), _round(coef[i])) for g, i in vec.vocabulary_.items()}
    return LinearModel(weights, _round(lr.intercept_[0]))


def dump(model: LinearModel) -> bytes:
    doc = {
        "kind": "tfidf-char_wb-logreg",
        "ngrams": list(NGRAMS),
        "intercept": model.intercept,
        "weights": {g: list(v) for g, v in sorted(model.weights.items())},
    }
    raw = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return gzip.compress(raw, compresslevel=9, mtime=0)


def save(model: LinearModel, path: Path = ARTIFACT) -> str:
    """Write the artifact; return its SHA-256."""
    data = dump(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def parse(data: bytes) -> LinearModel:
    doc = json.loads(gzip.decompress(data))
    return LinearModel({g: (v[0], v[1]) for g, v in doc["weights"].items()}, doc["intercept"])


@lru_cache(maxsize=2)
def _load(path: Path) -> LinearModel | None:
    return parse(path.read_bytes()) if path.exists() else None


def load_model(path: Path = ARTIFACT) -> LinearModel | None:
    """The shipped model, or None when there is no artifact."""
    return _load(path)


def probability(model: LinearModel, title: str, summary: str | None, body: str) -> float:
    return model.probability(features(title, summary, body))


def predict(model: LinearModel, title: str, summary: str | None, body: str) -> bool:
    return probability(model, title, summary, body) >= THRESHOLD


@dataclass(frozen=True)
class Disagreement:
    rules: bool
    model: bool
    probability: float


def disagreement(
    model: LinearModel, title: str, summary: str | None, body: str, rules_verdict: bool
) -> Disagreement | None:
    """The model's different verdict, or None when it agrees with the rules."""
    p = probability(model, title, summary, body)
    if (p >= THRESHOLD) == rules_verdict:
        return None
    return Disagreement(rules_verdict, not rules_verdict, round(p, 3))
