"""BM25 over folded syllables and syllable pairs, in segments that can be added to.

An index is a run of immutable :class:`Segment`\\ s, each holding the postings (document
ids and term frequencies) of consecutive documents. Adding an article adds a small
segment; removing one marks its documents dead. BM25 weights are computed when a question
reads a posting list, from the statistics of the live documents (their number, average
length and each term's document frequency), so an index grown segment by segment scores
every document exactly as an index built in one go from the same documents.

Scoring reads the posting lists of the question's terms. The documents they find are sorted out of
the postings when these are few beside the corpus; when they are not (a sixteenth of the corpus or
more), one pass over an array with a slot per document is faster and is taken. Terms found in a large
share of the documents ("của", "hành chính" in a reform corpus) are only scored on the documents the
question's rarer terms found (:meth:`BM25Index.sparse_scores`).
"""

from __future__ import annotations

import bisect
import itertools
import math
import threading
from array import array
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

K1 = 1.2
B = 0.75
# A term in more live documents than this (and than FREQUENT_SHARE of them) is "frequent":
# it adds to the score of documents a rarer term of the question found, and finds none itself.
FREQUENT_MIN = 4096
FREQUENT_SHARE = 0.02
MAX_TF = 65535
DF_CACHE_SIZE = 100_000  # terms whose document frequency an index remembers
# Bytes of posting lists with their BM25 weights an index remembers (8 a posting), the least
# recently used dropped first.
WEIGHT_CACHE_BYTES = 64 << 20
# Bytes of per-document term frequency tables of frequent terms an index remembers (one byte a
# document: 100 KB a term at 100k facts, 1 MB at 1M), the least recently used dropped first.
DENSE_TF_CACHE_BYTES = 128 << 20
# Postings per stored blob of a segment's ids or term frequencies: an index opened lazily reads a
# term's postings from the one or two blobs holding them, whose pages alone it touches.
POSTING_CHUNK = 1 << 16
# The documents a question found are sorted out of its postings when there are fewer than
# 1/SPARSE_RATIO as many postings as documents; above that, one pass over a mark per document is faster.
SPARSE_RATIO = 16

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]
TfArray = npt.NDArray[np.uint16]
_EMPTY_IDS: IntArray = np.zeros(0, np.int32)
_EMPTY_W: FloatArray = np.zeros(0, np.float32)
_EMPTY_TF: TfArray = np.zeros(0, np.uint16)


class PostingStore(Protocol):
    """Where a segment's postings are read from: the ids and term frequencies of slots ``lo .. hi - 1``."""

    def __len__(self) -> int: ...

    def read(self, lo: int, hi: int) -> tuple[IntArray, TfArray]: ...


@dataclass(frozen=True, eq=False)
class ArrayPostings:
    """Postings held in memory."""

    doc_ids: IntArray
    tfs: TfArray

    def __len__(self) -> int:
        return len(self.doc_ids)

    def read(self, lo: int, hi: int) -> tuple[IntArray, TfArray]:
        return self.doc_ids[lo:hi], self.tfs[lo:hi]


class SortedVocab(Mapping[str, int]):
    """A segment's vocabulary as stored (its terms sorted, one per line, UTF-8), looked up by binary
    search: opening a large index to answer one question then builds no dict of millions of terms.
    A term's slot is its rank (segments are built with their terms in sorted order)."""

    def __init__(self, text: bytes) -> None:
        self._text = text
        breaks = np.flatnonzero(np.frombuffer(text, np.uint8) == 10) if text else np.zeros(0, np.int64)
        self._starts = np.concatenate(([0], breaks + 1)).astype(np.int64) if text else breaks
        self._ends = np.concatenate((breaks, [len(text)])).astype(np.int64) if text else breaks
        self._cache: dict[str, int | None] = {}

    def _term(self, slot: int) -> bytes:
        return self._text[self._starts[slot] : self._ends[slot]]

    def get(self, term: str, default: Any = None) -> Any:
        found = self._cache.get(term, -1)
        if found == -1:
            key = term.encode("utf-8")
            at = bisect.bisect_left(range(len(self._starts)), key, key=self._term)
            found = at if at < len(self._starts) and self._term(at) == key else None
            self._cache[term] = found
        return default if found is None else found

    def __getitem__(self, term: str) -> int:
        found = self.get(term)
        if found is None:
            raise KeyError(term)
        return int(found)

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._text.decode("utf-8").split("\n") if self._text else [])

    def __len__(self) -> int:
        return len(self._starts)


