"""Getting replies to Telegram despite its hiccups: flood limits (429) and transient failures, retried.

PTB's :class:`~telegram.ext.AIORateLimiter` keeps the bot under Telegram's flood limits and,
on a 429 ("retry after N"), waits N seconds and tries again. :class:`RetryingRateLimiter`
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
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]


def transient(exc: BaseException) -> bool:
    """True for failures worth another try: timeouts, dropped connections, 5xx (not 4xx refusals)."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


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
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based): 0.5, 1, 2, 4... capped."""
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    async def process_request(  # noqa: PLR0917 - PTB's signature
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        attempt = 0
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except RetryAfter:
                raise  # the parent already waited and retried as Telegram asked
            except NetworkError as exc:
                attempt += 1
                if not transient(exc) or attempt > self.retries:
                    raise
                wait = self.delay(attempt)
                log.warning("Bot API %s failed (%s: %s); retry %d of %d in %.1f s",
                            endpoint, type(exc).__name__, exc, attempt, self.retries, wait)  # fmt: skip
                await self._sleep(wait)
