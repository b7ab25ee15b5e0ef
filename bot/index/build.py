"""Turn parsed articles into the stored knowledge: facts, features and the two BM25 indexes.

:class:`PartBuilder` indexes articles one at a time from given first ids. A full build runs it
over every article (cutting the postings into segments of bounded size, so the build's memory
does not grow with the corpus); adding articles to a serving index (:mod:`bot.index.update`)
runs it over just those articles.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.formats.seed import article_facts
from bot.index.bm25 import Segment, SegmentBuilder
from bot.index.facts import PackedFacts
from bot.index.stored import DEAD_DF, INDEX_FORMAT, FactRow, KnowledgeData, dumps_df, dumps_names
from bot.models import Article, ArticleRow, FactKind
from bot.text.analysis import capitalised_names, fact_features, place_names, text_phrases
from bot.text.lexicon import Lexicon
from bot.text.normalize import accented_word, join_phrases, marked_words

# A full build cuts the postings into segments of at most this many documents.
FACT_SEGMENT_DOCS = 100_000
ARTICLE_SEGMENT_DOCS = 10_000
# Per-fact columns of the fact index: its article's id, and 1 for a body sentence (an answer) else 0.
FACT_COLUMNS = ("article", "answerable")


@dataclass(frozen=True, slots=True)
class FactTerms:
    """What indexing one fact's text gives: its BM25 terms, folded form and the names it mentions."""

    terms: list[str]
    folded: str
    names: set[str]


def fact_terms(text: str, lexicon: Lexicon) -> FactTerms:
    phrases = text_phrases(text, lexicon)
    names: set[str] = set()
    for name in (*capitalised_names(text, lexicon), *place_names(phrases[0], lexicon)):
        for size in range(2, len(name) + 1):
            for start in range(len(name) - size + 1):
                names.add(" ".join(name[start : start + size]))
    return FactTerms(join_phrases(phrases), " ".join(" ".join(p) for p in phrases), names)


def article_row(article_id: int, article: Article, source: str) -> ArticleRow:
    return ArticleRow(
        id=article_id,
        url=article.url_str,
        title=article.title,
        site=article.site,
        published=article.published,
        author=article.author,
        views=article.views,
        caption=article.caption,
        content_hash=article.content_hash(),
        source=source,
    )


def accented_syllables(texts: Iterable[str], word_pairs: dict[str, list[tuple[str, str]]] | None) -> set[str]:
    """The tone-canonical syllables with diacritics the texts use.

    The union of ``accented(text).split()`` over the texts, each distinct word looked at once (an
    article repeats its words). ``word_pairs``, when given (a serving snapshot's cache, which an
    update extends), records each new word's pairs, in the order the texts first use them.
    """
    out: set[str] = set()
    if word_pairs is None:  # no order to keep: each distinct word once, found by set operations (in C)
        words: set[str] = set()
        for text in texts:
            words.update(text.split())
        out.update(itertools.chain.from_iterable(map(marked_words, words)))
        return out
    seen: set[str] = set()
    for text in texts:
        for word in text.split():
            if word not in seen:
                seen.add(word)
                out.update(accented_word(word, word_pairs))
    return out