@dataclass(frozen=True, eq=False)
class Segment:
    """Postings of the documents ``first`` .. ``first + len(lengths) - 1``: ids ascending within a term.

    A term's slot in ``vocab`` is its rank among the segment's terms in sorted order.
    """

    first: int
    vocab: Mapping[str, int]
    offsets: npt.NDArray[np.int64]
    store: PostingStore
    lengths: IntArray  # terms in each of the segment's documents
    # Per-document columns besides the postings (the fact index keeps each fact's article and kind).
    columns: Mapping[str, npt.NDArray[np.int32]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.lengths)

    @property
    def end(self) -> int:
        return self.first + len(self.lengths)

    @property
    def doc_ids(self) -> IntArray:
        """Every posting's document id (global), term by term."""
        return self.store.read(0, len(self.store))[0]

    @property
    def tfs(self) -> TfArray:
        return self.store.read(0, len(self.store))[1]

    def df(self, term: str) -> int:
        slot = self.vocab.get(term)
        return 0 if slot is None else int(self.offsets[slot + 1] - self.offsets[slot])

    def postings(self, term: str) -> tuple[IntArray, TfArray]:
        slot = self.vocab.get(term)
        if slot is None:
            return _EMPTY_IDS, _EMPTY_TF
        return self.store.read(int(self.offsets[slot]), int(self.offsets[slot + 1]))

    def to_blobs(self) -> dict[str, bytes]:
        return {
            "first": str(self.first).encode(),
            "terms": "\n".join(self.vocab).encode("utf-8"),  # sorted: slot order
            "offsets": self.offsets.astype("<i8", copy=False).tobytes(),
            **_chunked("doc_ids", self.doc_ids.astype("<i4", copy=False)),
            **_chunked("tfs", self.tfs.astype("<u2", copy=False)),
            "lengths": self.lengths.astype("<i4", copy=False).tobytes(),
            **{f"col_{k}": v.astype("<i4", copy=False).tobytes() for k, v in self.columns.items()},
        }

    @classmethod
    def from_blobs(cls, blobs: Mapping[str, bytes], store: PostingStore | None = None) -> Segment:
        """The segment stored as ``blobs``; with ``store``, its postings are read from there on demand
        (``blobs`` then need no ``doc_ids`` and ``tfs``) and its terms are looked up in place."""
        vocab: Mapping[str, int]
        if store is None:
            text = blobs["terms"].decode("utf-8")
            vocab = {t: i for i, t in enumerate(text.split("\n") if text else [])}
            # Read-only views on the blobs (no copy on little-endian machines).
            store = ArrayPostings(
                _unchunked(blobs, "doc_ids", "<i4").astype(np.int32, copy=False),
                _unchunked(blobs, "tfs", "<u2").astype(np.uint16, copy=False),
            )
        else:
            vocab = SortedVocab(blobs["terms"])
        return cls(
            first=int(blobs["first"].decode()),
            vocab=vocab,
            offsets=np.frombuffer(blobs["offsets"], dtype="<i8").astype(np.int64, copy=False),
            store=store,
            lengths=np.frombuffer(blobs["lengths"], dtype="<i4").astype(np.int32, copy=False),
            columns={
                k[4:]: np.frombuffer(v, dtype="<i4").astype(np.int32, copy=False)
                for k, v in blobs.items()
                if k.startswith("col_")
            },
        )


def _chunked(part: str, values: npt.NDArray[Any]) -> dict[str, bytes]:
    """``values`` as the blobs ``<part>.0000``, ``<part>.0001`` ... of :data:`POSTING_CHUNK` postings each."""
    return {
        f"{part}.{i:04d}": values[start : start + POSTING_CHUNK].tobytes()
        for i, start in enumerate(range(0, max(len(values), 1), POSTING_CHUNK))
    }


