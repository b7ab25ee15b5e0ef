"""Abbreviations and the English glossary: phrase tables applied to token runs.

Both tables map a folded token sequence (``("tthc",)``, ``("par", "index")``) to the
folded token sequences of its full forms.  Abbreviations are expanded on both sides
(stored facts and questions), so either wording finds the other; the English
glossary is applied to questions that read as English.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.text.normalize import clean, fold, has_vietnamese_marks, tokens, tone_canonical

ABBREVIATIONS_FILE = "abbreviations.toml"
GLOSSARY_FILE = "glossary_en.toml"
SYNONYMS_FILE = "synonyms.toml"
PLACES_FILE = "places.toml"
BODIES_FILE = "bodies.toml"
CHAT_FILE = "chat.toml"

Phrase = tuple[str, ...]
_WORD = re.compile(r"\w+")  # a word of a question, for the chat shorthand (digits and letters together: "10k")

# Words that mark a question as English (none is a common unaccented Vietnamese syllable).
_ENGLISH_MARKERS = frozenset(
    "how many much what which who whom whose when where why does did do is are was were has have "
    "of and with for from into about the by been their there this that these those".split()
)
_VIETNAMESE_COLLISIONS = frozenset({"the", "do", "by"})


class LexiconError(ValueError):
    """An abbreviations or glossary file that cannot be used."""


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    expansions: tuple[Phrase, ...] = ()


@dataclass(frozen=True)
class PhraseTable:
    """Longest-match phrase replacement over token sequences."""

    entries: Mapping[Phrase, tuple[Phrase, ...]] = field(default_factory=dict)
    max_len: int = 1
    # Each key as written (tone-canonical), to tell "số" from "sợ" when the user typed diacritics.
    written: Mapping[Phrase, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Sequence[str]]) -> PhraseTable:
        entries: dict[Phrase, tuple[Phrase, ...]] = {}
        written: dict[Phrase, set[str]] = {}
        for key, values in raw.items():
            k = tuple(tokens(key))
            if not k:
                continue
            vals = [values] if isinstance(values, str) else list(values)
            expansions = tuple(tuple(tokens(v)) for v in vals if tokens(str(v)))
            if expansions:
                entries[k] = tuple(dict.fromkeys(entries.get(k, ()) + expansions))
                written.setdefault(k, set()).add(tone_canonical(key))
        return cls(
            entries=entries,
            max_len=max((len(k) for k in entries), default=1),
            written={k: frozenset(v) for k, v in written.items()},
        )

    def written_as(self, key: Phrase, accented: str) -> bool:
        """Whether ``accented`` (tone-canonical words) is how the entry ``key`` is written."""
        forms = self.written.get(key)
        return forms is None or accented in forms

    def merged(self, other: PhraseTable) -> PhraseTable:
        entries = {**self.entries, **other.entries}
        written = {**self.written, **other.written}
        return PhraseTable(entries=entries, max_len=max(self.max_len, other.max_len), written=written)

    @functools.cached_property
    def _trie(self) -> _Node:
        """The keys as a trie: one dict lookup per word of a text instead of one per phrase length."""
        root = _Node()
        for key, expansions in self.entries.items():
            node = root
            for tok in key:
                node = node.children.setdefault(tok, _Node())
            node.expansions = expansions
        return root

    def find(self, toks: Sequence[str]) -> list[tuple[int, int, tuple[Phrase, ...]]]:
        """Non-overlapping (start, end, expansions) matches, longest first, left to right."""
        out: list[tuple[int, int, tuple[Phrase, ...]]] = []
        root = self._trie
        i = 0
        n = len(toks)
        while i < n:
            node = root.children.get(toks[i])
            best: tuple[int, tuple[Phrase, ...]] | None = None
            j = i
            while node is not None:
                j += 1
                if node.expansions:
                    best = (j, node.expansions)
                node = node.children.get(toks[j]) if j < n else None
            if best is None:
                i += 1
            else:
                out.append((i, best[0], best[1]))
                i = best[0]
        return out

    def to_json(self) -> dict[str, list[list[object]]]:
        """A JSON-able form that :meth:`from_json` restores exactly (folded keys, written forms)."""
        return {
            "entries": [[list(k), [list(v) for v in vals], sorted(self.written.get(k, ()))]
                        for k, vals in self.entries.items()]
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Sequence[Sequence[object]]]) -> PhraseTable:
        entries: dict[Phrase, tuple[Phrase, ...]] = {}
        written: dict[Phrase, frozenset[str]] = {}
        for key, vals, forms in data.get("entries", []):
            k = tuple(str(t) for t in key)  # type: ignore[attr-defined]
            entries[k] = tuple(tuple(str(t) for t in v) for v in vals)  # type: ignore[attr-defined]
            if forms:
                written[k] = frozenset(str(f) for f in forms)  # type: ignore[attr-defined]
        return cls(entries=entries, max_len=max((len(k) for k in entries), default=1), written=written)


@dataclass(frozen=True)
class Lexicon:
    abbreviations: PhraseTable = field(default_factory=PhraseTable)
    english: PhraseTable = field(default_factory=PhraseTable)
    synonyms: PhraseTable = field(default_factory=PhraseTable)
    # Place names (each maps to itself): found in any case, with or without diacritics.
    places: PhraseTable = field(default_factory=PhraseTable)
    # Public bodies named by their field ("Bộ Tư pháp", "Sở Nội vụ"): found in any case, with or without diacritics.
    bodies: PhraseTable = field(default_factory=PhraseTable)
    # Chat shorthand (lower case) -> the words it stands for ("ko" -> "không"), read in questions only.
    chat: Mapping[str, str] = field(default_factory=dict)

    def expansions(self, toks: Sequence[str]) -> list[Phrase]:
        """Full forms of the abbreviations in ``toks``, to be indexed beside them.

        Each full form comes with the words either side of the abbreviation, so "Trưởng BCĐ
        chủ trì" also yields "trưởng ban chỉ đạo chủ trì" (its pairs included) without
        repeating the rest of the sentence.
        """
        out: list[Phrase] = []
        for start, end, exps in self.abbreviations.find(toks):
            left = tuple(toks[start - 1 : start])
            right = tuple(toks[end : end + 1])
            out.extend(left + exp + right for exp in exps)
        return out

    def looks_english(self, toks: Sequence[str]) -> bool:
        markers = [t for t in toks if t in _ENGLISH_MARKERS]
        strong = [t for t in markers if t not in _VIETNAMESE_COLLISIONS]
        return len(strong) >= 2 or (len(strong) >= 1 and len(markers) >= 2)

    def translate_english_split(self, toks: Sequence[str]) -> tuple[list[Phrase], set[str]]:
        """Vietnamese phrases for the English words and phrases of ``toks``, and the tokens left untranslated.

        The untranslated tokens come last, as their own runs (names, numbers, unknown words).
        """
        matches = self.english.find(toks)
        out: list[Phrase] = []
        covered: set[int] = set()
        for start, end, exps in matches:
            out.extend(exps)
            covered.update(range(start, end))
        left: set[str] = set()
        run: list[str] = []
        for i, t in enumerate(toks):
            if i in covered or t in _ENGLISH_MARKERS:
                if run:
                    out.append(tuple(run))
                    run = []
                continue
            run.append(t)
            left.add(t)
        if run:
            out.append(tuple(run))
        return out, left

    def to_dict(self) -> dict[str, dict[str, list[list[object]]]]:
        return {
            "abbreviations": self.abbreviations.to_json(),
            "glossary": self.english.to_json(),
            "synonyms": self.synonyms.to_json(),
            "places": self.places.to_json(),
            "bodies": self.bodies.to_json(),
            "chat": {"entries": [[k, v] for k, v in sorted(self.chat.items())]},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Sequence[Sequence[object]]]]) -> Lexicon:
        return cls(
            abbreviations=PhraseTable.from_json(data.get("abbreviations", {})),
            english=PhraseTable.from_json(data.get("glossary", {})),
            synonyms=PhraseTable.from_json(data.get("synonyms", {})),
            places=PhraseTable.from_json(data.get("places", {})),
            bodies=PhraseTable.from_json(data.get("bodies", {})),
            chat={str(k): str(v) for k, v in data.get("chat", {}).get("entries", [])},
        )

    def unchat(self, text: str) -> str:
        """``text`` with the chat shorthand written out ("có bn hồ sơ dc duyệt" -> "có bao nhiêu hồ sơ
        được duyệt"): whole words only, as typed in lower case or capitalised; in a text typed without
        diacritics, written out without them too ("co bn ho so" -> "co bao nhieu ho so")."""
        if not self.chat:
            return text
        marked = has_vietnamese_marks(text)

        def word(m: re.Match[str]) -> str:
            typed = m.group(0)
            key = typed.lower()
            found = self.chat.get(key)
            if found is None or typed not in (key, key.capitalize()):
                return typed
            return found if marked else fold(found)

        return _WORD.sub(word, text)


def _read_table(path: Path, section: str) -> PhraseTable:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"{path}: {exc}") from None
    table = data.get(section)
    if not isinstance(table, dict) or not all(
        isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)) for v in table.values()
    ):
        raise LexiconError(f"{path}: expected a [{section}] table of strings or lists of strings")
    return PhraseTable.from_mapping(table)


def _read_names(path: Path, section: str) -> PhraseTable:
    """A ``[section] names = [...]`` list of names, each mapping to itself."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"{path}: {exc}") from None
    table = data.get(section)
    names = table.get("names") if isinstance(table, dict) else None
    if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
        raise LexiconError(f'{path}: expected [{section}] names = ["...", ...]')
    return PhraseTable.from_mapping({n: [n] for n in names})


def _read_chat(path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"{path}: {exc}") from None
    table = data.get("chat")
    if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip() for v in table.values()):
        raise LexiconError(f'{path}: expected a [chat] table of words, e.g. ko = "không"')
    return {clean(k).lower(): clean(v) for k, v in table.items() if clean(k)}


