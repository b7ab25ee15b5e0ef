"""Refreshing the feeds listed in settings, on a schedule of the running bot (PTB's JobQueue).

The Telegram application calls :func:`schedule_feed_refresh` in its ``post_init``; each run
ingests every feed (new and changed articles written to the knowledge folder) and reloads
the service when anything changed, while questions keep being answered from the old index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from telegram.ext import CallbackContext, Job, JobQueue

from bot.config import Settings
from bot.models import IngestReport
from bot.service import SearchService
from bot.web.fetch import Resolver, make_client, system_resolver

log = logging.getLogger(__name__)

JOB_NAME = "feed-refresh"
ClientFactory = Callable[[Settings], httpx.AsyncClient]


async def refresh_feeds(
    service: SearchService,
    settings: Settings,
    client_factory: ClientFactory = make_client,
    resolver: Resolver = system_resolver,
) -> IngestReport | None:
    """Ingest every feed in ``settings.feeds`` and reload if anything changed; None when none is set."""
    if not settings.feeds:
        return None
    async with client_factory(settings) as client:
        report = await service.ingest(settings.feeds, client, settings, resolver=resolver)
    log.info(
        "feed refresh: %d added, %d updated, %d unchanged, %d skipped",
        len(report.added), len(report.updated), len(report.unchanged), len(report.skipped),
    )  # fmt: skip
    for skipped in report.skipped:
        log.warning("feed refresh skipped %s: %s", skipped.label, skipped.reason)
    if report.reload_error:
        log.error("feed refresh: reload failed, the previous index keeps serving: %s", report.reload_error)
    return report


def feed_refresh_callback(
    service: SearchService,
    settings: Settings,
    client_factory: ClientFactory = make_client,
    resolver: Resolver = system_resolver,
) -> Callable[[CallbackContext[Any, Any, Any, Any]], Any]:
    """The JobQueue callback: one refresh, failures logged (the next run tries again)."""

    async def run(context: CallbackContext[Any, Any, Any, Any]) -> None:
        try:
            await refresh_feeds(service, settings, client_factory, resolver)
        except Exception:
            log.exception("feed refresh failed; the previous index keeps serving")

    return run


def schedule_feed_refresh(
    job_queue: JobQueue[Any],
    service: SearchService,
    settings: Settings,
    *,
    first: float | timedelta = 30.0,
    client_factory: ClientFactory = make_client,
) -> Job[Any] | None:
    """Refresh ``settings.feeds`` every ``settings.feed_refresh_minutes``; None when no feed is set."""
    if not settings.feeds:
        return None
    for old in job_queue.get_jobs_by_name(JOB_NAME):
        old.schedule_removal()
    return job_queue.run_repeating(
        feed_refresh_callback(service, settings, client_factory),
        interval=timedelta(minutes=settings.feed_refresh_minutes),
        first=first,
        name=JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
