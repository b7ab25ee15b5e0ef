"""Getting replies to Telegram despite its hiccups: flood limits (429) and transient failures, retried.

PTB's :class:`~telegram.ext.AIORateLimiter` keeps the bot under Telegram's flood limits; on a
429 ("retry after N") it would pause every chat for N seconds, so :class:`RetryingRateLimiter`
takes 429s out of its hands: only the chat Telegram named waits N seconds before trying again. :class:`RetryingRateLimiter`
adds what it lacks: a bounded retry with exponential backoff when a call times out, the
connection drops or Telegram answers 5xx. A refusal (400 Bad Request, 403 Forbidden, 401)
is final and never retried.

The trade-off: a timeout after the request was sent is ambiguous. Telegram may have
delivered the message and only its answer got lost; the Bot API has no idempotency key,
so a retry can then show the message twice. A lost reply (the user waits forever) is worse
than a rare duplicate, so such calls are retried (at-least-once); the read timeout
(``CCHC_TELEGRAM_TIMEOUT_SECONDS``) is kept long enough that a merely slow answer is not
mistaken for a lost one. Failures that prove the call never took effect (429, 5xx,
connection refused) are retried without any risk of duplicates.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]


def transient(exc: BaseException) -> bool:
    """True for failures worth another try: timeouts, dropped connections, 5xx (not 4xx refusals)."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


class _ChatFlood(Exception):
    """A 429 for one chat, carried past :class:`AIORateLimiter` (which would make every chat wait)."""

    def __init__(self, error: RetryAfter) -> None:
        super().__init__(str(error))
        self.error = error


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns about the int form of retry_after; either form is read here
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class RetryingRateLimiter(AIORateLimiter):
    """:class:`AIORateLimiter` plus bounded retries of transient network failures."""

    def __init__(
        self,
        *,
        retries: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        overall_max_rate: float = 30,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        # Telegram allows about 30 messages per second overall; 429s are retried `retries` times too.
        super().__init__(overall_max_rate=overall_max_rate, overall_time_period=1, max_retries=retries)
        self.retries = retries
        self._chat_resume: dict[object, float] = {}  # chat -> loop time its 429 runs out
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based): 0.5, 1, 2, 4... capped."""
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    async def _wait_for_chat(self, chat: object) -> None:
        """Until a 429 that Telegram gave for ``chat`` has run out (other chats do not wait)."""
        left = self._chat_resume.get(chat, 0.0) - asyncio.get_running_loop().time()
        if left > 0:
            await self._sleep(left)

    async def process_request(  # noqa: PLR0917 - PTB's signature
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat = data.get("chat_id")  # None: a call for no chat (answering a button or an inline query)

        async def call(*a: Any, **kw: Any) -> bool | JSONDict | list[JSONDict]:
            try:
                return await callback(*a, **kw)
            except RetryAfter as exc:  # out of the parent's reach: it would pause every chat
                raise _ChatFlood(exc) from exc

        attempt = 0
        floods = 0
        while True:
            await self._wait_for_chat(chat)
            try:
                return await super().process_request(call, args, kwargs, endpoint, data, rate_limit_args)
            except _ChatFlood as flood:
                floods += 1
                if floods > (rate_limit_args or self.retries):
                    raise flood.error from None
                wait = _seconds(flood.error) + 0.1
                resume = asyncio.get_running_loop().time() + wait
                self._chat_resume[chat] = max(self._chat_resume.get(chat, 0.0), resume)
                log.info("Bot API %s: flood limit for one chat, retry %d of %d in %.1f s (other chats go on)",
                         endpoint, floods, rate_limit_args or self.retries, wait)  # fmt: skip
            except NetworkError as exc:
                attempt += 1
                if not transient(exc) or attempt > self.retries:
                    raise
                wait = self.delay(attempt)
                log.warning("Bot API %s failed (%s: %s); retry %d of %d in %.1f s",
                            endpoint, type(exc).__name__, exc, attempt, self.retries, wait)  # fmt: skip
                await self._sleep(wait)
