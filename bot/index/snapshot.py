"""The in-memory index answers are read from: one :class:`Snapshot` per built knowledge base.

Made from the stored form (:mod:`bot.index.stored`) at start and after every reload; a
question reads one snapshot from start to end, so a reload never changes an answer mid-way.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from bot.index.bm25 import BM25Index
from bot.index.facts import FactList, FactTable, removed_fact
from bot.index.stored import FactRow, KnowledgeData, load_names
from bot.models import ArticleRow, FactKind
from bot.text.lexicon import Lexicon
from bot.text.normalize import accented, bigrams, surface_tokens

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def removed_article(article_id: int) -> ArticleRow:
    """What stands in the slot of an article that was removed (never shown: it is not live)."""
    return ArticleRow(article_id, "", "", "", _EPOCH, None, None, None, "", "")


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
        # article id -> the folded syllables and pairs of its title and caption
        self.headlines: dict[int, frozenset[str]] = {}


def syllables(terms: Iterable[str]) -> list[str]:
    """The single syllables among index terms (not pairs, not numbers): what typos are repaired to."""
    return [t for t in terms if "_" not in t and not t[:1].isdigit()]


class TypoVocabulary:
    """The single syllables the live facts hold, sorted: what typos are repaired to.

    Listed from the fact index the first time a question needs it (at 1M facts that is a fraction
    of a second, which a one-question process opening the index lazily never spends), or at once
    with ``eager`` (a reload or an update does it in its worker thread, not in a question).
    """

    def __init__(self, index: BM25Index, eager: bool = True, terms: list[str] | None = None) -> None:
        self._index = index
        self._terms = terms  # given: already listed (sorted), e.g. by an update from its predecessor's
        if eager:
            self.terms()

    def terms(self) -> list[str]:
        if self._terms is None:
            self._terms = sorted(syllables(self._index.terms()))
        return self._terms

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypoVocabulary) and self.terms() == other.terms()

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The data of one built knowledge base, read-only, replaced whole on reload (plus its cache).

    Ids are slots: an article removed by an update keeps its id (and its facts theirs), dead
    (``live`` is False, its facts are not ``answerable``) until the next full build renumbers.
    """

    articles: Sequence[ArticleRow]  # by id; removed ones are placeholders (not live)
    live: npt.NDArray[np.bool_]  # per article
    facts: FactTable
    fact_article: npt.NDArray[np.int32]
    answerable: npt.NDArray[np.bool_]
    headline_facts: npt.NDArray[np.int32]  # ids of titles and captions (not answers)
    # Article a's facts are the ids article_starts[a] .. article_starts[a + 1] - 1 (built in order).
    article_starts: npt.NDArray[np.int64]
    fact_index: BM25Index
    article_index: BM25Index
    # The stored number of each segment of the two indexes (what an update's merge replaces).
    fact_numbers: tuple[int, ...]
    article_numbers: tuple[int, ...]
    lexicon: Lexicon
    vocabulary: TypoVocabulary
    built_at: str
    stamps: npt.NDArray[np.float64]  # per article: its publication time (seconds)
    recency: npt.NDArray[np.float32]
    # Capitalised names (folded, space-joined) -> the articles that mention them.
    names: Mapping[str, tuple[int, ...]]
    # Syllable with diacritics (tone-canonical) -> how many live articles use it.
    accents: dict[str, int]
    # Every syllable with diacritics that the facts use, in tone-canonical form.
    accented_vocab: frozenset[str]
    # Titles of the newest articles first (for "not answered": what the bot does know).
    newest_titles: tuple[str, ...]
    cache: SnapshotCache

    def headline_tokens(self, article: int) -> frozenset[str]:
        """Folded syllables and pairs of the article's title and caption (what it is about); cached."""
        found = self.cache.headlines.get(article)
        if found is None:
            out: set[str] = set()
            start, end = int(self.article_starts[article]), int(self.article_starts[article + 1])
            for fact in range(start, min(end, start + 2)):  # the title, then the caption if any
                row = self.facts[fact]
                if row.kind not in (FactKind.BODY.value, "removed"):
                    toks = row.folded.split()
                    out.update(toks, bigrams(toks))
            found = frozenset(out)
            _remember(self.cache.headlines, article, found)
        return found

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
    def from_data(cls, data: KnowledgeData, facts: FactTable | None = None, lazy: bool = False) -> Snapshot:
        """The snapshot of a full build, or of stored knowledge (whose removed ids are gaps).

        ``facts`` replaces ``data.facts`` (e.g. facts read from the database on demand). ``lazy``
        leaves what only some questions need (the typo-repair vocabulary) until one does.
        """
        fact_segments = tuple(data.fact_segments)
        article_segments = tuple(data.article_segments)
        n_facts = fact_segments[-1].end if fact_segments else 0
        n_articles = article_segments[-1].end if article_segments else 0
        articles: Sequence[ArticleRow] = data.articles if data.article_heads is not None else list(data.articles)
        fact_article = (np.concatenate([s.columns["article"] for s in fact_segments])
                        if fact_segments else np.zeros(0, np.int32))  # fmt: skip
        if facts is None and isinstance(data.facts, FactTable) and len(data.facts) == n_facts:
            facts = data.facts  # a full build's (no gaps): kept as it is, not made into rows
        if facts is None:
            rows = list(data.facts)
            if len(rows) != n_facts:  # gaps: removed facts
                slots: list[FactRow | None] = [None] * n_facts
                for f in rows:
                    slots[f.id] = f
                rows = [f if f is not None else removed_fact(i, int(fact_article[i])) for i, f in enumerate(slots)]
            facts = FactList(rows)
        if data.article_heads is not None:  # rows read on demand: the stored ids and times say the rest
            ids, published = data.article_heads
            live = np.zeros(n_articles, np.bool_)
            live[ids] = True
            stamps = np.full(n_articles, _EPOCH.timestamp(), np.float64)
            stamps[ids] = published
        else:
            if len(articles) != n_articles:
                by_id: list[ArticleRow | None] = [None] * n_articles
                for a in articles:
                    by_id[a.id] = a
                articles = [a if a is not None else removed_article(i) for i, a in enumerate(by_id)]
            live = np.array([a.url != "" for a in articles], dtype=np.bool_)
            stamps = np.array([a.published.timestamp() for a in articles], dtype=np.float64)
        fact_alive = live[fact_article] if len(fact_article) else np.zeros(0, np.bool_)
        dead_df = {k: json.loads(data.meta.get(f"dead_df.{k}", "{}")) for k in ("fact", "article")}
        fact_index = BM25Index(fact_segments, None if fact_alive.all() else fact_alive, dead_df["fact"])
        article_index = BM25Index(article_segments, None if live.all() else live, dead_df["article"])
        kinds = (np.concatenate([s.columns["answerable"] for s in fact_segments]).astype(np.bool_)
                 if fact_segments else np.zeros(0, np.bool_))  # fmt: skip
        accents = {k: int(v) for k, v in json.loads(data.meta.get("accents", "{}")).items()}
        return cls.assemble(
            articles=articles,
            live=live,
            facts=facts,
            fact_article=fact_article.astype(np.int32, copy=False),
            answerable=kinds & fact_alive,
            headline_facts=np.flatnonzero(~kinds & fact_alive).astype(np.int32),
            fact_index=fact_index,
            article_index=article_index,
            fact_numbers=tuple(data.fact_numbers) or tuple(range(len(fact_segments))),
            article_numbers=tuple(data.article_numbers) or tuple(range(len(article_segments))),
            lexicon=Lexicon.from_dict(json.loads(data.meta.get("lexicon", "{}"))),
            built_at=data.meta.get("built_at", ""),
            stamps=stamps,
            names=load_names(data.meta.get("names", "")),
            accents=accents,
            cache=SnapshotCache(),
            lazy=lazy,
        )

    def with_facts(self, facts: FactTable) -> Snapshot:
        """The same snapshot reading its facts from ``facts`` (which must hold the same rows)."""
        if len(facts) != len(self.facts):
            raise ValueError(f"{len(facts)} facts given for a snapshot of {len(self.facts)}")
        return dataclasses.replace(self, facts=facts)

    @classmethod
    def assemble(
        cls,
        *,
        articles: Sequence[ArticleRow],
        live: npt.NDArray[np.bool_],
        facts: FactTable,
        fact_article: npt.NDArray[np.int32],
        answerable: npt.NDArray[np.bool_],
        headline_facts: npt.NDArray[np.int32],
        fact_index: BM25Index,
        article_index: BM25Index,
        fact_numbers: tuple[int, ...],
        article_numbers: tuple[int, ...],
        lexicon: Lexicon,
        built_at: str,
        stamps: npt.NDArray[np.float64],
        names: Mapping[str, tuple[int, ...]],
        accents: Mapping[str, int],
        cache: SnapshotCache,
        lazy: bool = False,
        vocabulary: list[str] | None = None,
    ) -> Snapshot:
        """A snapshot from its parts; what follows from them (recency, vocabulary ...) is derived here."""
        live_stamps = stamps[live]
        low = float(live_stamps.min()) if len(live_stamps) else 0.0
        span = (float(live_stamps.max()) - low) if len(live_stamps) else 0.0
        article_recency = ((stamps - low) / (span or 1.0)).astype(np.float32)
        newest = np.flatnonzero(live)[np.argsort(-stamps[live], kind="stable")][:20]
        return cls(
            articles=articles,
            live=live,
            facts=facts,
            fact_article=fact_article,
            answerable=answerable,
            headline_facts=headline_facts,
            article_starts=np.searchsorted(fact_article, np.arange(len(articles) + 1)).astype(np.int64),
            fact_index=fact_index,
            article_index=article_index,
            fact_numbers=fact_numbers,
            article_numbers=article_numbers,
            lexicon=lexicon,
            vocabulary=TypoVocabulary(fact_index, eager=not lazy, terms=vocabulary),
            built_at=built_at,
            stamps=stamps,
            recency=article_recency[fact_article] if len(fact_article) else np.zeros(0, np.float32),
            names=names,
            accents=dict(accents),
            accented_vocab=frozenset(k for k, v in accents.items() if v > 0),
            newest_titles=tuple(articles[int(i)].title for i in newest),
            cache=cache,
        )

    @property
    def empty(self) -> bool:
        return not bool(self.answerable.any()) and not len(self.headline_facts)

    def live_articles(self) -> list[ArticleRow]:
        """The articles the snapshot holds (removed ones left out)."""
        return [a for a, alive in zip(self.articles, self.live.tolist(), strict=True) if alive]

    def topics(self, limit: int = 5) -> tuple[str, ...]:
        """Titles of the newest articles: what the bot can talk about."""
        return self.newest_titles[:limit]
