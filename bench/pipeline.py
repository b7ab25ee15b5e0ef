"""End-to-end throughput through the real Telegram pipeline: updates in, ``sendMessage`` out.

``python -m bench --pipeline-only`` (or the last section of ``python -m bench``):

* the knowledge folder is the bundled seed plus the synthetic test articles
  (``eval/dev/articles``), the same one the Telegram tests use; with ``facts`` (``--pipeline-facts``),
  also generated articles (:func:`bench.corpus.write_corpus`) up to that many facts, indexed once
  before the bot starts from the stored index;
* the questions are paraphrased fact sentences (:func:`bench.questions.synthetic_questions`)
  that the search answers; the exact reply text of each is computed here first, through the
  same :class:`~bot.service.SearchService` and :func:`bot.telegram.render.answer_html`;
* the Bot API emulator the Telegram tests use (:mod:`devtools.emulator`) serves on
  127.0.0.1 in this process; ``python -m bot run`` runs as a separate process pointed at it
  (``CCHC_BOT_API_URL``), pinned to CPU 0 while this process is pinned to CPU 1;
* ``users`` simulated users in a closed loop: each asks its next question as soon as the
  reply to the previous one arrives. Every reply must be exactly the expected text, and
  exactly one per question (an extra or a wrong reply fails the run);
* reported: answered questions per second, reply latency p50/p95/p99 (update queued ->
  ``sendMessage`` received by the emulator), and the CPU time per question of the bot
  process (``/proc/<pid>/stat``) and of this process (emulator + driver), so the figure is
  honest on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpus import write_corpus
from bench.questions import synthetic_questions
from bot.formats.seed import article_facts, parse_article_file
from bot.resources import bundled_knowledge_dir
from bot.service import SearchService
from bot.telegram.handlers import PAGE
from bot.telegram.render import answer_html
from devtools.emulator import BotApiEmulator, Call
from devtools.telegram_html import check_text

REPO_ROOT = Path(__file__).resolve().parent.parent
EVAL_ARTICLES = REPO_ROOT / "eval" / "dev" / "articles"
TOKEN = "777000222:bench-pipeline-token"
FIRST_USER = 30_001
BOT_CPU = 0  # the bot process runs here; this process (emulator + users) on the other core
TARGET_QPS = 300.0


class PipelineError(RuntimeError):
    """The run did not finish correctly (a wrong, missing or extra reply, or the bot died)."""


@dataclass(frozen=True)
class Pair:
    question: str
    reply: str  # the plain text Telegram would show


def make_knowledge(folder: Path, facts: int = 0, seed: int = 20240202) -> Path:
    """The bundled seed and lexicons plus the synthetic eval articles (as in the Telegram tests);
    with ``facts``, generated articles on top until the folder holds about that many facts."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in bundled_knowledge_dir().iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    for f in sorted(EVAL_ARTICLES.glob("*.txt")):
        shutil.copy(f, folder / f"eval_{f.name}")
    if facts:
        with tempfile.TemporaryDirectory(prefix="cchc-pipeline-corpus-") as tmp:
            write_corpus(Path(tmp) / "corpus", facts, seed=seed)
            for f in sorted((Path(tmp) / "corpus").glob("syn_*.txt")):
                shutil.move(f, folder / f.name)
    return folder


async def _expected(db: Path, knowledge: Path, questions: list[str]) -> tuple[list[Pair], int]:
    service = await SearchService.open(db, knowledge)
    try:
        pairs: list[Pair] = []
        for q in questions:
            answer = await service.ask(q, limit=PAGE + 1)
            if answer.answered:
                plain, _ = check_text(answer_html(answer, 0, PAGE), "HTML")
                pairs.append(Pair(q, plain))
        snap = service.snapshot
        return pairs, 0 if snap is None else len(snap.facts)
    finally:
        await service.close()


