"""The question sets kept in ``eval/`` and the knowledge base each one is asked against.

Every set is asked against the bundled seed article plus its own article folders, the way
``score.py`` (the steering team's scorer) builds it.  A set can also be asked with generated
near-copies of its articles loaded beside them (:func:`build_snapshot` ``near_copies``): the same
kind of fact stated for other provinces, years and people, which the answer must tell apart.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.questions import Question, load_dev
from bot.index.snapshot import Snapshot
from bot.resources import bundled_knowledge_dir
from bot.service import build_from_folder

EVAL_DIR = Path(__file__).resolve().parent.parent / "eval"


@dataclass(frozen=True)
class EvalSet:
    name: str
    questions: Path
    articles: tuple[Path, ...]
    about: str

    def load(self) -> list[Question]:
        return load_dev(self.questions)

    def article_files(self) -> list[Path]:
        files = sorted(bundled_knowledge_dir().glob("*.txt"))
        for folder in self.articles:
            files.extend(sorted(folder.glob("*.txt")))
        return files


_DEV = EVAL_DIR / "dev" / "articles"
SETS: tuple[EvalSet, ...] = (
    EvalSet("dev", EVAL_DIR / "dev" / "questions.jsonl", (_DEV,), "reform news, 45 questions over 4 articles"),
    EvalSet(
        "holdout",
        EVAL_DIR / "holdout" / "questions.jsonl",
        (_DEV, EVAL_DIR / "holdout" / "articles"),
        "reform news written without the code, 70 questions over 10 articles",
    ),
    EvalSet(
        "cchc-dev2",
        EVAL_DIR / "cchc-dev2" / "questions.jsonl",
        (_DEV, EVAL_DIR / "cchc-dev2" / "articles"),
        "reform news with near-miss unanswerables, 120 questions over 12 articles",
    ),
    EvalSet(
        "xquad-dev",
        EVAL_DIR / "xquad-dev" / "questions.jsonl",
        (EVAL_DIR / "xquad-dev" / "articles",),
        "XQuAD Vietnamese (Wikipedia), 623 questions over 19 articles, 147 about absent articles",
    ),
    EvalSet(
        "xquad-dev-nodiac",
        EVAL_DIR / "xquad-dev" / "questions_nodiac.jsonl",
        (EVAL_DIR / "xquad-dev" / "articles",),
        "the same XQuAD questions typed without diacritics",
    ),
)


def by_name(names: Sequence[str] | None = None) -> list[EvalSet]:
    if not names:
        return list(SETS)
    known = {s.name: s for s in SETS}
    missing = [n for n in names if n not in known]
    if missing:
        raise KeyError(f"unknown set(s) {', '.join(missing)}; known: {', '.join(known)}")
    return [known[n] for n in names]


def build_snapshot(files: Sequence[Path], near_copies: int = 0, seed: int = 11) -> Snapshot:
    """The snapshot of a knowledge folder holding ``files`` (and ``near_copies`` generated articles)."""
    from bench.corpus import write_corpus  # the generator is only needed for near-copies

    with tempfile.TemporaryDirectory(prefix="cchc-eval-") as tmp:
        folder = Path(tmp) / "knowledge"
        folder.mkdir()
        for path in files:
            shutil.copy(path, folder / path.name)
        if near_copies:
            # Variations of the set's own articles: same sentences, other provinces, numbers, people.
            write_corpus(Path(tmp) / "copies", near_copies * 40, seed=seed, templates_from=list(files))
            for i, path in enumerate(sorted((Path(tmp) / "copies").glob("syn_*.txt"))):
                if i >= near_copies:
                    break
                shutil.move(path, folder / path.name)
        return build_from_folder(folder).snapshot
