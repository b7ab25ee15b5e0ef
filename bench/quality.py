"""Answer quality on every question set: ``python -m bench.quality [--sets a,b] [--near-copies N]``.

The scoring rules are ``score.py``'s: a hit is a first result from the expected article whose
text contains the expected piece (after NFC and whitespace folding); top3 counts a hit anywhere
in the first three; an unanswerable question is right when it is declined.  Each rate comes with
a 95% Wilson interval, and every miss is put in one of a few kinds (see :func:`error_kind`), so a
reader sees where the answers go wrong, not only how often.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from bench.questions import Question
from bot.index.snapshot import Snapshot
from bot.search.searcher import Searcher
from bot.text.normalize import fold

# A "copy hit": the first result is the expected sentence or a synthetic copy of it (same words,
# other numbers/names/province).  Diagnostic only: it separates "the ranking lost the sentence"
# from "the corpus holds several equally good answers with different figures".
COPY_SIMILARITY = 85
Z95 = 1.959964

ERROR_KINDS = (
    "false_decline",  # an answerable question declined
    "neighbour",  # the right article, the sentence just before or after the right one
    "same_article",  # the right article, another sentence
    "near_copy",  # another article stating the same sentence with other names or figures
    "other_article",  # another article
    "false_answer",  # an unanswerable question answered
)


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s).replace("\u00a0", " ")).strip()


@dataclass(frozen=True)
class Reply:
    """What a search returned for one question: answered or not, results as (url, text), best first."""

    answered: bool
    results: Sequence[tuple[str, str]]
    reason: str | None = None
    context: str | None = None  # the first result's "context" (a neighbour quoted with it)


def _shape(s: str) -> str:
    return re.sub(r"\d+", "#", fold(norm(s)))


def wilson(hits: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion (0, 0 when there is nothing to count)."""
    if n == 0:
        return (0.0, 0.0)
    p = hits / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def is_hit(q: Question, url: str, text: str) -> bool:
    return url == q.url and norm(q.expect or "") in norm(text)


def score(questions: Sequence[Question], replies: Sequence[Reply]) -> dict[str, Any]:
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
        hits = [is_hit(q, url, text) for url, text in r.results[:3]]
        hit1 = r.answered and bool(hits) and hits[0]
        top1 += hit1
        top3 += r.answered and any(hits)
        copy1 = copy1 + (r.answered and bool(r.results) and (
            hit1 or fuzz.partial_ratio(_shape(exp), _shape(r.results[0][1])) >= COPY_SIMILARITY))  # fmt: skip
        false_decl += not r.answered
        slot[0] += hit1
        if not hit1:
            misses.append(q.id)
    counts = {"top1": (top1, n_ans), "top3": (top3, n_ans), "declined": (declined, n_una),
              "false_decline": (false_decl, n_ans)}  # fmt: skip
    return {
        "questions": len(questions),
        "answerable": n_ans,
        "unanswerable": n_una,
        **{k: round(a / max(1, b), 3) for k, (a, b) in counts.items()},
        "intervals": {k: [round(x, 3) for x in wilson(a, b)] for k, (a, b) in counts.items()},
        "top1_or_copy": round(copy1 / max(1, n_ans), 3),
        "by_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(kinds.items())},
        "misses": misses,
    }


def _gold_fact(snap: Snapshot, q: Question) -> tuple[int, int] | None:
    """(article id, position) of the fact that answers ``q`` in ``snap``, if it is there."""
    exp = norm(q.expect or "")
    for article in snap.articles:
        if article.url == q.url:
            for fact in snap.facts:
                if fact.article_id == article.id and exp in norm(fact.text):
                    return (article.id, fact.position)
    return None


