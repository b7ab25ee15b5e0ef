"""The stored form of the index: its rows, its format version and the segment blobs, in one place.

:mod:`bot.index.build` makes a :class:`KnowledgeData`, :mod:`bot.index.update` a
:class:`KnowledgeUpdate`; :mod:`bot.storage` writes and reads them as they are, and
:class:`bot.index.snapshot.Snapshot` decodes them for answering; nothing else knows how the
index is laid out.

Each segment of the fact and the article index is a few blobs named
``"<index>.<segment number>.<part>"`` (e.g. ``fact.000003.doc_ids``); adding articles adds
blobs, merging segments replaces theirs.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.index.bm25 import PostingStore, Segment
from bot.models import ArticleRow

# Bump when the stored index or lexicon format changes: older databases are then rebuilt on open.
# 9: terms in sorted order, postings in chunks (read in place when opened lazily); 10: the stored
# lexicon lists public bodies (bodies.toml), which questions find in any case.
INDEX_FORMAT = "10"
FACT_INDEX = "fact"
ARTICLE_INDEX = "article"
# Meta entries: the documents of each index that are dead, and their postings per term.
DEAD_DF = {FACT_INDEX: "dead_df.fact", ARTICLE_INDEX: "dead_df.article"}


def built_by_this_version(meta: dict[str, str]) -> bool:
    """Whether stored knowledge was built in this code's index format (else it is rebuilt on open)."""
    return meta.get("index_format") == INDEX_FORMAT


def segment_prefix(index: str, number: int) -> str:
    return f"{index}.{number:06d}."


def segment_blobs(index: str, number: int, segment: Segment) -> dict[str, bytes]:
    prefix = segment_prefix(index, number)
    return {prefix + k: v for k, v in segment.to_blobs().items()}


# The parts of a segment that hold its postings, each stored in chunks (``doc_ids.0000`` ...) and
# read on demand when the index is opened lazily.
POSTING_PARTS = ("doc_ids", "tfs")


def posting_part(name: str) -> tuple[str, str, int] | None:
    """``("fact.000003.", "doc_ids", 2)`` for the blob ``fact.000003.doc_ids.0002``; None for other parts."""
    prefix, _, rest = name.rpartition(".")
    prefix, _, part = prefix.rpartition(".")
    if part not in POSTING_PARTS or not rest.isdigit():
        return None
    return prefix + ".", part, int(rest)


def segments_from_blobs(
    index: str, blobs: dict[str, bytes], stores: Mapping[str, PostingStore] | None = None
) -> list[tuple[int, Segment]]:
    """The (number, segment) pairs of one index, in document order; their blobs are taken out of
    ``blobs`` (so that each segment's can be let go once it is built).

    ``stores`` (by segment prefix, e.g. ``fact.000003.``) are where the postings are read from
    on demand; without them ``blobs`` hold every part.
    """
    parts: dict[int, dict[str, bytes]] = {}
    start = f"{index}."
    for name in [n for n in blobs if n.startswith(start)]:
        number, part = name[len(start) :].split(".", 1)
        parts.setdefault(int(number), {})[part] = blobs.pop(name)
    segments: list[tuple[int, Segment]] = []
    for n in sorted(parts):
        segments.append(
            (n, Segment.from_blobs(parts.pop(n), None if stores is None else stores[segment_prefix(index, n)]))
        )
    return sorted(segments, key=lambda item: item[1].first)


def dumps_names(names: Mapping[str, Iterable[int]]) -> str:
    """Capitalised names (folded) -> the ids of the articles that mention them, as stored: one
    line a name, in sorted order, ``name<TAB>id,id,...`` (read by :class:`StoredNames`)."""
    return "".join(
        f"{k}\t{','.join(map(str, sorted(names[k])))}\n" for k in sorted(names) if "\t" not in k and "\n" not in k
    )


def load_names(text: str) -> Mapping[str, tuple[int, ...]]:
    """The stored names; an index of an older format (served read-only as it is) has them as JSON."""
    if text.startswith("{"):
        return {k: tuple(sorted(v)) for k, v in json.loads(text).items()}
    return StoredNames(text)


