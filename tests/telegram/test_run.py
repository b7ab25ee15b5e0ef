from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.telegram.app import build_application, run_bot
from tests.support.articles import REPO_ROOT
from tests.support.cli import process_env, run_process


def test_run_without_token_exits_2_naming_botfather(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_bot(Settings(_env_file=None, bot_token=None)) == 2
    err = capsys.readouterr().err.strip()
    assert "@BotFather" in err
    assert "CCHC_BOT_TOKEN" in err
    assert "\n" not in err


def test_cli_run_without_token(tmp_path: Path) -> None:
    proc = run_process("run", env=process_env(), cwd=tmp_path, text=True)
    assert proc.returncode == 2
    assert "@BotFather" in proc.stderr


def test_build_application_uses_the_configured_api_url() -> None:
    app = build_application(Settings(_env_file=None, bot_token="1:x", bot_api_url="http://127.0.0.1:8081/"))
    assert app.bot.base_url == "http://127.0.0.1:8081/bot1:x"
    assert app.bot.base_file_url == "http://127.0.0.1:8081/file/bot1:x"


def test_importing_the_package_has_no_side_effects() -> None:
    code = "import bot.telegram.app, logging, sys; sys.exit(len(logging.getLogger().handlers))"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=60, check=False).returncode == 0
