"""Following the news: topic subscriptions, what to push when articles arrive, digests, the newest articles.

A topic is typed the way questions are (no diacritics, abbreviations, typos) and an article
matches it when :meth:`bot.search.searcher.Searcher.match` says so: the answering pipeline's
normalisation, candidates and ranker, kept to that article's facts, and a topic model fitted on
``eval/topics`` for the decision (a topic is a phrase, not a question).

What has been matched and pushed lives in SQLite (``bot/storage.py``): every reload records
which articles it added or changed with a *generation* number; a subscription remembers the
generation it has been matched up to and every push is recorded per chat, so nothing is pushed
twice, across reloads and restarts. This module decides; sending is the front end's job
(``bot/telegram/news.py``), and ``cchc-bot match`` uses :func:`match_articles` offline.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from bot.formats.loader import LoadResult, load_folder
from bot.index.snapshot import Snapshot
from bot.messages import MAX_TOPIC_CHARS
from bot.models import Answer, Article, ArticleRow, SearchResult, TopicProblem
from bot.search.searcher import Searcher
from bot.service import SearchService, build_from_folder
from bot.storage import DigestSetting, Subscription
from bot.text.analysis import plan_query
from bot.text.normalize import clean, fold

MAX_TOPICS_PER_CHAT = 10
# /tinmoi with a topic: how many of the articles sharing its words are checked with the full ranker.
TOPIC_ARTICLE_CANDIDATES = 60
_DIGEST_TIME = re.compile(r"^([01]?\d|2[0-3])[:hH.]([0-5]\d)$")


class FollowOutcome(StrEnum):
    ADDED = "added"
    EXISTS = "exists"
    FULL = "full"


def topic_key(topic: str) -> str:
    """The form two topics are the same in: cleaned, folded (no diacritics, đ → d), one space apart."""
    return " ".join(fold(clean(topic)).split())


def topic_problem(topic: str, snapshot: Snapshot | None) -> TopicProblem | None:
    """Why ``topic`` cannot be followed, or None."""
    text = clean(topic)
    if not text:
        return TopicProblem.EMPTY
    if len(text) > MAX_TOPIC_CHARS:
        return TopicProblem.TOO_LONG
    if snapshot is not None and not plan_query(text, snapshot.lexicon).content:
        return TopicProblem.NO_WORDS
    return None


def parse_digest_time(text: str) -> str | None:
    """``"7:30"``, ``"07h30"``, ``"19.05"`` → ``"07:30"``/``"19:05"``; None when it is not a time of day."""
    m = _DIGEST_TIME.match(text.strip())
    return f"{int(m[1]):02d}:{m[2]}" if m else None


@dataclass(frozen=True)
class ArticleMatch:
    """An article that matches one or more topics, with its best matching sentence."""

    article: ArticleRow
    result: SearchResult | None  # None in a digest of a chat that follows no topic: the title says it
    topics: tuple[str, ...]
    confidence: float


@dataclass
class ChatNews:
    """What one chat is to be sent now: each matching article once, oldest first."""

    chat_id: int
    matches: list[ArticleMatch]
    subscription_ids: list[int]
    generation: int  # the subscriptions have been matched up to this generation once these are sent


@dataclass(frozen=True)
class DigestSection:
    topic: str | None  # None: every new article (the chat follows no topic)
    matches: tuple[ArticleMatch, ...]


@dataclass(frozen=True)
class Digest:
    chat_id: int
    since: datetime
    until: datetime
    sections: tuple[DigestSection, ...]


class TopicMatcher:
    """Topic-against-article decisions on one snapshot, each made once (many chats follow the same topics).

    One first-stage pass per topic leaves out the articles sharing none of its words (most of them);
    the rest go through :meth:`bot.search.searcher.Searcher.match`.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._searcher = Searcher(snapshot)
        self._possible: dict[str, frozenset[int]] = {}
        self._decided: dict[tuple[str, int], Answer] = {}

    def possible(self, topic: str) -> frozenset[int]:
        """The articles the topic could match at all."""
        found = self._possible.get(topic)
        if found is None:
            found = self._possible[topic] = self._searcher.articles_with_words(topic)
        return found

    def match(self, topic: str, article: int) -> Answer:
        key = (topic, article)
        answer = self._decided.get(key)
        if answer is None:
            answer = self._decided[key] = self._searcher.match(topic, article)
        return answer


