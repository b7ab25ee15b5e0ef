"""Where the test articles are, and synthetic articles written in the seed's line layout."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_KNOWLEDGE = REPO_ROOT / "knowledge"  # the bundled folder: the seed article and the lexicon files
SEED_NAME = "000_59dc86b630416615.txt"
SEED_PATH = SEED_KNOWLEDGE / SEED_NAME
SHARED_DIR = REPO_ROOT.parent / "shared"
# Copies of shared/eval/articles (synthetic, test data only), so the suite runs without shared/.
SHARED_ARTICLES = REPO_ROOT / "eval" / "dev" / "articles"
SEED_TITLE = "Phiên họp thứ bảy Ban Chỉ đạo Cải cách hành chính của Chính phủ"
SEED_QUESTION = "ai chu tri phien hop thu bay ban chi dao cchc"  # the seed answers it (Phạm Minh Chính)
SEED_URL = "http://baokontum.com.vn/thoi-su-chinh-tri/phien-hop-thu-bay-ban-chi-dao-cai-cach-hanh-chinh-cua-chinh-phu-37324.html"


def article_text(
    *,
    title: str,
    paragraphs: Sequence[str],
    url: str,
    published: datetime | str = "15/03/2024 08:30",
    site: str = "tintuc-thu.example.vn",
    views: int | None = 10,
    author: str | None = "Minh Anh",
    caption: str | None = None,
) -> str:
    """One article file's text in the seed layout (blank lines between items)."""
    date = published if isinstance(published, str) else f"{published:%d/%m/%Y %H:%M}"
    items: list[str] = [title]
    if views is not None:
        items.append(str(views))
    items += [site, date, paragraphs[0] if paragraphs else ""]
    if caption is not None:
        items += ["184503Quang%20c%E1%BA%A3nh%20h%E1%BB%99i%20ngh%E1%BB%8B......", caption]
    items += list(paragraphs[1:])
    if author is not None:
        items.append(author)
    items += ["", "Nguồn bài viết:", url]
    return "\n\n".join(items) + "\n"


def write_article(folder: Path, name: str, **fields: object) -> Path:
    """Write :func:`article_text` (same keyword arguments) to ``folder/name``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(article_text(**fields), encoding="utf-8")  # type: ignore[arg-type]
    return path


def seed_only(folder: Path) -> Path:
    """``folder`` (made) holding only the bundled seed article."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_PATH, folder / SEED_PATH.name)
    return folder


def make_knowledge(folder: Path) -> Path:
    """The bundled folder (seed and lexicon files) plus the synthetic test articles (test data only, never shipped)."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in SEED_KNOWLEDGE.iterdir():
        shutil.copy(f, folder / f.name)
    for f in sorted(SHARED_ARTICLES.glob("*.txt")):
        shutil.copy(f, folder / f"eval_{f.name}")
    return folder
