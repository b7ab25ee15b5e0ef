"""The command line (``python -m bot``): in this process, as a subprocess would see it, or as a real process.

Most command-line tests call :func:`bot.cli.main` here (:func:`run_in_process`), which is several times
faster than starting an interpreter; a few end-to-end ones keep a real process (:func:`run_process`)
for what only a process shows: the environment read at start-up, real standard streams and exit codes.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

import pytest

from bot.cli import main
from tests.support.articles import REPO_ROOT


def bot_command(*args: str) -> list[str]:
    """``python -m bot *args`` with this interpreter."""
    return [sys.executable, "-m", "bot", *args]


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a ``python -m bot`` process running this checkout: ours without ``CCHC_*``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(extra)
    return env


def home_env(home: Path, **extra: str) -> dict[str, str]:
    """``process_env`` with ``home`` as the user's home and data folder (the default database lives there)."""
    return process_env(HOME=str(home), XDG_DATA_HOME=str(home), **extra)


def db_env(db: Path, knowledge: Path, **extra: str) -> dict[str, str]:
    """``process_env`` with the database and the knowledge folder set (``CCHC_DB_PATH``, ``CCHC_KNOWLEDGE_DIR``)."""
    return process_env(CCHC_DB_PATH=str(db), CCHC_KNOWLEDGE_DIR=str(knowledge), **extra)


@overload
def run_process(
    *args: str,
    env: Mapping[str, str],
    cwd: Path | None = ...,
    stdin: bytes | int | None = ...,
    text: Literal[False] = ...,
    timeout: float = ...,
    prefix: tuple[str, ...] = ...,
) -> subprocess.CompletedProcess[bytes]: ...
@overload
def run_process(
    *args: str,
    env: Mapping[str, str],
    cwd: Path | None = ...,
    stdin: int | None = ...,
    text: Literal[True],
    timeout: float = ...,
    prefix: tuple[str, ...] = ...,
) -> subprocess.CompletedProcess[str]: ...
def run_process(
    *args: str,
    env: Mapping[str, str],
    cwd: Path | None = None,
    stdin: bytes | int | None = None,
    text: bool = False,
    timeout: float = 60,
    prefix: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[bytes] | subprocess.CompletedProcess[str]:
    """``python -m bot *args`` as a real process (after the command ``prefix``, if any); its output captured.

    ``stdin``: bytes to write, a file descriptor (such as ``subprocess.DEVNULL``), or none: ours.
    """
    command = [*prefix, *bot_command(*args)]
    if isinstance(stdin, bytes):
        return subprocess.run(command, input=stdin, capture_output=True, env=dict(env), cwd=cwd, timeout=timeout,
                              check=False)  # fmt: skip
    return subprocess.run(command, stdin=stdin, capture_output=True, text=text, env=dict(env), cwd=cwd,
                          timeout=timeout, check=False)  # fmt: skip


def run_on(
    db: Path, knowledge: Path, *args: str, prefix: tuple[str, ...] = (), **extra: str
) -> subprocess.CompletedProcess[str]:
    """A real process with :func:`db_env` (after the command ``prefix``, such as a mount namespace)."""
    return run_process(*args, env=db_env(db, knowledge, **extra), prefix=prefix, text=True)


@dataclass
class _Streams:
    """Standard streams as a process has them: bytes underneath, UTF-8 text on top."""

    stdin: bytes

    def __post_init__(self) -> None:
        self._out, self._err = io.BytesIO(), io.BytesIO()
        self.stdin_text = io.TextIOWrapper(io.BytesIO(self.stdin), encoding="utf-8")
        self.stdout_text = io.TextIOWrapper(self._out, encoding="utf-8", write_through=True)
        self.stderr_text = io.TextIOWrapper(self._err, encoding="utf-8", errors="backslashreplace", write_through=True)

    def output(self) -> tuple[bytes, bytes]:
        for stream in (self.stdout_text, self.stderr_text):
            if not stream.closed:
                stream.flush()
        return self._out.getvalue(), self._err.getvalue()


@overload
def run_in_process(
    *args: str, env: Mapping[str, str], cwd: Path, stdin: bytes = ..., text: Literal[False] = ...
) -> subprocess.CompletedProcess[bytes]: ...
@overload
def run_in_process(
    *args: str, env: Mapping[str, str], cwd: Path, stdin: bytes = ..., text: Literal[True]
) -> subprocess.CompletedProcess[str]: ...
def run_in_process(
    *args: str, env: Mapping[str, str], cwd: Path, stdin: bytes = b"", text: bool = False
) -> subprocess.CompletedProcess[bytes] | subprocess.CompletedProcess[str]:
    """``bot.cli.main(args)`` here, seeing what ``python -m bot *args`` would see.

    The environment is ours without ``CCHC_*``, plus ``env``; the working directory is ``cwd`` (where
    ``.env`` is read); standard input holds ``stdin``; standard output and error are captured as
    bytes. Log records at WARNING and above are written to standard error as a process without
    logging configured does (``logging.lastResort``). An exit through ``SystemExit`` (argparse) gives
    its code; any other exception propagates and fails the test, where a process would have printed
    a traceback.
    """
    streams = _Streams(stdin)
    root = logging.getLogger()
    with pytest.MonkeyPatch.context() as mp:
        for name in [k for k in os.environ if k.startswith("CCHC_")]:
            mp.delenv(name)
        for name, value in env.items():
            mp.setenv(name, value)
        mp.chdir(cwd)
        mp.setattr(sys, "stdin", streams.stdin_text)
        mp.setattr(sys, "stdout", streams.stdout_text)
        mp.setattr(sys, "stderr", streams.stderr_text)
        assert logging.lastResort is not None
        root.addHandler(logging.lastResort)
        try:
            code: int | str | None = main(list(args))
        except SystemExit as exc:
            code = exc.code
        finally:
            root.removeHandler(logging.lastResort)
    if isinstance(code, str):  # as the interpreter does with sys.exit("message")
        streams.stderr_text.write(code + "\n")
        code = 1
    out, err = streams.output()
    returncode = 0 if code is None else code
    if text:
        return subprocess.CompletedProcess(list(args), returncode, out.decode(), err.decode())
    return subprocess.CompletedProcess(list(args), returncode, out, err)


@dataclass
class Cli:
    """``python -m bot`` with a temp database and a fresh home (also the working directory)."""

    db: Path
    home: Path

    def run(
        self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """In this process (:func:`run_in_process`)."""
        extra = {"HOME": str(self.home), "XDG_DATA_HOME": str(self.home), **(env or {})}
        return run_in_process(*args, env=extra, cwd=self.home, stdin=stdin or b"")

    def run_process(
        self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[bytes]:
        """As a real process (:func:`run_process`)."""
        env = home_env(self.home, **(env or {}))
        return run_process(*args, env=env, cwd=self.home, stdin=stdin or b"", timeout=timeout)
