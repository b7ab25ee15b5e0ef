"""Ranking: from a question to a ranked list of distinct, cited facts (pure, synchronous).

1. The question is normalised and planned (:mod:`bot.analysis`): folded syllables,
   abbreviation full forms, English glossary, intent (number / date / who).
2. Syllables unknown to the index are repaired against its vocabulary (typos).
3. Candidates come from two BM25 indexes: facts, and whole articles (a question often
   names the article's subject, e.g. the province, that the answering sentence omits).
4. The best candidates are re-ranked with rapidfuzz on folded text, the share of the
   question's content the fact (or its article) covers, and the question's intent.
5. Below the confidence threshold the answer is "not answered", with what is known.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.analysis import STOPWORDS, Feature, Intent, QueryPlan, plan_query
from bot.builder import ARTICLE_INDEX, FACT_INDEX, accented, index_from_blobs
from bot.index import BM25Index, top_k
from bot.lexicon import Lexicon
from bot.models import Answer, FactKind, SearchResult
from bot.storage import ArticleRow, FactRow, KnowledgeData
from bot.textnorm import bigrams, clean, surface_tokens

MAX_QUESTION_CHARS = 1000
_WORDLIKE = re.compile(r"[^\W_]")
CANDIDATES = 40
ARTICLE_WEIGHT = 0.6
# Confidence thresholds: the best fact must cover this share of the question's content...
MIN_COVERAGE = 0.4
# ...and reach this final score.
MIN_SCORE = 0.45
# Further ("related") results must still cover this much of the question.
RELATED_MIN_COVERAGE = 0.3
# Credit for a question syllable found in the article's headline (title, caption) / elsewhere in it.
HEADLINE_CREDIT = 0.7
ARTICLE_CREDIT = 0.25
# Weight of a known syllable that the fact's whole article lacks.
MISSING_KNOWN_WEIGHT = 2.0
# Weight of a word the index has never seen (the knowledge base does not talk about it).
UNKNOWN_WEIGHT = 1.0
# Re-ranking weights: BM25 (facts + articles), rapidfuzz similarity, coverage, recency (tie-break).
W_LEXICAL = 0.35
W_SIMILARITY = 0.2
W_COVERAGE = 0.6
W_RECENCY = 0.01
# Coverage factors for a capitalised name in the question that no article mentions, or only others do.
UNKNOWN_NAME_FACTOR = 0.45
OTHER_ARTICLE_NAME_FACTOR = 0.5
# Share of the credit lost when the user typed a syllable with other diacritics than the fact's.
ACCENT_MISMATCH_PENALTY = 0.7
# Facts whose term sets are kept between questions (about 2-4 KB each).
TERM_CACHE_SIZE = 5000


@dataclass(frozen=True)
class Snapshot:
    """An immutable view of one built knowledge base; replaced whole on reload."""

    articles: list[ArticleRow]
    facts: list[FactRow]
    fact_article: npt.NDArray[np.int32]
    answerable: npt.NDArray[np.bool_]
    fact_index: BM25Index
    article_index: BM25Index
    lexicon: Lexicon
    vocabulary: list[str]
    built_at: str
    recency: npt.NDArray[np.float32]
    # Folded syllables of each article's title and caption (what the article is about).
    headline_tokens: list[frozenset[str]]
    # Capitalised names (folded, space-joined) -> the articles that mention them.
    names: dict[str, tuple[int, ...]]
    # Every syllable with diacritics that the facts use, in tone-canonical form.
    accented_vocab: frozenset[str]
    # Per-word cache of (folded, tone-canonical) pairs, filled as candidates are re-ranked
    # (the one mutable part: it only ever grows towards the facts' own vocabulary).
    word_pairs: dict[str, list[tuple[str, str]]]
    # Titles of the newest articles first (for "not answered": what the bot does know).
    newest_titles: tuple[str, ...]

    # Recently re-ranked facts' syllables and syllable pairs (bounded; a cache, not state).
    term_cache: dict[int, frozenset[str]]
    accent_cache: dict[int, frozenset[str]]
    # Per-word cache of (surface, folded, tone-canonical) triples, for highlighting.
    word_surfaces: dict[str, list[tuple[str, str, str]]]

    def fact_accents(self, fact: int) -> frozenset[str]:
        """The tone-canonical syllables with diacritics of one fact (computed, cached for recent facts)."""
        found = self.accent_cache.get(fact)
        if found is None:
            if len(self.accent_cache) >= TERM_CACHE_SIZE:
                self.accent_cache.clear()
            found = self.accent_cache[fact] = frozenset(accented(self.facts[fact].text, self.word_pairs).split())
        return found

    def fact_terms(self, fact: int) -> frozenset[str]:
        """The fact's folded syllables and syllable pairs (cached for the most recent facts)."""
        terms = self.term_cache.get(fact)
        if terms is None:
            if len(self.term_cache) >= TERM_CACHE_SIZE:
                self.term_cache.clear()
            toks = self.facts[fact].folded.split()
            terms = self.term_cache[fact] = frozenset((*toks, *bigrams(toks)))
        return terms

    def fact_surface(self, fact: int) -> list[tuple[str, str, str]]:
        """``surface_tokens`` of the fact's text, word by word through a cache (tokens never span spaces)."""
        out: list[tuple[str, str, str]] = []
        cache = self.word_surfaces
        for word in self.facts[fact].text.split():
            triples = cache.get(word)
            if triples is None:
                triples = cache[word] = surface_tokens(word)
            out.extend(triples)
        return out

    @classmethod
    def from_data(cls, data: KnowledgeData) -> Snapshot:
        fact_index = index_from_blobs(FACT_INDEX, data.blobs)
        article_index = index_from_blobs(ARTICLE_INDEX, data.blobs)
        lexicon = Lexicon.from_dict(json.loads(data.meta.get("lexicon", "{}")))
        facts = list(data.facts)
        articles = list(data.articles)
        stamps = np.array([a.published.timestamp() for a in articles] or [0.0], dtype=np.float64)
        span = float(stamps.max() - stamps.min()) or 1.0
        article_recency = ((stamps - stamps.min()) / span).astype(np.float32)
        fact_article = np.array([f.article_id for f in facts], dtype=np.int32)
        headlines: list[set[str]] = [set() for _ in articles]
        for f in facts:
            if f.kind != FactKind.BODY.value:
                toks = f.folded.split()
                headlines[f.article_id].update(toks, bigrams(toks))
        return cls(
            articles=articles,
            facts=facts,
            fact_article=fact_article,
            answerable=np.array([f.kind == FactKind.BODY.value for f in facts], dtype=np.bool_),
            fact_index=fact_index,
            article_index=article_index,
            lexicon=lexicon,
            vocabulary=[t for t in fact_index.vocab if "_" not in t and not t[:1].isdigit()],
            built_at=data.meta.get("built_at", ""),
            recency=article_recency[fact_article] if facts else np.zeros(0, np.float32),
            headline_tokens=[frozenset(h) for h in headlines],
            names={k: tuple(v) for k, v in json.loads(data.meta.get("names", "{}")).items()},
            accented_vocab=frozenset(data.meta.get("accented_vocab", "").split()),
            word_pairs={},
            term_cache={},
            accent_cache={},
            word_surfaces={},
            newest_titles=tuple(a.title for a in sorted(articles, key=lambda a: a.published, reverse=True)[:20]),
        )

    @property
    def empty(self) -> bool:
        return not self.facts

    def topics(self, limit: int = 5) -> tuple[str, ...]:
        """Titles of the newest articles: what the bot can talk about."""
        return self.newest_titles[:limit]