@dataclass
class PartBuilder:
    """Indexes articles given one at a time, from article id ``first_article`` and fact id ``first_fact``."""

    lexicon: Lexicon
    first_article: int = 0
    first_fact: int = 0
    fact_segment_docs: int | None = FACT_SEGMENT_DOCS  # None: one segment whatever the size
    article_segment_docs: int | None = ARTICLE_SEGMENT_DOCS
    articles: list[ArticleRow] = field(default_factory=list)
    paragraphs: list[tuple[str, ...]] = field(default_factory=list)
    facts: PackedFacts = field(init=False)  # from first_fact on
    fact_segments: list[Segment] = field(default_factory=list)
    article_segments: list[Segment] = field(default_factory=list)
    # Capitalised names (folded) -> the articles that mention them.
    names: dict[str, set[int]] = field(default_factory=dict)
    # Accented syllable -> how many of the articles use it.
    accents: Counter[str] = field(default_factory=Counter)
    # A serving snapshot's word cache to extend (an update); a full build keeps none: every distinct
    # word of a million facts would stay in it until the build ends.
    word_pairs: dict[str, list[tuple[str, str]]] | None = None

    def __post_init__(self) -> None:
        self.facts = PackedFacts(self.first_fact)
        self._fact_builder = SegmentBuilder(self.first_fact, FACT_COLUMNS)
        self._article_builder = SegmentBuilder(self.first_article)

    def add(self, article: Article, source: str) -> ArticleRow:
        article_id = self.first_article + len(self.articles)
        row = article_row(article_id, article, source)
        self.articles.append(row)
        self.paragraphs.append(article.paragraphs)
        article_terms: list[list[str]] = []
        texts = []
        for fact in article_facts(article):
            indexed = fact_terms(fact.text, self.lexicon)
            self.facts.append(
                FactRow(
                    id=self.first_fact + len(self.facts),
                    article_id=article_id,
                    position=fact.position,
                    kind=fact.kind.value,
                    text=fact.text,
                    folded=indexed.folded,
                    features=int(fact_features(fact.text)),
                )
            )
            texts.append(fact.text)
            answerable = int(fact.kind is FactKind.BODY)
            self._fact_builder.add(indexed.terms, article=article_id, answerable=answerable)
            article_terms.append(indexed.terms)
            for name in indexed.names:
                self.names.setdefault(name, set()).add(article_id)
            if self.fact_segment_docs is not None and self._fact_builder.n_docs >= self.fact_segment_docs:
                self.fact_segments.append(self._fact_builder.build())
                self._fact_builder = SegmentBuilder(self.first_fact + len(self.facts), FACT_COLUMNS)
        self.accents.update(accented_syllables(texts, self.word_pairs))
        # The article as one document: its facts' terms counted together (in C).
        self._article_builder.add(list(itertools.chain.from_iterable(article_terms)))
        if self.article_segment_docs is not None and self._article_builder.n_docs >= self.article_segment_docs:
            self.article_segments.append(self._article_builder.build())
            self._article_builder = SegmentBuilder(self.first_article + len(self.articles))
        return row

    def finish(self) -> None:
        """Close the last segments (empty ones are left out)."""
        if self._fact_builder.n_docs:
            self.fact_segments.append(self._fact_builder.build())
        if self._article_builder.n_docs:
            self.article_segments.append(self._article_builder.build())
        self._fact_builder = SegmentBuilder(self.first_fact + len(self.facts), FACT_COLUMNS)
        self._article_builder = SegmentBuilder(self.first_article + len(self.articles))


def knowledge_meta(lexicon: Lexicon, names: dict[str, set[int]], accents: Counter[str]) -> dict[str, str]:
    """The meta entries of a knowledge base besides its segments and counts."""
    return {
        "built_at": datetime.now(UTC).isoformat(),
        "index_format": INDEX_FORMAT,
        "lexicon": json.dumps(lexicon.to_dict(), ensure_ascii=False),
        # Capitalised names (folded) -> the articles that mention them.
        "names": dumps_names(names),
        # Every syllable with diacritics the facts use (tone-canonical) -> how many articles use it.
        "accents": dumps_df(accents),
        # Postings of removed documents, per term (an update adds to them; a full build has none).
        **{key: "{}" for key in DEAD_DF.values()},
    }


def build_knowledge(articles: Iterable[tuple[Article, str]], lexicon: Lexicon) -> KnowledgeData:
    """Facts and indexes for ``articles`` ((article, source) pairs); pure CPU work.

    The articles are read once, in order: given an iterator that lets go of each one as it hands
    it over, the build does not hold the parsed articles besides what it makes of them.
    """
    part = PartBuilder(lexicon)
    for article, source in articles:
        part.add(article, source)
    part.finish()
    return KnowledgeData(
        articles=part.articles,
        paragraphs=part.paragraphs,
        facts=part.facts,
        fact_segments=part.fact_segments,
        article_segments=part.article_segments,
        meta=knowledge_meta(lexicon, part.names, part.accents),
    )
