"""``cchc-bot ask`` cold start: a fresh process answering one question from an already built database.

``python -m bench.coldstart --db FILE --knowledge DIR --question Q [--expect-url URL] [--runs 3]``

Run by :mod:`bench.cli` after a size's worker has built ``FILE`` and exited. Each run spawns
``python -m bot ask --json Q`` with ``CCHC_DB_PATH`` and ``CCHC_KNOWLEDGE_DIR`` set (as a deployment
would; ``--knowledge`` would add a listing of the sources to the work), times it from spawn to exit,
and reads the child's peak RSS from ``os.wait4``. The bot's modules are compiled to bytecode first, as
``pip install`` leaves an installed package, and the database flushed to disk (``os.sync``), so that
the runs do not wait behind the kernel writing back the file just built. The median of the runs is reported, and the median
of as many ``python -m bot ask --help`` (``cold_floor_s``: interpreter and imports, no database), so
that what the database adds is ``cold_ask_s - cold_floor_s``.

This launcher is itself a fresh, small process (it imports nothing heavy) pinned to one core; its
children inherit the pinning. That matters for the RSS: a child's ``ru_maxrss`` starts at the
high-water mark of the memory image it was forked from, so spawned from the bench's main process
(which holds the corpus) or from the worker (which held the index) it would report theirs.

It fails loudly (exit 1, a message on stderr) when the child did not answer the question from the
database that was built: non-zero exit, no JSON answer, not answered, another first result than
``--expect-url``, a changed index generation (it rebuilt), or a database created elsewhere (under
the scratch ``HOME``/``XDG_DATA_HOME`` it is given).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


class ColdStartError(RuntimeError):
    """The child did not answer from the database it was given."""


def pin_to_one_core() -> bool:
    if not hasattr(os, "sched_setaffinity"):
        return False
    try:
        os.sched_setaffinity(0, {0})
    except OSError:
        return False
    return True


def generation(db: Path) -> str | None:
    """The stored index's generation (``meta``), read without writing; None when there is none."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return str(row[0]) if row else None


def child_env(db: Path, knowledge: Path, scratch: Path) -> dict[str, str]:
    """The parent's environment without its ``CCHC_*`` settings, plus the database and knowledge folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_")}
    pythonpath = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return {**env, "PYTHONPATH": pythonpath, "CCHC_DB_PATH": str(db), "CCHC_KNOWLEDGE_DIR": str(knowledge),
            "HOME": str(scratch), "XDG_DATA_HOME": str(scratch / "data")}  # fmt: skip


def run_once(db: Path, knowledge: Path, question: str, scratch: Path) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds from spawn to exit, the child's peak RSS in MiB and its JSON answer."""
    cmd = [sys.executable, "-m", "bot", "ask", "--json", question]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # cwd: a folder without a .env file (the settings read one from the working directory)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=child_env(db, knowledge, scratch), cwd=scratch, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise ColdStartError(f"`{' '.join(cmd[1:])}` exited {proc.returncode}: {stderr.strip()[-2000:]}")
    lines = [line for line in stdout.splitlines() if line.strip()]
    try:
        answer: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise ColdStartError(f"no JSON answer from the child: {stdout[-500:]!r} {stderr[-1000:]!r}") from None
    rss_kib = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return wall, rss_kib / 1024, answer


def run_floor(scratch: Path, db: Path, knowledge: Path) -> float:
    """Wall seconds of ``python -m bot ask --help``: the interpreter and the CLI's imports, no database."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "ask", "--help"], env=child_env(db, knowledge, scratch), cwd=scratch,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    return time.perf_counter() - t0


def check_answer(answer: dict[str, Any], expect_url: str | None) -> None:
    if not answer.get("answered"):
        raise ColdStartError(f"the child did not answer (reason {answer.get('reason')!r}): wrong or empty database?")
    if expect_url is not None:
        first = (answer.get("results") or [{}])[0].get("url")
        if first != expect_url:
            raise ColdStartError(f"the child's first result is {first!r}, the worker's was {expect_url!r}")


def measure(db: Path, knowledge: Path, question: str, runs: int = 3, expect_url: str | None = None) -> dict[str, Any]:
    """Median wall seconds and peak RSS of ``runs`` cold ``cchc-bot ask`` processes (each checked)."""
    if not db.is_file():
        raise ColdStartError(f"no database at {db}: build it first")
    before = generation(db)
    if before is None:
        raise ColdStartError(f"{db} holds no index: build it first")
    # The bot's modules compiled to bytecode first, as `pip install` leaves them: where
    # PYTHONDONTWRITEBYTECODE is set (as on this machine), every run would compile them again.
    compiled = compileall.compile_dir(REPO_ROOT / "bot", quiet=1)
    # The build's writes flushed to disk first: a just-built file of a gigabyte is otherwise still
    # being written back by the kernel, and the runs' reads wait behind it (7.8 s for a first run at
    # 1M facts, against 0.74 s once written). How long the flush took is reported beside.
    started = time.perf_counter()
    if hasattr(os, "sync"):
        os.sync()
    synced = time.perf_counter() - started
    walls: list[float] = []
    rss: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cchc-cold-") as tmp:
        scratch = Path(tmp)
        for _ in range(runs):
            wall, peak, answer = run_once(db, knowledge, question, scratch)
            check_answer(answer, expect_url)
            walls.append(wall)
            rss.append(peak)
        floors = [run_floor(scratch, db, knowledge) for _ in range(runs)]
        strays = [p for p in scratch.rglob("*") if p.is_file()]
        if strays:
            raise ColdStartError(f"the child wrote files outside the database it was given: {strays[:5]}")
    after = generation(db)
    if after != before:
        raise ColdStartError(f"the index generation went from {before} to {after}: the child rebuilt it")
    return {
        "cold_ask_s": round(statistics.median(walls), 3),
        "cold_ask_runs_s": [round(w, 3) for w in walls],
        "cold_ask_rss_mb": round(statistics.median(rss), 1),
        "cold_ask_question": question,
        # the part of it that is start-up and imports alone (`ask --help`), whatever the database
        "cold_floor_s": round(statistics.median(floors), 3),
        "cold_ask_bytecode": bool(compiled),
        "cold_ask_sync_s": round(synced, 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.coldstart", description=__doc__.split("\n")[0] if __doc__ else None
    )
    ap.add_argument("--db", type=Path, required=True, help="an already built database")
    ap.add_argument("--knowledge", type=Path, required=True, help="the knowledge folder it was built from")
    ap.add_argument("--question", required=True)
    ap.add_argument("--expect-url", help="the first result's URL the answer must have")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, help="write the result (JSON) here instead of stdout")
    ap.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin to one core")
    args = ap.parse_args(argv)
    pinned = pin_to_one_core() if args.pin else False
    try:
        result = measure(args.db, args.knowledge, args.question, args.runs, args.expect_url)
    except ColdStartError as exc:
        print(f"cold start: {exc}", file=sys.stderr)
        return 1
    result["cold_ask_pinned"] = pinned
    text = json.dumps(result, ensure_ascii=False)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