def match_articles(
    snapshot: Snapshot,
    topics: Sequence[str],
    article_ids: Iterable[int],
    only: Mapping[str, Collection[int]] | None = None,
    matcher: TopicMatcher | None = None,
) -> list[ArticleMatch]:
    """Every article of ``article_ids`` that matches at least one topic (CPU work: run it in a thread).

    An article matching several topics is one :class:`ArticleMatch`, quoting the sentence of the
    most confident topic and naming all of them. ``only`` keeps a topic to some of the articles;
    ``matcher`` shares decisions between calls on the same snapshot.
    """
    matcher = matcher or TopicMatcher(snapshot)
    possible = {topic: matcher.possible(topic) for topic in dict.fromkeys(topics)}
    if only is not None:
        possible = {topic: ids.intersection(only.get(topic, ())) for topic, ids in possible.items()}
    out: list[ArticleMatch] = []
    for article in article_ids:
        best: tuple[float, SearchResult] | None = None
        found: list[str] = []
        for topic in topics:
            if article not in possible[topic]:
                continue
            answer = matcher.match(topic, article)
            if not answer.answered or not answer.results:
                continue
            found.append(topic)
            confidence = answer.confidence or 0.0
            if best is None or confidence > best[0]:
                best = (confidence, answer.results[0])
        if best is not None:
            out.append(ArticleMatch(snapshot.articles[article], best[1], tuple(found), best[0]))
    return out


def articles_about(snapshot: Snapshot, topic: str, limit: int = TOPIC_ARTICLE_CANDIDATES) -> list[ArticleMatch]:
    """The articles of the whole knowledge base that match ``topic``, newest first."""
    candidates = Searcher(snapshot).articles_sharing_words(topic, limit)
    found = match_articles(snapshot, [topic], candidates)
    return sorted(found, key=lambda m: (m.article.published, m.article.id), reverse=True)


@dataclass(frozen=True)
class TrialMatch:
    """``cchc-bot match``: one new article and what it would be pushed for (nothing: ``match`` is None)."""

    article: ArticleRow
    match: ArticleMatch | None


def match_new_articles(knowledge_dir: Path, articles: Sequence[Article], topics: Sequence[str]) -> list[TrialMatch]:
    """Which of ``articles`` would be pushed to a chat following ``topics``, were they ingested now.

    The knowledge folder plus these articles (replacing same-URL ones) are indexed in memory, as
    an ingest would, and each new article is matched as after a reload. Nothing is written.
    CPU work: run it in a thread.
    """
    new = {a.url_str: a for a in articles}

    def loader(folder: Path) -> LoadResult:
        result = load_folder(folder)
        result.articles = [(a, src) for a, src in result.articles if a.url_str not in new]
        result.articles.extend((a, "(mới)") for a in new.values())
        return result

    snapshot = build_from_folder(knowledge_dir, loader).snapshot
    ids = [row.id for row in snapshot.articles if row.url in new]
    found = {m.article.id: m for m in match_articles(snapshot, topics, ids)}
    return [TrialMatch(snapshot.articles[i], found.get(i)) for i in ids]