def _unchunked(blobs: Mapping[str, bytes], part: str, dtype: str) -> npt.NDArray[Any]:
    # In chunk order by number: past 9,999 chunks the names no longer sort as text.
    chunks = sorted((k for k in blobs if k.startswith(part + ".")), key=lambda k: int(k.rpartition(".")[2]))
    return np.frombuffer(b"".join(blobs[k] for k in chunks), dtype=dtype)


def _sorted_slots(vocab: Mapping[str, int]) -> tuple[list[str], IntArray]:
    """The terms of ``vocab`` sorted, and for each of its slots the term's rank in that order."""
    terms = sorted(vocab)
    rank = np.empty(len(terms), np.int32)
    rank[np.fromiter((vocab[t] for t in terms), np.int64, len(terms))] = np.arange(len(terms), dtype=np.int32)
    return terms, rank


class SegmentBuilder:
    """Collects documents one at a time into compact columns, then builds a :class:`Segment`.

    Each document's terms are kept as they come, as term ids in an :class:`array.array` (4 bytes
    an occurrence), and each term string once, in the vocabulary, so a large build does not hold
    millions of Python strings and ints alive until the end. The counting is left to
    :meth:`build`, in numpy: counting each document's terms in Python was a sixth of a build.
    """

    def __init__(self, first: int = 0, columns: Sequence[str] = ()) -> None:
        self.first = first
        self._columns = {name: array("i") for name in columns}
        # term -> its id, numbered as first seen (a missing key takes the next number, in C).
        self.vocab: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        self._terms = array("i")  # every document's term ids, document after document
        self._lengths = array("i")

    @property
    def n_docs(self) -> int:
        return len(self._lengths)

    def add(self, terms: Sequence[str], **columns: int) -> None:
        """Add one document: its terms in order, and its value in each column."""
        for name, column in self._columns.items():
            column.append(columns[name])
        self._lengths.append(len(terms))
        self._terms.extend(map(self.vocab.__getitem__, terms))  # a new term takes the next id, in C

    def build(self) -> Segment:
        """The segment of the documents added so far; empties the builder (its columns are freed as it goes)."""
        terms, rank = _sorted_slots(self.vocab)
        self.vocab = defaultdict(itertools.count().__next__)
        lengths = np.array(self._lengths, dtype=np.int32)
        self._lengths = array("i")
        n = max(len(lengths), 1)
        # One key an occurrence: (the term's rank, the document) as rank * n + document. Sorted,
        # the keys come grouped by term in sorted order with the documents ascending, and each
        # run of equal keys is one posting, its length the term's frequency in that document.
        # (Each step below works in place or in 32 bits where it can: a 100k-fact segment has
        # millions of occurrences, and the build's peak memory is set here.)
        key = rank.astype(np.int64)[np.frombuffer(self._terms, dtype=np.int32)]
        self._terms = array("i")
        key *= n
        key += np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        key.sort(kind="stable")  # numpy's stable sort is the faster one on these keys
        first = np.empty(len(key), np.bool_)
        first[:1] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        del first
        if len(key) < 2**31:
            starts = starts.astype(np.int32)
        tfs = np.diff(starts, append=starts.dtype.type(len(key)))
        np.minimum(tfs, MAX_TF, out=tfs)
        key = key[starts]
        del starts
        tfs = tfs.astype(np.uint16)
        doc_ids = (key % n).astype(np.int32)
        doc_ids += self.first
        key //= n
        df = np.bincount(key, minlength=len(terms))
        del key
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(df, out=offsets[1:])
        columns = {name: np.array(values, dtype=np.int32) for name, values in self._columns.items()}
        self._columns = {name: array("i") for name in self._columns}
        vocab = {t: i for i, t in enumerate(terms)}
        return Segment(self.first, vocab, offsets, ArrayPostings(doc_ids, tfs), lengths, columns)