def question_pairs(knowledge: Path, db: Path, n: int, seed: int) -> tuple[list[Pair], int]:
    """Up to ``n`` distinct answered questions with their exact expected reply, and the facts indexed
    (``db``: built here from ``knowledge`` when it does not exist, then left for the bot to start from)."""
    sentences = [f.text for p in sorted(knowledge.glob("*.txt")) for f in article_facts(parse_article_file(p))]
    questions = list(dict.fromkeys(q.q for q in synthetic_questions(sentences, n, seed=seed)))
    return asyncio.run(_expected(db, knowledge, questions))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``; 0.0 elsewhere)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pin(pid: int, cpus: set[int]) -> bool:
    if not hasattr(os, "sched_setaffinity") or not cpus <= os.sched_getaffinity(0):
        return False
    try:
        os.sched_setaffinity(pid, cpus)
    except OSError:
        return False
    return True


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class BotRun:
    """``python -m bot run`` against ``emu``, in ``root`` (its database, knowledge and log)."""

    DB_NAME = "bot.sqlite3"

    def __init__(self, emu: BotApiEmulator, root: Path, knowledge: Path, log_level: str) -> None:
        self.emu = emu
        self.log = root / "bot.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_")}
        env.update(
            PYTHONPATH=str(REPO_ROOT),
            CCHC_BOT_TOKEN=TOKEN,
            CCHC_BOT_API_URL=emu.url,
            CCHC_DB_PATH=str(root / self.DB_NAME),
            CCHC_KNOWLEDGE_DIR=str(knowledge),
            CCHC_LOG_LEVEL=log_level,
            CCHC_USER_RATE_LIMIT="100000",  # the flood guard is not what is measured
            CCHC_SEND_RATE_PER_SECOND="100000",  # nor Telegram's 30 messages/s overall limit
        )
        self.env = env
        self.root = root
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        mark = self.emu.mark()
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=self.env, cwd=self.root,
                                         stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        _pin(self.proc.pid, {BOT_CPU})
        try:
            self.emu.wait_call("setMyCommands", lambda c: c.params["scope"]["type"] == "all_group_chats",
                               since=mark, timeout=60)  # fmt: skip
        except AssertionError:
            self.stop()
            raise PipelineError(f"the bot did not start: {self.log_tail()}") from None

    def stop(self) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@dataclass
class Round:
    answered: int
    elapsed_s: float
    latencies_s: list[float]


def drive(emu: BotApiEmulator, pairs: list[Pair], users: int, per_user: int, max_seconds: float) -> Round:
    """Closed loop: each user asks, waits for the reply, checks it, asks the next question."""
    ids = [FIRST_USER + i for i in range(users)]
    asked = dict.fromkeys(ids, 0)
    pending: dict[int, tuple[Pair, float]] = {}
    latencies: list[float] = []
    cursor = emu.mark()

    def ask(user: int) -> None:
        pair = pairs[(asked[user] * 7 + user) % len(pairs)]
        asked[user] += 1
        pending[user] = (pair, time.monotonic())
        if not emu.say(user, pair.question):
            raise PipelineError("the emulator did not deliver a question")

    def check(call: Call) -> None:
        chat = int(call.params["chat_id"])
        if chat not in pending:
            raise PipelineError(f"a reply nobody asked for, to {chat}: {str(call.result['text'])[:120]!r}")
        pair, sent_at = pending.pop(chat)
        if call.result["text"] != pair.reply:
            raise PipelineError(f"wrong reply to {pair.question!r}: {str(call.result['text'])[:200]!r}")
        latencies.append(call.at - sent_at)

    started = time.monotonic()
    deadline = started + max_seconds
    for user in ids:
        ask(user)
    while pending and time.monotonic() < deadline:
        for call in emu.calls_after(cursor, timeout=min(1.0, max(0.0, deadline - time.monotonic()))):
            cursor += 1
            if not call.ok:
                raise PipelineError(f"the emulator refused {call.method}: {call.error}")
            if call.method != "sendMessage":
                continue
            chat = int(call.params["chat_id"])
            check(call)
            if asked[chat] < per_user and time.monotonic() < deadline:
                ask(chat)
    elapsed = time.monotonic() - started
    if pending:  # out of time: wait briefly for the ones in flight, then they count as lost
        for call in emu.calls_after(cursor, timeout=5.0):
            cursor += 1
            if call.ok and call.method == "sendMessage":
                check(call)
        if pending:
            raise PipelineError(f"{len(pending)} questions got no reply")
    time.sleep(0.3)
    extra = [c for c in emu.calls[cursor:] if c.method == "sendMessage"]
    if extra:
        raise PipelineError(f"{len(extra)} replies nobody asked for")
    return Round(len(latencies), elapsed, latencies)


