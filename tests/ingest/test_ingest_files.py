"""Ingesting files and folders: normal-form files written, compared by URL and content, then reloaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.formats.normal import article_file_name
from bot.formats.seed import parse_article_file
from bot.ingest import ingest
from bot.service import ReloadError, SearchService
from tests.support.sites import FIXTURES, FIXTURES_V2

KON_TUM = "https://baokontum.com.vn/thoi-su/kon-tum-day-manh-chuyen-doi-so-40001.html"
ONE_STOP = "https://baochinhphu.vn/bo-phan-mot-cua-cap-xa-rut-ngan-thoi-gian-102240501.htm"
SEED = "http://baokontum.com.vn/thoi-su-chinh-tri/phien-hop-thu-bay-ban-chi-dao-cai-cach-hanh-chinh-cua-chinh-phu-37324.html"


def _offline_client() -> httpx.AsyncClient:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    return httpx.AsyncClient(transport=httpx.MockTransport(refuse))


async def test_ingest_html_writes_one_normal_form_file_and_reload_answers(
    service: SearchService, settings: Settings
) -> None:
    async with _offline_client() as client:
        report = await service.ingest([str(FIXTURES / "page_chuyen_doi_so.html")], client, settings)
    assert report.added == [KON_TUM]
    written = settings.knowledge_dir / article_file_name(KON_TUM)
    assert report.targets[0].files == [str(written)]
    stored = parse_article_file(written)  # the seed layout, read back by the seed parser
    assert stored.url_str == KON_TUM
    assert stored.author == "Nguyễn Văn An"
    assert report.reload is not None
    assert report.reload.added == [KON_TUM]
    assert report.reload.unchanged == [SEED]
    answer = await service.ask("tỷ lệ hồ sơ nộp trực tuyến ở Kon Tum năm 2023 đạt bao nhiêu")
    assert answer.answered
    assert answer.results[0].url == KON_TUM
    assert "62%" in answer.results[0].text


async def test_second_ingest_is_unchanged_and_writes_nothing(service: SearchService, settings: Settings) -> None:
    target = [str(FIXTURES / "page_chuyen_doi_so.html")]
    async with _offline_client() as client:
        await service.ingest(target, client, settings)
        reloads = service.reloads
        again = await service.ingest(target, client, settings)
    assert again.unchanged == [KON_TUM]
    assert again.written == 0
    assert service.reloads == reloads  # nothing changed: no reload


async def test_updated_article_replaces_its_older_version(service: SearchService, settings: Settings) -> None:
    async with _offline_client() as client:
        await service.ingest([str(FIXTURES / "page_chuyen_doi_so.html")], client, settings)
        report = await service.ingest([str(FIXTURES_V2 / "page_chuyen_doi_so.html")], client, settings)
    assert report.updated == [KON_TUM]
    assert report.reload is not None
    assert report.reload.updated == [KON_TUM]
    files = sorted(p.name for p in settings.knowledge_dir.glob("web_*.txt"))
    assert files == [article_file_name(KON_TUM)]  # rewritten in place, not a second copy
    answer = await service.ask("hồ sơ nộp trực tuyến Kon Tum tăng bao nhiêu so với năm trước")
    assert answer.answered
    assert answer.results[0].url == KON_TUM
    texts = " ".join(r.text for r in answer.results)
    assert "tăng 25%" in texts
    assert "tăng 20%" not in texts


async def test_same_content_under_another_url_is_skipped(service: SearchService, settings: Settings) -> None:
    async with _offline_client() as client:
        report = await service.ingest(
            [str(FIXTURES / "page_one_stop.html"), str(FIXTURES / "mirror_copy.jsonl")], client, settings
        )
    assert report.added == [ONE_STOP]
    [skipped] = report.targets[1].skipped
    assert "same content as " + ONE_STOP in skipped.reason


async def test_folder_ingest_reports_per_target_and_reload_rebuilds_the_same_index_from_files(
    tmp_path: Path, settings: Settings
) -> None:
    """Everything in the fixtures folder; the feed file's items are fetched, so the client is local-only."""

    def not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(not_found)) as client:
        report = await ingest([str(FIXTURES)], settings.knowledge_dir, client, settings)
    reasons = {(Path(s.path).name, s.where): s.reason for s in report.skipped}
    assert "binary data" in reasons[("binary_image.html", None)]
    assert "truncated" in reasons[("truncated_utf8.txt", None)]
    assert "invalid JSON" in reasons[("records.jsonl", "line 2")]
    assert ("feed_cchc.rss", "item 3") in reasons
    assert any("same content as" in r for r in reasons.values())  # the mirror copy
    assert any("also in" in r and "same_url_older.txt" in p for (p, _), r in reasons.items())
    assert KON_TUM in report.added
    assert ONE_STOP in report.added
    assert len(report.added) == 10  # 11 distinct URLs less the mirror copy
    assert not report.updated  # each URL once: the fullest, newest version
    kon_tum = parse_article_file(settings.knowledge_dir / article_file_name(KON_TUM))
    assert kon_tum.author == "Nguyễn Văn An"  # the page, not the early short version
    # the folder alone (seed + written files) gives the same index a second, fresh database does
    db1 = await SearchService.open(tmp_path / "one.sqlite3", settings.knowledge_dir)
    db2 = await SearchService.open(tmp_path / "two.sqlite3", settings.knowledge_dir)
    try:
        assert db1.snapshot is not None
        assert db2.snapshot is not None
        rows1 = [(a.url, a.content_hash) for a in db1.snapshot.articles]
        rows2 = [(a.url, a.content_hash) for a in db2.snapshot.articles]
        assert rows1 == rows2
        assert len(rows1) == 11
        # and every ingested file reproduces exactly the article that was ingested
        loaded = {a.url for a in db1.snapshot.articles}
        assert set(report.added) <= loaded
    finally:
        await db1.close()
        await db2.close()


