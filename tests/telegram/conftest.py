"""Fixtures of the Telegram tests: a service over the seed and the synthetic articles, built once per session."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.service import SearchService
from tests.support.articles import make_knowledge


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("kb")
    knowledge = make_knowledge(root / "knowledge")
    db = root / "built.sqlite3"

    async def build() -> None:
        svc = await SearchService.open(db, knowledge)
        await svc.close()

    asyncio.run(build())
    return db, knowledge


@pytest.fixture
async def service(built_db: tuple[Path, Path], tmp_path: Path) -> AsyncIterator[SearchService]:
    db, knowledge = built_db
    copy = tmp_path / "cchc.sqlite3"
    shutil.copy(db, copy)
    svc = await SearchService.open(copy, knowledge)
    try:
        yield svc
    finally:
        await svc.close()
