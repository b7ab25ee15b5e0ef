"""Readers for the article formats a knowledge folder (or an ingest) may hold, one module each.

What they share lives here: the one error a reader raises (:class:`ParseError`), the time zone
of dates written without one, and how an invalid article is told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.models import Article

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # dates written without a zone are Vietnam time


class ParseError(ValueError):
    """A file or record that cannot be read as an article; the message says why."""


@dataclass
class ParsedFile:
    """The articles one file holds, and the parts of it that could not be read (where, reason)."""

    articles: list[Article] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def validation_problem(exc: ValidationError) -> str:
    """The first problem of an invalid article, as ``field: message``."""
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
