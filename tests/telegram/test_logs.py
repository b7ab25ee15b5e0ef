from __future__ import annotations

import io
import logging

from bot.telegram.logs import RedactFilter, configure_logging

TOKEN = "123456:ABC-secret"


def test_token_is_redacted_from_messages_args_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter([TOKEN]))
    log = logging.getLogger("test.redact")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("GET https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"failed https://x/bot{TOKEN}/sendMessage")
        except RuntimeError:
            log.exception("boom")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert TOKEN not in out
    assert "bot<token>/getMe" in out
    assert "RuntimeError: failed https://x/bot<token>/sendMessage" in out


def test_configure_logging_quietens_httpx(restore_logging: None) -> None:
    configure_logging("DEBUG", TOKEN)
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
