"""Shared fixtures: knowledge folders (the seed, the shared synthetic articles), opened services, an in-process bot."""

from __future__ import annotations

import gc
import logging
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import hypothesis
import pytest

from bot.service import SearchService
from tests.support.articles import SHARED_ARTICLES, seed_only
from tests.support.harness import Harness, settings, started
from tests.support.services import (
    Fill,
    Prebuilt,
    PrebuiltFactory,
    ServiceFactory,
    fill_seed_and_shared,
    shared_articles,
)

# Property tests are reproducible: the same examples on every run and machine (derandomize, no example
# database), no per-example deadline (a loaded 2-core machine is slow, not wrong), and a failure prints
# the blob to replay it. The examples counts are the tests' own (hypothesis' default: 100).
# HYPOTHESIS_PROFILE=explore draws new random examples on each run, to look for new failures.
hypothesis.settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
hypothesis.settings.register_profile("explore", deadline=None, print_blob=True)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Every index build ends with a full ``gc.collect()`` (bot.allocator.release_free_memory), which in
    this process walks everything pytest, hypothesis, PTB and the test modules allocated: about 0.1 s a
    build, hundreds of builds. Freezing what exists once collection is done keeps those objects out of
    every later collection; what the tests allocate is collected as before."""
    gc.collect()
    gc.freeze()


@pytest.fixture
def seed_folder(tmp_path: Path) -> Path:
    """A knowledge folder holding only the bundled seed article."""
    return seed_only(tmp_path / "seed_only")


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """The seed plus copies of ``shared/eval/articles/*.txt`` (skipped when shared/ is absent)."""
    if not shared_articles():
        pytest.skip(f"shared test articles not found in {SHARED_ARTICLES}")
    folder = tmp_path / "knowledge"
    folder.mkdir()
    fill_seed_and_shared(folder)
    return folder


@pytest.fixture
async def opened_services() -> AsyncIterator[list[SearchService]]:
    """The services this test opened through ``open_service`` or ``open_prebuilt``; closed after it."""
    opened: list[SearchService] = []
    yield opened
    for service in opened:
        await service.close()


@pytest.fixture
def open_service(tmp_path: Path, opened_services: list[SearchService]) -> ServiceFactory:
    """Open a :class:`SearchService` on a fresh temp DB for a folder (closed after the test)."""

    async def factory(folder: Path) -> SearchService:
        db_path = tmp_path / f"db{len(opened_services)}" / "index.sqlite3"
        service = await SearchService.open(db_path, folder)
        opened_services.append(service)
        return service

    return factory


@pytest.fixture(scope="session")
def prebuilt(tmp_path_factory: pytest.TempPathFactory) -> Prebuilt:
    """Indexes built once per session, by name (:class:`~tests.support.services.Prebuilt`)."""
    return Prebuilt(tmp_path_factory)


@pytest.fixture
def open_prebuilt(prebuilt: Prebuilt, tmp_path: Path, opened_services: list[SearchService]) -> PrebuiltFactory:
    """Open a :class:`SearchService` on this test's copy of a prebuilt database (closed after the test).

    The service's knowledge folder is the shared one it was built from: for tests that only ask.
    """

    async def factory(name: str, fill: Fill) -> SearchService:
        db, folder = prebuilt.get(name, fill)
        copy = tmp_path / f"prebuilt{len(opened_services)}" / db.name
        copy.parent.mkdir()
        shutil.copy(db, copy)
        service = await SearchService.open(copy, folder)
        opened_services.append(service)
        return service

    return factory


@pytest.fixture
async def seed_answers(open_prebuilt: PrebuiltFactory) -> SearchService:
    """A service over the seed alone, on a copy of a database built once: for tests that only ask."""
    return await open_prebuilt("seed", seed_only)


@pytest.fixture
async def shared_answers(open_prebuilt: PrebuiltFactory) -> SearchService:
    """A service over the seed and the shared synthetic articles, built once: for tests that only ask."""
    if not shared_articles():
        pytest.skip(f"shared test articles not found in {SHARED_ARTICLES}")
    return await open_prebuilt("shared", fill_seed_and_shared)


@pytest.fixture
async def service(knowledge_dir: Path, open_service: ServiceFactory) -> SearchService:
    """A service over the seed and the shared synthetic articles."""
    return await open_service(knowledge_dir)


@pytest.fixture
async def seed_service(seed_folder: Path, open_service: ServiceFactory) -> SearchService:
    """A service over the seed alone (always available)."""
    return await open_service(seed_folder)


@pytest.fixture
async def harness(service: SearchService, tmp_path: Path) -> AsyncIterator[Harness]:
    """The real Application in process over ``service`` (the nearest one), its Bot API calls recorded."""
    async with started(service, settings(tmp_path)) as h:
        yield h


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """For a test that calls ``configure_logging``: the root logger's handlers and level, and the quietened
    libraries' levels, as they were before."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield None
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)
    for name in ("httpx", "httpcore", "apscheduler", "aiosqlite"):
        logging.getLogger(name).setLevel(logging.NOTSET)
