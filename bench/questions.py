"""The fixed, mixed question list: paraphrased fact sentences plus the dev questions.

A synthetic question takes a window of a fact sentence and rewrites it the way phone
users type: without diacritics, with typos, with abbreviations, with words left out.
"""

from __future__ import annotations

import json
import random
import re
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.resources import bundled_knowledge_dir
from bot.text.normalize import fold

KINDS = ("exact", "no_diacritics", "typo", "abbrev", "dropped")
_ENDINGS = ("", "?", " là gì?", " bao nhiêu", " khi nào?", " ra sao", " thế nào?")
_LETTERS = "abcdeghiklmnopqrstuvxy"


@dataclass(frozen=True)
class Question:
    id: str
    q: str
    kind: str
    url: str | None = None  # dev questions: the answering article (None: unanswerable)
    expect: str | None = None  # dev questions: a verbatim piece of the answering sentence
    dev: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def load_dev(path: Path) -> list[Question]:
    out: list[Question] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(Question(id=d["id"], q=d["q"], kind=d["kind"], url=d["url"], expect=d["expect"], dev=True))
    return out


def abbreviation_forms() -> list[tuple[str, str]]:
    """(full form, abbreviation) from the bundled abbreviations table, longest first."""
    raw = tomllib.loads((bundled_knowledge_dir() / "abbreviations.toml").read_text(encoding="utf-8"))
    pairs: list[tuple[str, str]] = []
    for abbr, forms in raw.get("abbreviations", {}).items():
        for form in [forms] if isinstance(forms, str) else forms:
            pairs.append((form, abbr))
    pairs.sort(key=lambda p: len(p[0]), reverse=True)
    return pairs


def abbreviation_pairs() -> list[tuple[re.Pattern[str], str]]:
    """(full form pattern, abbreviation) from the bundled abbreviations table, longest first."""
    return [(re.compile(re.escape(form), re.IGNORECASE), abbr) for form, abbr in abbreviation_forms()]


def has_full_form(sentence: str, forms: Sequence[tuple[str, re.Pattern[str]]]) -> bool:
    """Whether a full form occurs in ``sentence`` (ignoring case), as ``any(pattern.search(sentence))``.

    A lower-case substring test first, the pattern only to confirm: the 81 case-insensitive
    searches per sentence took 10 s at 100k facts (100 s at 1M), this takes about a tenth.
    """
    low = sentence.lower()
    return any(form in low and pattern.search(sentence) for form, pattern in forms)


def _typo(words: list[str], rng: random.Random) -> list[str]:
    candidates = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
    for i in rng.sample(candidates, min(len(candidates), rng.choice((1, 2)))):
        w = words[i]
        j = rng.randrange(len(w))
        op = rng.randrange(3)
        if op == 0:
            words[i] = w[:j] + w[j + 1 :]  # a letter missing
        elif op == 1:
            words[i] = w[:j] + rng.choice(_LETTERS) + w[j + 1 :]  # a wrong letter
        else:
            words[i] = fold(w)  # tone marks lost on one word
    return words


def paraphrase(sentence: str, kind: str, rng: random.Random, abbrevs: Sequence[tuple[re.Pattern[str], str]]) -> str:
    marker = -1
    if kind == "abbrev":
        for pattern, abbr in abbrevs:
            if pattern.search(sentence):
                sentence = pattern.sub(f"\x00{abbr}", sentence, count=1)
                break
    words = re.sub(r"[,.;:()\"“”]", " ", sentence).split()
    marker = next((i for i, w in enumerate(words) if w.startswith("\x00")), -1)
    size = rng.randint(6, 12)
    if marker >= 0:
        words[marker] = words[marker][1:]
        start = max(0, min(marker - rng.randrange(size), len(words) - size))
    else:
        start = rng.randrange(max(1, len(words) - size + 1))
    window = words[start : start + size]
    if kind == "dropped" and len(window) > 6:
        for _ in range(rng.randint(1, 3)):
            window.pop(rng.randrange(len(window)))
    if kind == "typo":
        window = _typo(window, rng)
    text = " ".join(window) + rng.choice(_ENDINGS)
    if kind == "no_diacritics" or (kind == "abbrev" and marker < 0):
        text = fold(text)  # (nothing to abbreviate: typed without diacritics instead)
    return text


def synthetic_questions(sentences: Sequence[str], n: int, seed: int = 7) -> list[Question]:
    """``n`` questions from randomly chosen ``sentences``, the kinds in turn."""
    rng = random.Random(seed)
    abbrevs = abbreviation_pairs()
    usable = [s for s in sentences if len(s.split()) >= 6]
    forms = [(form.lower(), pattern) for (form, _), (pattern, _) in zip(abbreviation_forms(), abbrevs, strict=True)]
    with_abbrev = [s for s in usable if has_full_form(s, forms)] or usable
    out: list[Question] = []
    for i in range(n if usable else 0):
        kind = KINDS[i % len(KINDS)]
        sentence = rng.choice(with_abbrev if kind == "abbrev" else usable)
        out.append(Question(id=f"syn-{i:03d}", q=paraphrase(sentence, kind, rng, abbrevs), kind=kind))
    return out


def save(questions: Sequence[Question], path: Path) -> None:
    path.write_text(json.dumps([q.to_dict() for q in questions], ensure_ascii=False), encoding="utf-8")


def load(path: Path) -> list[Question]:
    return [Question(**d) for d in json.loads(path.read_text(encoding="utf-8"))]
