"""Fit the topic model: when an article is about a followed topic (``bot/search/topic_model.json``).

    python -m bench.fit_topics            # cross-validated figures, then fit on everything and write the file
    python -m bench.fit_topics --check    # only the figures; the file is left alone

Each (topic, article) pair of ``eval/topics/topics.jsonl`` gives one row: the
:data:`~bot.search.ranking.TOPIC_FEATURES` of the article's best fact under the shipped ranker (the
topic asked as a question, the candidates kept to that article), labelled by whether the
article is listed for the topic. A logistic regression (L2) turns them into a probability and
the threshold is the one with the best F1 on the training rows. The figures are
cross-validated over folds of **topics**: a topic is only ever judged by a model that never saw it.
Deterministic: the same data give the same file byte for byte.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.fit import fit_logistic
from bench.quality import wilson
from bench.topics import Topic, load_topics, topic_snapshot
from bot.index.snapshot import Snapshot
from bot.search.ranking import TOPIC_FEATURES, TOPIC_MODEL_FILE, Linear, TopicModel
from bot.search.searcher import Searcher
from bot.text.normalize import clean

FloatArray = npt.NDArray[np.float64]
L2 = 0.01
FOLDS = 5
SEED = 7
OUT = Path(__file__).resolve().parent.parent / "bot" / "search" / TOPIC_MODEL_FILE


@dataclass(frozen=True)
class Rows:
    x: FloatArray  # one row per (topic, article) with a candidate
    y: npt.NDArray[np.bool_]
    topic: npt.NDArray[np.int64]  # index of the row's topic
    place_absent: npt.NDArray[np.bool_]  # the hard rule declines these whatever the model says
    missing_positives: npt.NDArray[np.int64]  # per topic: listed articles with no candidate at all


def collect(snapshot: Snapshot, topics: Sequence[Topic]) -> Rows:
    probe = TopicModel(Linear(np.zeros(len(TOPIC_FEATURES)), np.zeros(len(TOPIC_FEATURES)), np.ones(len(TOPIC_FEATURES)), 0.0), 0.5, {})  # fmt: skip
    searcher = Searcher(snapshot, topic_model=probe)
    xs: list[FloatArray] = []
    ys: list[bool] = []
    owner: list[int] = []
    absent: list[bool] = []
    missing = np.zeros(len(topics), dtype=np.int64)
    for i, t in enumerate(topics):
        for article in range(len(snapshot.articles)):
            plan = searcher.plan(clean(t.topic))
            ranking = searcher.rank(plan, article) if plan.content else None
            listed = snapshot.articles[article].url in t.matches
            if ranking is None or not ranking.candidates:
                missing[i] += int(listed)
                continue
            xs.append(searcher.topic_features(plan, ranking, article))
            ys.append(listed)
            owner.append(i)
            absent.append(bool(ranking.candidates[0].feature("place_absent")))
    return Rows(np.vstack(xs), np.array(ys), np.array(owner), np.array(absent), missing)


def best_threshold(p: FloatArray, y: npt.NDArray[np.bool_]) -> float:
    """The threshold with the best F1 (the lowest among equals), searched over the rows' own probabilities."""
    best, best_f1 = 0.5, -1.0
    for t in np.unique(np.round(p, 4)):
        chosen = p >= t
        tp = int((chosen & y).sum())
        f1 = 2 * tp / (int(chosen.sum()) + int(y.sum())) if chosen.any() or y.any() else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(t), f1
    return best


def fit(rows: Rows, keep: npt.NDArray[np.bool_]) -> TopicModel:
    x, y = rows.x[keep], rows.y[keep]
    linear = fit_logistic(x, y, L2, np.ones(len(y)))
    p = 1 / (1 + np.exp(-linear(x)))
    p = np.where(rows.place_absent[keep], 0.0, p)
    return TopicModel(linear, best_threshold(p, y), {})


def predict(model: TopicModel, rows: Rows) -> npt.NDArray[np.bool_]:
    p = 1 / (1 + np.exp(-model.linear(rows.x)))
    return np.asarray((p >= model.threshold) & ~rows.place_absent, dtype=bool)


def topic_folds(n_topics: int, k: int = FOLDS, seed: int = SEED) -> npt.NDArray[np.int64]:
    order = np.random.default_rng(seed).permutation(n_topics)
    folds = np.empty(n_topics, dtype=np.int64)
    folds[order] = np.arange(n_topics) % k
    return folds


def figures(rows: Rows, chosen: npt.NDArray[np.bool_]) -> dict[str, float | int]:
    tp = int((chosen & rows.y).sum())
    fp = int((chosen & ~rows.y).sum())
    fn = int((~chosen & rows.y).sum()) + int(rows.missing_positives.sum())
    p_lo, p_hi = wilson(tp, tp + fp)
    r_lo, r_hi = wilson(tp, tp + fn)
    return {
        "pairs": len(rows.y),
        "expected": tp + fn,
        "matched": tp + fp,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "precision_low": round(p_lo, 4),
        "precision_high": round(p_hi, 4),
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "recall_low": round(r_lo, 4),
        "recall_high": round(r_hi, 4),
    }


def cross_validate(rows: Rows, n_topics: int) -> npt.NDArray[np.bool_]:
    folds = topic_folds(n_topics)[rows.topic]
    chosen = np.zeros(len(rows.y), dtype=bool)
    for f in range(FOLDS):
        model = fit(rows, folds != f)
        held = folds == f
        sub = Rows(rows.x[held], rows.y[held], rows.topic[held], rows.place_absent[held], rows.missing_positives)
        chosen[held] = predict(model, sub)
    return chosen


def line(label: str, f: dict[str, float | int]) -> str:
    return (
        f"| {label} | {f['expected']} | {f['matched']} | {f['precision']:.3f} [{f['precision_low']:.2f}–"
        f"{f['precision_high']:.2f}] | {f['recall']:.3f} [{f['recall_low']:.2f}–{f['recall_high']:.2f}] |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.fit_topics", description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="print the figures, do not write the model file")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the model (default: the package's)")
    args = ap.parse_args(argv)
    topics = load_topics()
    rows = collect(topic_snapshot(), topics)
    cv = figures(rows, cross_validate(rows, len(topics)))
    model = fit(rows, np.ones(len(rows.y), dtype=bool))
    fitted = figures(rows, predict(model, rows))
    print(f"topic model: {len(topics)} topics, {len(rows.y)} (topic, article) pairs with a candidate")
    print("| figures | expected pairs | matched pairs | precision [95%] | recall [95%] |")
    print("| --- | --- | --- | --- | --- |")
    print(line(f"cross-validated ({FOLDS} folds by topic)", cv))
    print(line("in sample", fitted))
    if not args.check:
        info = {"topics": len(topics), "pairs": len(rows.y), "l2": L2, "cross_validated": cv, "in_sample": fitted}
        final = TopicModel(model.linear, model.threshold, info)
        args.out.write_text(json.dumps(final.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