def mentions(ids: Sequence[int], article: int) -> bool:
    """Whether ``article`` is among a name's article ids (ascending, as the names map keeps them):
    a binary search, as a common name ("Ban Chỉ đạo") is mentioned by thousands of articles."""
    at = bisect.bisect_left(ids, article)
    return at < len(ids) and ids[at] == article


_UNSEEN = object()


class StoredNames(Mapping[str, tuple[int, ...]]):
    """The stored names (:func:`dumps_names`) looked up in place by binary search: a process
    answering one question parses the lines of the names it asks about, not thousands."""

    def __init__(self, text: str) -> None:
        self._text = text.encode("utf-8")
        breaks = np.flatnonzero(np.frombuffer(self._text, np.uint8) == 10)
        self._starts = np.concatenate(([0], breaks[:-1] + 1)).astype(np.int64) if len(breaks) else breaks
        self._ends = breaks
        self._cache: dict[str, object] = {}

    def _name(self, line: int) -> bytes:
        start = int(self._starts[line])
        return self._text[start : self._text.index(b"\t", start)]

    def _ids(self, line: int) -> tuple[int, ...]:
        start, end = int(self._starts[line]), int(self._ends[line])
        ids = self._text[self._text.index(b"\t", start) + 1 : end]
        return tuple(map(int, ids.split(b","))) if ids else ()

    def get(self, name: str, default: Any = None) -> Any:
        found = self._cache.get(name, _UNSEEN)
        if found is _UNSEEN:
            key = name.encode("utf-8")
            at = bisect.bisect_left(range(len(self._starts)), key, key=self._name)
            found = self._ids(at) if at < len(self._starts) and self._name(at) == key else None
            self._cache[name] = found
        return default if found is None else found

    def __getitem__(self, name: str) -> tuple[int, ...]:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return tuple(found)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return (self._name(i).decode("utf-8") for i in range(len(self._starts)))

    def __len__(self) -> int:
        return len(self._starts)


def dumps_df(df: Mapping[str, int]) -> str:
    return json.dumps(dict(sorted(df.items())), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class FactRow:
    id: int
    article_id: int
    position: int
    kind: str
    text: str
    folded: str
    features: int


@dataclass(frozen=True)
class KnowledgeData:
    """Everything a full build writes and a search snapshot reads.

    Read back from the database, ``articles`` and ``facts`` hold the live rows only: the ids of
    removed articles and their facts are gaps.
    """

    articles: Sequence[ArticleRow]
    paragraphs: Sequence[Sequence[str]]  # written with the articles; empty when read back
    facts: Sequence[FactRow]
    fact_segments: Sequence[Segment]
    article_segments: Sequence[Segment]
    meta: dict[str, str]
    # Segment numbers, as stored (read back); a full build numbers its segments 0, 1, ...
    fact_numbers: Sequence[int] = ()
    article_numbers: Sequence[int] = ()
    # Read lazily: ``articles`` reads its rows by id on demand (removed ids read as placeholders)
    # and these are the ids of the stored rows and their publication times (seconds).
    article_heads: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None = None

    def blobs(self) -> dict[str, bytes]:
        return dict(self.iter_blobs())

    def iter_blobs(self) -> Iterator[tuple[str, bytes]]:
        """(name, bytes) of every segment's blobs, one segment's at a time (a store need not hold
        the serialised copy of a whole index beside the index: 550 MB at a million facts)."""
        for index, segments in ((FACT_INDEX, self.fact_segments), (ARTICLE_INDEX, self.article_segments)):
            for i, seg in enumerate(segments):
                yield from segment_blobs(index, i, seg).items()


@dataclass(frozen=True)
class KnowledgeUpdate:
    """What adding, changing or removing some articles writes: rows, segment blobs and meta."""

    articles: Sequence[ArticleRow]  # new rows (a changed article is removed and added again)
    paragraphs: Sequence[Sequence[str]]
    facts: Sequence[FactRow]
    removed: Sequence[int]  # ids of the articles whose rows (and facts) go
    blobs: dict[str, bytes]  # new segments
    dropped: Sequence[str] = ()  # name prefixes of segments merged away
    meta: dict[str, str] = field(default_factory=dict)
