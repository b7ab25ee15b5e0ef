"""An in-memory BM25 index over folded syllables and syllable pairs.

Built once per reload from the facts' terms, stored in SQLite as a few blobs
(:meth:`BM25Index.to_blobs`) and loaded back with :func:`numpy.frombuffer`, so a
question costs a handful of vectorised additions instead of a table scan.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

K1 = 1.2
B = 0.75

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class BM25Index:
    """Postings of every term: document ids (ascending) and their BM25 weights."""

    vocab: dict[str, int]
    offsets: npt.NDArray[np.int64]
    doc_ids: IntArray
    weights: FloatArray
    n_docs: int

    @classmethod
    def build(cls, docs: Iterable[Sequence[str]], k1: float = K1, b: float = B) -> BM25Index:
        vocab: dict[str, int] = {}
        term_col: list[int] = []
        doc_col: list[int] = []
        tf_col: list[int] = []
        lengths: list[int] = []
        for d, terms in enumerate(docs):
            lengths.append(len(terms))
            for term, tf in Counter(terms).items():
                term_col.append(vocab.setdefault(term, len(vocab)))
                doc_col.append(d)
                tf_col.append(tf)
        n_docs = len(lengths)
        if not term_col:
            return cls(vocab={}, offsets=np.zeros(1, np.int64), doc_ids=np.zeros(0, np.int32),
                       weights=np.zeros(0, np.float32), n_docs=n_docs)  # fmt: skip
        t = np.asarray(term_col, dtype=np.int32)
        d_arr = np.asarray(doc_col, dtype=np.int32)
        tf_arr = np.asarray(tf_col, dtype=np.float32)
        length = np.asarray(lengths, dtype=np.float32)
        avg = float(length.mean()) or 1.0
        df = np.bincount(t, minlength=len(vocab)).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        w = idf[t] * tf_arr * (k1 + 1) / (tf_arr + k1 * (1 - b + b * length[d_arr] / avg))
        order = np.argsort(t, kind="stable")  # documents stay ascending within a term
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=offsets[1:])
        return cls(vocab=vocab, offsets=offsets, doc_ids=d_arr[order], weights=w[order].astype(np.float32),
                   n_docs=n_docs)  # fmt: skip

    # -- queries -----------------------------------------------------------------------------

    def df(self, term: str) -> int:
        slot = self.vocab.get(term)
        return 0 if slot is None else int(self.offsets[slot + 1] - self.offsets[slot])

    def idf(self, term: str) -> float:
        df = self.df(term)
        return math.log1p((self.n_docs - df + 0.5) / (df + 0.5))

    def postings(self, term: str) -> tuple[IntArray, FloatArray]:
        slot = self.vocab.get(term)
        if slot is None:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        lo, hi = int(self.offsets[slot]), int(self.offsets[slot + 1])
        return self.doc_ids[lo:hi], self.weights[lo:hi]

    def contains(self, term: str, doc: int) -> bool:
        ids, _ = self.postings(term)
        i = int(np.searchsorted(ids, doc))
        return i < len(ids) and int(ids[i]) == doc

    def scores(self, weighted_terms: Iterable[tuple[str, float]]) -> FloatArray:
        """BM25 score of every document for the weighted query terms."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term, qw in weighted_terms:
            ids, w = self.postings(term)
            if len(ids):
                out[ids] += w * np.float32(qw)
        return out

    # -- persistence ---------------------------------------------------------------------------

    def to_blobs(self) -> dict[str, bytes]:
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        return {
            "terms": "\n".join(terms).encode("utf-8"),
            "offsets": self.offsets.astype("<i8").tobytes(),
            "doc_ids": self.doc_ids.astype("<i4").tobytes(),
            "weights": self.weights.astype("<f4").tobytes(),
            "n_docs": str(self.n_docs).encode(),
        }

    @classmethod
    def from_blobs(cls, blobs: dict[str, bytes]) -> BM25Index:
        text = blobs["terms"].decode("utf-8")
        terms = text.split("\n") if text else []
        return cls(
            vocab={t: i for i, t in enumerate(terms)},
            offsets=np.frombuffer(blobs["offsets"], dtype="<i8").astype(np.int64),
            doc_ids=np.frombuffer(blobs["doc_ids"], dtype="<i4").astype(np.int32),
            weights=np.frombuffer(blobs["weights"], dtype="<f4").astype(np.float32),
            n_docs=int(blobs["n_docs"].decode()),
        )


def top_k(scores: FloatArray, k: int) -> IntArray:
    """Indices of the ``k`` highest positive scores, best first."""
    positive = int(np.count_nonzero(scores > 0))
    k = min(k, positive)
    if k <= 0:
        return np.zeros(0, np.int32)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")].astype(np.int32)
