"""The default knowledge folder: beside the database, writable, made from the bundled articles on first use.

Articles that ``ingest``, ``/add`` and feeds write must not land inside the installed package (a
virtualenv's or a system's site-packages). When ``CCHC_KNOWLEDGE_DIR`` (or ``--knowledge``) is not
given, the knowledge folder is ``<database folder>/knowledge``; the first command that needs it
creates it as a copy of the bundled articles. Later releases' bundled articles are not merged into
an existing folder: copy them in by hand, or remove the folder to start again from the bundle.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from bot.config import Settings
from bot.resources import bundled_knowledge_dir

log = logging.getLogger(__name__)


def ensure_knowledge_dir(settings: Settings) -> Path:
    """``settings.knowledge_dir``, created from the bundled articles when it is the default one and missing."""
    folder = settings.knowledge_dir
    if not settings.default_knowledge or folder.exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".knowledge-", dir=folder.parent))
    try:
        shutil.copytree(bundled_knowledge_dir(), staging, dirs_exist_ok=True)
        staging.rename(folder)  # atomic: never a half-copied folder
    except FileExistsError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not folder.is_dir():
            raise
    log.info("created the knowledge folder %s from the bundled articles", folder)
    return folder