def merge_segments(segments: Sequence[Segment]) -> Segment:
    """One segment holding the postings of consecutive ``segments`` (cost: their size, not the index's)."""
    if len(segments) == 1:
        return segments[0]
    for before, seg in itertools.pairwise(segments):
        if seg.first != before.end:
            raise ValueError("segments to merge must be consecutive")
    vocab = {t: i for i, t in enumerate(sorted(set().union(*(seg.vocab for seg in segments))))}
    term_ids: list[npt.NDArray[np.int32]] = []
    for seg in segments:  # each segment's terms are in slot order (sorted)
        slots = np.fromiter((vocab[t] for t in seg.vocab), np.int32, len(seg.vocab))
        term_ids.append(np.repeat(slots, np.diff(seg.offsets)))
    t = np.concatenate(term_ids)
    order = np.argsort(t, kind="stable")  # segments are in document order: ids stay ascending per term
    df = np.bincount(t, minlength=len(vocab))
    offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(df, out=offsets[1:])
    return Segment(
        first=segments[0].first,
        vocab=vocab,
        offsets=offsets,
        store=ArrayPostings(
            np.concatenate([s.doc_ids for s in segments])[order], np.concatenate([s.tfs for s in segments])[order]
        ),
        lengths=np.concatenate([s.lengths for s in segments]),
        columns={k: np.concatenate([s.columns[k] for s in segments]) for k in segments[0].columns},
    )


