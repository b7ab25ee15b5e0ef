"""Progress bars for long work, on an interactive terminal only (rich); silent otherwise."""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class TerminalProgress:
    """``update(label, done, total)`` draws one bar per label while inside ``with``.

    Nothing is drawn when the stream is not a TTY (pipes, files, CI): the calls are no-ops.
    Safe to call from worker threads.
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        stream = stream or sys.stdout
        self.enabled = stream.isatty() if enabled is None else enabled
        self._lock = threading.Lock()
        self._tasks: dict[str, TaskID] = {}
        self._progress: Progress | None = None
        if self.enabled:
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=Console(file=stream), transient=True,
            )  # fmt: skip

    def __enter__(self) -> TerminalProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, label: str, done: int, total: int) -> None:
        if self._progress is None:
            return
        with self._lock:
            task = self._tasks.get(label)
            if task is None:
                task = self._tasks[label] = self._progress.add_task(label[:60], total=total)
            self._progress.update(task, completed=done, total=total)

    def files(self, done: int, total: int) -> None:
        """The reload's callback: files read so far."""
        self.update("Đọc tệp kiến thức", done, total)
