"""Long polling that one malformed update cannot wedge, and that tells when it last worked.

PTB parses a whole ``getUpdates`` batch at once: one update it cannot parse (say a ``poll``
without a field a newer Bot API requires, as an older self-hosted server sends) fails the
batch, the offset never moves past it and the bot answers nobody while polling in a tight
loop. :class:`PollingRequest` wraps the request that PTB uses for ``getUpdates`` only: each
update is parsed alone first; one that fails is replaced by its bare ``update_id`` (which PTB
parses, no handler matches, and the offset moves on), logged by id and counted.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from telegram import Update
from telegram._utils.types import JSONDict
from telegram.request import BaseRequest

log = logging.getLogger(__name__)

STALE_POLL_SECONDS = 90.0  # no successful getUpdates for this long: the bot is not answering


class PollingRequest(BaseRequest):
    """Delegates to ``inner``; filters the ``getUpdates`` results and records when one last succeeded."""

    def __init__(self, inner: BaseRequest, clock: Callable[[], float] = time.monotonic) -> None:
        self._inner = inner
        self._clock = clock
        self.started = clock()
        self.skipped = 0
        self.last_ok: float | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """The inner request's answer, with unparseable updates dropped from a ``getUpdates`` answer."""
        status, body = await self._inner.do_request(url, method, *args, **kwargs)
        if status == HTTPStatus.OK and url.rsplit("/", 1)[-1].lower() == "getupdates":
            body = self._filtered(body)
        return status, body

    def _filtered(self, body: bytes) -> bytes:
        try:
            payload = json.loads(body)
        except ValueError:
            return body  # PTB reports it as it always did
        if (
            not isinstance(payload, dict)
            or payload.get("ok") is not True
            or not isinstance(payload.get("result"), list)
        ):
            return body
        self.last_ok = self._clock()
        before = self.skipped
        payload["result"] = [self._parseable(item) for item in payload["result"]]
        return body if self.skipped == before else json.dumps(payload).encode()

    def _parseable(self, item: JSONDict) -> JSONDict:
        try:
            Update.de_json(item, None)
        except Exception as exc:  # whatever PTB raises for it, the batch must go on
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(update_id, int):
                raise  # without an id the offset cannot move past it; PTB reports it
            self.skipped += 1
            kinds = sorted(k for k in item if k != "update_id")
            log.warning(
                "skipped update %d (%s) that cannot be parsed: %s (%d skipped so far)",
                update_id, ", ".join(kinds) or "empty", type(exc).__name__, self.skipped,
            )  # fmt: skip
            return {"update_id": update_id}
        return item

    def problem(self) -> str | None:
        """Why polling looks dead (no successful ``getUpdates`` for a while), or None."""
        last = self.last_ok if self.last_ok is not None else self.started
        age = self._clock() - last
        if age > STALE_POLL_SECONDS:
            return f"no update fetched from Telegram for {age:.0f} s"
        return None
