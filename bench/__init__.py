"""Benchmarks: build cost, query latency and answer quality at 1k-100k facts (``python -m bench``).

Not unit tests: a measuring tool.  :mod:`bench.corpus` writes deterministic synthetic
knowledge folders, :mod:`bench.questions` the fixed question list, :mod:`bench.worker`
measures one size in a fresh process pinned to one core, :mod:`bench.cli` runs the sizes
and prints/saves the results; :mod:`bench.peers` measures the optional peer engines
(tantivy, bm25s) on the same facts and questions.  End-to-end Telegram throughput lives in
:mod:`bench.pipeline` (``python -m bot run`` against the Bot API emulator).
"""
