"""Opening search services in the tests, on fresh databases or on copies of ones built once per session."""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.service import SearchService
from tests.support.articles import SHARED_ARTICLES, seed_only

# The ``open_service`` fixture: a service over a knowledge folder, on a fresh database, closed after the test.
ServiceFactory = Callable[[Path], Awaitable[SearchService]]
# Writes a knowledge folder's files (the folder exists, empty).
Fill = Callable[[Path], object]
# The ``open_prebuilt`` fixture: a service on a copy of the database ``Prebuilt`` built for (name, fill).
PrebuiltFactory = Callable[[str, Fill], Awaitable[SearchService]]


def shared_articles() -> list[Path]:
    """The synthetic test articles (copies of ``shared/eval/articles``); none when the folder is absent."""
    return sorted(SHARED_ARTICLES.glob("*.txt")) if SHARED_ARTICLES.is_dir() else []


def fill_seed_and_shared(folder: Path) -> None:
    """The seed and the synthetic test articles."""
    seed_only(folder)
    for path in shared_articles():
        shutil.copy(path, folder / path.name)


def build_index(db: Path, folder: Path) -> None:
    """Build the index of ``folder`` into ``db`` and close it again.

    On an event loop of its own, in a thread of its own: callable from synchronous code and from a
    coroutine (whose loop waits meanwhile).
    """

    async def build() -> None:
        service = await SearchService.open(db, folder)
        await service.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, build()).result()


class Prebuilt:
    """Knowledge folders and their databases, each built once and then only copied (the ``prebuilt`` fixture).

    For tests that only ask: building the same index for every test is most of their time. A test
    gets its own copy of the database (``open_prebuilt``); the folder is shared, so it must not be written.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._built: dict[str, tuple[Fill, Path, Path]] = {}

    def get(self, name: str, fill: Fill) -> tuple[Path, Path]:
        """The database and the folder that ``fill`` wrote, built on first use; ``name`` is one ``fill``'s."""
        if name not in self._built:
            root = self._tmp.mktemp(f"prebuilt-{name}")
            folder = root / "knowledge"
            folder.mkdir()
            fill(folder)
            db = root / "index.sqlite3"
            build_index(db, folder)
            self._built[name] = (fill, db, folder)
        known, db, folder = self._built[name]
        assert known is fill, f"{name!r} is already built from {known}"
        return db, folder
