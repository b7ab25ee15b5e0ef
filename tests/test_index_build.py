"""The streaming BM25 build and the cached accent pairs give exactly what the plain formulas give."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter

import numpy as np
import pytest

from bot.formats.seed import parse_article_file
from bot.index import bm25
from bot.index.bm25 import K1, B, BM25Index, DocRanges, Segment, SegmentBuilder
from bot.index.build import accented_syllables, build_knowledge
from bot.index.facts import PackedFacts
from bot.index.snapshot import Snapshot
from bot.index.stored import FactRow
from bot.resources import bundled_knowledge_dir
from bot.text.lexicon import Lexicon
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


def _random_docs(seed: int, n: int = 300, words: int = 40) -> list[list[str]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(words)]
    return [[rng.choice(vocab) for _ in range(rng.randint(0, 25))] for _ in range(n)]


def _weights(index: BM25Index) -> dict[tuple[str, int], float]:
    got = {}
    for term in index.terms():
        ids, weights = index.postings(term)
        assert list(ids) == sorted(ids)  # documents ascending within a term
        got.update({(term, int(d)): float(w) for d, w in zip(ids, weights, strict=True)})
    return got


def test_build_matches_the_bm25_formula() -> None:
    docs = _random_docs(3)
    index = BM25Index.build(docs)
    expected = reference_weights(docs)
    got = _weights(index)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-5)
    assert index.n_docs == 300
    assert index.postings("w1")[0].dtype == np.int32
    assert index.postings("w1")[1].dtype == np.float32


def _segmented(docs: list[list[str]], cuts: list[int]) -> BM25Index:
    """The same documents as ``BM25Index.build(docs)``, added in segments cut at ``cuts``."""
    index = BM25Index(())
    bounds = [0, *cuts, len(docs)]
    for lo, hi in itertools.pairwise(bounds):
        builder = SegmentBuilder(lo)
        for d in docs[lo:hi]:
            builder.add(d)
        index = index.with_segment(builder.build())
    return index


def test_an_index_grown_in_segments_scores_exactly_as_one_built_at_once() -> None:
    docs = _random_docs(5)
    whole = BM25Index.build(docs)
    grown = _segmented(docs, [1, 50, 51, 200])
    assert len(grown.segments) == 5
    assert _weights(grown) == _weights(whole)  # bit for bit: weights come from the same statistics
    merged = grown.merged(1)
    assert len(merged.segments) == 2
    assert _weights(merged) == _weights(whole)
    round_trip = BM25Index(tuple(Segment.from_blobs(s.to_blobs()) for s in merged.segments))
    assert _weights(round_trip) == _weights(whole)


def test_removed_documents_leave_every_statistic() -> None:
    docs = _random_docs(7, n=120)
    gone = [0, 5, 6, 77, 119]
    index = BM25Index.build(docs).without(gone, [t for d in gone for t in set(docs[d])])
    rest = [d for i, d in enumerate(docs) if i not in gone]
    renumber = [i for i in range(len(docs)) if i not in gone]
    expected = {(t, renumber[i]): w for (t, i), w in _weights(BM25Index.build(rest)).items()}
    assert _weights(index) == expected
    assert index.n_docs == len(rest)
    assert not index.contains(docs[5][0], 5) if docs[5] else True
    only_in_gone = {t for d in gone for t in docs[d]} - {t for d in rest for t in d}
    assert all(t not in index for t in only_in_gone)


@pytest.mark.parametrize("seed", range(6))
def test_sparse_scores_equal_the_dense_scores_where_no_term_is_frequent(seed: int) -> None:
    docs = _random_docs(seed, n=400, words=300)
    index = _segmented(docs, [100, 101, 300])
    rng = random.Random(seed)
    query = [(f"w{rng.randrange(320)}", rng.choice([0.3, 0.6, 1.0])) for _ in range(rng.randint(1, 12))]
    dense = index.scores(query)
    ids, scores = index.sparse_scores(query)
    assert ids.tolist() == np.flatnonzero(dense > 0).tolist()
    assert scores.tolist() == dense[ids].tolist()  # summed in the same order: identical floats


def test_frequent_terms_only_add_to_what_rarer_terms_found(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = [["common", "rare"], ["common"], ["common", "other"], ["common", "rare", "common"]] * 30
    index = BM25Index.build(docs)
    monkeypatch.setattr("bot.index.bm25.FREQUENT_MIN", 100)
    monkeypatch.setattr("bot.index.bm25.FREQUENT_SHARE", 0.0)
    dense = index.scores([("common", 1.0), ("rare", 1.0)])
    ids, scores = index.sparse_scores([("common", 1.0), ("rare", 1.0)])
    found_by_rare = set(index.doc_ids("rare").tolist())
    assert set(ids.tolist()) == found_by_rare  # "rare" is in 60 of 120 documents, "common" in all
    assert scores.tolist() == dense[ids].tolist()
    # A question of frequent terms only still finds documents.
    ids, _ = index.sparse_scores([("common", 1.0)])
    assert len(ids) == len(docs)


def _reference_sparse(index: BM25Index, query: list[tuple[str, float]], cap: int) -> dict[int, float]:
    """What :meth:`BM25Index.sparse_scores` must give, from the posting lists alone: the finding
    terms' weights summed in float64 in query order, then the frequent terms' apart, then both added."""
    finding = [(t, qw) for t, qw in query if 0 < index.df(t) <= cap]
    frequent = [(t, qw) for t, qw in query if index.df(t) > cap]
    if not finding:  # frequent terms only: all of them find documents
        finding, frequent = frequent, []
    first: dict[int, float] = {}
    for term, qw in finding:
        ids, w = index.postings(term)
        for d, x in zip(ids.tolist(), (w * np.float32(qw)).tolist(), strict=True):
            first[d] = first.get(d, 0.0) + x
    then = dict.fromkeys(first, 0.0)
    for term, qw in frequent:
        ids, w = index.postings(term)
        for d, x in zip(ids.tolist(), (w * np.float32(qw)).tolist(), strict=True):
            if d in then:
                then[d] += x
    return {d: float(np.float32(first[d] + then[d])) for d in sorted(first)}


@pytest.mark.parametrize(("seed", "ratio"), [(s, r) for s in range(4) for r in (1, 16, 10**6)])
def test_frequent_terms_add_the_weights_of_their_postings_bit_for_bit(
    seed: int, ratio: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frequent terms are read at the found documents through a per-document frequency table;
    whichever way the found documents are worked out (``ratio``), across segments and with dead
    documents, and with a term frequency above 255, the scores are those of the postings."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(60)]
    docs = [[rng.choice(vocab[:8]) if rng.random() < 0.6 else rng.choice(vocab)
             for _ in range(rng.randint(1, 30))] for _ in range(500)]  # fmt: skip
    docs[17] = ["w0"] * 300 + ["w59"]  # a term frequency that needs 16 bits
    index = _segmented(docs, [120, 121, 400])
    gone = sorted(rng.sample(range(len(docs)), 30))
    index = index.without(gone, [t for d in gone for t in set(docs[d])])
    monkeypatch.setattr("bot.index.bm25.FREQUENT_MIN", 60)
    monkeypatch.setattr("bot.index.bm25.FREQUENT_SHARE", 0.0)
    monkeypatch.setattr("bot.index.bm25.SPARSE_RATIO", ratio)
    cap = index.frequent_df()
    assert index.df("w0") > cap  # the first words are frequent, the others not
    for _ in range(25):
        query = [(rng.choice(vocab), rng.choice([0.3, 0.6, 1.0])) for _ in range(rng.randint(1, 9))]
        ids, scores = index.sparse_scores(query)
        expected = _reference_sparse(index, query, cap)
        assert ids.tolist() == list(expected)
        assert scores.tolist() == list(expected.values())


@pytest.mark.parametrize("seed", range(4))
def test_counts_in_ranges_agree_with_the_documents(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Per range of ids (an article's facts), how many live documents hold a term: from the postings
    for a rare term, from the frequency table for a frequent one; empty ranges count 0."""
    rng = random.Random(seed)
    docs = _random_docs(seed, n=300, words=30)
    index = _segmented(docs, [40, 41, 250])
    gone = set(rng.sample(range(len(docs)), 25))
    index = index.without(sorted(gone), [t for d in gone for t in set(docs[d])])
    monkeypatch.setattr("bot.index.bm25.FREQUENT_MIN", 40)
    monkeypatch.setattr("bot.index.bm25.FREQUENT_SHARE", 0.0)
    cuts = sorted(rng.sample(range(301), 20))
    starts = np.array(cuts[:-1], np.int32)
    ends = np.array(cuts[1:], np.int32)
    picked = rng.sample(range(len(starts)), 8)
    ranges = DocRanges(starts[picked], ends[picked])  # not in id order, one may be empty
    kinds = set()
    for term in (f"w{i}" for i in range(32)):
        kinds.add(index.df(term) > index.frequent_df())
        expected = [sum(1 for d in range(s, e) if d not in gone and term in docs[d]) for s, e in zip(
            ranges.starts.tolist(), ranges.ends.tolist(), strict=True)]  # fmt: skip
        assert index.counts_in(term, ranges).tolist() == expected
    assert kinds == {True, False}  # both ways were taken