async def test_reload_report_per_source_and_removed(service: SearchService, settings: Settings) -> None:
    shutil.copy(FIXTURES / "records.jsonl", settings.knowledge_dir / "records.jsonl")
    report = await service.reload()
    [records] = [s for s in report.sources if s.path.endswith("records.jsonl")]
    assert len(records.added) == 2
    assert [s.where for s in records.skipped] == ["line 2", "line 3"]
    assert report.unchanged == [SEED]
    (settings.knowledge_dir / "records.jsonl").unlink()
    report = await service.reload()
    assert sorted(report.removed) == sorted(records.added)


async def test_failed_reload_keeps_the_previous_index(service: SearchService, settings: Settings) -> None:
    before = await service.ask("Phiên họp thứ bảy Ban Chỉ đạo cải cách hành chính")
    assert before.answered
    for path in settings.knowledge_dir.glob("*.txt"):
        path.write_bytes(b"\x00\x01 broken")
    with pytest.raises(ReloadError) as info:
        await service.reload()
    assert info.value.report is not None
    assert info.value.report.skipped
    after = await service.ask("Phiên họp thứ bảy Ban Chỉ đạo cải cách hành chính")
    assert after.answered
    assert after.results[0].url == before.results[0].url


async def test_unwritable_knowledge_folder_is_reported_not_raised(settings: Settings, tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / article_file_name(KON_TUM)).mkdir()  # a folder where the file should go: replace fails
    async with _offline_client() as client:
        report = await ingest([str(FIXTURES / "page_chuyen_doi_so.html")], blocked, client, settings)
    assert report.written == 0
    assert "cannot write" in report.skipped[0].reason


async def test_ingest_indexes_only_what_it_wrote_never_the_whole_folder(
    service: SearchService, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_full_rebuild(*args: object, **kwargs: object) -> None:
        raise AssertionError("ingest rebuilt the whole index")

    def no_folder_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("ingest read the whole knowledge folder")

    monkeypatch.setattr(service, "reload", no_full_rebuild)
    monkeypatch.setattr("bot.ingest.load_folder", no_folder_scan)  # the serving index says what is known
    async with _offline_client() as client:
        report = await service.ingest([str(FIXTURES / "page_chuyen_doi_so.html")], client, settings)
    assert report.reload_error is None
    assert report.added == [KON_TUM]
    assert report.reload is not None
    assert report.reload.added == [KON_TUM]
    assert SEED in report.reload.unchanged
    answer = await service.ask("Kon Tum đẩy mạnh chuyển đổi số")
    assert answer.answered
    assert answer.results[0].url == KON_TUM
