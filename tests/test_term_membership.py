"""The searcher's substring test of index terms gives what the term sets of facts give."""

from __future__ import annotations

import random

import pytest

from bot.search.searcher import _Terms, needle
from bot.text.normalize import bigrams


def _as_set(*facts: list[str]) -> frozenset[str]:
    return frozenset().union(*(frozenset((*toks, *bigrams(toks))) for toks in facts))


@pytest.mark.parametrize("seed", range(20))
def test_terms_of_one_fact_or_two_quoted_together_match_the_term_sets(seed: int) -> None:
    rng = random.Random(seed)
    words = ["a", "ab", "b", "ba", "cai", "cach", "2/2", "81", "81,2", "tthc", "x"]
    facts = [[rng.choice(words) for _ in range(rng.randint(1, 12))] for _ in range(rng.randint(1, 2))]
    view = _Terms(" | ".join(" ".join(f) for f in facts))
    expected = _as_set(*facts)
    asked = [*words, *(f"{a}_{b}" for a in words for b in words)]
    for term in asked:
        assert (term in view) == (term in expected), (term, facts)
        assert view.holds(needle(term)) == (term in expected), (term, facts)
    assert view.count_needles(map(needle, asked)) == sum(1 for t in asked if t in expected)


def test_a_pair_never_spans_two_facts_quoted_together() -> None:
    view = _Terms("cai cach | hanh chinh")
    assert "cai_cach" in view
    assert "hanh_chinh" in view
    assert "cach_hanh" not in view
    assert "cach" in view
    assert "ach" not in view  # whole syllables only
