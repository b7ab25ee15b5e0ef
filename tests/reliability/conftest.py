"""Fixtures of the reliability suite: one bot process (with the hostile articles) against one emulator; a built database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import SearchService
from devtools.emulator import BotApiEmulator
from tests.support.articles import make_knowledge, seed_only
from tests.support.hostile import write_hostile_articles
from tests.support.process import TOKEN, BotProcess

GROUP = -100777


@pytest.fixture(scope="package")
def emu() -> Iterator[BotApiEmulator]:
    with BotApiEmulator(TOKEN) as emulator:
        emulator.add_group(GROUP)
        yield emulator


@pytest.fixture(scope="package")
def bot(emu: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """One bot process for the hostile-input, fault and flood tests (each uses its own users)."""
    root = tmp_path_factory.mktemp("reliability")
    knowledge = make_knowledge(root / "knowledge")
    write_hostile_articles(knowledge)
    process = BotProcess(
        emu,
        root,
        CCHC_USER_RATE_LIMIT="8",
        CCHC_TELEGRAM_TIMEOUT_SECONDS="1.0",
        CCHC_SEND_RETRIES="4",
    )
    with process.running():
        yield process


@pytest.fixture
async def built(tmp_path: Path) -> tuple[Path, Path]:
    """A database built from the seed (closed again), and its knowledge folder."""
    knowledge = seed_only(tmp_path / "knowledge")
    db = tmp_path / "data" / "bot.sqlite3"
    service = await SearchService.open(db, knowledge)
    await service.close()
    return db, knowledge
