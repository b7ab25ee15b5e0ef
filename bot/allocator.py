"""The process's C heap: hand freed memory back to the OS after a build, keep it while answering.

Both are glibc settings (Linux); elsewhere they do nothing.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable
from typing import Any

# mallopt(3) parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# An answer's transient arrays (a few MB at 100k facts, tens at 1M) stay in the heap below these.
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 128 << 20


def _libc(name: str) -> Callable[..., Any] | None:
    try:
        return getattr(ctypes.CDLL(None), name)  # type: ignore[no-any-return]  # the process's own symbols
    except (OSError, AttributeError, TypeError):  # not glibc (macOS, musl, Windows)
        return None


def release_free_memory() -> None:
    """Hand the heap the build freed back to the OS (glibc only; elsewhere a no-op).

    A build leaves tens of MB of freed small objects in the C heap; without this the
    reload's next step (writing to SQLite) stacks its own buffers on top of them.
    """
    gc.collect()
    trim = _libc("malloc_trim")
    if trim is not None:
        trim(0)


def keep_freed_memory() -> bool:
    """Let the heap keep what a question frees, for the next question (glibc only; False elsewhere).

    By default glibc serves each array over a size it adapts (128 KB at first) with its own
    mmap, and hands the top of the heap back to the OS once a few MB of it are free. A question
    whose words are all common builds arrays of a few MB (every document they find); freed, they
    went back to the OS and were faulted in again, page by page, by the next such question:
    about 1,200 page faults and 2 ms of a 6 ms answer at 100k facts on the bench's machine.
    Below :data:`MMAP_THRESHOLD` arrays now come from the heap, and its top is trimmed only past
    :data:`TRIM_THRESHOLD` free (a reload's :func:`release_free_memory` still trims it all).
    """
    mallopt = _libc("mallopt")
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
