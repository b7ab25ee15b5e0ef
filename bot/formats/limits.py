"""How big one article may be: a huge one would inflate the index, the database and every answer.

A 4.7 MB article of distinct words made a reload take 30 s and 896 MB, grew the database from
150 KB to 111 MB and every answer from 1-3 ms to over 100 ms. Ingest and reload skip an article
over either limit, with the reason.
"""

from __future__ import annotations

from bot.formats.seed import article_facts
from bot.models import Article
from bot.text.normalize import clean
from bot.text.sentences import MAX_FACT_CHARS

MAX_ARTICLE_CHARS = 200_000  # title and body; a long news article is 20-50k characters
MAX_ARTICLE_FACTS = 1_500  # sentences; a long news article has a few hundred


def article_size(article: Article) -> int:
    return len(article.title) + len(article.caption or "") + sum(len(p) for p in article.paragraphs)


def sentences_at_most(paragraph: str) -> int:
    """An upper bound on ``len(split_sentences(paragraph))``, found without splitting it.

    Each sentence but the paragraph's last ends at a boundary, and each boundary takes at least
    one of ``.!?…``; a sentence of n characters is cut into at most ``1 + n // (MAX_FACT_CHARS // 2)``
    pieces (every cut but the last takes at least half the limit), and the sentences are
    disjoint parts of the cleaned paragraph.
    """
    text = clean(paragraph)
    ends = text.count(".") + text.count("!") + text.count("?") + text.count("…")
    return ends + 1 + len(text) // (MAX_FACT_CHARS // 2)


def article_problem(article: Article) -> str | None:
    """Why ``article`` is too big to index, or None.

    The sentences are counted only when a cheap upper bound on their number is over the limit:
    splitting every article here as well as in the build was about 5% of a build's time.
    """
    chars = article_size(article)
    if chars > MAX_ARTICLE_CHARS:
        return f"article too large: {chars:,} characters (limit {MAX_ARTICLE_CHARS:,})"
    bound = 2 + sum(sentences_at_most(p) for p in article.paragraphs)  # the title and a caption, then the body
    if bound <= MAX_ARTICLE_FACTS:
        return None
    facts = len(article_facts(article))
    if facts > MAX_ARTICLE_FACTS:
        return f"article too large: {facts:,} sentences (limit {MAX_ARTICLE_FACTS:,})"
    return None