_I_NUMBER, _I_DATE, _I_WHO, _I_ORG = (int(i) for i in (Intent.NUMBER, Intent.DATE, Intent.WHO, Intent.ORG))
_F_NUMBER, _F_DATE, _F_PERSON, _F_ORG = (int(f) for f in (Feature.NUMBER, Feature.DATE, Feature.PERSON, Feature.ORG))


@dataclass(frozen=True)
class _Unit:
    tokens: tuple[str, ...]
    term: str  # the index term: a syllable, or a pair "a_b"
    weight: float
    known: bool
    alternatives: tuple[tuple[str, ...], ...] = ()

    @functools.cached_property
    def alternative_terms(self) -> tuple[tuple[frozenset[str], tuple[str, ...]], ...]:
        """Each alternative wording as the index terms a fact must hold (its syllables, or its pairs)."""
        out = []
        for alt in self.alternatives:
            need = frozenset(alt) if len(alt) == 1 else frozenset(f"{a}_{b}" for a, b in itertools.pairwise(alt))
            out.append((need, alt))
        return tuple(out)


@dataclass
class _Candidate:
    fact: int
    score: float
    coverage: float
    matched: tuple[str, ...]
    lexical: float = 0.0
    similarity: float = 0.0
    intent: float = 0.0


class Searcher:
    """Answers questions from one :class:`Snapshot`."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snap = snapshot

    # -- query preparation -----------------------------------------------------------------

    def _repair(self, plan: QueryPlan) -> None:
        """Replace syllables the index has never seen by the closest known one (typos).

        A short syllable is only repaired when the repair forms a known syllable pair
        with a neighbour: a one-letter edit of a short syllable is too often another
        real word ("vàng" is not a typo of "văn").
        """
        vocab = self.snap.fact_index.vocab
        fixed: list[tuple[str, ...]] = []
        for phrase in plan.phrases:
            out = list(phrase)
            for i, tok in enumerate(phrase):
                if tok in vocab or tok[:1].isdigit() or len(tok) < 2:
                    continue
                for cand in self._closest(tok):
                    left = f"{out[i - 1]}_{cand}" if i > 0 and out[i - 1] not in STOPWORDS else ""
                    right = f"{cand}_{phrase[i + 1]}" if i + 1 < len(phrase) and phrase[i + 1] not in STOPWORDS else ""
                    if left in vocab or right in vocab or (len(tok) >= 6 and len(cand) >= 6):
                        plan.repaired[tok] = cand
                        out[i] = cand
                        break
            fixed.append(tuple(out))
        plan.phrases = fixed
        plan.base = [tuple(plan.repaired.get(t, t) for t in p) for p in plan.base]
        plan.content = list(dict.fromkeys(plan.repaired.get(t, t) for t in plan.content))
        for old, new in plan.repaired.items():
            plan.accented.pop(old, None)
            plan.accented.pop(new, None)

    def _closest(self, tok: str) -> list[str]:
        """Known syllables one edit away (two for long ones), most frequent first."""
        max_dist = 1 if len(tok) <= 5 else 2
        hits = process.extract(tok, self.snap.vocabulary, scorer=Levenshtein.distance, score_cutoff=max_dist, limit=30)
        df = self.snap.fact_index.df
        return [h[0] for h in sorted(hits, key=lambda h: (h[1], -df(h[0]), h[0]))]

    def _weighted_terms(self, plan: QueryPlan) -> list[tuple[str, float]]:
        weights: dict[str, float] = {}
        repaired = set(plan.repaired.values())
        content = set(plan.content)
        for phrase in plan.phrases:
            for tok in phrase:
                w = 0.3 if tok not in content else (0.6 if tok in repaired else 1.0)
                weights[tok] = max(weights.get(tok, 0.0), w)
            for bg in bigrams(phrase):
                weights[bg] = max(weights.get(bg, 0.0), 1.0)
        return list(weights.items())

    # -- ranking ---------------------------------------------------------------------------

    def _units(self, plan: QueryPlan) -> list[_Unit]:
        """The question's content as units: known two-syllable words ("chủ trì") or single syllables.

        A compound counts only where the fact has its syllables side by side, so "chủ trì"
        is not covered by "Chủ tịch ... Quảng Trị".
        """
        index = self.snap.fact_index
        vocab = index.vocab
        unknown_w = math.log1p(index.n_docs + 0.5) * 0.8
        content = set(plan.content)

        def known(t: str) -> bool:
            # Typed with diacritics the articles never use ("thẩm" where they only say "tham"):
            # another word that folds the same, unless a known pair vouches for it (a typo).
            written = plan.accented.get(t)
            return t in vocab and (written is None or written in self.snap.accented_vocab)

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
                if b is not None and b in content and pair in vocab and alt == plan.alternatives.get(b, ()):
                    units.setdefault((a, b), _Unit((a, b), pair, weight(a) + weight(b), True, alt))
                    i += 2
                    continue
                units.setdefault((a,), _Unit((a,), a, weight(a), known(a), alt))
                i += 1
        return list(units.values())

    def _coverage(
        self,
        plan: QueryPlan,
        units: list[_Unit],
        *,
        fact: int,
        fact_terms: frozenset[str],
        accented: frozenset[str],
        in_article: dict[str, frozenset[int]],
    ) -> tuple[float, tuple[str, ...]]:
        """Share of the question's content (IDF-weighted) that the fact, or its article, covers.

        * in the fact: full credit (partial when the user's diacritics differ from the fact's,
          or when a two-syllable word's syllables are there but apart); an abbreviation is
          covered by its full form and the reverse;
        * in the article's title or caption: most of the credit (news sentences leave out
          the subject the headline states);
        * elsewhere in the article: a little credit;
        * a known word missing from the whole article counts double against it (the
          question is about something this article does not mention); a syllable unknown
          to the index counts as a rare word the fact lacks.
        A proper name the user wrote that the knowledge base knows, but not from this
        article, halves the coverage.
        """
        snap = self.snap
        art_index = snap.article_index
        article = int(snap.fact_article[fact])
        headline = snap.headline_tokens[article]
        total = got = 0.0
        matched: list[str] = []
        for unit in units:
            w = unit.weight
            total_w = w
            if unit.term in fact_terms:
                mismatched = sum(
                    1 for t in unit.tokens if plan.accented.get(t) is not None and plan.accented[t] not in accented
                )
                got += w * (1.0 - ACCENT_MISMATCH_PENALTY * mismatched / len(unit.tokens))
                matched.extend(unit.tokens)
            elif alt := next((a for need, a in unit.alternative_terms if need <= fact_terms), None):
                got += w
                matched.extend(alt)
            elif unit.term in headline:
                got += HEADLINE_CREDIT * w
            elif len(unit.tokens) > 1 and all(t in fact_terms for t in unit.tokens):
                got += 0.4 * w
            elif unit.known and article in in_article[unit.term]:
                got += ARTICLE_CREDIT * w
            elif unit.known:
                total_w = MISSING_KNOWN_WEIGHT * w
            else:
                total_w = UNKNOWN_WEIGHT * w
            total += total_w
        coverage = got / total if total else 0.0
        for name in plan.entities:
            mentioned_in = snap.names.get(" ".join(name))
            pairs = [f"{a}_{b}" for a, b in itertools.pairwise(name)]
            if mentioned_in is not None:
                known, here = True, article in mentioned_in
            else:  # never capitalised in the articles: fall back to the words themselves
                known = all(p in art_index.vocab for p in pairs)
                here = known and all(art_index.contains(p, article) for p in pairs)
            if not known:
                coverage *= UNKNOWN_NAME_FACTOR  # a name the knowledge base never mentions
            elif not here:
                coverage *= OTHER_ARTICLE_NAME_FACTOR  # a name known only from other articles
        return coverage, tuple(matched)

    @staticmethod
    def _intent_bonus(intent: int, features: int) -> float:
        """Reward facts holding what the question asks for (plain ints: this runs per candidate)."""
        bonus = 0.0
        if intent & _I_NUMBER:
            bonus += 0.1 if features & _F_NUMBER else -0.15
        if intent & _I_DATE:
            bonus += 0.1 if features & _F_DATE else -0.06
        if intent & _I_WHO:
            bonus += 0.08 if features & _F_PERSON else -0.25
        elif intent & _I_ORG:
            bonus += 0.05 if features & _F_ORG else -0.03
        return bonus

    def rank(self, plan: QueryPlan) -> list[_Candidate]:
        """Candidates for a planned question, best first (no threshold applied)."""
        snap = self.snap
        if plan.english:
            # English words the glossary did not translate are not evidence either way.
            vocab = snap.fact_index.vocab
            plan.content = [t for t in plan.content if t not in plan.untranslated or t in vocab or t[:1].isdigit()]
        else:
            self._repair(plan)
        terms = self._weighted_terms(plan)
        fact_scores = snap.fact_index.scores(terms)
        fact_scores[~snap.answerable] = 0.0
        fmax = float(fact_scores.max()) if len(fact_scores) else 0.0
        if fmax <= 0:
            return []
        art_scores = snap.article_index.scores(terms)
        amax = float(art_scores.max()) or 1.0
        combined = fact_scores / fmax + ARTICLE_WEIGHT * (art_scores / amax)[snap.fact_article]
        combined[fact_scores <= 0] = 0.0
        cand_ids = top_k(combined, CANDIDATES)
        cmax = float(combined[cand_ids[0]]) if len(cand_ids) else 1.0
        q_folded = plan.folded
        units = self._units(plan)
        question_intent = int(plan.intent)
        # Which of the candidates' articles hold each word: one vectorised test per word.
        cand_articles = np.unique(snap.fact_article[cand_ids])
        in_article = {
            u.term: frozenset(cand_articles[np.isin(cand_articles, snap.article_index.postings(u.term)[0])].tolist())
            for u in units
        }
        cands: list[_Candidate] = []
        for fid in cand_ids.tolist():
            row = snap.facts[fid]
            fact_terms = snap.fact_terms(fid)
            accents = snap.fact_accents(fid) if plan.accented else frozenset()
            coverage, matched = self._coverage(
                plan, units, fact=fid, fact_terms=fact_terms, accented=accents, in_article=in_article
            )
            sim = fuzz.token_set_ratio(q_folded, row.folded) / 100.0
            intent = self._intent_bonus(question_intent, row.features)
            score = (
                W_LEXICAL * float(combined[fid]) / cmax
                + W_SIMILARITY * sim
                + W_COVERAGE * coverage
                + intent
                + W_RECENCY * float(snap.recency[fid])
            )
            cands.append(_Candidate(fid, score, coverage, matched, float(combined[fid]) / cmax, sim, intent))
        cands.sort(key=lambda c: c.score, reverse=True)
        return cands

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

    def search(self, question: str, limit: int = 3) -> Answer:
        snap = self.snap
        text = clean(question)
        if not text:
            return Answer(question=question, answered=False, reason="empty", suggestions=snap.topics())
        if len(text) > MAX_QUESTION_CHARS:
            return Answer(question=question, answered=False, reason="too_long", suggestions=snap.topics())
        if snap.empty:
            return Answer(question=question, answered=False, reason="no_knowledge")
        plan = plan_query(text, snap.lexicon)
        if not _WORDLIKE.search(text) or not plan.content:
            return Answer(question=question, answered=False, reason="no_words", suggestions=snap.topics())
        cands = self.rank(plan)
        if not cands:
            return Answer(question=question, answered=False, reason="no_match", suggestions=snap.topics())
        best = cands[0]
        if best.coverage < MIN_COVERAGE or best.score < MIN_SCORE:
            return Answer(question=question, answered=False, reason="low_confidence", suggestions=snap.topics())
        results: list[SearchResult] = []
        seen: set[str] = set()
        for c in cands:
            row = snap.facts[c.fact]
            if row.folded in seen or (results and c.coverage < RELATED_MIN_COVERAGE):
                continue
            seen.add(row.folded)
            art = snap.articles[row.article_id]
            results.append(
                SearchResult(
                    fact_id=row.id,
                    text=row.text,
                    url=art.url,
                    title=art.title,
                    site=art.site,
                    published=art.published,
                    score=c.score,
                    matched=self._surface_matches(plan, snap.fact_surface(row.id), c.matched),
                )
            )
            if len(results) >= limit:
                break
        return Answer(question=question, answered=True, results=tuple(results))
