"""Answer quality on every question set kept in ``eval/``: the floors the shipped model must hold.

The model learned from these sets, so these are regression floors, not estimates: the honest
figures are the cross-validated ones in ``docs/quality.md`` (``python -m bench.fit``), and the
product is judged on sets kept outside the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.evalsets import SETS, build_snapshot, by_name
from bench.quality import Reply, evaluate, score
from bot.index.snapshot import Snapshot

REPO = Path(__file__).resolve().parents[1]

# set: (top1 >=, top3 >=, declined >=, false_decline <=)
FLOORS = {
    "dev": (0.875, 0.95, 0.6, 0.05),
    "holdout": (0.89, 0.97, 0.8, 0.03),
    "cchc-dev2": (0.77, 0.87, 0.7, 0.07),
    "xquad-dev": (0.74, 0.86, 0.85, 0.07),
    "xquad-dev-nodiac": (0.74, 0.86, 0.84, 0.07),
}


@pytest.fixture(scope="module")
def snapshots() -> dict[str, Snapshot]:
    built: dict[tuple[Path, ...], Snapshot] = {}
    out: dict[str, Snapshot] = {}
    for s in SETS:
        key = tuple(s.articles)
        if key not in built:
            built[key] = build_snapshot(s.article_files())
        out[s.name] = built[key]
    return out


def test_every_set_has_a_floor() -> None:
    assert set(FLOORS) == {s.name for s in SETS}


@pytest.mark.parametrize("name", list(FLOORS))
def test_set_holds_its_floor(name: str, snapshots: dict[str, Snapshot]) -> None:
    s = by_name([name])[0]
    result = evaluate(name, snapshots[name], s.load())
    top1, top3, declined, false_decline = FLOORS[name]
    got = result.scores
    assert got["top1"] >= top1, (got, result.errors)
    assert got["top3"] >= top3, got
    assert got["declined"] >= declined, got
    assert got["false_decline"] <= false_decline, got
    # Every decline says why, in the terms users are told.
    assert sum(result.reasons.values()) == round(got["declined"] * got["unanswerable"]) + round(
        got["false_decline"] * got["answerable"]
    )


@pytest.mark.slow
def test_the_command_line_gives_the_in_process_answers(tmp_path: Path, snapshots: dict[str, Snapshot]) -> None:
    """score.py's contract end to end: ``reload`` then ``ask --json`` on stdin, scored the same way."""
    s = by_name(["dev"])[0]
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for f in s.article_files():
        (knowledge / f.name).write_bytes(f.read_bytes())
    db = tmp_path / "kb.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cli = [sys.executable, "-m", "bot"]
    subprocess.run([*cli, "reload", "--knowledge", str(knowledge), "--db", str(db)], check=True, env=env,
                   capture_output=True, timeout=120)  # fmt: skip
    questions = s.load()
    proc = subprocess.run([*cli, "ask", "--db", str(db), "--json"], input="\n".join(q.q for q in questions) + "\n",
                          capture_output=True, text=True, check=True, env=env, timeout=120)  # fmt: skip
    objects = [json.loads(line) for line in proc.stdout.splitlines()]
    replies = [Reply(o["answered"], [(r["url"], r["text"]) for r in o["results"]], o.get("reason")) for o in objects]
    via_cli = score(questions, replies)
    in_process = evaluate("dev", snapshots["dev"], questions).scores
    for key in ("top1", "top3", "declined", "false_decline", "misses"):
        assert via_cli[key] == in_process[key], key
    assert all(o.get("reason") for o in objects if not o["answered"])


@pytest.mark.slow
def test_near_copies_do_not_drown_the_answer() -> None:
    """1,000 generated near-copies of the articles (other provinces, figures, people) loaded beside them."""
    s = by_name(["dev"])[0]
    result = evaluate("dev", build_snapshot(s.article_files(), near_copies=1000), s.load())
    got = result.scores
    assert got["top1_or_copy"] >= 0.75, got  # the answer, or the same sentence from a near-copy
    assert got["top1"] >= 0.55, got
    assert got["false_decline"] <= 0.1, got