@pytest.mark.parametrize("seed", range(4))
def test_holding_agrees_with_the_postings_across_segments_and_dead_documents(seed: int) -> None:
    docs = _random_docs(seed, n=300, words=80)
    index = _segmented(docs, [50, 51, 200])
    rng = random.Random(seed)
    gone = sorted(rng.sample(range(len(docs)), 40))
    index = index.without(gone, [t for d in gone for t in set(docs[d])])
    for _ in range(30):
        term = f"w{rng.randrange(90)}"  # some words no document holds
        docs_asked = np.array(sorted(rng.sample(range(len(docs)), rng.randint(0, 25))), dtype=np.int32)
        expected = [d not in gone and term in docs[d] for d in docs_asked.tolist()]
        assert index.holding(term, docs_asked).tolist() == expected
        assert set(index.postings(term)[0].tolist()) == {
            d for d in range(len(docs)) if d not in gone and term in docs[d]
        }


def test_weight_cache_keeps_the_recently_used_within_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.index.bm25.WEIGHT_CACHE_BYTES", 8 * 25)  # room for 25 postings
    docs = [
        ["a"] * 1 + (["b"] if i < 10 else []) + (["c"] if i < 10 else []) + (["d"] if i < 10 else []) for i in range(20)
    ]
    index = BM25Index.build(docs)
    first_a = index.postings("a")  # 20 postings
    assert index.postings("a") is first_a  # remembered
    index.postings("b")  # 10 more: over the budget, "a" (least recently used) goes
    assert index.postings("b") is index.postings("b")
    again_a = index.postings("a")
    assert again_a is not first_a
    assert again_a[0].tolist() == first_a[0].tolist()
    assert again_a[1].tolist() == first_a[1].tolist()
    held = index._weights.held
    assert 0 < held <= 8 * 25


