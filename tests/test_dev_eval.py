"""The development question set, scored by the shared scorer through the real command line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT.parent / "shared" / "eval" / "score.py"

pytestmark = pytest.mark.skipif(not SCORER.is_file(), reason="shared/eval is not beside the checkout")


def test_dev_set_meets_the_issue_targets() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(SCORER), "--cli", f"{sys.executable} -m bot"],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=ROOT,
        check=True,
    ).stdout
    last = out.strip().splitlines()[-1]
    scores = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", last)}
    assert scores["top1"] >= 0.90, last
    assert scores["top3"] >= 0.95, last
    assert scores["declined"] >= 0.80, last
    assert scores["false_decline"] <= 0.05, last
