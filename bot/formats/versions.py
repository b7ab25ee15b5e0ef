"""Which version of an article wins, and what a version is to the one before: one rule for all.

The folder loader (two files with one URL), ingest (two candidates with one URL, a candidate
against the folder) and a reload's report (the new index against the one serving) all decide
with these two functions.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from bot.formats.feeds import FEED_SUFFIXES
from bot.models import Article

Change = Literal["added", "updated", "unchanged"]

# On a tie in publication time, the fuller form of an article wins: the normal form (.txt) over a
# page or record, and those over a feed item's summary.
FORM_RANK = {".txt": 2, **dict.fromkeys(FEED_SUFFIXES, 0)}


def version_rank(article: Article, where: str) -> tuple[datetime, int, int, str]:
    """Order of versions of one article (``where``: its file, URL or feed): the highest wins.

    Published later first; on a tie the fuller form, then the longer text, then the later name.
    """
    path = Path(where.split("#", 1)[0])
    fullness = sum(len(p) for p in article.paragraphs)
    return article.published, FORM_RANK.get(path.suffix.lower(), 1), fullness, path.name


def change_of(old_hash: str | None, new_hash: str) -> Change:
    """What a version with content ``new_hash`` is to the known one (``old_hash``; None: none known)."""
    if old_hash is None:
        return "added"
    return "unchanged" if old_hash == new_hash else "updated"
