"""Webhook mode end to end: the emulator pushes updates to the bot's own webhook server with the secret."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devtools.emulator import BotApiEmulator
from tests.support.articles import make_knowledge
from tests.support.process import TOKEN, BotProcess

pytestmark = pytest.mark.slow  # the bot as a process against the emulator

SECRET = "webhook-secret_123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BotApiEmulator, BotProcess, str]]:
    root: Path = tmp_path_factory.mktemp("webhook")
    make_knowledge(root / "knowledge")
    emu = BotApiEmulator(TOKEN).start()
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    bot = BotProcess(emu, root, CCHC_WEBHOOK_URL=url, CCHC_WEBHOOK_LISTEN="127.0.0.1",
                     CCHC_WEBHOOK_PORT=str(port), CCHC_WEBHOOK_SECRET=SECRET)  # fmt: skip
    try:
        bot.start(ready="setWebhook")
        yield emu, bot, url
    finally:
        code = bot.stop()
        emu.stop()
        assert code == 0, bot.log_text()[-3000:]
        assert TOKEN not in bot.log_text()


def test_webhook_is_registered_with_the_secret(setup: tuple[BotApiEmulator, BotProcess, str]) -> None:
    emu, _, url = setup
    call = emu.wait_call("setWebhook")
    assert call.params["url"] == url
    assert call.params["secret_token"] == SECRET


def test_updates_arrive_through_the_webhook(setup: tuple[BotApiEmulator, BotProcess, str]) -> None:
    emu, _, _ = setup
    mark = emu.mark()
    assert emu.say(801, "chi so PAR Index Quang Tri tang may bac")
    sent = emu.wait_call("sendMessage", since=mark).result
    assert "Quảng Trị" in sent["text"]
    assert emu.webhook_deliveries >= 1
    assert emu.rejections == []


def test_webhook_refuses_requests_without_the_secret(setup: tuple[BotApiEmulator, BotProcess, str]) -> None:
    _, _, url = setup
    update = {"update_id": 999999, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                               "text": "hi"}}  # fmt: skip
    assert httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code == 403
    assert httpx.post(url, json=update).status_code == 403