def run(users: int = 50, per_user: int = 20, max_seconds: float = 60.0, distinct: int = 120, seed: int = 20240202,
        log_level: str = "INFO", workdir: Path | None = None, facts: int = 0) -> dict[str, Any]:  # fmt: skip
    """Start the emulator and the bot, warm up (one question per user), then measure one closed-loop round.

    ``facts``: the knowledge base also holds generated articles up to about that many facts.
    """
    with tempfile.TemporaryDirectory(prefix="cchc-pipeline-") as tmp:
        root = workdir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        knowledge = make_knowledge(root / "knowledge", facts, seed)
        # The expected replies come from the database the bot then starts from (no second build).
        t0 = time.perf_counter()
        pairs, n_facts = question_pairs(knowledge, root / BotRun.DB_NAME, distinct, seed)
        indexed_s = time.perf_counter() - t0
        if not pairs:
            raise PipelineError("no answered question to ask")
        pinned = (
            _pin(0, set(os.sched_getaffinity(0)) - {BOT_CPU} or {BOT_CPU})
            if hasattr(os, "sched_getaffinity")
            else False
        )
        emu = BotApiEmulator(TOKEN).start()
        bot = BotRun(emu, root, knowledge, log_level)
        try:
            bot.start()
            drive(emu, pairs, users, 1, max_seconds)  # warm-up
            bot_cpu0, own_cpu0 = cpu_seconds(bot.pid), time.process_time()
            result = drive(emu, pairs, users, per_user, max_seconds)
            bot_cpu = cpu_seconds(bot.pid) - bot_cpu0
            own_cpu = time.process_time() - own_cpu0
            if emu.rejections:
                raise PipelineError(f"the emulator refused calls: {[c.error for c in emu.rejections[:3]]}")
        finally:
            code = bot.stop()
            emu.stop()
        log = bot.log_tail(1_000_000)
        if code != 0 or "error while handling" in log:
            raise PipelineError(f"the bot failed (exit {code}): {log[-3000:]}")
    n = result.answered
    ms = [x * 1000 for x in result.latencies_s]
    return {
        "facts": n_facts,
        "indexed_and_expected_s": round(indexed_s, 1),
        "users": users,
        "questions": n,
        "distinct_questions": len(pairs),
        "seconds": round(result.elapsed_s, 2),
        "qps": round(n / result.elapsed_s, 1),
        "reply_ms": {
            "p50": round(percentile(ms, 50), 1),
            "p95": round(percentile(ms, 95), 1),
            "p99": round(percentile(ms, 99), 1),
            "max": round(max(ms), 1),
        },
        "bot_cpu_ms_per_question": round(bot_cpu * 1000 / n, 2),
        "bot_cpu_share": round(bot_cpu / result.elapsed_s, 2),  # of one core
        "bot_qps_per_core": round(n / bot_cpu, 1) if bot_cpu else None,
        "emulator_cpu_ms_per_question": round(own_cpu * 1000 / n, 2),
        "pinned": pinned,
        "log_level": log_level,
        "target_qps": TARGET_QPS,
        "met": n / result.elapsed_s >= TARGET_QPS,
    }


def summary(r: dict[str, Any]) -> str:
    lat = r["reply_ms"]
    return (
        f"bot pipeline ({r['facts']:,} facts): {r['questions']} questions from {r['users']} users in {r['seconds']} s = "
        f"{r['qps']} answered/s (target {r['target_qps']:.0f}: {'met' if r['met'] else 'MISSED'}); "
        f"reply p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms; "
        f"bot CPU {r['bot_cpu_ms_per_question']} ms/question ({r['bot_cpu_share']:.0%} of its core, "
        f"{r['bot_qps_per_core']} q/s per core), emulator+users CPU {r['emulator_cpu_ms_per_question']} ms/question"
    )
