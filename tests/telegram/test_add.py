"""``/add <url>`` in process: the real Application, the production HTTP client over a mock transport."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.models import IngestReport, ReloadReport, SkippedFile, TargetReport
from bot.service import SearchService
from bot.telegram import render
from bot.telegram.app import build_application
from bot.telegram.menu import ADMIN_COMMANDS, PRIVATE_COMMANDS
from bot.web.fetch import make_client
from devtools.telegram_html import check_text
from tests.support import updates as up
from tests.support.fakes import RecordingRequest
from tests.support.harness import ADMIN, GROUP, USER, Harness, settings, started

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "telegram" / "binh_dinh_chu_ky_so.html"
PAGE = "https://baobinhdinh.vn/chu-ky-so.htm"
CANONICAL = "https://baobinhdinh.vn/viewer.aspx?macm=1&macmp=1&mabb=256871"
TITLE = "Bình Định cấp miễn phí chữ ký số cho người dân nộp hồ sơ trực tuyến"
QUESTION = "Bình Định cấp bao nhiêu chứng thư chữ ký số"


class Site:
    """What the mock transport serves, and every request it saw."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if str(request.url) == PAGE:
            return httpx.Response(
                200, content=FIXTURE.read_bytes(), headers={"Content-Type": "text/html; charset=utf-8"}
            )
        return httpx.Response(404, text="not found")


@pytest.fixture
async def own_service(built_db: tuple[Path, Path], tmp_path: Path) -> AsyncIterator[SearchService]:
    """A service over its own copy of the knowledge folder: /add writes into it."""
    db, knowledge = built_db
    shutil.copy(db, tmp_path / "add.sqlite3")
    shutil.copytree(knowledge, tmp_path / "knowledge")
    svc = await SearchService.open(tmp_path / "add.sqlite3", tmp_path / "knowledge")
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def site_harness(own_service: SearchService, tmp_path: Path) -> AsyncIterator[tuple[Harness, Site]]:
    site = Site()
    config: Settings = settings(tmp_path, knowledge_dir=own_service.knowledge_dir, allow_private_urls=True)
    async with (
        make_client(config, httpx.MockTransport(site.handle)) as client,
        started(own_service, config, http_client=client) as harness,
    ):
        yield harness, site


def html_of(harness: Harness) -> str:
    html = str(harness.sent()[-1]["text"])
    check_text(html, "HTML")  # what Telegram would accept
    return html


@pytest.mark.parametrize(
    "text",
    ["/add", "/add   ", "/add ftp://baobinhdinh.vn/a.htm", "/add baobinhdinh.vn/a.htm", "/add http://", f"/add {PAGE} {PAGE}",
     "/add javascript:alert(1)"],
)  # fmt: skip
async def test_add_without_one_http_url_explains_usage_and_fetches_nothing(
    site_harness: tuple[Harness, Site], text: str
) -> None:
    harness, site = site_harness
    await harness.feed(up.message(text, uid=ADMIN))
    html = html_of(harness)
    assert "Cách dùng" in html
    assert "<code>/add URL</code>" in html
    assert site.requests == []


async def test_add_refuses_non_admins_like_reload(site_harness: tuple[Harness, Site]) -> None:
    harness, site = site_harness
    await harness.feed(up.message(f"/add {PAGE}", uid=USER))
    await harness.feed(up.message("/reload", uid=USER))
    add_reply, reload_reply = harness.sent()
    assert add_reply["text"] == reload_reply["text"] == render.HELP_REFUSED
    assert site.requests == []


async def test_admin_add_reports_the_article_and_questions_find_it(
    site_harness: tuple[Harness, Site], own_service: SearchService
) -> None:
    harness, site = site_harness
    await harness.feed(up.message(QUESTION, uid=USER))
    assert "Chưa tìm thấy" in harness.last_text()

    await harness.feed(up.message(f"/add {PAGE}", uid=ADMIN))
    assert site.requests == [PAGE]
    assert [c.method for c in harness.request.calls].count("sendChatAction") == 1
    html = html_of(harness)
    assert "Đã thêm bài viết mới" in html
    assert "Thêm mới: 1 · Cập nhật: 0 · Không đổi: 0 · Bỏ qua: 0" in html
    assert f'<a href="{CANONICAL.replace("&", "&amp;")}">{TITLE}</a>' in html
    assert "Đã nạp lại dữ liệu" in html
    assert [p.name for p in own_service.knowledge_dir.glob("web_*.txt")] != []

    await harness.feed(up.message(QUESTION, uid=USER))
    answer = html_of(harness)
    assert "12.500" in answer
    assert f'<a href="{CANONICAL.replace("&", "&amp;")}">{TITLE}</a> — baobinhdinh.vn, 16/04/2024' in answer

    await harness.feed(up.message(f"/add {PAGE}", uid=ADMIN))  # the same page again: nothing changes
    again = html_of(harness)
    assert "không có gì thay đổi" in again
    assert "không cần nạp lại" in again


