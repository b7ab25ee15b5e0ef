"""``cchc-bot ingest`` as a program, and the terminal progress bars."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.cli import format_report
from bot.models import ReloadReport, SkippedFile, SourceReport
from bot.progress import TerminalProgress

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_cli_ingest_then_reload_rebuilds_the_same_index(tmp_path: Path, knowledge: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    targets = [str(FIXTURES / "page_chuyen_doi_so.html"), str(FIXTURES / "records.jsonl"), str(tmp_path / "nope.html")]
    done = _run("ingest", "--knowledge", str(knowledge), "--db", str(db), *targets, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "3 added, 0 updated, 0 unchanged, 3 skipped" in out
    assert "line 2" in out
    assert "invalid JSON" in out
    assert "no such file or folder" in out
    assert "\x1b[" not in out  # not a terminal: no progress bars or colours
    sources = _run("sources", "--json", "--knowledge", str(knowledge), "--db", str(db), cwd=tmp_path)
    urls = sorted(json.loads(line)["url"] for line in sources.stdout.splitlines())
    assert len(urls) == 4
    # the folder alone gives the same articles to a fresh database
    again = _run("reload", "--knowledge", str(knowledge), "--db", str(tmp_path / "fresh.sqlite3"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    fresh = _run("sources", "--json", "--knowledge", str(knowledge), "--db", str(tmp_path / "fresh.sqlite3"),
                 cwd=tmp_path)  # fmt: skip
    assert sorted(json.loads(line)["url"] for line in fresh.stdout.splitlines()) == urls
    # reloading the first database again: everything unchanged
    same = _run("reload", "--knowledge", str(knowledge), "--db", str(db), cwd=tmp_path)
    assert "0 added, 0 updated, 4 unchanged, 0 removed" in same.stdout


def test_cli_ingest_of_nothing_usable_fails(tmp_path: Path, knowledge: Path) -> None:
    done = _run("ingest", "--knowledge", str(knowledge), "--db", str(tmp_path / "x.sqlite3"),
                str(FIXTURES / "binary_image.html"), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert "binary data" in done.stdout
    assert "nothing could be ingested" in done.stderr


def test_format_report_lists_changes_per_source() -> None:
    report = ReloadReport(
        knowledge_dir="k", loaded=["u1", "u2"], facts=9, added=["u1"], updated=["u2"], removed=["u0"],
        sources=[SourceReport(path="k/a.jsonl", added=["u1"], updated=["u2"],
                              skipped=[SkippedFile(path="k/a.jsonl", where="line 4", reason="invalid JSON")])],
        skipped=[SkippedFile(path="k/a.jsonl", where="line 4", reason="invalid JSON")],
    )  # fmt: skip
    text = format_report(report)
    assert "1 added, 1 updated, 0 unchanged, 1 removed" in text
    assert "k/a.jsonl: 1 added, 1 updated, 1 skipped" in text
    assert "    + u1" in text
    assert "    ~ u2" in text
    assert "k/a.jsonl (line 4): invalid JSON" in text
    assert "Removed (1, no longer in any file):\n  - u0" in text  # under its own heading, not a file's


class _FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_only() -> None:
    pipe = io.StringIO()
    with TerminalProgress(pipe) as progress:
        progress.update("Đọc tệp", 1, 2)
    assert not progress.enabled
    assert pipe.getvalue() == ""
    tty = _FakeTty()
    with TerminalProgress(tty) as progress:
        progress.update("Đọc tệp", 2, 2)
    assert progress.enabled
    assert "2/2" in tty.getvalue()
