"""Opening search services in the tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.service import SearchService

# The ``open_service`` fixture: a service over a knowledge folder, on a fresh database, closed after the test.
ServiceFactory = Callable[[Path], Awaitable[SearchService]]
