"""The shape of the code (docs/architecture.md): who may import whom, no private names across modules."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BOT = REPO / "bot"


def _module(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module(p): p for p in sorted(BOT.rglob("*.py"))}


def test_import_contracts_are_kept() -> None:
    """The layers and the forbidden imports of pyproject.toml ([tool.importlinter]).

    In a subprocess: import-linter configures logging for the whole process.
    """
    run = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
         "--config", "pyproject.toml", "--no-cache"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_no_module_imports_another_modules_private_names() -> None:
    modules = _modules()
    found: list[str] = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_aliases: set[str] = set()  # names bound to other bot modules in this one
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "bot":
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{name}: from {node.module} import {alias.name}")
                    if f"{node.module}.{alias.name}" in modules:
                        module_aliases.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.append(f"{name}: {node.value.id}.{node.attr}")
    assert found == []


def test_the_architecture_document_names_every_package_and_module() -> None:
    """docs/architecture.md is the map: every module of bot/ is on it, and nothing it names is gone."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(bot(?:/[a-z_]+)+(?:\.py)?/?)`", text))
    missing = [
        path.relative_to(REPO).as_posix()
        for path in sorted(BOT.rglob("*.py"))
        if path.name != "__init__.py"
        and path.relative_to(REPO).as_posix() not in named
        and f"{path.parent.relative_to(REPO).as_posix()}/" not in named
    ]
    assert missing == [], "modules missing from docs/architecture.md"
    gone = [n for n in named if not (REPO / n.rstrip("/")).exists()]
    assert gone == [], "docs/architecture.md names files that do not exist"
