"""Issue 10, item 14: a full disk stopped even ``ask`` (a WAL database needs its ``-shm`` file to be read).

Proven for real: the database's folder is a 2 MB tmpfs filled to the last byte, in a private mount
namespace (``unshare -m``, as the read-only mount test does), so nothing outside the test is touched.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.articles import SEED_QUESTION
from tests.support.cli import run_on

FULL_MOUNT = (
    'mount -t tmpfs -o size=2M tmpfs "$0" && cp "$1" "$0/bot.sqlite3" '
    '&& { dd if=/dev/zero of="$0/fill" bs=4k 2>/dev/null; true; } && shift && exec "$@"'
)


def _full_disk(folder: Path, database: Path) -> tuple[str, ...]:
    """A command prefix: ``folder`` becomes a full 2 MB tmpfs holding a copy of ``database``."""
    return ("unshare", "-m", "sh", "-c", FULL_MOUNT, str(folder), str(database))


@pytest.fixture
def full_disks() -> None:
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not available")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=1M tmpfs "$0"', "/mnt"],
                           capture_output=True, timeout=10, check=False)  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {probe.stderr.decode(errors='replace').strip()}")


def test_ask_answers_read_only_when_the_disk_is_full(built: tuple[Path, Path], full_disks: None) -> None:
    db, knowledge = built
    source = db.parent.parent / "copy.sqlite3"
    shutil.copy(db, source)
    result = run_on(db, knowledge, "ask", SEED_QUESTION, prefix=_full_disk(db.parent, source))
    assert result.returncode == 0, result.stderr
    assert "Phạm Minh" in result.stdout
    assert "the disk may be full" in result.stderr
    assert "serving its index" in result.stderr
    assert "Traceback" not in result.stderr
