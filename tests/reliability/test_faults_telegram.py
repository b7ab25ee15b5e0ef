"""Telegram misbehaving, driven from the emulator: every reply is delivered exactly once or skipped on purpose.

The bot runs with a 1 s Bot API timeout here (``CCHC_TELEGRAM_TIMEOUT_SECONDS``), so a 0.5 s answer
is slow but fine and a 1.5 s stall is a timeout.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.telegram.delivery import RetryingRateLimiter
from devtools.emulator import BotApiEmulator, Fault
from tests.support.articles import SEED_QUESTION, make_knowledge
from tests.support.chats import ANSWER_WORDS, ask_and_settle
from tests.support.hostile import assert_valid_reply
from tests.support.process import TOKEN, BotProcess


def hits(emu: BotApiEmulator, kind: str, since: float) -> int:
    return sum(1 for k, _, at in emu.faults_hit if k == kind and at >= since)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("user", "fault"),
    [
        (4001, Fault("429", retry_after=1)),
        (4002, Fault("5xx", status=500, times=2)),
        (4003, Fault("5xx", status=502)),
        (4004, Fault("drop", times=2)),
        (4005, Fault("stall", seconds=1.5)),  # a timeout: the request was lost on the way
        (4006, Fault("slow", seconds=0.5)),  # slow but inside the timeout: no retry at all
    ],
    ids=["429", "500x2", "502", "dropped-x2", "timeout", "slow"],
)
def test_reply_is_retried_and_delivered_exactly_once(emu: BotApiEmulator, bot: BotProcess, user: int,
                                                     fault: Fault) -> None:  # fmt: skip
    started = time.monotonic()
    expected_hits = fault.times
    emu.inject(Fault(fault.kind, chat_id=user, times=fault.times, seconds=fault.seconds, status=fault.status,
                     retry_after=fault.retry_after))  # fmt: skip
    delivered = ask_and_settle(emu, user, settle=1.0 if fault.kind == "stall" else 0.4)
    assert hits(emu, fault.kind, started) == expected_hits
    assert len(delivered) == 1, delivered
    assert ANSWER_WORDS in delivered[0]["text"]
    if fault.kind == "429":  # Telegram's retry_after was honoured
        attempts = [c for c in emu.calls if c.method == "sendMessage" and c.at >= started
                    and int(c.params["chat_id"]) == user]  # fmt: skip
        assert attempts[-1].at - started >= fault.retry_after
    if fault.kind == "stall":  # the bot gave up waiting (its timeout), it did not get the late 504
        assert "sendMessage failed (TimedOut" in bot.log_text()
    assert_valid_reply(next(c for c in reversed(emu.calls) if c.method == "sendMessage" and c.ok
                            and int(c.params["chat_id"]) == user))  # fmt: skip


@pytest.mark.slow
def test_slow_answer_is_not_retried(emu: BotApiEmulator, bot: BotProcess) -> None:
    user = 4011
    emu.inject(Fault("slow", chat_id=user, seconds=0.6))
    mark = emu.mark()
    delivered = ask_and_settle(emu, user)
    attempts = [c for c in emu.calls[mark:] if c.method == "sendMessage" and int(c.params.get("chat_id", 0)) == user]
    assert len(attempts) == 1
    assert len(delivered) == 1


@pytest.mark.slow
def test_ambiguous_timeout_may_duplicate_and_is_bounded(emu: BotApiEmulator, bot: BotProcess) -> None:
    """The documented trade-off: Telegram carried the message out but its answer never came in time.

    The bot cannot tell this from a lost request, so it retries (at-least-once): the user sees the
    reply twice, never zero times, and never more than once per retry.
    """
    user = 4012
    emu.inject(Fault("stall_after", chat_id=user, seconds=1.5))
    mark = emu.mark()
    assert emu.say(user, SEED_QUESTION)
    emu.wait_until(lambda: len(emu.delivered(user, mark)) >= 2, timeout=10, what="the retried reply")
    time.sleep(0.5)
    delivered = emu.delivered(user, mark)
    assert len(delivered) == 2
    assert delivered[0]["text"] == delivered[1]["text"]


@pytest.mark.slow
def test_blocked_user_is_logged_and_skipped(emu: BotApiEmulator, bot: BotProcess) -> None:
    blocked, other = 4021, 4022
    mark = emu.mark()
    emu.inject(Fault("blocked", chat_id=blocked, times=5))
    assert emu.say(blocked, SEED_QUESTION)
    assert emu.say(other, SEED_QUESTION)
    emu.wait_until(lambda: len(emu.delivered(other, mark)) == 1, timeout=10, what="the other user's reply")
    emu.wait_until(lambda: hits(emu, "blocked", 0) >= 1, timeout=10, what="the blocked attempt")
    time.sleep(0.5)
    attempts = [c for c in emu.faults_hit if c[0] == "blocked"]
    assert len(attempts) == 1  # neither retried nor followed by an error message to a chat that refuses them
    assert emu.delivered(blocked, mark) == []
    emu.clear_faults()
    deadline = time.monotonic() + 5
    while "reply skipped" not in bot.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = next(x for x in bot.log_text().splitlines() if "reply skipped" in x)
    assert "blocked" in line
    assert str(blocked) not in line  # logged by salted hash, not by Telegram id
    assert "Traceback" not in bot.log_text().split("reply skipped")[-1].split("\n", 2)[0]


@pytest.mark.slow
def test_flood_gets_a_polite_notice_without_starving_others(emu: BotApiEmulator, bot: BotProcess) -> None:
    flooder, calm = 4031, 4032
    mark = emu.mark()
    started = time.monotonic()
    for i in range(30):
        assert emu.say(flooder, f"{SEED_QUESTION} {i}")
    calm_sent = time.monotonic()
    assert emu.say(calm, SEED_QUESTION)
    emu.wait_until(lambda: len(emu.delivered(calm, mark)) == 1, timeout=10, what="the calm user's reply")
    calm_latency = next(c.at for c in emu.calls[mark:] if c.method == "sendMessage"
                        and int(c.params["chat_id"]) == calm) - calm_sent  # fmt: skip
    emu.wait_until(lambda: len(emu.delivered(flooder, mark)) >= 9, timeout=15, what="the flooder's replies")
    time.sleep(0.5)
    flood = emu.delivered(flooder, mark)
    assert len(flood) == 9  # 8 answers (the limit per minute), one notice, then silence
    notices = [m for m in flood if "hỏi hơi nhanh" in m["text"]]
    assert len(notices) == 1
    assert sum(ANSWER_WORDS in m["text"] for m in flood) == 8
    assert ANSWER_WORDS in emu.delivered(calm, mark)[0]["text"]
    assert calm_latency < 5.0, calm_latency
    assert time.monotonic() - started < 20


# -- the retry policy on its own -------------------------------------------------------------------------


class Script:
    """A Bot API call that fails with the given errors, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> bool:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return True


