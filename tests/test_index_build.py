"""The streaming BM25 build and the cached accent pairs give exactly what the plain formulas give."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest

from bot.formats.seed import parse_article_file
from bot.index.bm25 import K1, B, BM25Builder, BM25Index
from bot.resources import bundled_knowledge_dir
from bot.text.normalize import accented, token_pairs
from bot.text.sentences import split_sentences


def reference_weights(docs: list[list[str]]) -> dict[tuple[str, int], float]:
    n = len(docs)
    avg = sum(map(len, docs)) / n
    df = Counter(t for d in docs for t in set(d))
    out: dict[tuple[str, int], float] = {}
    for i, d in enumerate(docs):
        for term, tf in Counter(d).items():
            idf = math.log1p((n - df[term] + 0.5) / (df[term] + 0.5))
            out[term, i] = idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(d) / avg))
    return out


def test_build_matches_the_bm25_formula() -> None:
    rng = random.Random(3)
    words = [f"w{i}" for i in range(40)]
    docs = [[rng.choice(words) for _ in range(rng.randint(0, 25))] for _ in range(300)]
    index = BM25Index.build(docs)
    expected = reference_weights(docs)
    got = {}
    for term in index.vocab:
        ids, weights = index.postings(term)
        assert list(ids) == sorted(ids)  # documents ascending within a term
        got.update({(term, int(d)): float(w) for d, w in zip(ids, weights, strict=True)})
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-5)
    assert index.n_docs == 300
    assert index.doc_ids.dtype == np.int32
    assert index.weights.dtype == np.float32


def test_builder_counts_and_round_trip() -> None:
    builder = BM25Builder()
    counts = builder.add(["a", "b", "a"])
    assert counts == Counter({"a": 2, "b": 1})
    builder.add_counts({"b": 3}, 3)
    index = builder.build()
    assert builder.n_docs == 0  # the builder hands its data over
    assert index.n_docs == 2
    assert index.df("a") == 1
    assert index.df("b") == 2
    again = BM25Index.from_blobs(index.to_blobs())
    assert again.vocab == index.vocab
    assert np.array_equal(again.doc_ids, index.doc_ids)
    assert np.array_equal(again.weights, index.weights)
    assert BM25Index.build([[], []]).n_docs == 2


def test_cached_accented_equals_token_pairs() -> None:
    seed = parse_article_file(next(bundled_knowledge_dir().glob("*.txt")))
    texts = [s for p in seed.paragraphs for s in split_sentences(p)]
    texts += ["Cả nước có khoảng 81% TTHC", "Hoà Bình, Thủy lợi, quí I/2024", "TP.HCM giảm 2,5%"]
    cache: dict[str, list[tuple[str, str]]] = {}
    for text in texts * 2:  # the second pass is served from the cache
        assert accented(text, cache) == " ".join(a for f, a in token_pairs(text) if f != a)
    assert cache
