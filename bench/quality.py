"""Dev-set scoring, the same rules as ``/work/shared/eval/score.py``.

A hit: the first result comes from the expected article and its text contains the expected
piece (after NFC and whitespace folding); top3 counts a hit anywhere in the first three.
An unanswerable question is right when it is declined.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bench.questions import Question
from bot.textnorm import fold

# A "copy hit": the first result is the expected sentence or a synthetic copy of it (same words,
# other numbers/names/province).  Diagnostic only: it separates "the ranking lost the sentence"
# from "the corpus holds several equally good answers with different figures".
COPY_SIMILARITY = 85


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s).replace("\u00a0", " ")).strip()


@dataclass(frozen=True)
class Reply:
    """What a search returned for one question: answered or not, results as (url, text), best first."""

    answered: bool
    results: Sequence[tuple[str, str]]


def _shape(s: str) -> str:
    return re.sub(r"\d+", "#", fold(norm(s)))


def score(questions: Sequence[Question], replies: Sequence[Reply]) -> dict[str, object]:
    top1 = top3 = copy1 = n_ans = declined = n_una = false_decl = 0
    kinds: dict[str, list[int]] = {}
    misses: list[str] = []
    for q, r in zip(questions, replies, strict=True):
        slot = kinds.setdefault(q.kind, [0, 0])
        slot[1] += 1
        if q.url is None:
            n_una += 1
            declined += not r.answered
            slot[0] += not r.answered
            if r.answered:
                misses.append(q.id)
            continue
        n_ans += 1
        exp = norm(q.expect or "")
        hits = [url == q.url and exp in norm(text) for url, text in r.results[:3]]
        hit1 = r.answered and bool(hits) and hits[0]
        top1 += hit1
        top3 += r.answered and any(hits)
        copy1 = copy1 + (r.answered and bool(r.results) and (
            hit1 or fuzz.partial_ratio(_shape(exp), _shape(r.results[0][1])) >= COPY_SIMILARITY))  # fmt: skip
        false_decl += not r.answered
        slot[0] += hit1
        if not hit1:
            misses.append(q.id)
    return {
        "questions": len(questions),
        "top1": round(top1 / max(1, n_ans), 3),
        "top3": round(top3 / max(1, n_ans), 3),
        "top1_or_copy": round(copy1 / max(1, n_ans), 3),
        "declined": round(declined / max(1, n_una), 3),
        "false_decline": round(false_decl / max(1, n_ans), 3),
        "by_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(kinds.items())},
        "misses": misses,
    }