def test_builder_counts_and_round_trip() -> None:
    builder = SegmentBuilder(first=7, columns=("article",))
    builder.add(["a", "b", "a"], article=4)
    builder.add(["b", "c", "b", "b"], article=5)
    builder.add([], article=6)
    segment = builder.build()
    assert builder.n_docs == 0  # the builder hands its data over
    assert dict(segment.vocab) == {"a": 0, "b": 1, "c": 2}  # slots in sorted order
    assert segment.offsets.tolist() == [0, 1, 3, 4]
    assert segment.doc_ids.tolist() == [7, 7, 8, 8]  # a: 7; b: 7, 8; c: 8
    assert segment.tfs.tolist() == [2, 1, 3, 1]
    assert segment.lengths.tolist() == [3, 4, 0]
    index = BM25Index((segment,))
    assert index.n_docs == 3
    assert index.df("a") == 1
    assert index.df("b") == 2
    assert index.column("article").tolist() == [4, 5, 6]
    again = Segment.from_blobs(segment.to_blobs())
    assert again.vocab == segment.vocab
    assert np.array_equal(again.doc_ids, segment.doc_ids)
    assert np.array_equal(again.tfs, segment.tfs)
    assert again.columns["article"].tolist() == [4, 5, 6]
    assert BM25Index.build([[], []]).n_docs == 2