@dataclass
class NewsDesk:
    """Subscriptions, pushes and digests over one :class:`~bot.service.SearchService`."""

    service: SearchService
    max_topics: int = MAX_TOPICS_PER_CHAT
    # One dispatch at a time: two reloads in a row must not both push the same article.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    # -- subscriptions -------------------------------------------------------------------------

    async def follow(self, chat_id: int, topic: str) -> FollowOutcome:
        """Subscribe a chat to a topic (checked with :func:`topic_problem` first by the caller).

        Only articles added or changed after this moment are pushed for it.
        """
        text = " ".join(clean(topic).split())
        outcome = await self.service.db.add_subscription(
            chat_id, text, topic_key(text), self.service.generation, self.max_topics
        )
        return FollowOutcome(outcome)

    async def unfollow(self, chat_id: int, *, topic: str | None = None, subscription_id: int | None = None) -> bool:
        key = topic_key(topic) if topic is not None else None
        return await self.service.db.remove_subscription(chat_id, sub_id=subscription_id, topic_key=key)

    async def topics(self, chat_id: int) -> list[Subscription]:
        return await self.service.db.subscriptions(chat_id)

    async def forget_chat(self, chat_id: int) -> int:
        """Drop everything kept for a chat (it blocked the bot, or asked through /privacy)."""
        return await self.service.db.forget_chat(chat_id)

    # -- pushes ----------------------------------------------------------------------------------

    async def pending(self) -> list[ChatNews]:
        """For every subscribed chat, the articles new or changed since its topics were last matched
        that match one of them and were never sent to it."""
        snapshot = self.service.snapshot
        generation = self.service.generation
        if snapshot is None:
            return []
        db = self.service.db
        by_chat: dict[int, list[Subscription]] = {}
        for sub in await db.subscriptions():
            if sub.checked_generation < generation:
                by_chat.setdefault(sub.chat_id, []).append(sub)
        if not by_chat:
            return []
        ids = {a.url: a.id for a in snapshot.articles}
        changed: dict[int, list[int]] = {}  # checked generation -> ids of articles changed after it
        work: list[tuple[int, list[Subscription], set[int]]] = []
        for chat_id, subs in by_chat.items():
            sent = await db.delivered(chat_id)
            articles: set[int] = set()
            for sub in subs:
                if sub.checked_generation not in changed:
                    seen = await db.changed_since(sub.checked_generation, generation)
                    changed[sub.checked_generation] = [ids[s.url] for s in seen if s.url in ids]
                articles.update(a for a in changed[sub.checked_generation] if snapshot.articles[a].url not in sent)
            work.append((chat_id, subs, articles))

        def match_all() -> list[ChatNews]:
            matcher = TopicMatcher(snapshot)  # chats following the same topic share its decisions
            out: list[ChatNews] = []
            for chat_id, subs, articles in work:
                # Each topic only against the articles changed since that topic was last matched.
                only = {sub.topic: articles.intersection(changed[sub.checked_generation]) for sub in subs}
                matches = match_articles(snapshot, [s.topic for s in subs], sorted(articles), only, matcher)
                matches.sort(key=lambda m: (m.article.published, m.article.id))
                out.append(ChatNews(chat_id, matches, [s.id for s in subs], generation))
            return out

        return await asyncio.to_thread(match_all)

    async def sent(self, chat_id: int, urls: Sequence[str]) -> None:
        """These articles reached the chat: never push them to it again."""
        await self.service.db.record_delivery(chat_id, urls)

    async def checked(self, news: ChatNews) -> None:
        """Everything of ``news`` was sent: its subscriptions are matched up to its generation."""
        await self.service.db.mark_checked(news.subscription_ids, news.generation)

    # -- the newest articles ---------------------------------------------------------------------

    async def latest(self, topic: str | None = None) -> list[ArticleRow]:
        """The newest articles first, only those matching ``topic`` when one is given."""
        snapshot = self.service.snapshot
        if snapshot is None:
            return []
        if topic is None:
            return sorted(snapshot.articles, key=lambda a: (a.published, a.id), reverse=True)
        found = await asyncio.to_thread(articles_about, snapshot, topic)
        return [m.article for m in found]

    # -- digests ---------------------------------------------------------------------------------

    async def set_digest(self, chat_id: int, at: str | None) -> None:
        """Send the chat a daily digest at ``at`` ("HH:MM", Vietnam time); None stops it.

        The first digest covers what arrives from now on.
        """
        await self.service.db.set_digest(chat_id, at)

    async def digest_settings(self, chat_id: int | None = None) -> list[DigestSetting]:
        return await self.service.db.digests(chat_id)

    async def digest(self, chat_id: int, now: datetime) -> Digest | None:
        """The chat's digest of what arrived since its last one (at most a week back); None: nothing new."""
        settings = await self.service.db.digests(chat_id)
        snapshot = self.service.snapshot
        if not settings or snapshot is None:
            return None
        since = max(settings[0].last_sent, now - timedelta(days=7))
        seen = await self.service.db.seen_between(since, now)
        ids = {a.url: a.id for a in snapshot.articles}
        articles = [ids[s.url] for s in seen if s.url in ids]
        if not articles:
            return None
        topics = [s.topic for s in await self.service.db.subscriptions(chat_id)]

        def build() -> tuple[DigestSection, ...]:
            if not topics:
                rows = [snapshot.articles[a] for a in articles]
                everything = tuple(
                    ArticleMatch(r, None, (), 1.0)
                    for r in sorted(rows, key=lambda r: (r.published, r.id), reverse=True)
                )
                return (DigestSection(None, everything),)
            sections = []
            matcher = TopicMatcher(snapshot)
            for topic in topics:
                found = match_articles(snapshot, [topic], articles, matcher=matcher)
                if found:
                    found.sort(key=lambda m: (m.article.published, m.article.id), reverse=True)
                    sections.append(DigestSection(topic, tuple(found)))
            return tuple(sections)

        sections = await asyncio.to_thread(build)
        if not sections:
            return None
        return Digest(chat_id, since, now, sections)

    async def digest_sent(self, digest: Digest) -> None:
        await self.service.db.digest_sent(digest.chat_id, digest.until)

    async def skip_digest(self, chat_id: int, now: datetime) -> None:
        """Nothing to send: the next digest starts from ``now`` too."""
        await self.service.db.digest_sent(chat_id, now)


def utc_now() -> datetime:
    return datetime.now(UTC)
