"""Peer search engines on the bench's corpus: ``python -m bench.peers --engine NAME ...``.

Run by :mod:`bench.cli` as a fresh subprocess per engine and size (pinned to one core, like
:mod:`bench.worker`), over the facts the worker wrote (``facts.json``: the answerable body
facts, the naive scan's list) and the same questions.  Each peer returns its top 3 facts as
they come: no re-ranking, no declines, no neighbour context.

- ``tantivy``: the Rust engine's Python bindings, an in-RAM index with two text fields, the
  fact as written and its diacritic-folded copy (:func:`bot.text.normalize.fold`), both with
  tantivy's ``default`` tokenizer (split on non-alphanumerics, lower-case); the question has its
  punctuation stripped and is parsed as an OR query over both fields.
- ``bm25s``: sparse-matrix BM25 (numpy/scipy) over the project's own tokens
  (:func:`bot.text.normalize.tokens`) of facts and questions.

Both packages are optional (``pip install -e '.[bench]'``); :func:`available` says which are here.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.quality import Reply, score
from bench.questions import Question, load
from bench.worker import peak_rss_mb, percentiles, pin_to_one_core
from bot.text.normalize import fold, tokens

ENGINES: tuple[str, ...] = ("tantivy", "bm25s")
TOP_K = 3

# A search: question -> indices of the top facts, best first.
Search = Callable[[str], list[int]]


def available() -> list[str]:
    """The peer engines installed here."""
    return [name for name in ENGINES if importlib.util.find_spec(name) is not None]


def version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version(name)
    except PackageNotFoundError:
        return "?"


_NOT_WORD = re.compile(r"[^\w\s]+")


def _tantivy_query_text(question: str) -> str:
    """The question's words only, lower-case: nothing left for the query syntax to trip on."""
    return " ".join(_NOT_WORD.sub(" ", question).lower().split())


def build_tantivy(texts: Sequence[str]) -> Search:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", stored=True, indexed=False)
    sb.add_text_field("text", stored=False, tokenizer_name="default")
    sb.add_text_field("folded", stored=False, tokenizer_name="default")
    schema = sb.build()
    index = tantivy.Index(schema)  # in RAM
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    for i, text in enumerate(texts):
        writer.add_document(tantivy.Document(id=i, text=text, folded=fold(text)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def search(question: str) -> list[int]:
        q = _tantivy_query_text(question)
        if not q:
            return []
        query = index.parse_query(q, ["text", "folded"])
        return [int(searcher.doc(addr)["id"][0]) for _, addr in searcher.search(query, TOP_K).hits]

    return search


def build_bm25s(texts: Sequence[str]) -> Search:
    import bm25s

    retriever = bm25s.BM25()  # Lucene's BM25 variant, k1=1.5, b=0.75
    retriever.index([tokens(t) for t in texts], show_progress=False)
    vocab: dict[str, int] = retriever.vocab_dict
    k = min(TOP_K, len(texts))

    def search(question: str) -> list[int]:
        toks = [t for t in tokens(question) if t in vocab]
        if not toks:
            return []
        docs, _scores = retriever.retrieve([toks], k=k, show_progress=False, n_threads=0)
        return [int(i) for i in docs[0]]

    return search


BUILDERS: dict[str, Callable[[Sequence[str]], Search]] = {"tantivy": build_tantivy, "bm25s": build_bm25s}


def measure(engine: str, facts_path: Path, questions: Sequence[Question], repeats: int) -> dict[str, Any]:
    out: dict[str, Any] = {"engine": engine, "version": version(engine), "pinned_to_one_core": pin_to_one_core()}
    __import__(engine)
    out["rss_imports_mb"] = round(peak_rss_mb(), 1)
    facts: list[list[str]] = json.loads(facts_path.read_text(encoding="utf-8"))  # [url, text] per fact
    urls = [f[0] for f in facts]
    texts = [f[1] for f in facts]
    out["facts"] = len(texts)
    gc.collect()
    t0 = time.perf_counter()
    search = BUILDERS[engine](texts)
    out["build_s"] = round(time.perf_counter() - t0, 3)
    out["rss_build_mb"] = round(peak_rss_mb(), 1)

    for q in questions:  # warm-up pass
        search(q.q)
    ms: list[float] = []
    cpu_ms: list[float] = []
    replies: dict[str, Reply] = {}
    for _ in range(repeats):
        for q in questions:
            c = time.thread_time_ns()
            t = time.perf_counter_ns()
            found = search(q.q)
            ms.append((time.perf_counter_ns() - t) / 1e6)
            cpu_ms.append((time.thread_time_ns() - c) / 1e6)
            replies.setdefault(q.id, Reply(True, [(urls[i], texts[i]) for i in found]))
    out["ms"] = percentiles(ms)
    out["cpu_ms"] = percentiles(cpu_ms)
    dev = [q for q in questions if q.dev]
    if dev:
        out["quality"] = score(dev, [replies[q.id] for q in dev])
    out["rss_end_mb"] = round(peak_rss_mb(), 1)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.peers")
    ap.add_argument("--engine", choices=ENGINES, required=True)
    ap.add_argument("--facts", type=Path, required=True, help="JSON list of [url, text], as bench.worker writes it")
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    result = measure(args.engine, args.facts, load(args.questions), args.repeats)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
