"""Ranking: from a question to a ranked list of distinct, cited facts (pure, synchronous).

1. The question is normalised and planned (:mod:`bot.text.analysis`): folded syllables,
   abbreviation full forms, English glossary, intent (number / date / who / place), names.
2. Syllables unknown to the index are repaired against its vocabulary (typos); names the
   user wrote are never "repaired".
3. Candidates come from two BM25 indexes: facts, and whole articles (a question often
   names the article's subject, e.g. the province, that the answering sentence omits);
   the best few are also paired with each neighbouring sentence.
4. Each candidate becomes a feature vector (:data:`bot.search.ranking.CANDIDATE_FEATURES`) and the
   learned ranker (:mod:`bot.search.ranking`, fitted by ``python -m bench.fit``) orders them.
5. The learned decline model says whether to answer at all; a decline carries its
   :class:`~bot.models.Reason`. The hand-set weights below only shape the ``coverage``
   feature, one input among many; the model weighs it against the rest.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq, Levenshtein

from bot.index.bm25 import DocRanges, top_k
from bot.index.snapshot import Snapshot
from bot.index.stored import FactRow, mentions
from bot.messages import MAX_QUESTION_CHARS
from bot.models import Answer, Reason, SearchResult
from bot.search.ranking import (
    CANDIDATE_FEATURES,
    QUESTION_FEATURES,
    TOPIC_FEATURES,
    RankModel,
    TopicModel,
    load_model,
    load_topic_model,
    softmax,
)
from bot.text.analysis import STOPWORDS, Feature, Intent, QueryPlan, place_names, plan_query
from bot.text.normalize import bigrams, clean

_WORDLIKE = re.compile(r"[^\W_]")
CANDIDATES = 16
ARTICLE_WEIGHT = 0.6
# Weight of the question's names in the first stage's article score (see docs/quality.md: recall).
NAME_WEIGHT = 3.0
# Further ("related") results must still cover this much of the question.
RELATED_MIN_COVERAGE = 0.3
# Credit for a question syllable found in the article's headline (title, caption) / elsewhere in it.
HEADLINE_CREDIT = 0.7
ARTICLE_CREDIT = 0.25
# Weight of a known syllable that the fact's whole article lacks.
MISSING_KNOWN_WEIGHT = 2.0
# Weight of a word the index has never seen (the knowledge base does not talk about it).
UNKNOWN_WEIGHT = 1.0
# Coverage factors for a capitalised name in the question that no article mentions, or only others do.
UNKNOWN_NAME_FACTOR = 0.45
OTHER_ARTICLE_NAME_FACTOR = 0.5
# Share of the credit lost when the user typed a syllable with other diacritics than the fact's.
ACCENT_MISMATCH_PENALTY = 0.7
_F_NUMBER, _F_DATE, _F_PERSON, _F_ORG, _F_NAME = (
    int(f) for f in (Feature.NUMBER, Feature.DATE, Feature.PERSON, Feature.ORG, Feature.NAME)
)
# What each kind of question wants the answering fact to hold: (intent, fact features that satisfy it).
_WANTS: tuple[tuple[int, int], ...] = (
    (int(Intent.NUMBER), _F_NUMBER),
    (int(Intent.DATE), _F_DATE),
    (int(Intent.WHO), _F_PERSON),
    (int(Intent.ORG), _F_ORG | _F_NAME),
    (int(Intent.PLACE), _F_NAME | _F_ORG),
)
# Administrative levels ("cấp huyện") and posts ("chủ tịch", "phó chủ tịch"): a question that names one
# is not answered by a fact that names another and not it.
_LEVEL_WORDS = frozenset("tinh huyen xa bo trung".split())
_POSTS = frozenset(
    ("chu tich", "bo truong", "giam doc", "thu tuong", "bi thu", "chu nhiem", "truong ban", "cuc truong")
)


def levels_of(toks: Sequence[str]) -> frozenset[str]:
    """The administrative levels a folded token run names ("cap huyen" -> "huyen")."""
    return frozenset(b for a, b in itertools.pairwise(toks) if a == "cap" and b in _LEVEL_WORDS)


def posts_of(toks: Sequence[str]) -> frozenset[tuple[str, bool]]:
    """The posts a folded token run names, each with whether it is the deputy ("pho chu tich")."""
    return frozenset(
        (f"{toks[i]} {toks[i + 1]}", i > 0 and toks[i - 1] == "pho")
        for i in range(len(toks) - 1)
        if f"{toks[i]} {toks[i + 1]}" in _POSTS
    )


def slot_conflict(asked: frozenset[Any], stated: frozenset[Any]) -> bool:
    """The fact states values of the slot and none of those asked."""
    return bool(asked) and bool(stated) and not (asked & stated)


# Openings (folded) of a sentence that leans on the one before it.
_CONTEXT_OPENINGS = re.compile(
    r"^(trong do|theo do|ngoai ra|dong thoi|tuy nhien|do do|vi vay|sau do|khi do|luc do|tai day|o day|"
    r"day la|dieu nay|viec nay|nhu vay|ong|ba|ho|no|chung|nhung|cung)\b"
)


def needle(term: str) -> str:
    """An index term (a syllable, or a pair ``a_b``) as it appears in padded folded text."""
    return f" {term.replace('_', ' ')} "


class _Terms:
    """Whether index terms (syllables, and adjacent pairs written ``a_b``) are in folded text, as
    ``frozenset((*tokens, *bigrams(tokens)))`` would say, by substring search instead of building the
    set: a token never holds ``_`` or a space. Facts quoted together are joined by ``|``, which no
    token is, so no pair spans two facts."""

    __slots__ = ("_padded",)

    def __init__(self, folded: str) -> None:
        self._padded = f" {folded} "

    def __contains__(self, term: str) -> bool:
        return needle(term) in self._padded

    def holds(self, needle: str) -> bool:
        """Whether the text holds a term given as its :func:`needle`."""
        return needle in self._padded

    def count_needles(self, needles: Iterable[str]) -> int:
        padded = self._padded
        return sum(1 for n in needles if n in padded)


def _named_opening(text: str) -> bool:
    """ "Ông Lê Minh Tuấn ...", "Bà Nguyễn ...": the person is named, so the sentence stands alone."""
    words = text.split(maxsplit=2)
    return len(words) > 1 and words[1][:1].isupper()


# An ordinal is written in words or digits ("thứ mười", "thứ 10"): each form stands for the other.
_ORDINAL_DIGITS = {word: str(n) for n, word in enumerate("nhat hai ba tu nam sau bay tam chin muoi".split(), start=1)}
_ORDINAL_WORDS = frozenset(_ORDINAL_DIGITS)
_ORDINAL_BY_DIGITS = {digits: word for word, digits in _ORDINAL_DIGITS.items()}
# Number words after "mười" make a larger ordinal ("thứ mười một": the eleventh, not the tenth), as do
# "mươi", "trăm", "nghìn" after any ("thứ hai mươi"). ("sau" after "thứ hai" is "after", not "sáu".)
_UNITS_AFTER_TEN = frozenset("mot hai ba bon tu lam nam sau bay tam chin".split())
_LARGER = frozenset("muoi tram nghin ngan".split())
# "thứ hai" … "thứ bảy" (or 2 … 7) are also weekdays: after these words, or before "tuần" / "hằng
# (tuần)", they name a day ("vào thứ Hai", "chiều thứ 7", "thứ bảy tuần này"), not an ordinal.
_WEEKDAYS = frozenset("hai ba tu nam sau bay 2 3 4 5 6 7".split())
_WEEKDAY_BEFORE = frozenset("vao sang chieu toi trua hom dem moi".split())
_WEEKDAY_AFTER = frozenset("tuan hang".split())


def _is_ordinal(toks: Sequence[str], at: int) -> bool:
    """Whether ``toks[at]`` ("thu") opens an ordinal "thứ X" (not a weekday)."""
    word = toks[at + 1] if at + 1 < len(toks) else ""
    if toks[at] != "thu" or not (word in _ORDINAL_WORDS or word.isdigit()):
        return False
    if word in _WEEKDAYS:
        before = toks[at - 1] if at > 0 else ""
        after = toks[at + 2] if at + 2 < len(toks) else ""
        return before not in _WEEKDAY_BEFORE and after not in _WEEKDAY_AFTER
    return True


def _ordinal_forms(toks: Sequence[str], at: int) -> tuple[str, ...]:
    """The index terms of the ordinal "thứ X" at ``toks[at]``: as written, then in digits or in words
    (one to ten; a larger one written in words keeps its one form)."""
    word = toks[at + 1]
    written = f"thu_{word}"
    after = toks[at + 2] if at + 2 < len(toks) else ""
    if after in _LARGER or (word == "muoi" and after in _UNITS_AFTER_TEN):
        return (written,)
    other = _ORDINAL_DIGITS.get(word) or _ORDINAL_BY_DIGITS.get(word)
    return (written, f"thu_{other}") if other else (written,)


_YEAR = re.compile(r"^(1[0-9]\d\d|20\d\d)$")
_COL = {name: i for i, name in enumerate(CANDIDATE_FEATURES)}
_NO_FEATURES = dict.fromkeys(CANDIDATE_FEATURES, 0.0)
_GAPS = tuple((_COL[f"gap_{n}"], n) for n in ("cov_fact", "lex_fact", "similarity", "sequence"))
# A fact shown with the neighbour it leans on stays under this many characters together.
MAX_PAIR_CHARS = 420
# The best facts of the first stage that are also scored as pairs with each neighbour.
PAIR_SEEDS = 3
# Fewer than this share of the question covered by the best fact and its article: nothing on the topic.
OFF_TOPIC_COVERAGE = 0.25


def _score_of(ids: npt.NDArray[np.int32], values: npt.NDArray[np.float32], key: int) -> float:
    """The value of one id in the ascending ``ids`` (0.0 when absent)."""
    at = int(np.searchsorted(ids, key))
    return float(values[at]) if at < len(ids) and int(ids[at]) == key else 0.0


@dataclass(frozen=True)
class _Unit:
    tokens: tuple[str, ...]
    term: str  # the index term: a syllable, or a pair "a_b"
    weight: float
    known: bool
    alternatives: tuple[tuple[str, ...], ...] = ()
    foreign: bool = False  # an English word that names nothing: it matches no fact

    @functools.cached_property
    def needle(self) -> str:
        return needle(self.term)

    @functools.cached_property
    def token_needles(self) -> tuple[str, ...]:
        return tuple(needle(t) for t in self.tokens)

    @functools.cached_property
    def alternative_needles(self) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
        """:attr:`alternative_terms`, each as the needles a fact must hold."""
        return tuple((tuple(needle(t) for t in need), alt) for need, alt in self.alternative_terms)

    @functools.cached_property
    def alternative_terms(self) -> tuple[tuple[frozenset[str], tuple[str, ...]], ...]:
        """Each alternative wording as the index terms a fact must hold (its syllables, or its pairs)."""
        out = []
        for alt in self.alternatives:
            need = frozenset(alt) if len(alt) == 1 else frozenset(f"{a}_{b}" for a, b in itertools.pairwise(alt))
            out.append((need, alt))
        return tuple(out)


@dataclass(frozen=True)
class _Question:
    """What the ranking needs of a planned question, computed once per question."""

    units: list[_Unit]
    total: float  # the units' summed weight
    heaviest: float  # the largest unit weight
    tokens: frozenset[str]  # every folded syllable the user typed (with full forms)
    pairs: frozenset[str]  # the user's adjacent content syllable pairs, as index terms
    years: tuple[str, ...]
    ordinals: tuple[tuple[str, ...], ...]  # each ordinal's forms, as typed first: ("thu_tam", "thu_8")
    numbers: tuple[str, ...]  # other numbers the user typed
    intent: int
    focus: frozenset[str]  # unit terms of the predicate after "ai"
    places: tuple[str, ...]  # provinces and cities the question names (folded, space-joined)
    sequence: tuple[str, ...]  # the user's content syllables in order
    levels: frozenset[str] = frozenset()  # administrative levels named ("huyen")
    posts: frozenset[tuple[str, bool]] = frozenset()  # posts named, deputy or not
    # Per unit: the accented forms of its syllables as the user typed them with accents.
    typed_accents: tuple[tuple[str, ...], ...] = ()
    # The first stage's second-best article score over its best (0: one article alone holds the words).
    article_runner_up: float = 0.0
    lone_article: bool = False  # the first stage found one article only

    @functools.cached_property
    def focus_needles(self) -> tuple[str, ...]:
        return tuple(needle(t) for t in self.focus)

    @functools.cached_property
    def pair_needles(self) -> tuple[str, ...]:
        return tuple(needle(t) for t in self.pairs)

    @functools.cached_property
    def sequence_needles(self) -> tuple[str, ...]:
        return tuple(needle(t) for t in self.sequence)


@dataclass
class Candidate:
    fact: int  # the fact the first stage found
    features: npt.NDArray[np.float64]
    score: float = 0.0
    matched: tuple[str, ...] = ()
    # Index terms of the question's words that the fact lacks (what a neighbour may supply).
    absent: frozenset[str] = frozenset()
    # The adjacent facts quoted together, in article order, when the candidate is a pair.
    span: tuple[int, ...] = ()

    @property
    def facts(self) -> tuple[int, ...]:
        return self.span or (self.fact,)

    def feature(self, name: str) -> float:
        return float(self.features[_COL[name]])

    def matched_neighbour(self, terms: frozenset[str]) -> bool:
        return bool(self.absent & terms)


@dataclass(frozen=True)
class Ranking:
    """The ranked candidates of one question and the decline model's view of them."""

    candidates: list[Candidate]
    answer_probability: float
    question_features: npt.NDArray[np.float64]
    wants: int = 0  # fact features that would answer the kind of question asked (0: any)


