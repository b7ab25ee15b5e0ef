"""Issue 10, item 7: the flood guard covered questions only, and one chat's 429 stalled every chat.

Now every kind of update (commands, unknown commands, buttons, inline queries) counts against a
per-user limit, and a 429 that Telegram gives for one chat makes only that chat wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.service import SearchService
from bot.telegram.delivery import RetryingRateLimiter
from tests.support import updates as up
from tests.support.harness import ADMIN, USER, Harness, settings, started

LIMIT = 5
OTHER = USER + 2000


@pytest.fixture
async def harness(seed_service: SearchService, tmp_path: Path) -> AsyncIterator[Harness]:
    async with started(seed_service, settings(tmp_path, user_update_limit=LIMIT)) as h:
        yield h


def _replies(harness: Harness, chat_id: int) -> int:
    return sum(1 for m in harness.sent() if int(m["chat_id"]) == chat_id)


async def test_every_kind_of_update_counts_against_the_user_limit(harness: Harness) -> None:
    for text in ("/start", "/sources", "/khonglenhnay", "/start", "/sources", "/start", "/sources"):
        await harness.feed(up.message(text, uid=USER))
    assert _replies(harness, USER) == LIMIT
    for _ in range(3):
        await harness.feed(up.callback("s:0", uid=USER, message=up.bot_message(USER, 7, "old")))
        await harness.feed(up.inline("một cửa", uid=USER))
    calls = {c.method for c in harness.request.calls}
    assert "answerInlineQuery" not in calls
    assert "editMessageText" not in calls
    assert "answerCallbackQuery" not in calls
    await harness.feed(up.message("/start", uid=OTHER))  # someone else is served at once
    assert _replies(harness, OTHER) == 1
    for _ in range(LIMIT + 3):  # admins are not limited
        await harness.feed(up.message("/sources", uid=ADMIN))
    assert _replies(harness, ADMIN) == LIMIT + 3


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's own constructor
async def test_a_429_for_one_chat_does_not_stall_another() -> None:
    limiter = RetryingRateLimiter(retries=2, overall_max_rate=1000)
    await limiter.initialize()
    flooded = {"left": 1}

    async def call(*args: Any, **kwargs: Any) -> bool:
        if kwargs.get("chat") == "flooder" and flooded["left"]:
            flooded["left"] -= 1
            raise RetryAfter(timedelta(seconds=1))
        return True

    async def send(chat: str) -> float:
        started = time.monotonic()
        data = {"chat_id": 1 if chat == "flooder" else 2}
        await limiter.process_request(call, (), {"chat": chat}, "sendMessage", data, None)
        return time.monotonic() - started

    flooder = asyncio.create_task(send("flooder"))
    await asyncio.sleep(0.05)  # the flooder's 429 has come back
    calm = await send("calm")
    assert calm < 0.5, f"another chat waited {calm:.2f} s"
    assert await flooder >= 1.0  # the flooded chat waited as Telegram asked, then got through
    await limiter.shutdown()
