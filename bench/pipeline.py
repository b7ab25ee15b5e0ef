"""End-to-end throughput through the real Telegram pipeline - NOT WRITTEN YET.

Issue 5 also asks for questions per second through the bot as it runs in production:
updates in, ``sendMessage`` out, against the Bot API emulator the Telegram tests use
(being written in parallel), with 50 concurrent users, and the reply latency p50/p99.
Target: >= 300 answered questions/s on one core.

Plan for this module, once the emulator exists (keep :mod:`bench.worker` untouched):

* build a 10k-fact knowledge base with :func:`bench.corpus.write_corpus` and the question
  list with :func:`bench.questions.synthetic_questions`;
* start the emulator on 127.0.0.1 and ``run_bot(settings)`` in a fresh subprocess pinned
  to one core (``bench.worker.pin_to_one_core``), ``bot_api_url`` pointing at the emulator;
* 50 simulated users each push their next question as an update as soon as the previous
  reply's ``sendMessage`` arrives; reply latency = sendMessage time - update time;
* report ``{"users": 50, "questions": N, "qps": ..., "reply_ms": {"p50", "p95", "p99"}}``
  and let :mod:`bench.cli` print it under the table (``--pipeline``).
"""

from __future__ import annotations

NOT_MEASURED = "end-to-end pipeline throughput: not measured yet (bench/pipeline.py waits for the Bot API emulator)"


def available() -> bool:
    """Whether the end-to-end pipeline benchmark exists (not yet)."""
    return False
