"""Run ``python -m bot run`` as a separate process against an emulator."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

from devtools.emulator import BotApiEmulator
from tests.support.cli import bot_command, process_env, run_process

TOKEN = "777000111:E2E-secret-token-never-in-logs"
ADMIN = 501
# Put on a bot process's PYTHONPATH with TEST_FAKE_HOSTS=host=127.0.0.1: its sitecustomize resolves those hosts there.
FAKE_HOSTS = Path(__file__).resolve().parent / "fakehosts"


class BotProcess:
    def __init__(self, emu: BotApiEmulator, root: Path, **env: str) -> None:
        self.emu = emu
        self.root = root
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.logs: list[Path] = []

    def environment(self) -> dict[str, str]:
        env = process_env(
            CCHC_BOT_TOKEN=TOKEN,
            CCHC_BOT_API_URL=self.emu.url,
            CCHC_DB_PATH=str(self.root / "data" / "bot.sqlite3"),
            CCHC_KNOWLEDGE_DIR=str(self.root / "knowledge"),
            CCHC_ADMIN_IDS=str(ADMIN),
            CCHC_LOG_LEVEL="DEBUG",
            CCHC_USER_RATE_LIMIT="100",
            CCHC_USER_UPDATE_LIMIT="1000",  # test users send far more than a person would
        )
        env.update(self.env)
        return env

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Another ``python -m bot`` command with the same settings as the running bot."""
        return run_process(*args, env=self.environment(), cwd=self.root, text=True)

    def start(self, ready: str = "setMyCommands") -> None:
        env = self.environment()
        log = self.root / f"bot-{len(self.logs)}.log"
        self.logs.append(log)
        mark = self.emu.mark()
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                bot_command("run"), env=env, cwd=self.root, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            if ready == "setMyCommands":
                self.emu.wait_call("setMyCommands", lambda c: c.params["scope"]["type"] == "all_group_chats",
                                   since=mark, timeout=20)  # fmt: skip
            else:
                self.emu.wait_call(ready, since=mark, timeout=20)
        except AssertionError:
            self.stop()
            raise AssertionError(log.read_text(errors="replace")) from None

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return -9

    @contextlib.contextmanager
    def running(self) -> Iterator[BotProcess]:
        """Start the bot; on leaving, stop it and check it exited cleanly and never logged its token."""
        self.start()
        try:
            yield self
        finally:
            code = self.stop()
            assert code == 0, self.log_text()[-3000:]
            assert TOKEN.split(":")[1] not in self.log_text()

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs)
