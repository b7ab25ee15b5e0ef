"""Issue 10, newcomer items on Docker: what the Dockerfile itself must say (no daemon is needed to read it)."""

from __future__ import annotations

import json
import re

from tests.support.articles import REPO_ROOT

DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")


def _instructions(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.*)$", joined, re.MULTILINE)]


def test_no_frontend_fetched_from_the_network() -> None:
    assert "# syntax=" not in DOCKERFILE


def test_the_dependency_layer_does_not_depend_on_the_readme() -> None:
    first_copy = _instructions("COPY")[0]
    assert "README" not in first_copy
    assert "pyproject.toml" in first_copy


def test_the_user_has_a_fixed_group() -> None:
    [run] = [r for r in _instructions("RUN") if "useradd" in r]
    assert "groupadd --system --gid 10001 cchc" in run
    assert "--uid 10001 --gid 10001" in run


def test_articles_added_at_run_time_live_on_a_volume() -> None:
    [volume] = _instructions("VOLUME")
    assert set(json.loads(volume)) == {"/data", "/app/knowledge"}
    assert "CCHC_KNOWLEDGE_DIR=/app/knowledge" in DOCKERFILE
