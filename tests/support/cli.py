"""The command line (``python -m bot``) as a real process running this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, overload

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