@dataclass(frozen=True, eq=False)
class BM25Index:
    """Segments covering documents 0 .. ``size - 1``, some of them dead, scored with BM25."""

    segments: tuple[Segment, ...]
    alive: npt.NDArray[np.bool_] | None = None  # None: every document is live
    dead_df: Mapping[str, int] = field(default_factory=dict)  # postings of dead documents, per term
    n_docs: int = field(init=False)  # live documents
    norm: FloatArray = field(init=False, repr=False)  # k1 * (1 - b + b * length / average), per document
    _firsts: list[int] = field(init=False, repr=False)
    _with_dead: list[bool] = field(init=False, repr=False)  # per segment: whether it holds a dead document
    _df_cache: dict[str, int] = field(init=False, repr=False)
    _weights: _WeightCache = field(init=False, repr=False)
    _dense_tfs: _WeightCache = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lengths = np.concatenate([s.lengths for s in self.segments]) if self.segments else np.zeros(0, np.int32)
        live = lengths if self.alive is None else lengths[self.alive]
        n_docs = len(live)
        # Integer total / count: the same average however the documents were added.
        avg = (int(live.sum(dtype=np.int64)) / n_docs) if n_docs else 1.0
        avg = avg or 1.0
        norm = np.float32(K1 * (1 - B)) + np.float32(K1 * B / avg) * lengths.astype(np.float32)
        object.__setattr__(self, "n_docs", n_docs)
        object.__setattr__(self, "norm", norm.astype(np.float32, copy=False))
        object.__setattr__(self, "_firsts", [s.first for s in self.segments])
        alive = self.alive
        with_dead = [alive is not None and not bool(alive[s.first : s.end].all()) for s in self.segments]
        object.__setattr__(self, "_with_dead", with_dead)
        object.__setattr__(self, "_df_cache", {})
        object.__setattr__(self, "_weights", _WeightCache(WEIGHT_CACHE_BYTES))
        object.__setattr__(self, "_dense_tfs", _WeightCache(DENSE_TF_CACHE_BYTES))

    @classmethod
    def build(cls, docs: Iterable[Sequence[str]]) -> BM25Index:
        builder = SegmentBuilder()
        for terms in docs:
            builder.add(terms)
        return cls((builder.build(),))

    def column(self, name: str) -> npt.NDArray[np.int32]:
        """A per-document column over every slot."""
        if not self.segments:
            return np.zeros(0, np.int32)
        return np.concatenate([s.columns[name] for s in self.segments])

    @property
    def size(self) -> int:
        """Document slots, dead ones included (the next document's id)."""
        return self.segments[-1].end if self.segments else 0

    # -- growing -------------------------------------------------------------------------------

    def with_segment(self, segment: Segment) -> BM25Index:
        """This index and the documents of ``segment`` (which must start at :attr:`size`)."""
        if segment.first != self.size:
            raise ValueError(f"a new segment starts at {self.size}, not {segment.first}")
        alive = None if self.alive is None else np.concatenate([self.alive, np.ones(segment.count, np.bool_)])
        return BM25Index((*self.segments, segment), alive, self.dead_df)

    def without(self, docs: Sequence[int], terms: Iterable[str]) -> BM25Index:
        """This index with ``docs`` dead; ``terms`` are their distinct terms, one entry per document."""
        if not docs:
            return self
        alive = np.ones(self.size, np.bool_) if self.alive is None else self.alive.copy()
        alive[np.asarray(docs, dtype=np.int64)] = False
        dead = Counter(self.dead_df)
        dead.update(terms)
        return BM25Index(self.segments, alive, dict(dead))

    def merged(self, start: int) -> BM25Index:
        """The segments from ``start`` on merged into one (same documents, fewer lists to read)."""
        if len(self.segments) - start < 2:
            return self
        return BM25Index((*self.segments[:start], merge_segments(self.segments[start:])), self.alive, self.dead_df)

    # -- statistics ----------------------------------------------------------------------------

    def df(self, term: str) -> int:
        """Live documents holding ``term`` (remembered per index: a question asks again and again)."""
        cache = self._df_cache
        found = cache.get(term)
        if found is None:
            found = sum(s.df(term) for s in self.segments) - self.dead_df.get(term, 0)
            if len(cache) >= DF_CACHE_SIZE:
                cache.clear()
            cache[term] = found
        return found

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.df(term) > 0

    def terms(self) -> Iterator[str]:
        """Every term some live document holds."""
        if len(self.segments) == 1 and not self.dead_df:  # a full build: its one vocabulary, as it is
            yield from self.segments[0].vocab
            return
        seen: set[str] = set()
        for seg in self.segments:
            for term in seg.vocab:
                if term not in seen:
                    seen.add(term)
                    if term not in self.dead_df or self.df(term) > 0:
                        yield term

    def idf(self, term: str) -> float:
        df = self.df(term)
        return math.log1p((self.n_docs - df + 0.5) / (df + 0.5))

    # -- postings ------------------------------------------------------------------------------

    def _raw(self, term: str) -> tuple[IntArray, npt.NDArray[np.uint16]]:
        """Live postings of ``term``: document ids ascending and term frequencies."""
        filtered = self.alive is not None and term in self.dead_df
        parts = []
        for seg, with_dead in zip(self.segments, self._with_dead, strict=True):
            if term not in seg.vocab:
                continue
            ids, tfs = seg.postings(term)
            if filtered and with_dead and self.alive is not None:  # only segments holding dead documents
                keep = self.alive[ids]
                ids, tfs = ids[keep], tfs[keep]
            parts.append((ids, tfs))
        if not parts:
            return _EMPTY_IDS, _EMPTY_TF
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _weigh(self, ids: IntArray, tfs: npt.NDArray[np.uint16], idf: np.float32) -> FloatArray:
        """idf * tf * (k1 + 1) / (tf + norm), in float32."""
        w = tfs.astype(np.float32)
        denom = self.norm[ids]
        denom += w
        w *= np.float32(K1 + 1)
        w /= denom
        w *= idf
        return w

    def _idf32(self, df: int) -> np.float32:
        return np.float32(np.log1p((self.n_docs - df + 0.5) / (df + 0.5)))

    def postings(self, term: str) -> tuple[IntArray, FloatArray]:
        """The live documents holding ``term`` (ascending) and its BM25 weight in each.

        Remembered per index (:data:`WEIGHT_CACHE_BYTES`, least recently used out): the words of
        questions repeat, and their weights only change with the index.
        """
        cache = self._weights
        found = cache.get(term)
        if found is None:
            ids, tfs = self._raw(term)
            found = (ids, self._weigh(ids, tfs, self._idf32(len(ids)))) if len(ids) else (_EMPTY_IDS, _EMPTY_W)
            cache.put(term, found, 8 * len(ids))
        return found  # type: ignore[return-value]

    def holding(self, term: str, docs: IntArray) -> npt.NDArray[np.bool_]:
        """For each of ``docs`` (ascending), whether it is live and holds ``term``: binary searches
        of the posting lists, nothing copied."""
        out = np.zeros(len(docs), np.bool_)
        if not len(docs):
            return out
        lo, hi = int(docs[0]), int(docs[-1])
        for seg in self.segments:
            if seg.end <= lo or seg.first > hi or term not in seg.vocab:
                continue
            ids, _ = seg.postings(term)
            at = np.searchsorted(ids, docs)
            np.minimum(at, len(ids) - 1, out=at)
            out |= ids[at] == docs
        if self.alive is not None:
            out &= self.alive[docs]
        return out

    def doc_ids(self, term: str) -> IntArray:
        return self._raw(term)[0]

    def counts_in(self, term: str, ranges: DocRanges) -> npt.NDArray[np.int64]:
        """Live documents holding ``term`` in each of ``ranges``: two binary searches of its postings
        per range, or for a frequent term a look at its frequency table over the ranges' documents
        (its postings are long and not kept)."""
        if self.df(term) > self.frequent_df():
            tf, _ = self._dense_tf(term)
            seen = np.zeros(len(ranges.ids) + 1, np.int64)
            np.cumsum(tf[ranges.ids] != 0, out=seen[1:])
            return seen[ranges.bounds[1:]] - seen[ranges.bounds[:-1]]
        ids = self.postings(term)[0]
        return (np.searchsorted(ids, ranges.ends) - np.searchsorted(ids, ranges.starts)).astype(np.int64)

    def contains(self, term: str, doc: int) -> bool:
        if self.alive is not None and not (0 <= doc < self.size and self.alive[doc]):
            return False
        at = bisect.bisect_right(self._firsts, doc) - 1
        if at < 0:
            return False
        ids, _ = self.segments[at].postings(term)
        i = int(np.searchsorted(ids, doc))
        return i < len(ids) and int(ids[i]) == doc

    # -- scoring -------------------------------------------------------------------------------

    def frequent_df(self) -> int:
        """Document frequency above which a term is "frequent" (see the module's docstring)."""
        return max(FREQUENT_MIN, int(FREQUENT_SHARE * self.n_docs))

    def sparse_scores(self, weighted_terms: Iterable[tuple[str, float]]) -> tuple[IntArray, FloatArray]:
        """The documents the question finds (ascending ids) and their BM25 scores (all positive).

        Only posting lists are read. A frequent term adds its weight to the documents the
        rarer terms found; when every term is frequent, all of them find documents. Each
        document's weights are summed in float64, the finding terms' in the order of
        ``weighted_terms`` and then the frequent ones': where no term is frequent, exactly :meth:`scores`.

        Which documents were found is worked out from the postings alone when they are few
        beside the corpus (a sort of them), else with one mark per document (a pass over the
        corpus beats sorting that many postings); both give the same result.
        """
        cap = self.frequent_df()
        present = [(term, qw, df) for term, qw in weighted_terms if (df := self.df(term)) > 0]
        if not present:
            return _EMPTY_IDS, _EMPTY_W
        finding = [df <= cap for _, _, df in present]
        if not any(finding):  # every term frequent: all of them find documents
            finding = [True] * len(present)
        first = [(*self.postings(term), qw) for (term, qw, _), f in zip(present, finding, strict=True) if f]
        then = [(term, qw) for (term, qw, _), f in zip(present, finding, strict=True) if not f]
        cat = np.concatenate([ids for ids, _, _ in first])
        weights = np.concatenate([w * np.float32(qw) for _, w, qw in first])
        # Each document's weights are summed in float64 in the order of `cat` (whichever way is
        # taken), the frequent terms' apart in term order, and the two added.
        if len(cat) * SPARSE_RATIO < self.size:
            found = np.sort(cat)
            keep = np.empty(len(found), np.bool_)
            keep[0] = True
            np.not_equal(found[1:], found[:-1], out=keep[1:])
            found = found[keep]
            at = found
            summed = np.bincount(np.searchsorted(found, cat), weights=weights, minlength=len(found))
        else:
            dense = np.bincount(cat, weights=weights, minlength=self.size)
            at = np.flatnonzero(dense > 0)
            summed = dense.take(at)
            found = at.astype(np.int32)
        if then:
            return found, (summed + self._frequent_at(then, at)).astype(np.float32)
        return found, summed.astype(np.float32)

    def _dense_tf(self, term: str) -> tuple[npt.NDArray[np.uint8] | TfArray, np.float32]:
        """``term``'s frequency in every document slot (0: absent or dead) and its idf, remembered
        like the posting lists: a frequent term is read at thousands of found documents, where one
        look-up a document beats a binary search of its postings."""
        cached = self._dense_tfs.get(term)
        if cached is None:
            ids, tfs = self._raw(term)
            small = not len(tfs) or int(tfs.max()) <= 255
            tf = np.zeros(self.size, np.uint8 if small else np.uint16)
            tf[ids] = tfs
            cached = (tf, self._idf32(len(ids)))
            self._dense_tfs.put(term, cached, tf.nbytes)
        return cached  # type: ignore[return-value]

    def _frequent_at(
        self, terms: Sequence[tuple[str, float]], docs: npt.NDArray[np.integer[Any]]
    ) -> npt.NDArray[np.float64]:
        """The frequent terms' weights summed at ``docs``, in float64 and term order: the same
        floats as their postings' weights (:meth:`_weigh`) summed there."""
        out = np.zeros(len(docs), np.float64)
        # numpy gathers with its own index type: converted once here, not once per term.
        at = docs.astype(np.intp, copy=False)
        norm = self.norm.take(at)
        for term, qw in terms:
            tf, idf = self._dense_tf(term)
            w = tf.take(at).astype(np.float32)
            denom = norm + w
            w *= np.float32(K1 + 1)
            w /= denom
            w *= idf
            w *= np.float32(qw)
            out += w
        return out

    def scores(self, weighted_terms: Iterable[tuple[str, float]]) -> FloatArray:
        """BM25 score of every document slot (dense; the reference :meth:`sparse_scores` is checked against)."""
        ids: list[IntArray] = []
        weights: list[FloatArray] = []
        for term, qw in weighted_terms:
            found, w = self.postings(term)
            if len(found):
                ids.append(found)
                weights.append(w * np.float32(qw))
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        summed = np.bincount(np.concatenate(ids), weights=np.concatenate(weights), minlength=self.size)
        return summed.astype(np.float32)


