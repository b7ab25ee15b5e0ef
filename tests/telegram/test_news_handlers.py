"""Following the news in Telegram (issue 13), in process: /theodoi, /huytheodoi, /tinmoi, /bantin, pushes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.formats import VIETNAM_TZ
from bot.service import SearchService
from bot.telegram import news
from bot.telegram.app import build_application
from bot.telegram.render import html_to_text
from bot.telegram.render_news import GROUP_ADMINS_ONLY
from tests.support import updates as up
from tests.support.articles import write_article
from tests.support.fakes import RecordingRequest
from tests.support.harness import ADMIN, GROUP, USER, Harness, buttons, settings
from tests.support.hostile import assert_valid_html
from tests.support.news import LATER_MATCHING, NEWS_MATCHING, NEWS_TOPIC, write_news_articles

MEMBER = 21
GROUP_ADMIN = 22


@pytest.fixture
async def harness(seed_folder: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    service = await SearchService.open(tmp_path / "db" / "news.sqlite3", seed_folder)
    request = RecordingRequest(group_admins={GROUP_ADMIN})
    app = build_application(settings(tmp_path), service=service, request=request)
    try:
        async with app:
            await app.start()  # the JobQueue: digests are scheduled on it
            request.clear()
            yield Harness(app, request)
            await app.stop()
    finally:
        await service.close()


async def test_follow_list_and_unfollow_by_button_in_private(harness: Harness) -> None:
    await harness.feed(up.message("/theodoi Chữ ký số", uid=USER))
    assert "Đã theo dõi chủ đề «Chữ ký số»" in harness.texts()[-1]
    await harness.feed(up.message("/theodoi chu ky so", uid=USER))
    assert "đã theo dõi chủ đề «chu ky so» rồi" in harness.texts()[-1]
    await harness.feed(up.message("/follow PAR INDEX", uid=USER))
    await harness.feed(up.message("/theodoi", uid=USER))
    listing = harness.sent()[-1]
    assert "Chủ đề đang theo dõi (2/10)" in html_to_text(str(listing["text"]))
    datas = [b["callback_data"] for b in buttons(listing)]
    assert len(datas) == 2
    assert all(d.startswith("u:") for d in datas)
    await harness.feed(up.callback(datas[0], uid=USER, message=up.bot_message(USER, 5)))
    (edit,) = harness.request.of("editMessageText")
    assert "(1/10)" in html_to_text(str(edit["text"]))
    assert "Chữ ký số" not in html_to_text(str(edit["text"]))
    await harness.feed(up.message("/huytheodoi par index", uid=USER))
    assert "Đã bỏ theo dõi" in harness.texts()[-1]
    assert await harness.app.bot_data.news.topics(USER) == []


async def test_bad_topics_are_refused_with_a_clear_message(harness: Harness) -> None:
    await harness.feed(up.message("/theodoi " + "rất dài " * 20, uid=USER))
    assert "Chủ đề quá dài" in harness.texts()[-1]
    await harness.feed(up.message("/theodoi ??? !!!", uid=USER))
    assert "ít nhất một từ" in harness.texts()[-1]
    assert await harness.app.bot_data.news.topics(USER) == []


async def test_in_groups_only_admins_change_topics(harness: Harness) -> None:
    desk = harness.app.bot_data.news
    await harness.feed(up.message("/theodoi chu ky so", uid=MEMBER, chat_id=GROUP))
    assert harness.texts()[-1] == GROUP_ADMINS_ONLY
    assert await desk.topics(GROUP) == []
    await harness.feed(up.message("/theodoi chu ky so", uid=GROUP_ADMIN, chat_id=GROUP))
    await harness.feed(up.message("/theodoi PAR INDEX", uid=ADMIN, chat_id=GROUP))  # the bot's own admin
    assert [s.topic for s in await desk.topics(GROUP)] == ["chu ky so", "PAR INDEX"]
    await harness.feed(up.message("/bantin 07:30", uid=MEMBER, chat_id=GROUP))
    assert harness.texts()[-1] == GROUP_ADMINS_ONLY
    # A member may look at the list, but not press its buttons.
    await harness.feed(up.message("/theodoi", uid=MEMBER, chat_id=GROUP))
    data = buttons(harness.sent()[-1])[0]["callback_data"]
    await harness.feed(up.callback(data, uid=MEMBER, message=up.bot_message(GROUP, 9)))
    assert harness.request.of("answerCallbackQuery")[-1]["text"] == GROUP_ADMINS_ONLY
    assert len(await desk.topics(GROUP)) == 2
    await harness.feed(up.message("/huytheodoi chu ky so", uid=MEMBER, chat_id=GROUP))
    assert len(await desk.topics(GROUP)) == 2


async def test_new_articles_are_pushed_once_and_a_blocked_chat_is_unsubscribed(
    harness: Harness, seed_folder: Path
) -> None:
    data = harness.app.bot_data
    await harness.feed(up.message(f"/theodoi {NEWS_TOPIC}", uid=USER))
    await harness.feed(up.message(f"/theodoi {NEWS_TOPIC}", uid=GROUP_ADMIN, chat_id=GROUP))
    urls = write_news_articles(seed_folder)
    await data.service.reload()
    harness.request.clear()
    assert await news.push_news(harness.app.bot, data.news) == 2 * len(NEWS_MATCHING)
    for chat in (USER, GROUP):
        pushed = [p for p in harness.sent() if p["chat_id"] == chat]
        assert len(pushed) == len(NEWS_MATCHING)
        for p, name in zip(pushed, NEWS_MATCHING, strict=True):  # oldest first
            assert urls[name] in p["text"]
            assert "chữ ký số" in html_to_text(str(p["text"]))
            assert buttons(p)[0]["url"] == urls[name]
    assert await news.push_news(harness.app.bot, data.news) == 0
    harness.request.fail["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    write_article(seed_folder, "bac_ninh.txt", **LATER_MATCHING)
    await data.service.reload()
    assert await news.push_news(harness.app.bot, data.news) == 0
    assert await data.news.topics(USER) == []
    assert await data.news.topics(GROUP) == []


async def test_many_new_articles_at_once_come_as_lists(harness: Harness, seed_folder: Path) -> None:
    data = harness.app.bot_data
    await harness.feed(up.message(f"/theodoi {NEWS_TOPIC}", uid=USER))
    for n in range(10):
        write_article(seed_folder, f"cks_{n}.txt", **{**LATER_MATCHING, "url": f"https://tin-thu.example.vn/cks-{n}.html",
                                                      "title": f"Tỉnh thứ {n} cấp chữ ký số cho người dân"})  # fmt: skip
    await data.service.reload()
    harness.request.clear()
    assert await news.push_news(harness.app.bot, data.news) == 2  # 10 articles: lists of 8 and 2
    first, second = harness.texts()
    assert "10 bài mới" in first
    assert "(phần 1/2)" in first
    assert "(phần 2/2)" in second
    assert all(len(p["text"]) <= 4096 for p in harness.sent())


async def test_latest_pages_and_filters_by_topic(harness: Harness, seed_folder: Path) -> None:
    urls = write_news_articles(seed_folder)
    for n in range(4):
        write_article(seed_folder, f"other_{n}.txt", title=f"Tin số {n} về thi đua", url=f"https://tin-thu.example.vn/o{n}.html",
                      published=f"0{n + 1}/04/2024 08:00", paragraphs=[f"Nội dung tin số {n} về phong trào thi đua."])  # fmt: skip
    await harness.app.bot_data.service.reload()
    await harness.feed(up.message("/tinmoi", uid=USER))
    page = harness.sent()[-1]
    assert "trang 1/2, 8 bài" in html_to_text(str(page["text"]))
    assert urls["yen_bai_thi_dua.txt"] in page["text"]  # the newest first
    (older,) = buttons(page)
    assert older["callback_data"] == "n:1"
    await harness.feed(up.callback("n:1", uid=USER, message=up.bot_message(USER, 7)))
    (edit,) = harness.request.of("editMessageText")
    assert "trang 2/2" in html_to_text(str(edit["text"]))
    await harness.feed(up.message("/latest chữ ký số", uid=USER))
    filtered = html_to_text(str(harness.sent()[-1]["text"]))
    assert "về «chữ ký số»" in filtered
    assert "2 bài" in filtered
    assert buttons(harness.sent()[-1]) == []


def test_paging_topic_fits_a_button() -> None:
    assert news.paging_topic("chữ ký số") == "chữ ký số"
    long = news.paging_topic("dịch vụ công trực tuyến toàn trình một phần cấp tỉnh huyện xã năm 2024")
    assert len(f"n:9999:{long}".encode()) <= 64
    assert long.startswith("dich vu cong")


async def test_digest_is_scheduled_in_vietnam_time_and_sends_only_news(harness: Harness, seed_folder: Path) -> None:
    data = harness.app.bot_data
    queue = harness.app.job_queue
    assert queue is not None
    await harness.feed(up.message("/bantin 7h30", uid=USER))
    assert "07:30" in harness.texts()[-1]
    (job,) = queue.get_jobs_by_name(news.digest_job_name(USER))
    assert job.next_t is not None
    local = job.next_t.astimezone(VIETNAM_TZ)
    assert (local.hour, local.minute) == (7, 30)
    await harness.feed(up.message("/bantin 25:00", uid=USER))
    assert "Giờ không hợp lệ" in harness.texts()[-1]
    await harness.feed(up.message(f"/theodoi {NEWS_TOPIC}", uid=USER))
    # A fake clock: the digest covers what arrived since it was set, and nothing is sent twice.
    now = datetime.now(UTC)
    assert not await news.send_digest(harness.app.bot, data.news, USER, now)
    urls = write_news_articles(seed_folder)
    await data.service.reload()
    harness.request.clear()
    later = now + timedelta(days=1)
    assert await news.send_digest(harness.app.bot, data.news, USER, later)
    (digest,) = harness.sent()
    assert "Bản tin cải cách hành chính" in digest["text"]
    for name in NEWS_MATCHING:
        assert urls[name] in digest["text"]
    assert urls["yen_bai_thi_dua.txt"] not in digest["text"]
    assert not await news.send_digest(harness.app.bot, data.news, USER, later + timedelta(days=1))
    await harness.feed(up.message("/bantin tắt", uid=USER))
    assert queue.get_jobs_by_name(news.digest_job_name(USER)) == ()
    assert await data.news.digest_settings(USER) == []


async def test_privacy_shows_and_deletes_my_topics(harness: Harness) -> None:
    await harness.feed(up.message("/theodoi PAR INDEX", uid=USER))
    await harness.feed(up.message("/bantin 06:00", uid=USER))
    await harness.feed(up.message("/privacy", uid=USER))
    sent: dict[str, Any] = harness.sent()[-1]
    assert "«PAR INDEX»" in html_to_text(str(sent["text"]))
    assert "06:00" in html_to_text(str(sent["text"]))
    await harness.feed(up.callback(buttons(sent)[0]["callback_data"], uid=USER))
    assert "1 chủ đề" in harness.request.of("answerCallbackQuery")[-1]["text"]
    assert await harness.app.bot_data.news.topics(USER) == []
    assert await harness.app.bot_data.news.digest_settings(USER) == []


HOSTILE_TOPICS = (
    "<b>PAR</b> & INDEX </i>",
    "*chữ ký số* _đậm_ `mã` [link](http://x)",
    "' OR 1=1 -- ; DROP TABLE subscriptions",
    "\u202edịch vụ công\u200b",
    'thủ tục "hành chính" NEAR(a b) AND c*',
)


async def test_hostile_topics_get_valid_replies_and_are_kept_as_typed(harness: Harness, seed_folder: Path) -> None:
    desk = harness.app.bot_data.news
    for topic in HOSTILE_TOPICS:
        await harness.feed(up.message(f"/theodoi {topic}", uid=USER))
        await harness.feed(up.message(f"/tinmoi {topic}", uid=USER))
    await harness.feed(up.message("/theodoi", uid=USER))
    await harness.feed(up.message("/privacy", uid=USER))
    for sent in harness.sent():
        assert_valid_html(str(sent["text"]))
    kept = [s.topic for s in await desk.topics(USER)]
    assert len(kept) == len(HOSTILE_TOPICS)
    assert "<b>PAR</b> & INDEX </i>" in kept  # stored as typed; escaped only when shown
    write_news_articles(seed_folder)
    await harness.app.bot_data.service.reload()
    harness.request.clear()
    await news.push_news(harness.app.bot, desk)
    for sent in harness.sent():
        assert_valid_html(str(sent["text"]))


async def test_a_database_that_cannot_be_written_is_said_plainly(harness: Harness) -> None:
    harness.app.bot_data.service.db.read_only = True  # as when opened from a read-only mount
    for command in ("/theodoi PAR INDEX", "/huytheodoi PAR INDEX", "/bantin 07:30"):
        await harness.feed(up.message(command, uid=USER))
        assert harness.texts()[-1] == news.NOT_SAVED
    assert harness.request.of("sendMessage")[-1]["chat_id"] == USER
