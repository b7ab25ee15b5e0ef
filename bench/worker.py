"""Measure one knowledge size in this (fresh) process; run by :mod:`bench.cli` as a subprocess.

``python -m bench.worker --knowledge DIR --db FILE --questions Q.json --out RESULT.json``

Order matters for the peak-RSS figure: the build runs first, so ``rss_build_mb`` is the
process's peak after imports + reload (parse, index, snapshot, store), before the naive
scan's fact list or the query loop exist.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from bench.corpus import more_articles
from bench.quality import Reply, score
from bench.questions import Question, load
from bot.allocator import keep_freed_memory
from bot.formats.seed import parse_article_file
from bot.models import FactKind
from bot.service import SearchService
from bot.text.normalize import tokens


def pin_to_one_core() -> bool:
    """Run on CPU 0 only (the targets are for one core); False where unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return False
    try:
        os.sched_setaffinity(0, {0})
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB.

    Linux: ``VmHWM`` of /proc/self/status, the high-water mark of this process image.
    ``getrusage(RUSAGE_SELF).ru_maxrss`` is kept across fork+exec, so in a worker it starts
    at the parent's RSS (measured: a child of a 300 MB parent reports 313 MB, VmHWM 13 MB).
    Elsewhere ru_maxrss (KiB on Linux, bytes on macOS).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    if not samples_ms:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "max": 0.0}
    arr = np.asarray(samples_ms, dtype=np.float64)
    p50, p95, p99 = np.percentile(arr, [50, 95, 99])
    return {"p50": round(float(p50), 3), "p95": round(float(p95), 3), "p99": round(float(p99), 3),
            "mean": round(float(arr.mean()), 3), "max": round(float(arr.max()), 3)}  # fmt: skip


def db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def cold_question(questions: Sequence[Question], replies: Mapping[str, Reply]) -> dict[str, str] | None:
    """The question for the cold-start runs (bench.coldstart): the first dev question answered, else the first
    answered one, with the URL of its first result (the fresh process must answer it the same way)."""
    answered = [q for q in questions if replies[q.id].answered and replies[q.id].results]
    pick = next((q for q in answered if q.dev), answered[0] if answered else None)
    return None if pick is None else {"q": pick.q, "url": replies[pick.id].results[0][0]}


