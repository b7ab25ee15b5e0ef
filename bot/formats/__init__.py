"""Readers for the article formats a knowledge folder (or an ingest) may hold, one module each."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.models import Article


@dataclass
class ParsedFile:
    """The articles one file holds, and the parts of it that could not be read (where, reason)."""

    articles: list[Article] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
