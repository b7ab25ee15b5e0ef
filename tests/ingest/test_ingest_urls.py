"""Ingesting http(s) URLs and feeds from a local server on 127.0.0.1, then answering from them."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.service import SearchService
from bot.web.fetch import make_client
from tests.support.sites import LocalSite, make_settings

KON_TUM = "https://baokontum.com.vn/thoi-su/kon-tum-day-manh-chuyen-doi-so-40001.html"
ONE_STOP = "https://baochinhphu.vn/bo-phan-mot-cua-cap-xa-rut-ngan-thoi-gian-102240501.htm"
QUANG_NINH = "https://baochinhphu.vn/quang-ninh-tro-ly-ao-thu-tuc-hanh-chinh-102240428.htm"


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_page_url_is_ingested_under_its_canonical_url_and_answers(
    site: LocalSite, service: SearchService, settings: Settings
) -> None:
    async with site.client(settings) as client:
        report = await service.ingest([site.on("baokontum.com.vn", "/page/kon-tum")], client, settings)
    assert report.added == [KON_TUM]
    answer = await service.ask("Kon Tum thí điểm ki-ốt tra cứu hồ sơ ở đâu")
    assert answer.answered
    assert answer.results[0].url == KON_TUM  # cited by the page's canonical URL (the same host)


async def test_xhtml_content_type_is_accepted(site: LocalSite, service: SearchService, settings: Settings) -> None:
    async with site.client(settings) as client:
        report = await service.ingest([site.on("baothanhhoa.vn", "/page/xhtml")], client, settings)
    assert report.added == ["https://baothanhhoa.vn/chi-so-hai-long-2023-210001.htm"]


async def test_feed_url_fetches_item_pages_and_falls_back_to_summaries(
    site: LocalSite, service: SearchService, settings: Settings
) -> None:
    async with site.client(settings) as client:
        report = await service.ingest([site.on("baochinhphu.vn", "/feed.rss")], client, settings)
    [target] = report.targets
    # item 1: its page was fetched (full text); item 2: its page is missing (404), the summary is used
    assert sorted(target.added) == [ONE_STOP, QUANG_NINH]
    assert site.hits["/bo-phan-mot-cua-cap-xa-rut-ngan-thoi-gian-102240501.htm"] == 1
    assert site.hits["/quang-ninh-tro-ly-ao-thu-tuc-hanh-chinh-102240428.htm"] == 1
    assert [(s.where, s.reason) for s in target.skipped] == [("item 3", "item has no http(s) link")]
    full = await service.ask("bộ phận một cửa các xã trả hồ sơ đúng hạn bao nhiêu phần trăm")
    assert full.answered
    assert full.results[0].url == ONE_STOP
    assert "99,2%" in full.results[0].text  # only the page has this sentence, not the feed summary
    summary = await service.ask("trợ lý ảo Quảng Ninh trả lời bao nhiêu lượt hỏi")
    assert summary.answered
    assert summary.results[0].url == QUANG_NINH


async def test_refusals_are_reported_and_nothing_is_written(site: LocalSite, tmp_path: Path, knowledge: Path) -> None:
    strict = make_settings(tmp_path, knowledge, allow_private_urls=False)
    service = await SearchService.open(strict.db_path, strict.knowledge_dir)
    try:
        before = _names(knowledge)
        async with make_client(strict) as client:
            report = await service.ingest([site.url("/page/kon-tum"), "ftp://example.vn/a.html"], client, strict)
        assert _names(knowledge) == before
        assert report.reload is None
        reasons = [s.reason for s in report.skipped]
        assert "loopback" in reasons[0]
        assert "CCHC_ALLOW_PRIVATE_URLS" in reasons[0]
        assert "only http and https" in reasons[1]
        assert site.hits == {}
    finally:
        await service.close()


async def test_failed_fetches_are_skipped_with_reasons(
    site: LocalSite, service: SearchService, settings: Settings
) -> None:
    targets = [site.url(p) for p in ("/image", "/loop-a", "/big-streamed", "/slow")]
    fast = settings.model_copy(update={"fetch_timeout_seconds": 0.5})
    async with make_client(fast) as client:
        report = await service.ingest(targets, client, fast)
    reasons = [s.reason for s in report.skipped]
    assert len(reasons) == 4
    assert "unexpected content type image/png" in reasons[0]
    assert "redirect loop" in reasons[1]
    assert "too large" in reasons[2]
    assert "timed out" in reasons[3]
    assert report.written == 0
