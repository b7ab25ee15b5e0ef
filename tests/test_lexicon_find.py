"""Phrase lookup (abbreviations, synonyms, the glossary): longest match first, left to right, in one pass."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from bot.resources import bundled_knowledge_dir
from bot.text.lexicon import Phrase, PhraseTable, load_lexicon

WORDS = ("a", "b", "c", "d")


def reference_find(table: PhraseTable, toks: Sequence[str]) -> list[tuple[int, int, tuple[Phrase, ...]]]:
    """The rule spelt out: at each place, the longest key that starts there; then go on after it."""
    out: list[tuple[int, int, tuple[Phrase, ...]]] = []
    i = 0
    while i < len(toks):
        for end in range(len(toks), i, -1):
            if exp := table.entries.get(tuple(toks[i:end])):
                out.append((i, end, exp))
                i = end
                break
        else:
            i += 1
    return out


@given(
    keys=st.dictionaries(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
        st.sampled_from(["x", "y z"]),
        max_size=8,
    ),
    toks=st.lists(st.sampled_from(WORDS), max_size=12),
)
def test_find_is_the_longest_match_left_to_right(keys: dict[str, str], toks: list[str]) -> None:
    table = PhraseTable.from_mapping(keys)
    assert table.find(toks) == reference_find(table, toks)


def test_bundled_abbreviations_are_found_in_text() -> None:
    lexicon = load_lexicon(bundled_knowledge_dir())
    toks = "ty le tthc truc tuyen cua ubnd tinh va bcd cchc".split()
    found = {" ".join(toks[s:e]) for s, e, _ in lexicon.abbreviations.find(toks)}
    assert {"tthc", "ubnd"} <= found
    assert lexicon.abbreviations.find(toks) == reference_find(lexicon.abbreviations, toks)
