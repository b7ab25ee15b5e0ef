"""The scheduled feed refresh: scheduled on PTB's JobQueue, and its callback run against a local feed."""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import ApplicationBuilder, CallbackContext

from bot.config import Settings
from bot.service import SearchService
from bot.telegram.jobs import JOB_NAME, refresh_feeds, schedule_feed_refresh
from tests.support.sites import LocalSite

ONE_STOP = "https://baochinhphu.vn/bo-phan-mot-cua-cap-xa-rut-ngan-thoi-gian-102240501.htm"


async def test_job_is_scheduled_and_its_callback_adds_new_articles(
    site: LocalSite, service: SearchService, settings: Settings
) -> None:
    feeds = settings.model_copy(update={"feeds": (site.url("/feed.rss"),), "feed_refresh_minutes": 30})
    app = ApplicationBuilder().token("123456:TEST-TOKEN-NOT-REAL").build()
    assert app.job_queue is not None
    job = schedule_feed_refresh(app.job_queue, service, feeds, client_factory=site.client)
    assert job is not None
    assert [j.name for j in app.job_queue.get_jobs_by_name(JOB_NAME)] == [JOB_NAME]
    assert job.job.trigger.interval == timedelta(minutes=30)

    before = await service.ask("bộ phận một cửa các xã trả hồ sơ đúng hạn bao nhiêu phần trăm")
    assert not before.answered or before.results[0].url != ONE_STOP
    reloads = service.reloads
    await job.callback(CallbackContext.from_job(job, app))
    assert service.reloads == reloads + 1
    after = await service.ask("bộ phận một cửa các xã trả hồ sơ đúng hạn bao nhiêu phần trăm")
    assert after.answered
    assert after.results[0].url == ONE_STOP

    # the next run finds nothing new: no reload
    await job.callback(CallbackContext.from_job(job, app))
    assert service.reloads == reloads + 1


async def test_rescheduling_replaces_the_old_job(service: SearchService, settings: Settings) -> None:
    feeds = settings.model_copy(update={"feeds": ("https://baochinhphu.vn/rss/cchc.rss",)})
    app = ApplicationBuilder().token("123456:TEST-TOKEN-NOT-REAL").build()
    assert app.job_queue is not None
    schedule_feed_refresh(app.job_queue, service, feeds)
    schedule_feed_refresh(app.job_queue, service, feeds)
    live = [j for j in app.job_queue.get_jobs_by_name(JOB_NAME) if not j.removed]
    assert len(live) == 1


async def test_no_feeds_no_job_and_no_work(service: SearchService, settings: Settings) -> None:
    app = ApplicationBuilder().token("123456:TEST-TOKEN-NOT-REAL").build()
    assert app.job_queue is not None
    assert schedule_feed_refresh(app.job_queue, service, settings) is None
    assert await refresh_feeds(service, settings) is None


async def test_a_failing_refresh_keeps_the_index(service: SearchService, settings: Settings) -> None:
    feeds = settings.model_copy(update={"feeds": ("http://127.0.0.1:9/none.rss",)})  # nothing listens on port 9
    report = await refresh_feeds(service, feeds)
    assert report is not None
    assert report.written == 0
    assert "request failed" in report.skipped[0].reason
    answer = await service.ask("Phiên họp thứ bảy Ban Chỉ đạo cải cách hành chính")
    assert answer.answered
