"""Turn parsed articles into the stored knowledge: facts, features and the two BM25 indexes."""

from __future__ import annotations

import ctypes
import gc
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.formats.seed import article_facts
from bot.index.bm25 import BM25Builder
from bot.index.stored import ARTICLE_INDEX, FACT_INDEX, INDEX_FORMAT, FactRow, KnowledgeData, index_blobs
from bot.models import Article, ArticleRow
from bot.text.analysis import capitalised_names, fact_features, place_names, text_phrases
from bot.text.lexicon import Lexicon
from bot.text.normalize import accented, join_phrases


def release_free_memory() -> None:
    """Hand the heap the build freed back to the OS (glibc only; elsewhere a no-op).

    A build leaves tens of MB of freed small objects in the C heap; without this the
    reload's next step (writing to SQLite) stacks its own buffers on top of them.
    """
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own symbols: libc on Linux
    except (OSError, AttributeError, TypeError):  # not glibc (macOS, musl, Windows)
        return
    trim(0)


def build_knowledge(articles: Sequence[tuple[Article, str]], lexicon: Lexicon) -> KnowledgeData:
    """Facts and indexes for ``articles`` ((article, source) pairs); pure CPU work."""
    rows: list[ArticleRow] = []
    paragraphs: list[tuple[str, ...]] = []
    facts: list[FactRow] = []
    # Documents go straight into the index builders: no list of every fact's terms is kept.
    word_pairs: dict[str, list[tuple[str, str]]] = {}
    fact_index = BM25Builder()
    article_index = BM25Builder()
    names: dict[str, set[int]] = {}
    for article_id, (article, source) in enumerate(articles):
        rows.append(
            ArticleRow(
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
        )
        paragraphs.append(article.paragraphs)
        doc: Counter[str] = Counter()
        doc_length = 0
        for fact in article_facts(article):
            phrases = text_phrases(fact.text, lexicon)
            terms = join_phrases(phrases)
            facts.append(
                FactRow(
                    id=len(facts),
                    article_id=article_id,
                    position=fact.position,
                    kind=fact.kind.value,
                    text=fact.text,
                    folded=" ".join(" ".join(p) for p in phrases),
                    features=int(fact_features(fact.text)),
                )
            )
            accented(fact.text, word_pairs)  # fills the per-word cache: the accented vocabulary
            doc.update(fact_index.add(terms))
            doc_length += len(terms)
            for name in (*capitalised_names(fact.text, lexicon), *place_names(phrases[0], lexicon)):
                for size in range(2, len(name) + 1):
                    for start in range(len(name) - size + 1):
                        names.setdefault(" ".join(name[start : start + size]), set()).add(article_id)
        article_index.add_counts(doc, doc_length)
    accented_vocab = sorted({a for pairs in word_pairs.values() for f, a in pairs if f != a})
    del word_pairs
    blobs = {
        **index_blobs(FACT_INDEX, fact_index.build()),
        **index_blobs(ARTICLE_INDEX, article_index.build()),
    }
    meta = {
        "built_at": datetime.now(UTC).isoformat(),
        "index_format": INDEX_FORMAT,
        "lexicon": json.dumps(lexicon.to_dict(), ensure_ascii=False),
        "articles": str(len(rows)),
        "facts": str(len(facts)),
        # Capitalised names (folded) -> the articles that mention them.
        "names": json.dumps({k: sorted(v) for k, v in names.items()}, ensure_ascii=False),
        # Every syllable with diacritics the facts use (tone-canonical), space-separated.
        "accented_vocab": " ".join(accented_vocab),
    }
    return KnowledgeData(articles=rows, paragraphs=paragraphs, facts=facts, blobs=blobs, meta=meta)
