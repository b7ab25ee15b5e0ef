"""Fixtures of the Telegram tests: a service over the seed and the synthetic articles, built once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import SearchService
from devtools.emulator import BotApiEmulator
from tests.support.articles import make_knowledge
from tests.support.services import Prebuilt, PrebuiltFactory


@pytest.fixture(scope="session")
def built_db(prebuilt: Prebuilt) -> tuple[Path, Path]:
    """The database and the knowledge folder (seed, lexicon files, synthetic articles), built once."""
    return prebuilt.get("telegram", make_knowledge)


@pytest.fixture
async def service(open_prebuilt: PrebuiltFactory) -> SearchService:
    """This test's copy of ``built_db``'s database, over its (shared, not to be written) knowledge folder."""
    return await open_prebuilt("telegram", make_knowledge)


@pytest.fixture
def no_rejections(emu: BotApiEmulator) -> Iterator[None]:
    """Fails the test if the bot made a call the emulator (as Telegram) refused; for modules with an ``emu``."""
    before = len(emu.rejections)
    yield
    assert emu.rejections[before:] == [], "the bot made calls Telegram would reject"