def test_a_frequency_over_sixteen_bits_is_capped_not_wrapped() -> None:
    builder = SegmentBuilder()
    builder.add(["x"] * (bm25.MAX_TF + 10) + ["y"])
    segment = builder.build()
    assert segment.tfs.tolist() == [bm25.MAX_TF, 1]
    assert segment.lengths.tolist() == [bm25.MAX_TF + 11]


def test_cached_accented_equals_token_pairs() -> None:
    seed = parse_article_file(next(bundled_knowledge_dir().glob("*.txt")))
    texts = [s for p in seed.paragraphs for s in split_sentences(p)]
    texts += ["Cả nước có khoảng 81% TTHC", "Hoà Bình, Thủy lợi, quí I/2024", "TP.HCM giảm 2,5%"]
    cache: dict[str, list[tuple[str, str]]] = {}
    for text in texts * 2:  # the second pass is served from the cache
        assert accented(text, cache) == " ".join(a for f, a in token_pairs(text) if f != a)
    assert cache


def test_accented_syllables_of_an_article_are_the_union_over_its_sentences() -> None:
    """Each distinct word looked at once gives what every sentence's accented form gives together,
    with or without a cache to extend (a full build keeps none; an update extends its snapshot's)."""
    seed = parse_article_file(next(bundled_knowledge_dir().glob("*.txt")))
    texts = [s for p in seed.paragraphs for s in split_sentences(p)]
    texts += ["Hoà Bình, Thủy lợi, quí I/2024", "hoà bình Hoà Bình", "TP.HCM giảm 2,5%"]
    expected = {s for text in texts for s in accented(text, {}).split()}
    assert expected
    assert any(s != s.encode("ascii", "ignore").decode() for s in expected)
    assert accented_syllables(texts, None) == expected
    cache: dict[str, list[tuple[str, str]]] = {}
    assert accented_syllables(texts, cache) == expected
    assert set(cache) == {w for text in texts for w in text.split()}
    assert all(cache[w] == list(token_pairs(w)) for w in cache)


def test_postings_in_more_than_ten_thousand_chunks_read_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunk names stop sorting as text at chunk 10,000 (``.9999`` < ``.10000`` as numbers only)."""
    monkeypatch.setattr(bm25, "POSTING_CHUNK", 1)
    builder = SegmentBuilder()
    for doc in range(12_000):
        builder.add(["a"] * (1 + doc % 3))
    segment = builder.build()
    blobs = segment.to_blobs()
    assert "doc_ids.10000" in blobs
    again = Segment.from_blobs(blobs)
    assert np.array_equal(again.doc_ids, segment.doc_ids)
    assert np.array_equal(again.tfs, segment.tfs)


def test_packed_facts_give_back_the_rows_appended() -> None:
    rows = [
        FactRow(7, 3, 0, "title", "Phiên họp thứ bảy của Ban Chỉ đạo", "phien hop thu bay cua ban chi dao", 0),
        FactRow(8, 3, 1, "caption", "", "", 0),
        FactRow(9, 3, 2, "body", "Tỷ lệ đạt 87,36% — “một cửa” 🙂", "ty le dat 87,36 phan tram mot cua", 5),
        FactRow(10, 4, 2, "body", "x" * 5000, "x" * 5000, 31),
    ]
    packed = PackedFacts(first=7)
    for row in rows:
        packed.append(row)
    assert len(packed) == 4
    assert list(packed) == rows
    assert [packed[i] for i in range(4)] == rows
    assert packed[-1] == rows[-1]
    with pytest.raises(IndexError):
        packed[4]
    with pytest.raises(ValueError, match="fact 12 appended where fact 11 belongs"):
        packed.append(FactRow(12, 4, 3, "body", "a", "a", 0))


def test_a_full_build_keeps_its_facts_packed_into_the_snapshot() -> None:
    seed = parse_article_file(next(bundled_knowledge_dir().glob("*.txt")))
    data = build_knowledge([(seed, "seed.txt")], Lexicon())
    assert isinstance(data.facts, PackedFacts)
    snapshot = Snapshot.from_data(data)
    assert snapshot.facts is data.facts  # not turned into a list of rows
    assert [f.id for f in snapshot.facts] == list(range(len(data.facts)))
    assert snapshot.facts[0].text == seed.title