def error_kind(snap: Snapshot, q: Question, reply: Reply, top_fact: int | None) -> str | None:
    """Which kind of miss this reply is (None for a right reply)."""
    if q.url is None:
        return "false_answer" if reply.answered else None
    if not reply.answered:
        return "false_decline"
    url, text = reply.results[0]
    if is_hit(q, url, text):
        return None
    if url == q.url:
        gold = _gold_fact(snap, q)
        if gold is not None and top_fact is not None and abs(snap.facts[top_fact].position - gold[1]) == 1:
            return "neighbour"
        return "same_article"
    if fuzz.partial_ratio(_shape(q.expect or ""), _shape(text)) >= COPY_SIMILARITY:
        return "near_copy"
    return "other_article"


@dataclass
class SetResult:
    name: str
    scores: dict[str, Any]
    errors: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    by_article: dict[str, list[int]] = field(default_factory=dict)  # url -> [top1 hits, answerable]
    ms_per_question: float = 0.0
    examples: list[str] = field(default_factory=list)
    with_neighbour: int = 0  # answers whose first quote holds the fact and the sentence next to it


def evaluate(name: str, snap: Snapshot, questions: Sequence[Question], examples: int = 0) -> SetResult:
    """Ask every question of a set against ``snap`` and score the replies."""
    searcher = Searcher(snap)
    replies: list[Reply] = []
    tops: list[int | None] = []
    started = time.perf_counter()
    for q in questions:
        answer = searcher.search(q.q, limit=3)
        first = answer.results[0] if answer.results else None
        replies.append(Reply(answer.answered, [(r.url, r.text) for r in answer.results], answer.reason,
                             first.context if first else None))  # fmt: skip
        tops.append(answer.results[0].fact_id if answer.results else None)
    elapsed = time.perf_counter() - started
    result = SetResult(name, score(questions, replies), ms_per_question=1000 * elapsed / max(1, len(questions)))
    for q, reply, top in zip(questions, replies, tops, strict=True):
        kind = error_kind(snap, q, reply, top)
        result.with_neighbour += bool(reply.answered and reply.context)
        if not reply.answered:
            result.reasons[reply.reason or "?"] += 1
        if q.url is not None:
            slot = result.by_article.setdefault(q.url, [0, 0])
            slot[0] += kind is None
            slot[1] += 1
        if kind is None:
            continue
        result.errors[kind] += 1
        if len(result.examples) < examples:
            got = "(declined)" if not reply.answered else norm(reply.results[0][1])[:100]
            result.examples.append(f"[{kind}] {q.id} {q.q}\n      want: {q.expect}\n      got:  {got}")
    return result


def _fmt(scores: dict[str, Any], key: str) -> str:
    lo, hi = scores["intervals"][key]
    return f"{scores[key]:.3f} [{lo:.2f}-{hi:.2f}]"


def table(results: Sequence[SetResult]) -> str:
    head = "| set | questions | top1 | top3 | declined | false decline | ms/q |\n|---|---|---|---|---|---|---|"
    rows = [
        f"| {r.name} | {r.scores['answerable']} + {r.scores['unanswerable']} | {_fmt(r.scores, 'top1')} | "
        f"{_fmt(r.scores, 'top3')} | {_fmt(r.scores, 'declined')} | {_fmt(r.scores, 'false_decline')} | "
        f"{r.ms_per_question:.1f} |"
        for r in results
    ]
    return "\n".join([head, *rows])


def error_table(results: Sequence[SetResult]) -> str:
    head = "| set | " + " | ".join(ERROR_KINDS) + " |\n|---|" + "---|" * len(ERROR_KINDS)
    rows = [f"| {r.name} | " + " | ".join(str(r.errors.get(k, 0)) for k in ERROR_KINDS) + " |" for r in results]
    return "\n".join([head, *rows])


# How people wrap a question in a chat: an address or a request before it, a particle after it.
_BEFORE = ("Cho em hỏi ", "Ad ơi, cho mình hỏi ", "Xin hỏi ", "", "Mọi người cho hỏi ", "bot ơi ")
_AFTER = (" ạ?", " vậy ạ", " nhé", " vậy", "", " ạ ad")


