"""End to end (issue 13): topic subscriptions through ``python -m bot run`` against the Bot API emulator.

Subscribe in a private chat and in a group, ingest two matching articles and one that is not, and
exactly two pushes reach each chat, never again after a reload or a restart; unsubscribing stops
them, a chat that blocked the bot is unsubscribed, a group member who is not an admin changes nothing.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest

from devtools.emulator import BotApiEmulator, Call, Fault
from tests.support.articles import SEED_PATH, write_article
from tests.support.news import LATER_MATCHING, NEWS_MATCHING, NEWS_TOPIC, another_matching, write_news_articles
from tests.support.process import ADMIN, TOKEN, BotProcess

pytestmark = pytest.mark.slow

USER = 651
MEMBER = 652
GROUP_ADMIN = 653
GROUP = -1009876
ROUND = "news push round done"  # the bot logs it when a push round (after a reload, at start) has finished


@pytest.fixture(scope="module")
def emu() -> Iterator[BotApiEmulator]:
    with BotApiEmulator(TOKEN) as emulator:
        emulator.add_group(GROUP, admins=(GROUP_ADMIN,))
        yield emulator


@pytest.fixture(scope="module")
def bot(emu: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    root = tmp_path_factory.mktemp("e2e-news")
    (root / "knowledge").mkdir()
    shutil.copy(SEED_PATH, root / "knowledge" / SEED_PATH.name)
    with BotProcess(emu, root).running() as process:
        yield process


def say(emu: BotApiEmulator, user: int, text: str, chat_id: int | None = None) -> str:
    mark = emu.mark()
    assert emu.say(user, text, chat_id=chat_id)
    call = emu.wait_call("sendMessage", lambda c: int(c.params["chat_id"]) == (chat_id or user), since=mark)
    return str(call.result["text"])


def pushes(emu: BotApiEmulator, chat_id: int, since: int) -> list[Call]:
    """Attempts to send news to a chat (delivered or not) after call index ``since``."""
    return [c for c in emu.calls[since:] if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id
            and "Bài mới về" in str(c.params.get("text", ""))]  # fmt: skip


def reload(emu: BotApiEmulator) -> None:
    assert "Đã nạp lại dữ liệu" in say(emu, ADMIN, "/reload")


def rounds(bot: BotProcess) -> int:
    return bot.log_text().count(ROUND)


def wait_for_round(bot: BotProcess, after: int, timeout: float = 15.0) -> None:
    """Until the bot has finished a push round beyond the first ``after``: all its sends are done."""
    deadline = time.monotonic() + timeout
    while rounds(bot) <= after:
        assert time.monotonic() < deadline, f"no push round finished within {timeout}s"
        time.sleep(0.05)


def test_subscriptions_end_to_end(emu: BotApiEmulator, bot: BotProcess) -> None:
    knowledge = bot.root / "knowledge"
    assert "Đã theo dõi" in say(emu, USER, f"/theodoi {NEWS_TOPIC}")
    assert "chỉ quản trị viên" in say(emu, MEMBER, f"/theodoi {NEWS_TOPIC}", chat_id=GROUP)
    assert "Đã theo dõi" in say(emu, GROUP_ADMIN, "/theodoi Chữ ký số", chat_id=GROUP)
    assert "chỉ quản trị viên" in say(emu, MEMBER, "/huytheodoi chữ ký số", chat_id=GROUP)

    # Two matching articles and one that is not: exactly two pushes to each chat.
    mark, done = emu.mark(), rounds(bot)
    urls = write_news_articles(knowledge)
    reload(emu)
    wait_for_round(bot, done)
    for chat in (USER, GROUP):
        sent = pushes(emu, chat, mark)
        assert len(sent) == len(NEWS_MATCHING)
        assert all(c.ok for c in sent)
        assert {u for c in sent for u in urls.values() if u in str(c.params["text"])} == {
            urls[n] for n in NEWS_MATCHING
        }

    # Nothing again: not after a reload (nothing new: no round), not after a restart (a round at start).
    mark = emu.mark()
    reload(emu)
    done = rounds(bot)
    bot.stop()
    bot.start()
    wait_for_round(bot, done)
    assert pushes(emu, USER, mark) == []
    assert pushes(emu, GROUP, mark) == []

    # Unsubscribed in private; the group has blocked the bot: it is unsubscribed at the first failed push.
    assert "Đã bỏ theo dõi" in say(emu, USER, f"/huytheodoi {NEWS_TOPIC}")
    emu.inject(Fault("blocked", chat_id=GROUP, times=5))  # refused calls are counted in faults_hit
    mark, refused, done = emu.mark(), len(emu.faults_hit), rounds(bot)
    write_article(knowledge, "bac_ninh.txt", **LATER_MATCHING)
    reload(emu)
    wait_for_round(bot, done)
    assert pushes(emu, USER, mark) == []
    assert len(emu.faults_hit) == refused + 1  # one attempt, refused, then never again
    emu.clear_faults()
    mark, done = emu.mark(), rounds(bot)
    write_article(knowledge, "bac_ninh_2.txt", **another_matching(2))
    reload(emu)
    wait_for_round(bot, done)
    assert pushes(emu, GROUP, mark) == []
    assert "chưa theo dõi chủ đề nào" in say(emu, GROUP_ADMIN, "/theodoi", chat_id=GROUP)
