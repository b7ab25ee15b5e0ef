"""Add, change and remove articles of a serving snapshot at the cost of those articles.

New articles are indexed from the next free ids into one new segment of each index; a
removed article's facts become dead (their postings stay until the segments holding them are
rebuilt, and are left out of every statistic); a changed article is removed and added again.
The new snapshot shares the old one's segments, and answers exactly as a full build of the
same articles does (the ids differ: a full build numbers the articles in folder order).

Small segments at the end of an index are merged as they pile up (:func:`_grow`), so a question
reads a few posting lists per term, not one per update.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.index.bm25 import BM25Index, Segment
from bot.index.build import (
    ARTICLE_SEGMENT_DOCS,
    FACT_SEGMENT_DOCS,
    PartBuilder,
    accented_syllables,
    fact_terms,
)
from bot.index.snapshot import Snapshot, removed_article, syllables
from bot.index.stored import (
    ARTICLE_INDEX,
    DEAD_DF,
    FACT_INDEX,
    KnowledgeUpdate,
    dumps_df,
    dumps_names,
    segment_blobs,
    segment_prefix,
)
from bot.models import Article, ArticleRow, FactKind

# An update merges segments of at most this many documents together (half a full build's segment).
FACT_MERGE_CAP = FACT_SEGMENT_DOCS // 2
ARTICLE_MERGE_CAP = ARTICLE_SEGMENT_DOCS // 2


@dataclass(frozen=True)
class Change:
    """An update's outcome: the snapshot to serve, what to store, and which articles it touched."""

    snapshot: Snapshot
    update: KnowledgeUpdate
    added: list[ArticleRow]  # new URLs
    updated: list[ArticleRow]  # known URLs with new content (their new rows)
    unchanged: list[str]  # URLs given again with the same content
    removed: list[ArticleRow]  # rows removed (changed ones included)
    duplicates: list[str]  # URLs whose content another live article already has


@dataclass(frozen=True)
class _Grown:
    index: BM25Index
    numbers: tuple[int, ...]
    blobs: dict[str, bytes]
    dropped: list[str]


def _grow(name: str, index: BM25Index, numbers: tuple[int, ...], segments: Sequence[Segment], cap: int) -> _Grown:
    """``index`` with the new ``segments``, then its last two segments merged while they are of a size
    (the older at most twice the newer) and together under ``cap`` documents.

    Like a binary counter, this keeps about log2(added / article) small segments at the end, each
    document is merged about log2 times, and no merge reads more than ``cap`` documents.
    """
    next_number = max(numbers, default=-1) + 1
    added: dict[int, Segment] = {}
    dropped: list[str] = []
    for seg in segments:
        index = index.with_segment(seg)
        numbers = (*numbers, next_number)
        added[next_number] = seg
        next_number += 1
    while len(index.segments) >= 2:
        older, newer = index.segments[-2], index.segments[-1]
        if older.count > 2 * newer.count or older.count + newer.count > cap:
            break
        for n in numbers[-2:]:
            if added.pop(n, None) is None:
                dropped.append(segment_prefix(name, n))  # stored by an earlier update or build
        index = index.merged(len(index.segments) - 2)
        numbers = (*numbers[:-2], next_number)
        added[next_number] = index.segments[-1]
        next_number += 1
    blobs: dict[str, bytes] = {}
    for number, seg in added.items():
        blobs |= segment_blobs(name, number, seg)
    return _Grown(index, numbers, blobs, dropped)


