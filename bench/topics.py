"""Topic-matching quality: which articles a topic subscription would push, against expected matches.

    python -m bench.topics            # precision and recall over every (topic, article) pair, by kind
    python -m bench.topics --show     # also the wrong pairs

The set (``eval/topics/topics.jsonl``) lists, for each topic typed the way users type, every
reform article a follower of that topic wants to be told about; the knowledge base is the seed
plus the dev, holdout and cchc-dev2 articles. Matching is :func:`bot.news.match_articles`, the
same call the bot makes when articles arrive.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.evalsets import EVAL_DIR, build_snapshot
from bench.quality import wilson
from bot.index.snapshot import Snapshot
from bot.news import match_articles
from bot.resources import bundled_knowledge_dir

TOPICS = EVAL_DIR / "topics" / "topics.jsonl"
ARTICLE_FOLDERS = tuple(EVAL_DIR / name / "articles" for name in ("dev", "holdout", "cchc-dev2"))


@dataclass(frozen=True)
class Topic:
    id: str
    topic: str
    matches: frozenset[str]
    kind: str


@dataclass(frozen=True)
class TopicScores:
    true_pos: int
    false_pos: int
    false_neg: int
    by_kind: dict[str, tuple[int, int, int]]
    wrong: list[tuple[str, str, str]]  # (topic, url, "extra" | "missed")

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0


def load_topics(path: Path = TOPICS) -> list[Topic]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(Topic(row["id"], row["topic"], frozenset(row["matches"]), row["kind"]))
    return out


def topic_snapshot() -> Snapshot:
    files = sorted(bundled_knowledge_dir().glob("*.txt"))
    for folder in ARTICLE_FOLDERS:
        files.extend(sorted(folder.glob("*.txt")))
    return build_snapshot(files)


def score(snapshot: Snapshot, topics: Sequence[Topic]) -> TopicScores:
    tp = fp = fn = 0
    by_kind: dict[str, list[int]] = {}
    wrong: list[tuple[str, str, str]] = []
    every = range(len(snapshot.articles))
    for t in topics:
        found = {m.article.url for m in match_articles(snapshot, [t.topic], every)}
        counts = by_kind.setdefault(t.kind, [0, 0, 0])
        for url in sorted(found | t.matches):
            if url in found and url in t.matches:
                tp += 1
                counts[0] += 1
            elif url in found:
                fp += 1
                counts[1] += 1
                wrong.append((t.topic, url, "extra"))
            else:
                fn += 1
                counts[2] += 1
                wrong.append((t.topic, url, "missed"))
    return TopicScores(tp, fp, fn, {k: (v[0], v[1], v[2]) for k, v in sorted(by_kind.items())}, wrong)


def _row(label: str, tp: int, fp: int, fn: int) -> str:
    p_lo, p_hi = wilson(tp, tp + fp)
    r_lo, r_hi = wilson(tp, tp + fn)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return (
        f"| {label} | {tp + fn} | {tp + fp} | {precision:.3f} [{p_lo:.2f}–{p_hi:.2f}] "
        f"| {recall:.3f} [{r_lo:.2f}–{r_hi:.2f}] |"
    )


def report(scores: TopicScores, topics: int, articles: int) -> str:
    lines = [
        f"topic matching: {topics} topics x {articles} articles",
        "",
        "| topics | expected pairs | matched pairs | precision [95%] | recall [95%] |",
        "| --- | --- | --- | --- | --- |",
        _row("all", scores.true_pos, scores.false_pos, scores.false_neg),
    ]
    lines.extend(_row(kind, *counts) for kind, counts in scores.by_kind.items())
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.topics", description=__doc__.split("\n\n")[0])
    ap.add_argument("--show", action="store_true", help="list the wrong (topic, article) pairs")
    args = ap.parse_args(argv)
    topics = load_topics()
    snapshot = topic_snapshot()
    scores = score(snapshot, topics)
    print(report(scores, len(topics), len(snapshot.articles)))
    if args.show:
        print()
        for topic, url, what in scores.wrong:
            print(f"{what:6}  {topic!r}  {url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
