"""Talking to a bot process through the Bot API emulator."""

from __future__ import annotations

import time
from typing import Any

from devtools.emulator import BotApiEmulator
from tests.support.articles import SEED_QUESTION

ANSWER_WORDS = "Phạm Minh"  # in the seed's answer to SEED_QUESTION


def ask_and_settle(
    emu: BotApiEmulator, user: int, text: str = SEED_QUESTION, settle: float = 0.5
) -> list[dict[str, Any]]:
    """Send a question, wait for a first delivery, then a little more (a duplicate would show up)."""
    mark = emu.mark()
    assert emu.say(user, text)
    emu.wait_until(lambda: len(emu.delivered(user, mark)) >= 1, timeout=20, what=f"a reply to {user}")
    time.sleep(settle)
    return emu.delivered(user, mark)