async def test_add_in_a_group_by_an_admin_replies_there(site_harness: tuple[Harness, Site]) -> None:
    harness, _site = site_harness
    await harness.feed(up.message(f"/add@cchc_test_bot {PAGE}", uid=ADMIN, chat_id=GROUP))
    sent = harness.sent()[-1]
    assert sent["chat_id"] == GROUP
    assert "Đã thêm bài viết mới" in sent["text"]


async def test_add_of_a_missing_page_says_why_and_keeps_the_index(
    site_harness: tuple[Harness, Site], own_service: SearchService
) -> None:
    harness, _site = site_harness
    before = len(own_service.sources())
    await harness.feed(up.message("/add https://baobinhdinh.vn/khong-co.htm", uid=ADMIN))
    html = html_of(harness)
    assert "Không thêm được bài viết nào" in html
    assert "https://baobinhdinh.vn/khong-co.htm: máy chủ trả lời HTTP 404 Not Found" in html
    assert len(own_service.sources()) == before


async def test_post_init_opens_the_http_client_and_post_shutdown_closes_it(
    service: SearchService, tmp_path: Path
) -> None:
    app = build_application(settings(tmp_path), service=service, request=RecordingRequest())
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        client = app.bot_data.http
        assert not client.is_closed
        assert app.bot_data.owns_http
        await app.post_shutdown(app)  # type: ignore[misc]
        assert client.is_closed
        assert app.bot_data.http_ is None


async def test_feeds_from_settings_are_scheduled_at_start(service: SearchService, tmp_path: Path) -> None:
    config = settings(tmp_path, feeds=("https://baobinhdinh.vn/rss/cchc.rss",), feed_refresh_minutes=30)
    app = build_application(config, service=service, request=RecordingRequest())
    async with app:
        assert app.job_queue is not None
        await app.post_init(app)  # type: ignore[misc]
        (job,) = app.job_queue.get_jobs_by_name("feed-refresh")
        assert job.job.trigger.interval.total_seconds() == 30 * 60
        await app.post_shutdown(app)  # type: ignore[misc]


def test_admin_menu_and_help_offer_add_only_to_admins() -> None:
    assert "add" in {c.command for c in ADMIN_COMMANDS}
    assert "add" not in {c.command for c in PRIVATE_COMMANDS}
    assert "/add URL" in render.help_html("b", [], admin=True)
    assert "/add" not in render.help_html("b", [], admin=False)


def test_ingest_report_is_escaped_valid_telegram_html() -> None:
    report = IngestReport(
        knowledge_dir="/k",
        targets=[
            TargetReport(
                target="https://x.vn/<a>",
                added=["https://x.vn/a?b=1&c=2"],
                skipped=[SkippedFile(path="https://x.vn/<b>", reason="unexpected content type <image/png> & more")],
            )
        ],
        reload=ReloadReport(knowledge_dir="/k", loaded=["https://x.vn/a?b=1&c=2"], facts=3, seconds=0.5),
    )
    html = render.ingest_html(report, {"https://x.vn/a?b=1&c=2": "Tin <mới> & hay"})
    plain, entities = check_text(html, "HTML")
    assert "Tin <mới> & hay" in plain
    assert "https://x.vn/<b>: unexpected content type <image/png> & more" in plain
    assert any(e.get("url") == "https://x.vn/a?b=1&c=2" for e in entities)
    many = report.model_copy(
        update={"targets": [report.targets[0].model_copy(update={"added": [f"https://x.vn/{i}" for i in range(500)]})]}
    )
    assert render.fits(render.ingest_html(many, {}))


def test_failed_reload_after_add_is_reported() -> None:
    report = IngestReport(knowledge_dir="/k", targets=[TargetReport(target="u", added=["https://x.vn/a"])],
                          reload_error="no article could be loaded")  # fmt: skip
    plain, _ = check_text(render.ingest_html(report, {}), "HTML")
    assert "Nạp lại thất bại" in plain
    assert "dữ liệu cũ vẫn được dùng" in plain