def apply_changes(snap: Snapshot, articles: Sequence[tuple[Article, str]], remove: Sequence[str] = ()) -> Change:
    """The snapshot with ``articles`` ((article, source) pairs) added or changed and the URLs ``remove`` gone.

    An article whose URL the snapshot holds with the same content is left as it is.
    """
    lexicon = snap.lexicon
    live_by_url = {a.url: a for a in snap.live_articles()}
    live_hashes = {a.content_hash: a.url for a in live_by_url.values()}
    gone: dict[int, ArticleRow] = {}
    for url in remove:
        row = live_by_url.get(url)
        if row is not None:
            gone[row.id] = row
    fresh: list[tuple[Article, str]] = []
    unchanged: list[str] = []
    duplicates: list[str] = []
    known_urls: set[str] = set()
    for article, source in articles:
        url, digest = article.url_str, article.content_hash()
        if url in known_urls:
            continue  # the first version given wins
        known_urls.add(url)
        old = live_by_url.get(url)
        if old is not None and old.content_hash == digest:
            unchanged.append(url)
            continue
        other = live_hashes.get(digest)
        if other is not None and other != url:
            duplicates.append(url)
            continue
        if old is not None:
            gone[old.id] = old
        fresh.append((article, source))

    part = PartBuilder(lexicon, first_article=len(snap.articles), first_fact=len(snap.facts),
                       fact_segment_docs=None, article_segment_docs=None, word_pairs=snap.cache.word_pairs)  # fmt: skip
    for article, source in fresh:
        part.add(article, source)
    part.finish()

    # What the removed articles had put in the statistics, recomputed from their stored facts.
    names = dict(snap.names)
    accents: Counter[str] = Counter(snap.accents)
    dead_facts: list[int] = []
    dead_fact_terms: list[str] = []
    dead_article_terms: list[str] = []
    for article_id in sorted(gone):
        start, end = int(snap.article_starts[article_id]), int(snap.article_starts[article_id + 1])
        article_terms: set[str] = set()
        texts = [snap.facts[f].text for f in range(start, end)]
        for fact_id, text in zip(range(start, end), texts, strict=True):
            indexed = fact_terms(text, lexicon)
            distinct = set(indexed.terms)
            dead_fact_terms.extend(distinct)
            article_terms |= distinct
            for name in indexed.names:
                left = tuple(a for a in names.get(name, ()) if a != article_id)
                if left:
                    names[name] = left
                else:
                    names.pop(name, None)
            dead_facts.append(fact_id)
        dead_article_terms.extend(article_terms)
        accents.subtract(accented_syllables(texts, snap.cache.word_pairs))
    for name, ids in part.names.items():
        names[name] = tuple(sorted({*names.get(name, ()), *ids}))
    accents.update(part.accents)
    accents = Counter({k: v for k, v in accents.items() if v > 0})

    facts_grown = _grow(FACT_INDEX, snap.fact_index.without(dead_facts, dead_fact_terms), snap.fact_numbers,
                        part.fact_segments, FACT_MERGE_CAP)  # fmt: skip
    articles_grown = _grow(ARTICLE_INDEX, snap.article_index.without(sorted(gone), dead_article_terms),
                           snap.article_numbers, part.article_segments, ARTICLE_MERGE_CAP)  # fmt: skip

    rows = list(snap.articles) + part.articles
    live = np.concatenate([snap.live, np.ones(len(part.articles), np.bool_)])
    fact_article = np.concatenate([snap.fact_article, np.array([f.article_id for f in part.facts], np.int32)])
    new_kinds = np.array([f.kind == FactKind.BODY.value for f in part.facts], np.bool_)
    answerable = np.concatenate([snap.answerable, new_kinds])
    new_headlines = np.array([f.id for f in part.facts if f.kind != FactKind.BODY.value], np.int32)
    headline_facts = np.concatenate([snap.headline_facts, new_headlines])
    for article_id in gone:
        rows[article_id] = removed_article(article_id)
        live[article_id] = False
    if dead_facts:
        dead = np.array(dead_facts, np.int64)
        answerable[dead] = False
        headline_facts = headline_facts[~np.isin(headline_facts, dead)]
    stamps = np.concatenate([snap.stamps, np.array([a.published.timestamp() for a in part.articles], np.float64)])
    built_at = snap.built_at
    # The typo-repair vocabulary from the old one (the syllables only, not every term of every
    # segment): less what no live fact holds any more, plus what the new articles bring.
    index = facts_grown.index
    vocabulary = {t for t in snap.vocabulary.terms() if t not in index.dead_df or t in index}
    for seg in part.fact_segments:
        vocabulary.update(syllables(seg.vocab))
    snapshot = Snapshot.assemble(
        articles=rows,
        live=live,
        facts=snap.facts.changed(part.facts, {f: int(fact_article[f]) for f in dead_facts}),
        fact_article=fact_article,
        answerable=answerable,
        headline_facts=headline_facts,
        fact_index=facts_grown.index,
        article_index=articles_grown.index,
        fact_numbers=facts_grown.numbers,
        article_numbers=articles_grown.numbers,
        lexicon=lexicon,
        built_at=built_at,
        stamps=stamps,
        names=names,
        accents=accents,
        cache=snap.cache,  # ids are never reused: what it remembers of a fact stays true
        vocabulary=sorted(vocabulary),
    )
    update = KnowledgeUpdate(
        articles=part.articles,
        paragraphs=part.paragraphs,
        facts=part.facts,
        removed=sorted(gone),
        blobs=facts_grown.blobs | articles_grown.blobs,
        dropped=facts_grown.dropped + articles_grown.dropped,
        meta={
            "names": dumps_names(names),
            "accents": dumps_df(accents),
            DEAD_DF[FACT_INDEX]: dumps_df(facts_grown.index.dead_df),
            DEAD_DF[ARTICLE_INDEX]: dumps_df(articles_grown.index.dead_df),
            "articles": str(int(live.sum())),
            "facts": str(int(answerable.sum()) + len(headline_facts)),
        },
    )
    by_url = {a.url: a for a in part.articles}
    old_urls = {row.url for row in gone.values()}
    return Change(
        snapshot=snapshot,
        update=update,
        added=[a for u, a in by_url.items() if u not in old_urls],
        updated=[a for u, a in by_url.items() if u in old_urls],
        unchanged=unchanged,
        removed=list(gone.values()),
        duplicates=duplicates,
    )