@dataclass(frozen=True)
class DocRanges:
    """Ranges of document ids ``starts[i] .. ends[i] - 1`` (an article's facts), with their ids laid
    end to end, for counts per range (:meth:`BM25Index.counts_in`)."""

    starts: npt.NDArray[np.integer[Any]]
    ends: npt.NDArray[np.integer[Any]]
    ids: IntArray = field(init=False, repr=False)
    bounds: npt.NDArray[np.int64] = field(init=False, repr=False)  # where each range's ids begin, then the end

    def __post_init__(self) -> None:
        sizes = (self.ends - self.starts).astype(np.int64)
        bounds = np.zeros(len(sizes) + 1, np.int64)
        np.cumsum(sizes, out=bounds[1:])
        # Each id is its range's start plus its place within the range.
        ids = np.arange(int(bounds[-1]), dtype=np.int64) - np.repeat(bounds[:-1] - self.starts, sizes)
        object.__setattr__(self, "ids", ids.astype(np.int32))
        object.__setattr__(self, "bounds", bounds)


class _WeightCache:
    """Arrays of weights by key, within a byte budget, the least recently used dropped first.

    Locked: an update reads the served index from a worker thread while questions read it too.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.held = 0
        self._items: OrderedDict[object, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object) -> object | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: object, value: object, nbytes: int) -> None:
        if nbytes > self.budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.held -= old[1]
            while self._items and self.held + nbytes > self.budget:
                _, (_, freed) = self._items.popitem(last=False)
                self.held -= freed
            self._items[key] = (value, nbytes)
            self.held += nbytes


def top_k(scores: FloatArray, k: int) -> IntArray:
    """Indices of the ``k`` highest positive scores, best first."""
    positive = int(np.count_nonzero(scores > 0))
    k = min(k, positive)
    if k <= 0:
        return np.zeros(0, np.int32)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")].astype(np.int32)
