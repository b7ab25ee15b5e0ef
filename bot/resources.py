"""Where the bundled knowledge lives (inside the installed package, or the source checkout)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_knowledge_dir() -> Path:
    """The ``knowledge/`` folder shipped with the bot."""
    installed = _PACKAGE_DIR / "knowledge"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / "knowledge"
