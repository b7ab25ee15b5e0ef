"""The question sets, scored by the shared scorer through the real command line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT.parent / "shared" / "eval" / "score.py"
HOLDOUT = ROOT / "eval" / "holdout"

pytestmark = pytest.mark.skipif(not SCORER.is_file(), reason="shared/eval is not beside the checkout")


def score(*args: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(SCORER), "--cli", f"{sys.executable} -m bot", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=ROOT,
        check=True,
    ).stdout
    last = out.strip().splitlines()[-1]
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", last)}


def test_dev_set_meets_the_issue_targets() -> None:
    scores = score()
    assert scores["top1"] >= 0.90, scores
    assert scores["top3"] >= 0.95, scores
    assert scores["declined"] >= 0.80, scores
    assert scores["false_decline"] <= 0.05, scores


def test_held_out_set_generalises() -> None:
    """A set written without seeing the code: a little below the dev targets, but not far."""
    scores = score(
        "--questions",
        str(HOLDOUT / "questions.jsonl"),
        "--articles",
        str(ROOT / "tests" / "fixtures" / "eval_articles"),
        "--articles",
        str(HOLDOUT / "articles"),
    )
    assert scores["top1"] >= 0.85, scores
    assert scores["top3"] >= 0.93, scores
    assert scores["declined"] >= 0.80, scores
    assert scores["false_decline"] <= 0.05, scores
