"""The in-memory index answers are read from: one :class:`Snapshot` per built knowledge base.

Made from the stored form (:mod:`bot.index.stored`) at start and after every reload; a
question reads one snapshot from start to end, so a reload never changes an answer mid-way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.index.bm25 import BM25Index
from bot.index.stored import ARTICLE_INDEX, FACT_INDEX, FactRow, KnowledgeData, index_from_blobs
from bot.models import ArticleRow, FactKind
from bot.text.lexicon import Lexicon
from bot.text.normalize import accented, bigrams, surface_tokens

# Facts whose term sets are kept between questions (about 2-4 KB each).
TERM_CACHE_SIZE = 5000


def _remember(cache: dict[int, frozenset[str]], fact: int, value: frozenset[str]) -> None:
    """Keep ``value`` for a fact, starting afresh past :data:`TERM_CACHE_SIZE` facts."""
    if len(cache) >= TERM_CACHE_SIZE:
        cache.clear()
    cache[fact] = value


class SnapshotCache:
    """Memoised functions of a snapshot's facts and words, filled as questions are answered.

    The only mutable part of a :class:`Snapshot`: bounded (per-fact entries are dropped past
    :data:`TERM_CACHE_SIZE`; per-word ones only grow towards the facts' own vocabulary) and
    never changing an answer, only how fast it comes.
    """

    def __init__(self) -> None:
        # word -> (folded, tone-canonical) pairs of its syllables
        self.word_pairs: dict[str, list[tuple[str, str]]] = {}
        # word -> (surface, folded, tone-canonical) triples, for highlighting
        self.word_surfaces: dict[str, list[tuple[str, str, str]]] = {}
        # fact id -> its syllables and syllable pairs / its tone-canonical syllables with marks
        self.terms: dict[int, frozenset[str]] = {}
        self.accents: dict[int, frozenset[str]] = {}


@dataclass(frozen=True)
class Snapshot:
    """The data of one built knowledge base, read-only, replaced whole on reload (plus its cache)."""

    articles: list[ArticleRow]
    facts: list[FactRow]
    fact_article: npt.NDArray[np.int32]
    answerable: npt.NDArray[np.bool_]
    headline_facts: npt.NDArray[np.int32]  # ids of titles and captions (not answers)
    # Article a's facts are the ids article_starts[a] .. article_starts[a + 1] - 1 (built in order).
    article_starts: npt.NDArray[np.int64]
    fact_index: BM25Index
    article_index: BM25Index
    lexicon: Lexicon
    vocabulary: list[str]
    built_at: str
    recency: npt.NDArray[np.float32]
    # Folded syllables of each article's title and caption (what the article is about).
    headline_tokens: list[frozenset[str]]
    # Capitalised names (folded, space-joined) -> the articles that mention them.
    names: dict[str, tuple[int, ...]]
    # Every syllable with diacritics that the facts use, in tone-canonical form.
    accented_vocab: frozenset[str]
    # Titles of the newest articles first (for "not answered": what the bot does know).
    newest_titles: tuple[str, ...]
    cache: SnapshotCache

    def fact_accents(self, fact: int) -> frozenset[str]:
        """The tone-canonical syllables with diacritics of one fact (computed, cached for recent facts)."""
        found = self.cache.accents.get(fact)
        if found is None:
            found = frozenset(accented(self.facts[fact].text, self.cache.word_pairs).split())
            _remember(self.cache.accents, fact, found)
        return found

    def fact_terms(self, fact: int) -> frozenset[str]:
        """The fact's folded syllables and syllable pairs (cached for the most recent facts)."""
        terms = self.cache.terms.get(fact)
        if terms is None:
            toks = self.facts[fact].folded.split()
            terms = frozenset((*toks, *bigrams(toks)))
            _remember(self.cache.terms, fact, terms)
        return terms

    def fact_surface(self, fact: int) -> list[tuple[str, str, str]]:
        """``surface_tokens`` of the fact's text, word by word through a cache (tokens never span spaces)."""
        out: list[tuple[str, str, str]] = []
        cache = self.cache.word_surfaces
        for word in self.facts[fact].text.split():
            triples = cache.get(word)
            if triples is None:
                triples = cache[word] = surface_tokens(word)
            out.extend(triples)
        return out

    @classmethod
    def from_data(cls, data: KnowledgeData) -> Snapshot:
        fact_index = index_from_blobs(FACT_INDEX, data.blobs)
        article_index = index_from_blobs(ARTICLE_INDEX, data.blobs)
        lexicon = Lexicon.from_dict(json.loads(data.meta.get("lexicon", "{}")))
        facts = list(data.facts)
        articles = list(data.articles)
        stamps = np.array([a.published.timestamp() for a in articles] or [0.0], dtype=np.float64)
        span = float(stamps.max() - stamps.min()) or 1.0
        article_recency = ((stamps - stamps.min()) / span).astype(np.float32)
        fact_article = np.array([f.article_id for f in facts], dtype=np.int32)
        headlines: list[set[str]] = [set() for _ in articles]
        for f in facts:
            if f.kind != FactKind.BODY.value:
                toks = f.folded.split()
                headlines[f.article_id].update(toks, bigrams(toks))
        return cls(
            articles=articles,
            facts=facts,
            fact_article=fact_article,
            answerable=np.array([f.kind == FactKind.BODY.value for f in facts], dtype=np.bool_),
            headline_facts=np.array([f.id for f in facts if f.kind != FactKind.BODY.value], dtype=np.int32),
            article_starts=np.searchsorted(fact_article, np.arange(len(articles) + 1)).astype(np.int64),
            fact_index=fact_index,
            article_index=article_index,
            lexicon=lexicon,
            vocabulary=[t for t in fact_index.vocab if "_" not in t and not t[:1].isdigit()],
            built_at=data.meta.get("built_at", ""),
            recency=article_recency[fact_article] if facts else np.zeros(0, np.float32),
            headline_tokens=[frozenset(h) for h in headlines],
            names={k: tuple(v) for k, v in json.loads(data.meta.get("names", "{}")).items()},
            accented_vocab=frozenset(data.meta.get("accented_vocab", "").split()),
            cache=SnapshotCache(),
            newest_titles=tuple(a.title for a in sorted(articles, key=lambda a: a.published, reverse=True)[:20]),
        )

    @property
    def empty(self) -> bool:
        return not self.facts

    def topics(self, limit: int = 5) -> tuple[str, ...]:
        """Titles of the newest articles: what the bot can talk about."""
        return self.newest_titles[:limit]
