"""Issue 10, items 11 and 13: what a knowledge folder may hold without harm.

A huge file is refused before it is read; a symbolic link out of the folder is not followed
(its target would be served to users); 1,100 nested folders do not crash reload or ingest.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.config import Settings
from bot.formats.loader import MAX_FILE_BYTES, MAX_FOLDER_DEPTH
from bot.ingest import ingest
from bot.service import SearchService
from tests.support.articles import write_article

INSIDE = "https://tintuc-thu.example.vn/trong.html"
OUTSIDE = "https://tintuc-thu.example.vn/ngoai.html"


def _article(folder: Path, name: str, url: str, words: str) -> Path:
    return write_article(folder, name, title=f"Bài {words}", url=url,
                         paragraphs=[f"Nội dung về {words} ở bộ phận một cửa cấp xã."])  # fmt: skip


async def _reload(tmp_path: Path, knowledge: Path) -> tuple[list[str], dict[str, str]]:
    service = await SearchService.open(tmp_path / "db.sqlite3", knowledge)
    try:
        report = await service.reload()
        return [a.url for a in service.sources()], {Path(s.path).name: s.reason for s in report.skipped}
    finally:
        await service.close()


async def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    _article(knowledge, "a.txt", INSIDE, "thủ tục")
    with (knowledge / "huge.txt").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used; reading it would take 20 MB
    urls, skipped = await _reload(tmp_path, knowledge)
    assert urls == [INSIDE]
    assert skipped["huge.txt"] == f"file too large: {MAX_FILE_BYTES + 1:,} bytes (limit {MAX_FILE_BYTES:,})"


async def test_symbolic_links_out_of_the_folder_are_not_followed(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    outside = tmp_path / "outside"
    _article(knowledge, "a.txt", INSIDE, "thủ tục")
    secret = _article(outside, "secret.txt", OUTSIDE, "bí mật")
    (knowledge / "link.txt").symlink_to(secret)
    (knowledge / "folder-link").symlink_to(outside, target_is_directory=True)
    (knowledge / "loop").symlink_to(knowledge / "loop")
    urls, skipped = await _reload(tmp_path, knowledge)
    assert urls == [INSIDE]
    assert skipped["link.txt"] == "symbolic link to outside the knowledge folder: not followed"
    assert skipped["folder-link"] == "symbolic link to outside the knowledge folder: not followed"
    assert skipped["loop"] == "broken symbolic link: not followed"


async def test_deeply_nested_folders_do_not_crash_reload_or_ingest(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    _article(knowledge, "a.txt", INSIDE, "thủ tục")
    chain = [knowledge / "d"]
    for _ in range(1_099):  # one by one: os.makedirs itself recurses
        chain.append(chain[-1] / "d")
    for folder in chain:
        folder.mkdir()
    try:
        await _deep_reload_and_ingest(tmp_path, knowledge, chain[-1])
    finally:  # bottom up: pytest's own clean-up of old temporary folders recurses (shutil.rmtree)
        for folder in reversed(chain):
            for child in folder.iterdir():
                if not child.is_dir():
                    child.unlink()
            folder.rmdir()


async def _deep_reload_and_ingest(tmp_path: Path, knowledge: Path, deep: Path) -> None:
    _article(deep, "deep.txt", OUTSIDE, "sâu")
    _article(knowledge.joinpath(*["d"] * MAX_FOLDER_DEPTH), "ok.txt", "https://tintuc-thu.example.vn/vua.html", "vừa")
    urls, skipped = await _reload(tmp_path, knowledge)
    assert sorted(urls) == [INSIDE, "https://tintuc-thu.example.vn/vua.html"]
    assert skipped == {"d": f"folder nested more than {MAX_FOLDER_DEPTH} deep: not read"}
    settings = Settings(_env_file=None, db_path=tmp_path / "db.sqlite3", knowledge_dir=tmp_path / "copy")
    async with httpx.AsyncClient() as client:
        report = await ingest([str(knowledge)], settings.knowledge_dir, client, settings)
    assert report.written == 2
    assert [s.reason for s in report.skipped] == [f"folder nested more than {MAX_FOLDER_DEPTH} deep: not read"]
