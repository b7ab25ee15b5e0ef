"""How big one article may be: a huge one would inflate the index, the database and every answer.

A 4.7 MB article of distinct words made a reload take 30 s and 896 MB, grew the database from
150 KB to 111 MB and every answer from 1-3 ms to over 100 ms. Ingest and reload skip an article
over either limit, with the reason.
"""

from __future__ import annotations

from bot.formats.seed import article_facts
from bot.models import Article

MAX_ARTICLE_CHARS = 200_000  # title and body; a long news article is 20-50k characters
MAX_ARTICLE_FACTS = 1_500  # sentences; a long news article has a few hundred


def article_size(article: Article) -> int:
    return len(article.title) + len(article.caption or "") + sum(len(p) for p in article.paragraphs)


def article_problem(article: Article) -> str | None:
    """Why ``article`` is too big to index, or None."""
    chars = article_size(article)
    if chars > MAX_ARTICLE_CHARS:
        return f"article too large: {chars:,} characters (limit {MAX_ARTICLE_CHARS:,})"
    facts = len(article_facts(article))
    if facts > MAX_ARTICLE_FACTS:
        return f"article too large: {facts:,} sentences (limit {MAX_ARTICLE_FACTS:,})"
    return None