def politely(q: Question) -> Question:
    """``q`` wrapped as in a chat, the wrapper picked from the question's id (the same every run)."""
    h = zlib.crc32(q.id.encode("utf-8"))
    text = q.q.rstrip(" ?")
    return dataclasses.replace(q, q=f"{_BEFORE[h % len(_BEFORE)]}{text}{_AFTER[(h // 7) % len(_AFTER)]}")


# Chat shorthand for common words (the inverse of knowledge/chat.toml's main entries), with and
# without diacritics.
_SHORTHAND = (
    ("như thế nào", "ntn"), ("nhu the nao", "ntn"), ("bao nhiêu", "bn"), ("bao nhieu", "bn"),
    ("bao giờ", "bh"), ("không", "ko"), ("khong", "ko"), ("được", "dc"), ("duoc", "dc"), ("gì", "j"),
    ("với", "vs"), ("cũng", "cx"), ("người", "ng"), ("trước", "trc"),
)  # fmt: skip


def in_shorthand(q: Question) -> Question:
    """``q`` typed with chat shorthand ("bao nhiêu" -> "bn", "được" -> "dc", "không" -> "ko")."""
    text = q.q
    for words, short in _SHORTHAND:
        text = re.sub(rf"(?<!\w){words}(?!\w)", short, text, flags=re.IGNORECASE)
    return dataclasses.replace(q, q=text)


def main(argv: Sequence[str] | None = None) -> int:
    from bench.evalsets import build_snapshot, by_name

    ap = argparse.ArgumentParser(
        prog="python -m bench.quality", description=__doc__.split("\n")[0] if __doc__ else None
    )
    ap.add_argument("--sets", help="comma-separated set names (default: every set in eval/)")
    ap.add_argument("--near-copies", type=int, default=0, help="also load this many generated near-copy articles")
    ap.add_argument("--show", type=int, default=0, help="print up to this many misses per set")
    ap.add_argument("--by-article", action="store_true", help="print top1 per article")
    ap.add_argument("--lower", action="store_true", help="also ask every question typed in lower case")
    ap.add_argument(
        "--polite", action="store_true", help="also ask every question wrapped as in a chat ('Cho em hỏi … ạ')"
    )
    ap.add_argument("--shorthand", action="store_true", help="also ask every question in chat shorthand ('bn', 'dc')")
    args = ap.parse_args(argv)
    results: list[SetResult] = []
    for s in by_name(args.sets.split(",") if args.sets else None):
        snap = build_snapshot(s.article_files(), near_copies=args.near_copies)
        questions = s.load()
        r = evaluate(s.name, snap, questions, examples=args.show)
        results.append(r)
        if args.lower:  # as typed on a phone: no capitals to find names by
            low = [dataclasses.replace(q, q=q.q.lower()) for q in questions]
            results.append(evaluate(f"{s.name}-lower", snap, low))
        if args.polite:
            results.append(evaluate(f"{s.name}-polite", snap, [politely(q) for q in questions]))
        if args.shorthand:
            results.append(evaluate(f"{s.name}-shorthand", snap, [in_shorthand(q) for q in questions]))
        print(f"{s.name}: {len(snap.articles)} articles, {len(snap.facts)} facts; {s.about}", flush=True)
        for line in r.examples:
            print("   ", line)
        if args.by_article:
            for url, (a, b) in sorted(r.by_article.items()):
                print(f"    {a:3}/{b:<3} {url}")
        answered = round((1 - r.scores["false_decline"]) * r.scores["answerable"]) + round(
            (1 - r.scores["declined"]) * r.scores["unanswerable"]
        )
        print(f"    declines by reason: { {str(k): v for k, v in r.reasons.items()} }; "
              f"{r.with_neighbour} of {answered} answers quote a neighbouring sentence too")  # fmt: skip
    print()
    print(table(results))
    print()
    print(error_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
