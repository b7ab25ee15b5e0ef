"""Logging for the bot process: quiet HTTP loggers, a filter that keeps the token and the webhook secret
out of every line, and one that keeps users' personal data (ids, names, question text) out of PTB's lines."""

from __future__ import annotations

import logging
import re
import sys

from telegram.error import InvalidToken, NetworkError

REDACTED = "<token>"


class RedactFilter(logging.Filter):
    """Replace each secret in the formatted message and traceback of every record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


# PTB's lines that carry whole updates or Bot API parameters (user ids, names, question text, the
# webhook secret): what comes after the method name is dropped.
_PAYLOAD_LINES = (
    (re.compile(r"^(Calling Bot API endpoint `\w+`) with parameters .*", re.DOTALL), r"\1 (parameters not logged)"),
    (re.compile(r"^(Call to Bot API endpoint `\w+` finished) with return value .*", re.DOTALL), r"\1"),
    (re.compile(r"^(Processing update) .*", re.DOTALL), r"\1 (content not logged)"),
    (re.compile(r"^(Error while parsing updates!) .*", re.DOTALL), r"\1 (data not logged)"),
    (re.compile(r"^(Webhook received data:) .*", re.DOTALL), r"\1 (not logged)"),
    (re.compile(r"^(Something went wrong processing the data received from Telegram\.).*", re.DOTALL),
     r"\1 (data not logged)"),
)  # fmt: skip


class PersonalDataFilter(logging.Filter):
    """Cut the payload out of PTB's (``telegram.*``) lines that dump updates or request parameters.

    The bot's own lines name users by salted hash only; PTB's DEBUG lines (and its CRITICAL one
    when a batch cannot be parsed) print whole updates: ids, names and the text of questions.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram"):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        for pattern, replacement in _PAYLOAD_LINES:
            cut, count = pattern.subn(replacement, message)
            if count:
                if record.exc_info is not None and record.exc_info[0] is not None:
                    cut += f" ({record.exc_info[0].__name__})"  # its message may quote the data too
                record.msg, record.args, record.exc_info, record.exc_text = cut, None, None, None
                break
        return True


class QuietNetworkFailures(logging.Filter):
    """PTB's retry loops log a failure to reach Telegram with a full traceback (~70 lines for a refused
    connection); the error's own message says it all, so the traceback is left out for those."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram") or record.exc_info is None:
            return True
        error = record.exc_info[1]
        if isinstance(error, NetworkError | InvalidToken):
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {error})"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def configure_logging(level: str, token: str, *secrets: str) -> RedactFilter:
    """Log to stderr at ``level``; httpx/httpcore only from WARNING (they log URLs, which hold the token).

    ``secrets`` (the webhook secret) are redacted like the token.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter())
    handler.addFilter(QuietNetworkFailures())
    redact = RedactFilter([token, *secrets])
    handler.addFilter(redact)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite"):  # aiosqlite: SQL parameters (questions)
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return redact