class Searcher:
    """Answers questions from one :class:`Snapshot` with a :class:`~bot.search.ranking.RankModel`."""

    def __init__(
        self, snapshot: Snapshot, model: RankModel | None = None, topic_model: TopicModel | None = None
    ) -> None:
        # The models are immutable and shared; a snapshot is replaced whole on reload.
        self.snap = snapshot
        self.model = model or default_model()
        self.topic_model = topic_model or default_topic_model()

    # -- query preparation -----------------------------------------------------------------

    def plan(self, question: str) -> QueryPlan:
        """A (cleaned) question planned for this knowledge base: its typos repaired against the index."""
        plan = plan_query(question, self.snap.lexicon)
        return plan if plan.english else self._repaired(plan)

    def _repaired(self, plan: QueryPlan) -> QueryPlan:
        """The plan with syllables the index has never seen replaced by the closest known one (typos).

        A short syllable is only repaired when the repair forms a known syllable pair
        with a neighbour: a one-letter edit of a short syllable is too often another
        real word ("vàng" is not a typo of "văn").
        """
        vocab = self.snap.fact_index
        repaired = dict(plan.repaired)
        entities = [self._repaired_name(name, repaired) for name in plan.entities]
        # A name the user wrote ("Gia Lai", "Trevor Martin") is what they ask about, not a typo;
        # unless one syllable of it, repaired, makes a name the articles use ("Đà Nẵg": "Đà Nẵng").
        names = {t for name in entities for t in name}
        fixed: list[tuple[str, ...]] = []
        for phrase in plan.phrases:
            out = list(phrase)
            for i, tok in enumerate(phrase):
                if tok in repaired:  # a name's syllable, repaired above
                    out[i] = repaired[tok]
                    continue
                if tok in vocab or tok[:1].isdigit() or len(tok) < 2 or tok in names or tok in STOPWORDS:
                    continue
                for cand in self._closest(tok):
                    left = f"{out[i - 1]}_{cand}" if i > 0 and out[i - 1] not in STOPWORDS else ""
                    right = f"{cand}_{phrase[i + 1]}" if i + 1 < len(phrase) and phrase[i + 1] not in STOPWORDS else ""
                    if left in vocab or right in vocab or (len(tok) >= 6 and len(cand) >= 6):
                        repaired[tok] = cand
                        out[i] = cand
                        break
            fixed.append(tuple(out))
        accented = {f: a for f, a in plan.accented.items() if f not in repaired and f not in repaired.values()}
        return replace(
            plan,
            phrases=fixed,
            base=[tuple(repaired.get(t, t) for t in p) for p in plan.base],
            content=list(dict.fromkeys(repaired.get(t, t) for t in plan.content)),
            accented=accented,
            repaired=repaired,
            entities=entities,
        )

    def _repaired_name(self, name: tuple[str, ...], repaired: dict[str, str]) -> tuple[str, ...]:
        """``name``, or the known name one typo away: a name with one syllable the index has never
        seen, which repaired makes a name the articles use (recorded in ``repaired``)."""
        vocab = self.snap.fact_index
        unknown = [i for i, tok in enumerate(name) if tok not in vocab and not tok[:1].isdigit()]
        if len(unknown) != 1 or len(name) < 2 or len(name[unknown[0]]) < 2:
            return name
        at = unknown[0]
        for cand in self._closest(name[at]):
            fixed = (*name[:at], cand, *name[at + 1 :])
            if " ".join(fixed) in self.snap.names:
                repaired[name[at]] = cand
                return fixed
        return name

    def _closest(self, tok: str) -> list[str]:
        """Known syllables one edit away (two for long ones), most frequent first."""
        max_dist = 1 if len(tok) <= 5 else 2
        hits = process.extract(tok, self.snap.vocabulary.terms(), scorer=Levenshtein.distance,
                               score_cutoff=max_dist, limit=None)  # fmt: skip
        df = self.snap.fact_index.df
        return [h[0] for h in sorted(hits, key=lambda h: (h[1], -df(h[0]), h[0]))]

    def _weighted_terms(self, plan: QueryPlan) -> list[tuple[str, float]]:
        """The first stage's query: the user's syllables and pairs, and the pairs of full forms.

        A full form ("chỉ số hài lòng về sự phục vụ hành chính" for SIPAS) enters by its syllable
        pairs only: its single syllables are the commonest of the language and would multiply the
        postings read (and the time) for almost no say in the order.
        """
        weights: dict[str, float] = {}
        repaired = set(plan.repaired.values())
        content = set(plan.content)
        typed = set(plan.base)
        for phrase in plan.phrases:
            for tok in phrase if phrase in typed or len(phrase) == 1 else ():
                if tok in plan.foreign:
                    continue
                w = 0.3 if tok not in content else (0.6 if tok in repaired else 1.0)
                weights[tok] = max(weights.get(tok, 0.0), w)
            for bg in bigrams(phrase):
                if not plan.foreign.intersection(bg.split("_")):
                    weights[bg] = max(weights.get(bg, 0.0), 1.0)
        return list(weights.items())

    # -- ranking ---------------------------------------------------------------------------

    def _units(self, plan: QueryPlan) -> list[_Unit]:
        """The question's content as units: known two-syllable words ("chủ trì") or single syllables.

        A compound counts only where the fact has its syllables side by side, so "chủ trì"
        is not covered by "Chủ tịch ... Quảng Trị".
        """
        index = self.snap.fact_index
        vocab = index
        unknown_w = math.log1p(index.n_docs + 0.5) * 0.8
        content = set(plan.content)

        def known(t: str) -> bool:
            # Typed with diacritics the articles never use ("thẩm" where they only say "tham"):
            # another word that folds the same, unless a known pair vouches for it (a typo).
            written = plan.accented.get(t)
            return t not in plan.foreign and t in vocab and (written is None or written in self.snap.accented_vocab)

        def weight(t: str) -> float:
            w = index.idf(t) if known(t) else unknown_w
            if t in plan.soft:
                return w * 0.5
            return w * 2.0 if t in plan.focus else w

        units: dict[tuple[str, ...], _Unit] = {}
        for phrase in plan.base:
            i = 0
            while i < len(phrase):
                a = phrase[i]
                if a not in content:
                    i += 1
                    continue
                b = phrase[i + 1] if i + 1 < len(phrase) else None
                pair = f"{a}_{b}"
                alt = plan.alternatives.get(a, ())
                foreign = a in plan.foreign or b in plan.foreign
                if (
                    b is not None
                    and b in content
                    and pair in vocab
                    and not foreign
                    and alt == plan.alternatives.get(b, ())
                ):
                    units.setdefault((a, b), _Unit((a, b), pair, weight(a) + weight(b), True, alt))
                    i += 2
                    continue
                units.setdefault((a,), _Unit((a,), a, weight(a), known(a), alt, a in plan.foreign))
                i += 1
        return list(units.values())

    def _question(self, plan: QueryPlan) -> _Question:
        units = self._units(plan)
        content = set(plan.content)
        toks = [t for p in plan.base for t in p]
        pairs = {f"{a}_{b}" for p in plan.base for a, b in itertools.pairwise(p) if a in content and b in content}
        ordinals = tuple(
            dict.fromkeys(_ordinal_forms(p, i) for p in plan.base for i in range(len(p) - 1) if _is_ordinal(p, i))
        )
        years = tuple(dict.fromkeys(t for t in toks if _YEAR.match(t)))
        # Numbers of two characters or more ("thứ 8" is an ordinal; a lone "5" or "1" is too often noise),
        # not an ordinal's digits: the ordinal stands for them, in words or digits.
        ordinal_digits = {form[4:] for forms in ordinals for form in forms}
        numbers = tuple(dict.fromkeys(t for t in toks if t[:1].isdigit() and len(t) > 1
                                      and t not in years and t not in ordinal_digits))  # fmt: skip
        return _Question(
            units=units,
            total=sum(u.weight for u in units),
            heaviest=max((u.weight for u in units), default=0.0),
            tokens=frozenset(t for p in plan.phrases for t in p),
            pairs=frozenset(pairs),
            years=years,
            ordinals=ordinals,
            numbers=numbers,
            intent=int(plan.intent),
            focus=frozenset(u.term for u in units if set(u.tokens) & plan.focus),
            places=tuple(dict.fromkeys(" ".join(n) for p in plan.base for n in place_names(p, self.snap.lexicon))),
            sequence=tuple(t for t in toks if t in content),
            levels=levels_of(toks),
            posts=posts_of(toks),
            typed_accents=tuple(tuple(a for t in u.tokens if (a := plan.accented.get(t)) is not None) for u in units),
        )

    def _neighbour_text(self, span: tuple[int, ...]) -> str:
        """The folded text of the body sentences just before and after ``fact``, padded with spaces.

        A word is tested by substring (`` a b `` for the pair ``a_b``): cheaper than the term
        sets, which a question's neighbours would push out of the snapshot's bounded cache.
        """
        snap = self.snap
        article = snap.facts[span[0]].article_id
        parts = [" "]
        for other in (span[0] - 1, span[-1] + 1):
            if 0 <= other < len(snap.facts) and snap.facts[other].article_id == article and snap.answerable[other]:
                parts.append(snap.facts[other].folded)
        parts.append(" ")
        return " | ".join(parts)

    def _features(
        self,
        plan: QueryPlan,
        q: _Question,
        span: tuple[int, ...],
        first_stage: tuple[float, float, int],
        *,
        in_article: dict[str, frozenset[int]],
        local: dict[int, list[float]],
    ) -> tuple[list[float], tuple[str, ...], frozenset[str]]:
        """The feature vector of one candidate: a fact, or adjacent facts quoted together.

        See :data:`~bot.search.ranking.CANDIDATE_FEATURES`.
        """
        snap = self.snap
        fid = span[0]
        row = snap.facts[fid]
        article = row.article_id
        headline = snap.headline_tokens(article)
        if len(span) == 1:
            fact_terms = _Terms(row.folded)
            accents = snap.fact_accents(fid) if plan.accented else frozenset()
            folded, fact_features = row.folded, row.features
        else:
            fact_terms = _Terms(" | ".join(snap.facts[f].folded for f in span))
            accents = frozenset().union(*(snap.fact_accents(f) for f in span)) if plan.accented else frozenset()
            folded = " ".join(snap.facts[f].folded for f in span)
            fact_features = functools.reduce(operator.or_, (snap.facts[f].features for f in span))
        neighbours: str | None = None
        got = w_fact = w_head = w_split = w_art = w_missing = w_unknown = w_neigh = w_lost = 0.0
        penalised_total = max_absent = local_got = 0.0
        local_w = local[article]
        matched: list[str] = []
        absent: list[str] = []
        holds = fact_terms.holds
        for i, unit in enumerate(q.units):
            w = unit.weight
            total_w = w
            in_fact = not unit.foreign and holds(unit.needle)
            alt: tuple[str, ...] | None = None
            if not in_fact and not unit.foreign:
                alt = next((a for need, a in unit.alternative_needles if all(map(holds, need))), None)
            if in_fact or alt is not None:
                local_got += local_w[i]
            if in_fact:
                typed = q.typed_accents[i]
                mismatched = sum(1 for a in typed if a not in accents) if typed else 0
                credit = w * (1.0 - ACCENT_MISMATCH_PENALTY * mismatched / len(unit.tokens)) if mismatched else w
                got += credit
                w_fact += credit
                w_lost += w - credit
                matched.extend(unit.tokens)
            elif alt:
                got += w
                w_fact += w
                matched.extend(alt)
            else:
                absent.append(unit.term)
                if unit.term in headline:
                    got += HEADLINE_CREDIT * w
                    w_head += w
                elif len(unit.tokens) > 1 and all(map(holds, unit.token_needles)):
                    got += 0.4 * w
                    w_split += w
                elif unit.known and article in in_article[unit.term]:
                    got += ARTICLE_CREDIT * w
                    w_art += w
                elif unit.known:
                    total_w = MISSING_KNOWN_WEIGHT * w
                    w_missing += w
                    max_absent = max(max_absent, w)
                else:
                    total_w = UNKNOWN_WEIGHT * w
                    w_unknown += w
                    max_absent = max(max_absent, w)
                if unit.known:
                    if neighbours is None:
                        neighbours = self._neighbour_text(span)
                    if unit.needle in neighbours:
                        w_neigh += w
            penalised_total += total_w
        coverage = got / penalised_total if penalised_total else 0.0
        names = [0, 0, 0]  # here, elsewhere, unknown
        art_index = snap.article_index
        for name in plan.entities:
            mentioned_in = snap.names.get(" ".join(name))
            pairs = [f"{a}_{b}" for a, b in itertools.pairwise(name)]
            if mentioned_in is not None:
                known, here = True, mentions(mentioned_in, article)
            else:  # never capitalised in the articles: fall back to the words themselves
                known = all(p in art_index for p in pairs)
                here = known and all(art_index.contains(p, article) for p in pairs)
            if not known:
                coverage *= UNKNOWN_NAME_FACTOR
                names[2] += 1
            elif not here:
                coverage *= OTHER_ARTICLE_NAME_FACTOR
                names[1] += 1
            else:
                names[0] += 1
        total = q.total or 1.0
        fact_tokens = folded.split()
        distinct = set(fact_tokens)
        lex_fact, lex_article, rank = first_stage
        n_seq = len(q.sequence)
        v = dict(_NO_FEATURES)  # every feature at 0.0, in CANDIDATE_FEATURES order
        v |= {
            "lex_fact": lex_fact,
            "lex_article": lex_article,
            "lex_rank": math.log1p(rank),
            "similarity": fuzz.token_set_ratio(plan.folded, folded) / 100.0,
            "coverage": coverage,
            "cov_fact": w_fact / total,
            "cov_headline": w_head / total,
            "cov_split": w_split / total,
            "cov_article": w_art / total,
            "cov_missing": w_missing / total,
            "cov_unknown": w_unknown / total,
            "cov_neighbour": w_neigh / total,
            "accent_lost": w_lost / total,
            "max_absent": max_absent / q.heaviest if q.heaviest else 0.0,
            "evidence": math.log1p(w_fact),
            "cov_fact_local": local_got / local_w[-1] if local_w[-1] else 0.0,
            "focus_in_fact": fact_terms.count_needles(q.focus_needles) / len(q.focus) if q.focus else 0.0,
            "tokens_in_fact": fact_terms.count_needles(q.sequence_needles) / n_seq if n_seq else 0.0,
            "sequence": LCSseq.similarity(q.sequence, fact_tokens) / n_seq if n_seq else 0.0,
            "pairs_in_fact": fact_terms.count_needles(q.pair_needles) / len(q.pairs) if q.pairs else 0.0,
            "novel": len(distinct - q.tokens - STOPWORDS) / max(1, len(distinct)),
            "fact_length": math.log1p(len(fact_tokens)),
            "position": math.log1p(row.position),
            "context_opening": float(bool(_CONTEXT_OPENINGS.match(row.folded)) and not _named_opening(row.text)),
            "pair": float(len(span) > 1),
            "names_here": names[0],
            "names_elsewhere": names[1],
            "names_unknown": names[2],
            "place_absent": float(any(not mentions(snap.names.get(place, ()), article) for place in q.places)),
        }
        if q.years:
            v["year_in_fact"] = float(any(y in fact_terms for y in q.years))
            v["year_conflict"] = float(any(article not in in_article[y] for y in q.years))
            if not v["year_in_fact"]:
                v["year_other_in_fact"] = float(any(_YEAR.match(t) for t in fact_tokens))
        if q.ordinals:
            v["ordinal_conflict"] = float(
                any(all(article not in in_article[form] for form in forms) for forms in q.ordinals)
            )
        if q.numbers:
            v["number_conflict"] = float(any(article not in in_article[n] for n in q.numbers))
        for (intent, wanted), kind in zip(_WANTS, ("number", "date", "person", "org", "place"), strict=True):
            if q.intent & intent:
                if fact_features & wanted:
                    v[f"want_{kind}_ok"] = 1.0
                elif kind == "person" and fact_features & _F_NAME:
                    v["want_person_name"] = 1.0
                else:
                    v[f"want_{kind}_miss"] = 1.0
        if q.levels:
            v["level_conflict"] = float(slot_conflict(q.levels, levels_of(fact_tokens)))
        if q.posts:
            v["post_conflict"] = float(slot_conflict(q.posts, posts_of(fact_tokens)))
        feats = list(v.values())  # updating existing keys keeps their order
        return feats, tuple(matched), frozenset(absent)

    def prepare(self, plan: QueryPlan, within: int | None = None) -> tuple[_Question, list[Candidate]] | None:
        """The first stage and the features of its candidates (not yet scored); None: no candidate.

        ``within`` (an article id) keeps only that article's facts as candidates: whether one
        article answers a topic, judged with the same features and the same corpus statistics.
        """
        snap = self.snap
        terms = self._weighted_terms(plan)
        # The facts holding a query term and their scores (the rest score 0): sparse, never corpus-sized.
        scored, found_scores = snap.fact_index.sparse_scores(terms)
        keep = snap.answerable[scored]  # titles and captions are context, never the answer
        if within is not None:
            start, end = int(snap.article_starts[within]), int(snap.article_starts[within + 1])
            keep &= (scored >= start) & (scored < end)
        scored, found_scores = scored[keep], found_scores[keep]
        if not len(scored):
            return None
        fmax = float(found_scores.max())
        # The names the question gives (a province, a ministry, a person) weigh more in choosing the
        # article: among near-copies of one story, they are what tells the right one apart.
        names = {f"{a}_{b}" for name in plan.entities for a, b in itertools.pairwise(name)}
        art_terms = [(t, w * NAME_WEIGHT if t in names else w) for t, w in terms]
        art_terms += [(t, NAME_WEIGHT) for t in names - {t for t, _ in terms}]
        art_ids, art_found = snap.article_index.sparse_scores(art_terms)
        amax = float(art_found.max()) if len(art_found) else 1.0
        amax = amax or 1.0
        by_article = np.zeros(snap.article_index.size, np.float32)  # one slot an article, not a fact
        by_article[art_ids] = art_found
        owner_scores = by_article[snap.fact_article[scored]]
        fact_score = functools.partial(_score_of, scored, found_scores)
        combined = found_scores / fmax + ARTICLE_WEIGHT * (owner_scores / amax)
        cand_ids = scored[top_k(combined, CANDIDATES)]
        runner_up = float(np.partition(art_found, len(art_found) - 2)[-2]) / amax if len(art_found) > 1 else 0.0
        q = replace(self._question(plan), article_runner_up=runner_up, lone_article=len(art_found) < 2)
        # Which of the candidates' articles hold each word, year and number: one vectorised test per term.
        cand_articles = np.unique(snap.fact_article[cand_ids])
        in_article = {
            term: frozenset(cand_articles[snap.article_index.holding(term, cand_articles)].tolist())
            for term in (*(u.term for u in q.units), *q.years, *itertools.chain(*q.ordinals), *q.numbers)
        }
        local = self._local_idf(q, cand_articles)
        rows: list[list[float]] = []
        found: list[tuple[int, tuple[int, ...], tuple[str, ...], frozenset[str]]] = []
        ids = cand_ids.tolist()
        spans: list[tuple[int, tuple[int, ...], float, int]] = [
            (fid, (fid,), fact_score(fid) / fmax, rank) for rank, fid in enumerate(ids)
        ]
        # The best few facts also stand as pairs with each neighbour: the answer is often in the
        # sentence right before or after the one holding the question's words.
        for rank, fid in enumerate(ids[:PAIR_SEEDS]):
            for other in (fid - 1, fid + 1):
                if self._pairable(fid, other):
                    pair = (min(fid, other), max(fid, other))
                    best = max(fact_score(fid), fact_score(other)) / fmax
                    spans.append((fid, pair, best, rank))
        for fid, span, lex_fact, rank in spans:
            first_stage = (lex_fact, float(by_article[snap.fact_article[fid]]) / amax, rank)
            feats, matched, absent = self._features(plan, q, span, first_stage, in_article=in_article, local=local)
            rows.append(feats)
            found.append((fid, span if len(span) > 1 else (), matched, absent))
        matrix = np.array(rows, dtype=np.float64)
        # Each candidate against the best of its rivals on the same measure.
        for gap, name in _GAPS:
            column = matrix[:, _COL[name]]
            matrix[:, gap] = column - column.max()
        cands = [
            Candidate(fid, matrix[i], matched=matched, absent=absent, span=span)
            for i, (fid, span, matched, absent) in enumerate(found)
        ]
        return q, cands

    def _local_idf(self, q: _Question, articles: npt.NDArray[np.int32]) -> dict[int, list[float]]:
        """Per candidate article: each unit's rarity among that article's own facts, then their sum.

        Within an article about Doctor Who, "Doctor Who" tells no sentence from another; a word used
        in one sentence of it does. An article's facts are contiguous ids, so the count is two binary
        searches in the unit's postings, or for a frequent unit a look at its frequency table.
        """
        snap = self.snap
        ranges = DocRanges(snap.article_starts[articles], snap.article_starts[articles + 1])
        sizes = (ranges.ends - ranges.starts).astype(np.float64)
        columns = []
        for unit in q.units:
            if unit.known:
                df = snap.fact_index.counts_in(unit.term, ranges).astype(np.float64)
                columns.append(np.log1p((sizes - df + 0.5) / (df + 0.5)))
            else:
                columns.append(np.log1p(sizes + 0.5))
        out: dict[int, list[float]] = {}
        table = np.vstack(columns).T if columns else np.zeros((len(articles), 0))
        for a, row in zip(articles.tolist(), table.tolist(), strict=True):
            out[a] = [*row, float(sum(row))]
        return out

    def _pairable(self, fact: int, other: int) -> bool:
        """Whether ``other`` is a body sentence of ``fact``'s article short enough to quote with it."""
        snap = self.snap
        if not 0 <= other < len(snap.facts) or not snap.answerable[other]:
            return False
        a, b = snap.facts[fact], snap.facts[other]
        return a.article_id == b.article_id and len(a.text) + len(b.text) < MAX_PAIR_CHARS

    def text_of(self, c: Candidate) -> str:
        """What a candidate quotes: its fact, or its adjacent facts in article order."""
        return " ".join(self.snap.facts[f].text for f in c.facts)

    def folded_of(self, c: Candidate) -> str:
        return " ".join(self.snap.facts[f].folded for f in c.facts)

    def rank(self, plan: QueryPlan, within: int | None = None) -> Ranking:
        """Candidates for a planned question, best first, and the chance it is answerable."""
        prepared = self.prepare(plan, within)
        if prepared is None:
            return Ranking([], 0.0, np.zeros(len(QUESTION_FEATURES)))
        q, cands = prepared
        scores = self.model.ranker(np.vstack([c.features for c in cands]))
        return self.order(plan, q, cands, scores, self.model)

    @classmethod
    def order(
        cls,
        plan: QueryPlan,
        q: _Question,
        cands: list[Candidate],
        scores: npt.NDArray[np.float64],
        model: RankModel,
    ) -> Ranking:
        """Sort scored candidates and ask the decline model about the best one."""
        for c, s in zip(cands, scores.tolist(), strict=True):
            c.score = s
        ordered = sorted(cands, key=lambda c: c.score, reverse=True)
        qf = cls.question_features(plan, q, ordered, softmax(np.sort(scores)[::-1]))
        wants = 0
        for intent, wanted in _WANTS:
            if q.intent & intent:
                wants |= wanted
        return Ranking(ordered, model.answer_probability(qf), qf, wants)

    @staticmethod
    def question_features(
        plan: QueryPlan, q: _Question, cands: list[Candidate], probs: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        top = cands[0]
        second = cands[1].score if len(cands) > 1 else top.score - 5.0
        want_miss = sum(top.feature(f"want_{n}_miss") for n in ("number", "date", "person", "org", "place"))
        values = {
            "top_score": top.score,
            "top_margin": top.score - second,
            "top_probability": float(probs[0]),
            "top_coverage": top.feature("coverage"),
            "top_cov_fact": top.feature("cov_fact"),
            "top_cov_missing": top.feature("cov_missing"),
            "cov_unknown": top.feature("cov_unknown"),
            "top_max_absent": top.feature("max_absent"),
            "top_evidence": top.feature("evidence"),
            "top_names_elsewhere": top.feature("names_elsewhere"),
            "names_unknown": top.feature("names_unknown"),
            "top_year_conflict": top.feature("year_conflict"),
            "top_ordinal_conflict": top.feature("ordinal_conflict"),
            "top_number_conflict": top.feature("number_conflict"),
            "top_want_miss": want_miss,
            "units": math.log1p(len(q.units)),
            "english": float(plan.english),
            "english_unknown": float(plan.english) * top.feature("cov_unknown"),
            "top_year_other": top.feature("year_other_in_fact"),
            "top_similarity": top.feature("similarity"),
            "top_slot_conflict": max(top.feature("level_conflict"), top.feature("post_conflict")),
            # A question about news the knowledge base lacks finds its common words in many articles,
            # none standing out: the second-best article scores close to the best.
            "article_runner_up": q.article_runner_up,
            "lone_article": float(q.lone_article),
        }
        return np.array([values[name] for name in QUESTION_FEATURES], dtype=np.float64)

    def _with_context(self, c: Candidate, wants: int) -> tuple[str, str | None]:
        """The fact's text, with the neighbour it leans on when it does not stand alone.

        A fact that opens with words pointing back ("Trong đó", "Ông", "Điều này") is shown after
        the sentence before it; a fact that lacks the kind of thing the question asks for (a number,
        a date, a person) is shown with the neighbour that holds it and more of the question's words.
        The pair stays short (:data:`MAX_PAIR_CHARS`), or the fact is shown alone.
        """
        snap = self.snap
        row = snap.facts[c.fact]

        def neighbour(other: int) -> FactRow | None:
            if 0 <= other < len(snap.facts) and snap.answerable[other]:
                found = snap.facts[other]
                if found.article_id == row.article_id and len(found.text) + len(row.text) < MAX_PAIR_CHARS:
                    return found
            return None

        before = neighbour(c.fact - 1)
        if c.feature("context_opening") and before is not None:
            return f"{before.text} {row.text}", "before"
        if wants and not row.features & wants and c.feature("cov_neighbour") > 0:
            for other, side in ((before, "before"), (neighbour(c.fact + 1), "after")):
                if other is not None and other.features & wants and c.matched_neighbour(snap.fact_terms(other.id)):
                    pair = f"{other.text} {row.text}" if side == "before" else f"{row.text} {other.text}"
                    return pair, side
        return row.text, None

    @staticmethod
    def ruled_out(best: Candidate) -> Reason | None:
        """The rules above the decline model (no answerable question of the eval sets breaks them)."""
        if best.feature("place_absent") or best.feature("ordinal_conflict"):
            # A province's question is never answered from an article that does not name it, nor a
            # question about "the ninth meeting" from one that names no ninth, in words or digits.
            return Reason.ENTITY_MISMATCH
        if best.feature("evidence") == 0.0 and best.feature("coverage") < OFF_TOPIC_COVERAGE:
            # Not one word of the question (nor of its glossary forms) is in the fact, and with its
            # article it covers under a quarter of the question: whatever brought it up (a word of
            # the title spelt like an English one), quoting it would be a guess.
            return Reason.OFF_TOPIC
        return None

    @classmethod
    def verdict(cls, ranking: Ranking, model: RankModel) -> Reason | None:
        """Answer (None) or decline, and why: the rules, then the decline model's threshold."""
        best = ranking.candidates[0]
        ruled = cls.ruled_out(best)
        if ruled is not None:
            return ruled
        if ranking.answer_probability < model.threshold:
            return cls.decline_reason(best)
        return None

    def topic_verdict(self, ranking: Ranking, probability: float) -> Reason | None:
        """Whether the article is about the topic (None) or not, and why."""
        best = ranking.candidates[0]
        if best.feature("place_absent"):
            return Reason.ENTITY_MISMATCH
        if probability < self.topic_model.threshold:
            return self.decline_reason(best)
        return None

    @staticmethod
    def decline_reason(top: Candidate) -> Reason:
        """Why the best candidate is not good enough, in the terms users are told."""
        if (
            top.feature("place_absent")
            or top.feature("names_elsewhere")
            or top.feature("names_unknown")
            or top.feature("year_conflict")
            or top.feature("ordinal_conflict")
            or top.feature("number_conflict")
            or top.feature("level_conflict")
            or top.feature("post_conflict")
        ):
            return Reason.ENTITY_MISMATCH
        if top.feature("coverage") < OFF_TOPIC_COVERAGE:
            return Reason.OFF_TOPIC
        return Reason.LOW_CONFIDENCE

    @staticmethod
    def _surface_matches(
        plan: QueryPlan, surface: list[tuple[str, str, str]], matched: tuple[str, ...]
    ) -> tuple[str, ...]:
        """The fact's own words (lower case) that matched the question, for highlighting.

        A word the user typed with diacritics only counts with the same diacritics.
        """
        wanted = set(matched)
        out: dict[str, None] = {}
        for word, folded, canonical in surface:
            if folded in wanted and plan.accented.get(folded, canonical) == canonical:
                out[word] = None
        return tuple(out)

    def _best_fact_per_article(self, topic: str) -> npt.NDArray[np.float32]:
        """Per article, the first-stage score of its best body fact for ``topic`` (0: no fact shares a word)."""
        snap = self.snap
        best = np.zeros(len(snap.articles), dtype=np.float32)
        text = clean(topic)
        if not text or snap.empty:
            return best
        plan = self.plan(text)
        if not plan.content:
            return best
        hit, scores = snap.fact_index.sparse_scores(self._weighted_terms(plan))
        keep = snap.answerable[hit]  # as in prepare(): only these facts can be candidates
        np.maximum.at(best, snap.fact_article[hit[keep]], scores[keep])
        return best

    def articles_sharing_words(self, topic: str, limit: int) -> list[int]:
        """Ids of the (at most ``limit``) articles whose best fact scores highest on the topic's words.

        The first stage only: the articles worth checking with :meth:`match`.
        """
        best = self._best_fact_per_article(topic)
        return [int(a) for a in top_k(best, limit) if best[a] > 0]

    def articles_with_words(self, topic: str) -> frozenset[int]:
        """Every article :meth:`match` could say yes to: those with a candidate fact for ``topic``."""
        return frozenset(np.flatnonzero(self._best_fact_per_article(topic) > 0).tolist())

    def match(self, topic: str, article: int) -> Answer:
        """Whether one article is about ``topic``: its best fact, or a decline.

        The same normalisation, candidates and ranker as a question, with the candidates kept to
        that article's facts; the decision is the topic model's (:func:`topic_features`), as a
        followed topic is a short phrase rather than a question (topic subscriptions, ``cchc-bot match``).
        """
        return self.search(topic, limit=1, within=article)

    def _spelt_out(self, toks: Sequence[str]) -> tuple[str, ...]:
        """``toks`` with every abbreviation replaced by its first full form (the same on both sides)."""
        out: list[str] = []
        i = 0
        for start, end, exps in self.snap.lexicon.abbreviations.find(toks):
            out.extend(toks[i:start])
            out.extend(exps[0])
            i = end
        out.extend(toks[i:])
        return tuple(out)

    def topic_features(self, plan: QueryPlan, ranking: Ranking, article: int) -> npt.NDArray[np.float64]:
        """:data:`~bot.search.ranking.TOPIC_FEATURES` of a ranking kept to one article.

        Beside the ranker's view of the best fact, how much of the topic appears *as a phrase*
        (its words side by side, in order) in that fact, anywhere in the article and in its title:
        a followed topic is a name for something, not a bag of words.
        """
        snap = self.snap
        top = ranking.candidates[0]
        values = {name: top.feature(name) for name in TOPIC_FEATURES if name in _COL}
        values["answer_probability"] = ranking.answer_probability
        values["units"] = float(ranking.question_features[QUESTION_FEATURES.index("units")])
        variants = {tuple(p) for p in plan.base} | {self._spelt_out(p) for p in plan.base}
        words = {t for v in variants for t in v}
        best_fact: dict[int, float] = {}
        run_article = run_headline = 0.0
        full = 0
        best_run, best_at = 0.0, -1
        for fid in range(int(snap.article_starts[article]), int(snap.article_starts[article + 1])):
            toks = snap.facts[fid].folded.split()
            if words.isdisjoint(toks):
                continue
            spelt = self._spelt_out(toks)
            run = max(_longest_run(v, side) / len(v) for v in variants if v for side in (toks, spelt))
            best_fact[fid] = run
            full += run >= 1.0
            if snap.answerable[fid]:
                run_article = max(run_article, run)
                if run > best_run:
                    best_run, best_at = run, fid
            else:
                run_headline = max(run_headline, run)
        values["run_fact"] = max((best_fact.get(f, 0.0) for f in top.facts), default=0.0)
        values["run_article"] = run_article
        values["run_headline"] = run_headline
        values["full_runs"] = math.log1p(full)
        typed = [a for f, a in plan.accented.items() if f in words]
        if typed and best_at >= 0:
            have = snap.fact_accents(best_at)
            values["accent_ok"] = sum(a in have for a in typed) / len(typed)
        else:
            values["accent_ok"] = 1.0
        return np.array([values[name] for name in TOPIC_FEATURES], dtype=np.float64)

    def search(self, question: str, limit: int = 3, within: int | None = None) -> Answer:
        """Answer a question; with ``within`` (an article id), judge whether that article is about it."""
        snap = self.snap
        text = clean(question)

        def declined(reason: Reason, confidence: float | None = None) -> Answer:
            topics = () if reason is Reason.NO_KNOWLEDGE else snap.topics()
            return Answer(question=question, answered=False, reason=reason, suggestions=topics, confidence=confidence)

        if not text:
            return declined(Reason.EMPTY)
        if len(text) > MAX_QUESTION_CHARS:
            return declined(Reason.TOO_LONG)
        if snap.empty:
            return declined(Reason.NO_KNOWLEDGE)
        plan = self.plan(text)
        if not _WORDLIKE.search(text) or not plan.content:
            return declined(Reason.NO_WORDS)
        ranking = self.rank(plan, within)
        if not ranking.candidates:
            return declined(Reason.OFF_TOPIC)
        confidence = ranking.answer_probability
        if within is None:
            verdict = self.verdict(ranking, self.model)
        else:
            confidence = self.topic_model.probability(self.topic_features(plan, ranking, within))
            verdict = self.topic_verdict(ranking, confidence)
        if verdict is not None:
            return declined(verdict, confidence)
        results: list[SearchResult] = []
        seen: set[str] = set()  # folded sentences already quoted
        # The same sentence in several articles (a reprint, an update) is shown once, from the newest.
        newest: dict[str, Candidate] = {}
        for c in ranking.candidates:
            folded = self.folded_of(c)
            if folded not in newest or snap.recency[c.fact] > snap.recency[newest[folded].fact]:
                newest[folded] = c
        for ranked in ranking.candidates:
            c = newest[self.folded_of(ranked)]
            parts = [snap.facts[f].folded for f in c.facts]
            if any(part in seen for part in parts) or (results and c.feature("coverage") < RELATED_MIN_COVERAGE):
                continue
            seen.update(parts)
            row = snap.facts[c.fact]
            art = snap.articles[row.article_id]
            context: str | None
            if c.span:
                text, context = self.text_of(c), "before" if c.span[0] != c.fact else "after"
                surface = [t for f in c.span for t in snap.fact_surface(f)]
            else:
                text, context = self._with_context(c, ranking.wants)
                surface = snap.fact_surface(row.id)
            results.append(
                SearchResult(
                    fact_id=row.id,
                    text=text,
                    context=context,
                    url=art.url,
                    title=art.title,
                    site=art.site,
                    published=art.published,
                    score=c.score,
                    matched=self._surface_matches(plan, surface, c.matched),
                )
            )
            if len(results) >= limit:
                break
        return Answer(question=question, answered=True, results=tuple(results), confidence=confidence)


def _longest_run(a: Sequence[str], b: Sequence[str]) -> int:
    """The length of the longest run of words that ``a`` and ``b`` share side by side, in order."""
    best = 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


@functools.cache
def default_model() -> RankModel:
    """The model shipped in the package, read once (an immutable file: not state)."""
    return load_model()


@functools.cache
def default_topic_model() -> TopicModel:
    """The topic model shipped in the package, read once."""
    return load_topic_model()