async def measure(
    knowledge: Path,
    db: Path,
    questions: Sequence[Question],
    repeats: int,
    facts_out: Path | None = None,
    naive_questions: int = 0,
) -> dict[str, object]:
    out: dict[str, object] = {
        "pinned_to_one_core": pin_to_one_core(),
        "load_avg_start": round(os.getloadavg()[0], 2),
        "rss_imports_mb": round(peak_rss_mb(), 1),
    }

    # -- build: the real reload path (parse + index + snapshot in a thread, then one SQLite transaction)
    svc = await SearchService.open(db, knowledge, build_if_empty=False)
    t0 = time.perf_counter()
    report = await svc.reload()
    build_s = time.perf_counter() - t0
    out["rss_build_mb"] = round(peak_rss_mb(), 1)
    out.update(
        articles=len(report.loaded),
        skipped=len(report.skipped),
        facts=report.facts,
        loaded_urls=report.loaded,
        build_s=round(build_s, 3),
        build_parse_index_s=round(report.seconds, 3),
        build_store_s=round(build_s - report.seconds, 3),
    )
    await svc.close()
    del svc, report
    gc.collect()
    out["db_bytes"] = db_bytes(db)

    # -- start-up from the stored index (what the bot does on every start)
    t0 = time.perf_counter()
    svc = await SearchService.open(db, knowledge, build_if_empty=False)
    out["open_s"] = round(time.perf_counter() - t0, 3)
    snap = svc.snapshot
    assert snap is not None

    # -- warm latency through the async service
    for q in questions:  # warm-up pass (caches, lazy imports, branch paths)
        await svc.ask(q.q)
    ours_ms: list[float] = []
    ours_cpu_ms: list[float] = []  # CPU time of this thread: what the query costs without preemption
    replies: dict[str, Reply] = {}
    slow: list[tuple[float, str]] = []
    for _ in range(repeats):
        for q in questions:
            c = time.thread_time_ns()
            t = time.perf_counter_ns()
            answer = await svc.ask(q.q)
            ms = (time.perf_counter_ns() - t) / 1e6
            ours_cpu_ms.append((time.thread_time_ns() - c) / 1e6)
            ours_ms.append(ms)
            slow.append((ms, q.q))
            replies.setdefault(q.id, Reply(answer.answered, [(r.url, r.text) for r in answer.results]))
    out["ours_ms"] = percentiles(ours_ms)
    out["ours_cpu_ms"] = percentiles(ours_cpu_ms)
    out["ours_answered"] = round(sum(r.answered for r in replies.values()) / max(1, len(replies)), 3)
    out["slowest"] = [{"ms": round(ms, 2), "q": text} for ms, text in sorted(slow, reverse=True)[:5]]
    out["cold_question"] = cold_question(questions, replies)

    # -- the naive way: rapidfuzz token_set_ratio over every answerable fact, pre-folded
    t0 = time.perf_counter()
    rows = [f for f in snap.facts if f.kind == FactKind.BODY.value]
    choices = [" ".join(tokens(f.text)) for f in rows]
    out["naive_prepare_s"] = round(time.perf_counter() - t0, 3)
    if facts_out is not None:  # the same facts for the peer engines (bench.peers)
        payload = json.dumps([[snap.articles[f.article_id].url, f.text] for f in rows], ensure_ascii=False)
        await asyncio.to_thread(facts_out.write_text, payload, encoding="utf-8")
    for q in questions[:2]:
        process.extract(" ".join(tokens(q.q)), choices, scorer=fuzz.token_set_ratio, limit=3)
    naive_ms: list[float] = []
    naive_replies: dict[str, Reply] = {}
    naive_cpu_ms: list[float] = []
    step = max(1, -(-len(questions) // naive_questions)) if naive_questions else 1
    naive_sample = questions[::step]
    out["naive_questions"] = len(naive_sample)
    for q in naive_sample:
        c = time.thread_time_ns()
        t = time.perf_counter_ns()
        hits = process.extract(" ".join(tokens(q.q)), choices, scorer=fuzz.token_set_ratio, limit=3)
        naive_ms.append((time.perf_counter_ns() - t) / 1e6)
        naive_cpu_ms.append((time.thread_time_ns() - c) / 1e6)
        found = [rows[i] for _, _, i in hits]
        naive_replies[q.id] = Reply(True, [(snap.articles[f.article_id].url, f.text) for f in found])
    out["naive_ms"] = percentiles(naive_ms)
    out["naive_cpu_ms"] = percentiles(naive_cpu_ms)
    ours_mean = float(np.mean(ours_ms)) if ours_ms else 0.0
    out["speedup_mean"] = round(float(np.mean(naive_ms)) / ours_mean, 1) if ours_mean else 0.0
    ours_p50 = out["ours_ms"]["p50"]  # type: ignore[index]
    out["speedup_p50"] = round(out["naive_ms"]["p50"] / ours_p50, 1) if ours_p50 else 0.0  # type: ignore[index]

    # -- answer quality on the dev questions, at this size
    dev = [q for q in questions if q.dev]
    if dev:
        out["quality"] = score(dev, [replies[q.id] for q in dev])
        naive_dev = [q for q in dev if q.id in naive_replies]
        if naive_dev:
            out["naive_quality"] = score(naive_dev, [naive_replies[q.id] for q in naive_dev])
    out.update(await measure_updates(svc, knowledge))
    out["rss_end_mb"] = round(peak_rss_mb(), 1)
    out["load_avg_end"] = round(os.getloadavg()[0], 2)
    await svc.close()
    return out


async def measure_updates(svc: SearchService, knowledge: Path, count: int = 5) -> dict[str, object]:
    """Add new articles one at a time (what ``/add`` and a feed refresh do), then change and remove one:
    wall time of each :meth:`SearchService.update_files` / :meth:`SearchService.update` (parse, index,
    store, swap), with no full rebuild."""
    paths = more_articles(knowledge, count + 1, seed=count)
    add_ms: list[float] = []
    for path in paths[:count]:
        t = time.perf_counter()
        report = await svc.update_files([path])
        add_ms.append((time.perf_counter() - t) * 1000)
        if len(report.added) != 1:
            raise RuntimeError(f"adding {path.name} did not add one article: {report.added}")
    # A changed article: the last one added, with the text of another new article under its URL.
    changed = paths[count - 1].read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[1]
    other = paths[count].read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[0]
    paths[count].write_text(f"{other}\n{changed}\n", encoding="utf-8")
    t = time.perf_counter()
    report = await svc.update_files([paths[count]])
    change_ms = (time.perf_counter() - t) * 1000
    if len(report.updated) != 1:
        raise RuntimeError(f"changing an article did not update one: {report.updated}")
    t = time.perf_counter()
    report = await svc.update([], remove=[changed])
    remove_ms = (time.perf_counter() - t) * 1000
    if report.removed != [changed]:
        raise RuntimeError(f"removing an article did not remove it: {report.removed}")
    # Back to the measured articles (the cold start that follows expects the same answers).
    added = [u for u in (parse_article_file(p).url_str for p in paths[: count - 1]) if u != changed]
    await svc.update([], remove=added)
    return {
        "add_one_ms": percentiles(add_ms),
        "change_one_ms": round(change_ms, 1),
        "remove_one_ms": round(remove_ms, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.worker")
    ap.add_argument("--knowledge", type=Path, required=True)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--facts-out", type=Path, help="also write the answerable facts here ([url, text] per fact)")
    ap.add_argument("--naive-questions", type=int, default=0,
                    help="time the naive scan on about this many of the questions (every k-th; 0: all)")  # fmt: skip
    args = ap.parse_args(argv)
    keep_freed_memory()  # as `cchc-bot run` and `ask` do (bot/cli.py)
    result = asyncio.run(
        measure(args.knowledge, args.db, load(args.questions), args.repeats, args.facts_out, args.naive_questions)
    )
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