def _read_groups(path: Path) -> PhraseTable:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"{path}: {exc}") from None
    groups = data.get("synonyms", {}).get("groups") if isinstance(data.get("synonyms"), dict) else None
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and all(isinstance(x, str) for x in g) for g in groups
    ):
        raise LexiconError(f'{path}: expected [synonyms] groups = [["...", "..."], ...]')
    mapping: dict[str, list[str]] = {}
    for group in groups:
        for phrase in group:
            mapping.setdefault(phrase, []).extend(p for p in group if p != phrase)
    return PhraseTable.from_mapping(mapping)


def load_lexicon(*folders: Path) -> Lexicon:
    """The lexicon from the given folders, later folders overriding earlier entries."""
    abbreviations = PhraseTable()
    english = PhraseTable()
    synonyms = PhraseTable()
    places = PhraseTable()
    bodies = PhraseTable()
    chat: dict[str, str] = {}
    for folder in folders:
        if (folder / CHAT_FILE).is_file():
            chat.update(_read_chat(folder / CHAT_FILE))
        if (folder / PLACES_FILE).is_file():
            places = places.merged(_read_names(folder / PLACES_FILE, "places"))
        if (folder / BODIES_FILE).is_file():
            bodies = bodies.merged(_read_names(folder / BODIES_FILE, "bodies"))
        if (folder / SYNONYMS_FILE).is_file():
            synonyms = synonyms.merged(_read_groups(folder / SYNONYMS_FILE))
        if (folder / ABBREVIATIONS_FILE).is_file():
            abbreviations = abbreviations.merged(_read_table(folder / ABBREVIATIONS_FILE, "abbreviations"))
        if (folder / GLOSSARY_FILE).is_file():
            english = english.merged(_read_table(folder / GLOSSARY_FILE, "glossary"))
    return Lexicon(
        abbreviations=abbreviations, english=english, synonyms=synonyms, places=places, bodies=bodies, chat=chat
    )
