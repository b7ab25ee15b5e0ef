"""Turn parsed articles into the stored knowledge: facts, features and the two BM25 indexes."""

from __future__ import annotations

import ctypes
import gc
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.formats.seed import article_facts
from bot.index.bm25 import BM25Builder, BM25Index
from bot.models import Article
from bot.storage import SCHEMA_VERSION, ArticleRow, FactRow, KnowledgeData
from bot.text.analysis import capitalised_names, fact_features, place_names, text_phrases
from bot.text.lexicon import Lexicon
from bot.text.normalize import join_phrases, token_pairs

# Bump when the stored index or lexicon format changes: older databases are then rebuilt on open.
INDEX_FORMAT = "6"
FACT_INDEX = "fact"
ARTICLE_INDEX = "article"


def index_blobs(prefix: str, index: BM25Index) -> dict[str, bytes]:
    return {f"{prefix}.{k}": v for k, v in index.to_blobs().items()}


def index_from_blobs(prefix: str, blobs: dict[str, bytes]) -> BM25Index:
    start = f"{prefix}."
    return BM25Index.from_blobs({k[len(start) :]: v for k, v in blobs.items() if k.startswith(start)})


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


def accented(text: str, cache: dict[str, list[tuple[str, str]]]) -> str:
    """The tone-canonical form of each syllable of ``text`` that carries marks.

    Same as ``token_pairs(text)`` filtered, computed word by word through ``cache``: a
    knowledge base repeats the same few thousand words, and normalising each occurrence
    anew was two thirds of a 100k-fact build.  (Tokens never span white space.)  The search
    computes it for its candidates only, through the snapshot's cache, rather than storing it.
    """
    out: list[str] = []
    for word in text.split():
        pairs = cache.get(word)
        if pairs is None:
            pairs = cache[word] = token_pairs(word)
        out.extend(a for f, a in pairs if f != a)
    return " ".join(out)


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
        "schema_version": str(SCHEMA_VERSION),
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