def limiter(retries: int = 3) -> tuple[RetryingRateLimiter, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    return RetryingRateLimiter(retries=retries, sleep=sleep), slept


async def send(rl: RetryingRateLimiter, call: Callable[..., Coroutine[Any, Any, bool]]) -> Any:
    return await rl.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)


async def test_transient_failures_are_retried_with_bounded_backoff() -> None:
    rl, slept = limiter(retries=3)
    call = Script(TimedOut(), NetworkError("httpx.RemoteProtocolError: disconnected"), NetworkError("Bad Gateway"))
    assert await send(rl, call) is True
    assert call.calls == 4
    assert slept == [0.5, 1.0, 2.0]
    rl, slept = limiter(retries=2)
    call = Script(TimedOut(), TimedOut(), TimedOut(), TimedOut())
    with pytest.raises(TimedOut):
        await send(rl, call)
    assert call.calls == 3  # bounded
    assert RetryingRateLimiter(retries=10).delay(10) == 8.0  # capped


@pytest.mark.parametrize(
    "error", [BadRequest("Bad Request: can't parse entities"), Forbidden("Forbidden: bot was blocked by the user")]
)
async def test_refusals_are_final(error: Exception) -> None:
    rl, slept = limiter()
    call = Script(error)
    with pytest.raises(type(error)):
        await send(rl, call)
    assert call.calls == 1
    assert slept == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's int retry_after
async def test_retry_after_is_retried_once_per_allowed_retry() -> None:
    rl, slept = limiter(retries=1)
    call = Script(RetryAfter(timedelta(0)), RetryAfter(timedelta(0)), RetryAfter(timedelta(0)))
    with pytest.raises(RetryAfter):
        await send(rl, call)
    assert call.calls == 2  # one retry (retries=1), not multiplied by AIORateLimiter's own
    assert len(slept) == 1  # Telegram's retry_after (0 s here) plus 0.1 s, for this chat only
    assert 0 < slept[0] <= 0.1


# -- SIGTERM ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_finishes_the_replies_in_flight(tmp_path: Path) -> None:
    make_knowledge(tmp_path / "knowledge")
    emu = BotApiEmulator(TOKEN).start()  # its own: the shared bot must not pick these updates up
    try:
        _sigterm_run(emu, tmp_path)
    finally:
        emu.stop()


def _sigterm_run(emu: BotApiEmulator, root: Path) -> None:
    process = BotProcess(emu, root)
    process.start()
    users = [4101, 4102, 4103]
    for u in users:
        emu.inject(Fault("slow", chat_id=u, seconds=1.5))
    mark = emu.mark()
    started = time.monotonic()
    for u in users:
        assert emu.say(u, SEED_QUESTION)
    emu.wait_until(lambda: sum(1 for k, _, at in emu.faults_hit if k == "slow" and at >= started) == len(users),
                   timeout=15, what="all replies in flight")  # fmt: skip
    assert process.proc is not None
    process.proc.send_signal(signal.SIGTERM)
    code = process.proc.wait(20)
    assert code == 0, process.log_text()[-2000:]
    for u in users:
        delivered = emu.delivered(u, mark)
        assert len(delivered) == 1, (u, delivered)
        assert ANSWER_WORDS in delivered[0]["text"]
