"""The stored form of the index: its rows, its format version and the BM25 blobs, in one place.

:mod:`bot.index.build` makes a :class:`KnowledgeData`, :mod:`bot.storage` writes and reads it
as is, and :class:`bot.index.snapshot.Snapshot` decodes it for answering; nothing else knows
how the index is laid out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.index.bm25 import BM25Index
from bot.models import ArticleRow

# Bump when the stored index or lexicon format changes: older databases are then rebuilt on open.
INDEX_FORMAT = "6"
FACT_INDEX = "fact"
ARTICLE_INDEX = "article"


def built_by_this_version(meta: dict[str, str]) -> bool:
    """Whether stored knowledge was built in this code's index format (else it is rebuilt on open)."""
    return meta.get("index_format") == INDEX_FORMAT


def index_blobs(prefix: str, index: BM25Index) -> dict[str, bytes]:
    return {f"{prefix}.{k}": v for k, v in index.to_blobs().items()}


def index_from_blobs(prefix: str, blobs: dict[str, bytes]) -> BM25Index:
    start = f"{prefix}."
    return BM25Index.from_blobs({k[len(start) :]: v for k, v in blobs.items() if k.startswith(start)})


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
    """Everything a reload writes and a search snapshot reads."""

    articles: Sequence[ArticleRow]
    paragraphs: Sequence[Sequence[str]]  # written with the articles; empty when read back
    facts: Sequence[FactRow]
    blobs: dict[str, bytes]
    meta: dict[str, str]
