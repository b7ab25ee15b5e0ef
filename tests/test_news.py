"""Following the news (issue 13), below Telegram: subscriptions, what is pushed after a reload, digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.formats.seed import parse_article_text
from bot.models import TopicProblem
from bot.news import (
    ChatNews,
    FollowOutcome,
    NewsDesk,
    match_new_articles,
    parse_digest_time,
    topic_key,
    topic_problem,
)
from bot.service import SearchService
from tests.support.articles import article_text, write_article
from tests.support.news import (
    LATER_MATCHING,
    NEWS_ARTICLES,
    NEWS_MATCHING,
    NEWS_TOPIC,
    another_matching,
    write_news_articles,
)
from tests.support.services import ServiceFactory

PRIVATE, GROUP, OTHER = 11, -100500, 12


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2024, 5, 10, 0, 0, tzinfo=UTC))


@pytest.fixture
async def desk(seed_folder: Path, open_service: ServiceFactory, clock: Clock) -> NewsDesk:
    service = await open_service(seed_folder)
    service.db.clock = clock
    return NewsDesk(service)


def urls_of(news: list[ChatNews]) -> dict[int, list[str]]:
    return {n.chat_id: [m.article.url for m in n.matches] for n in news}


async def push_all(desk: NewsDesk) -> dict[int, list[str]]:
    """What a front end does: take the pending news, record each as sent, mark the topics checked."""
    pending = await desk.pending()
    for news in pending:
        await desk.sent(news.chat_id, [m.article.url for m in news.matches])
        await desk.checked(news)
    return {chat: urls for chat, urls in urls_of(pending).items() if urls}


def test_topic_keys_and_problems() -> None:
    assert topic_key("  Chữ   ký SỐ ") == topic_key("chu ky so") == topic_key("chữ kí số")
    assert topic_key("Đề án 06") == "de an 06"
    assert topic_problem("", None) is TopicProblem.EMPTY
    assert topic_problem("x" * 101, None) is TopicProblem.TOO_LONG
    assert topic_problem("PAR INDEX", None) is None
    assert parse_digest_time("7:30") == "07:30"
    assert parse_digest_time("19h05") == "19:05"
    assert parse_digest_time("24:00") is None
    assert parse_digest_time("sáng") is None


async def test_follow_is_per_chat_folded_and_capped(desk: NewsDesk) -> None:
    assert await desk.follow(PRIVATE, "Chữ ký số") is FollowOutcome.ADDED
    assert await desk.follow(PRIVATE, "chu ky so") is FollowOutcome.EXISTS  # the same topic typed without marks
    assert await desk.follow(GROUP, "chu ky so") is FollowOutcome.ADDED  # another chat
    for n in range(desk.max_topics - 1):
        assert await desk.follow(PRIVATE, f"chủ đề {n}") is FollowOutcome.ADDED
    assert await desk.follow(PRIVATE, "một chủ đề nữa") is FollowOutcome.FULL
    assert len(await desk.topics(PRIVATE)) == desk.max_topics
    assert await desk.unfollow(PRIVATE, topic="CHỮ KÝ SỐ")
    assert not await desk.unfollow(PRIVATE, topic="chữ ký số")
    assert [s.topic for s in await desk.topics(GROUP)] == ["chu ky so"]


async def test_new_matching_articles_are_pushed_once_across_reloads_and_restarts(
    desk: NewsDesk, seed_folder: Path
) -> None:
    service = desk.service
    await desk.follow(PRIVATE, NEWS_TOPIC)
    await desk.follow(GROUP, "Chữ ký số")
    await desk.follow(OTHER, "bóng đá")  # nothing about it
    assert await push_all(desk) == {}  # the seed was there before anyone subscribed
    urls = write_news_articles(seed_folder)
    report = await service.reload()
    assert sorted(report.added) == sorted(urls.values())
    expected = sorted(urls[name] for name in NEWS_MATCHING)
    pushed = await push_all(desk)
    assert {chat: sorted(found) for chat, found in pushed.items()} == {PRIVATE: expected, GROUP: expected}
    # A reload with nothing new, an article rewritten and a reopened database: never the same article twice.
    await service.reload()
    assert await push_all(desk) == {}
    name = NEWS_MATCHING[0]
    fields = dict(NEWS_ARTICLES[name])
    fields["paragraphs"] = [*list(fields["paragraphs"]), "Tỉnh sẽ cấp thêm 2.000 chữ ký số trong tháng 6."]  # type: ignore[call-overload]
    write_article(seed_folder, name, **fields)
    report = await service.reload()
    assert report.updated == [urls[name]]
    assert await push_all(desk) == {}
    reopened = await SearchService.open(service.db.path, seed_folder)
    try:
        assert reopened.generation == service.generation
        assert await push_all(NewsDesk(reopened)) == {}
    finally:
        await reopened.close()


async def test_only_articles_after_the_subscription_and_not_after_unfollowing(
    desk: NewsDesk, seed_folder: Path
) -> None:
    write_news_articles(seed_folder)
    await desk.service.reload()
    await desk.follow(PRIVATE, NEWS_TOPIC)  # after the articles arrived: they are not news to this chat
    assert await push_all(desk) == {}
    write_article(seed_folder, "bac_ninh.txt", **LATER_MATCHING)
    await desk.service.reload()
    assert await push_all(desk) == {PRIVATE: [LATER_MATCHING["url"]]}
    await desk.unfollow(PRIVATE, topic=NEWS_TOPIC)
    another = another_matching(2)
    write_article(seed_folder, "bac_ninh_2.txt", **another)
    assert (await desk.service.reload()).added == [another["url"]]  # new, and about the topic
    assert await push_all(desk) == {}


async def test_a_failed_send_is_retried_and_a_forgotten_chat_gets_nothing(desk: NewsDesk, seed_folder: Path) -> None:
    await desk.follow(PRIVATE, NEWS_TOPIC)
    await desk.follow(GROUP, NEWS_TOPIC)
    write_news_articles(seed_folder)
    await desk.service.reload()
    first = {n.chat_id: n for n in await desk.pending()}
    assert set(first) == {PRIVATE, GROUP}
    # PRIVATE's send failed (nothing recorded): it is still pending; GROUP blocked the bot: forgotten.
    assert await desk.forget_chat(GROUP) == 1
    again = {n.chat_id: n for n in await desk.pending()}
    assert set(again) == {PRIVATE}
    assert len(again[PRIVATE].matches) == len(NEWS_MATCHING)
    assert await desk.topics(GROUP) == []


async def test_digest_lists_what_arrived_since_the_last_one_per_topic(
    desk: NewsDesk, seed_folder: Path, clock: Clock
) -> None:
    await desk.set_digest(PRIVATE, "07:30")
    await desk.follow(PRIVATE, NEWS_TOPIC)
    await desk.set_digest(GROUP, "18:00")  # follows no topic: every new article
    assert await desk.digest(PRIVATE, clock.advance(hours=1)) is None  # nothing new yet
    clock.advance(hours=2)
    urls = write_news_articles(seed_folder)
    await desk.service.reload()
    now = clock.advance(hours=20)
    digest = await desk.digest(PRIVATE, now)
    assert digest is not None
    (section,) = digest.sections
    assert section.topic == NEWS_TOPIC
    assert sorted(m.article.url for m in section.matches) == sorted(urls[n] for n in NEWS_MATCHING)
    group = await desk.digest(GROUP, now)
    assert group is not None
    assert {m.article.url for m in group.sections[0].matches} == set(urls.values())
    await desk.digest_sent(digest)
    assert await desk.digest(PRIVATE, clock.advance(days=1)) is None  # sent: the next one starts after it
    await desk.set_digest(PRIVATE, None)
    assert await desk.digest_settings(PRIVATE) == []


def test_match_new_articles_tries_a_topic_without_writing(seed_folder: Path) -> None:
    before = sorted(p.name for p in seed_folder.iterdir())
    articles = [parse_article_text(article_text(**fields)) for fields in NEWS_ARTICLES.values()]  # type: ignore[arg-type]
    trials = match_new_articles(seed_folder, articles, [NEWS_TOPIC])
    matched = {t.article.url for t in trials if t.match is not None}
    assert matched == {str(NEWS_ARTICLES[n]["url"]) for n in NEWS_MATCHING}
    assert all(t.match is None or t.match.result is not None for t in trials)
    assert sorted(p.name for p in seed_folder.iterdir()) == before


async def test_latest_is_newest_first_and_filters_by_topic(desk: NewsDesk, seed_folder: Path) -> None:
    urls = write_news_articles(seed_folder)
    await desk.service.reload()
    everything = await desk.latest()
    assert [a.published for a in everything] == sorted((a.published for a in everything), reverse=True)
    assert everything[0].url == urls["yen_bai_thi_dua.txt"]
    about = [a.url for a in await desk.latest("chữ ký số")]
    assert about == [urls["ha_tinh_chu_ky_so.txt"], urls["quang_ngai_chu_ky_so.txt"]]
    assert await desk.latest("bóng đá") == []


async def test_a_topic_is_only_matched_against_articles_that_arrived_after_it(
    desk: NewsDesk, seed_folder: Path
) -> None:
    await desk.follow(PRIVATE, "thi đua khen thưởng")
    urls = write_news_articles(seed_folder)
    await desk.service.reload()  # not pushed yet: the chat's first topic has these pending
    await desk.follow(PRIVATE, NEWS_TOPIC)  # arrives after the digital-signature articles
    pushed = await push_all(desk)
    assert pushed == {PRIVATE: [urls["yen_bai_thi_dua.txt"]]}
