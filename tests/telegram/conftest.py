from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.service import SearchService

REPO = Path(__file__).resolve().parents[2]
EVAL_ARTICLES = REPO / "eval" / "dev" / "articles"  # copies of shared/eval/articles
ARTICLE_URL = "http://baokontum.com.vn/thoi-su-chinh-tri/phien-hop-thu-bay-ban-chi-dao-cai-cach-hanh-chinh-cua-chinh-phu-37324.html"


def make_knowledge(folder: Path) -> Path:
    """The bundled seed plus the synthetic test articles (test data only, never shipped)."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in (REPO / "knowledge").iterdir():
        shutil.copy(f, folder / f.name)
    for f in sorted(EVAL_ARTICLES.glob("*.txt")):
        shutil.copy(f, folder / f"eval_{f.name}")
    return folder


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
