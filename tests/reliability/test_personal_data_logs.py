"""Issue 10, item 8: personal data in logs.

At DEBUG (and in the CRITICAL line of a batch PTB cannot parse) PTB's loggers wrote raw user
ids, names and question text, and the webhook secret. They are cut like the token is.
"""

from __future__ import annotations

import logging

import pytest

from bot.telegram.logs import configure_logging
from devtools.emulator import BotApiEmulator
from tests.support.chats import ask_and_settle
from tests.support.process import BotProcess

TOKEN = "123456:ABC-secret"
SECRET = "webhook-secret-Zq9"
PRIVATE = ("4401", "Trần Thị Riêng", "câu hỏi riêng xyzzy")


def test_ptb_payload_lines_are_cut(restore_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", TOKEN, SECRET)
    user = {"id": 4401, "first_name": "Trần Thị Riêng"}
    ptb = logging.getLogger("telegram.ext.ExtBot")
    ptb.debug("Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage",
              {"chat_id": 4401, "text": "câu hỏi riêng xyzzy"})  # fmt: skip
    ptb.debug("Call to Bot API endpoint `%s` finished with return value `%s`", "getUpdates",
              [{"update_id": 1, "message": {"from": user, "text": "câu hỏi riêng xyzzy"}}])  # fmt: skip
    logging.getLogger("telegram.ext.Application").debug("Processing update %s", {"from": user})
    try:
        raise TypeError(f"bad update {user}")
    except TypeError as exc:
        ptb.critical("Error while parsing updates! Received data was %r", [user], exc_info=exc)
    ptb.debug("Calling Bot API endpoint `%s` with parameters `%s`", "setWebhook", {"secret_token": SECRET})
    webhook = logging.getLogger("telegram.ext._utils.webhookhandler")  # webhook mode
    webhook.debug("Webhook received data: %s", f'{{"message": {{"from": {user}, "text": "câu hỏi riêng xyzzy"}}}}')
    webhook.critical("Something went wrong processing the data received from Telegram. Received data was *not* "
                     "processed! Received data was: %r", {"from": user})  # fmt: skip
    logging.getLogger("bot.telegram.app").warning("webhook %s", SECRET)  # the bot's own line: redacted too
    err = capsys.readouterr().err
    for private in (*PRIVATE, SECRET):
        assert private not in err
    assert "Calling Bot API endpoint `sendMessage` (parameters not logged)" in err
    assert "Call to Bot API endpoint `getUpdates` finished" in err
    assert "Processing update (content not logged)" in err
    assert "Error while parsing updates! (data not logged) (TypeError)" in err
    assert "webhook <token>" in err
    assert "Webhook received data: (not logged)" in err
    assert "Something went wrong processing the data received from Telegram. (data not logged)" in err


@pytest.mark.slow
def test_the_running_bot_logs_no_user_data_at_debug(emu: BotApiEmulator, bot: BotProcess) -> None:
    user = 4401
    mark = emu.mark()
    delivered = ask_and_settle(emu, user, text="câu hỏi riêng xyzzy về thủ tục một cửa", settle=0.3)
    assert len(delivered) == 1
    assert emu.mark() > mark
    log = bot.log_text()
    assert "DEBUG telegram" in log  # PTB's DEBUG lines are there...
    assert "xyzzy" not in log  # ...but not the question,
    assert "U4401" not in log  # the user's name
    assert "'id': 4401" not in log  # nor the id
    assert "4401," not in log
