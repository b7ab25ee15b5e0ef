"""The learned part of answering: how candidate facts are ordered, and when to decline.

Two small linear models, fitted from the question sets in ``eval/`` by ``python -m bench.fit``
and shipped as ``bot/search/ranker.json`` (feature names, standardisation, weights, threshold, and the
figures they were fitted with):

* the **ranker** scores each candidate fact from :data:`CANDIDATE_FEATURES` (a conditional logit:
  the softmax of the scores over one question's candidates is the chance each one answers it);
* the **decline model** gives the chance that the question is answerable at all from
  :data:`QUESTION_FEATURES` of the best candidate and the score distribution; below the fitted
  threshold the bot says it does not know.

Nothing here names a question, an article or a figure: the weights are learned, and refitted by
one command when the features change (the file's ``features`` must match these tuples).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_VERSION = 1

CANDIDATE_FEATURES: tuple[str, ...] = (
    "lex_fact",  # the fact's BM25, relative to the best fact's
    "lex_article",  # its article's BM25, relative to the best article's
    "lex_rank",  # log(1 + the fact's place in the first-stage order)
    "similarity",  # rapidfuzz token_set_ratio of question and fact (folded)
    "coverage",  # IDF-weighted share of the question the fact or its article covers (names weighed in)
    "cov_fact",  # share of the question found in the fact itself
    "cov_headline",  # share found only in the article's title or caption
    "cov_split",  # share of two-syllable words whose syllables the fact holds apart
    "cov_article",  # share found only elsewhere in the article
    "cov_missing",  # share of known words the whole article lacks
    "cov_unknown",  # share of words the knowledge base has never seen
    "cov_neighbour",  # share not in the fact but in the sentence before or after it
    "max_absent",  # the weightiest word the whole article lacks, over the weightiest word of the question
    "evidence",  # log(1 + the summed weight of the question's words found in the fact)
    "cov_fact_local",  # share of the question in the fact, words weighted by their rarity within the article
    "accent_lost",  # share lost because the user's diacritics differ from the fact's
    "focus_in_fact",  # share of the predicate after "ai" ("ai chủ trì") that the fact holds
    "tokens_in_fact",  # unweighted share of the question's content syllables in the fact
    "sequence",  # longest common run of syllables, in order, over the question's content length
    "pairs_in_fact",  # share of the question's adjacent word pairs that the fact holds side by side
    "novel",  # share of the fact's words that the question does not use (room for an answer)
    "fact_length",  # log of the fact's length in syllables
    "position",  # log(1 + the fact's place in its article)
    "context_opening",  # the fact opens with words that lean on the sentence before ("Trong đó", "Ông")
    "pair",  # the candidate is two adjacent sentences quoted together (a longer quote)
    "names_here",  # names the user wrote that this article mentions
    "names_elsewhere",  # ... that only other articles mention
    "names_unknown",  # ... that no article mentions
    "place_absent",  # a province or city the question names that this article never mentions
    "year_in_fact",  # a year the question names is in the fact
    "year_conflict",  # a year the question names is nowhere in the article
    "year_other_in_fact",  # the fact states a year, none of those the question names
    "ordinal_conflict",  # "thứ tám" asked, the article never says it
    "number_conflict",  # another number the question names is nowhere in the article
    "want_number_ok",
    "want_number_miss",
    "want_date_ok",
    "want_date_miss",
    "want_person_ok",
    "want_person_name",  # "who" asked, the fact names something capitalised but no recognisable person
    "want_person_miss",
    "want_org_ok",
    "want_org_miss",
    "want_place_ok",
    "want_place_miss",
    "level_conflict",  # the question names an administrative level ("cấp huyện"), the fact only others
    "post_conflict",  # the question names a post ("chủ tịch"), the fact only others (its deputy's included)
    "gap_cov_fact",  # cov_fact minus the best cov_fact among the question's candidates
    "gap_lex_fact",
    "gap_similarity",
    "gap_sequence",
)

QUESTION_FEATURES: tuple[str, ...] = (
    "top_score",  # the ranker's score of the best candidate
    "top_margin",  # its lead over the second
    "top_probability",  # its softmax share among the candidates
    "top_coverage",
    "top_cov_fact",
    "top_cov_missing",
    "cov_unknown",
    "top_max_absent",
    "top_evidence",
    "top_names_elsewhere",
    "names_unknown",
    "top_year_conflict",
    "top_ordinal_conflict",
    "top_number_conflict",
    "top_want_miss",  # the best fact lacks the kind of thing asked for
    "units",  # log of the number of content words in the question
    "english",
    "english_unknown",  # English words neither the glossary nor the index knows
    "top_similarity",
    "top_year_other",
    "top_slot_conflict",  # the best fact names another administrative level or post than the question
    "article_runner_up",  # the first stage's second-best article against its best
    "lone_article",  # the first stage found one article only (nothing to compare the best with)
)

# Whether an article matches a followed topic (a short noun phrase, not a question): measured on the
# best of the article's facts under the ranker, fitted by ``python -m bench.fit_topics``.
TOPIC_FEATURES: tuple[str, ...] = (
    "answer_probability",  # the decline model's chance that the topic, asked as a question, is answered
    "cov_fact",
    "tokens_in_fact",
    "cov_fact_local",
    "similarity",
    "cov_missing",
    "units",
    "run_fact",  # longest run of the topic's words, in order, in the best fact (abbreviations spelt out)
    "run_article",  # ... in any sentence of the article
    "run_headline",  # ... in its title or caption
    "full_runs",  # log(1 + sentences of the article holding the whole topic as a run)
    "accent_ok",  # share of the syllables typed with diacritics that the best run's sentence has as typed
)

FloatArray = npt.NDArray[np.float64]


class ModelError(ValueError):
    """A model file that does not fit this code (other features or version)."""


@dataclass(frozen=True)
class Linear:
    """A standardised linear model: ``w · (x - mean) / scale + bias``."""

    weights: FloatArray
    mean: FloatArray
    scale: FloatArray
    bias: float

    def __call__(self, x: FloatArray) -> FloatArray:
        return np.asarray(((x - self.mean) / self.scale) @ self.weights + self.bias, dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        # Rounded to 6 places, and "+ 0.0" turns a -0.0 into 0.0: the sign of a weight that rounds to zero
        # differs between machines (BLAS), and the file must be the same wherever it is refitted.
        return {
            "weights": [round(float(v), 6) + 0.0 for v in self.weights],
            "mean": [round(float(v), 6) + 0.0 for v in self.mean],
            "scale": [round(float(v), 6) + 0.0 for v in self.scale],
            "bias": round(self.bias, 6) + 0.0,
        }

    def probability(self, x: FloatArray) -> float:
        """The logistic of the model's value for one row ``x``."""
        z = float(self(x.reshape(1, -1))[0])
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    @classmethod
    def from_dict(cls, d: dict[str, Any], size: int) -> Linear:
        arrays = [np.asarray(d[k], dtype=np.float64) for k in ("weights", "mean", "scale")]
        if any(a.shape != (size,) for a in arrays):
            raise ModelError(f"expected {size} weights")
        return cls(arrays[0], arrays[1], np.where(arrays[2] > 0, arrays[2], 1.0), float(d.get("bias", 0.0)))


@dataclass(frozen=True)
class RankModel:
    ranker: Linear
    decline: Linear
    threshold: float  # answer when the decline model's probability reaches this
    info: dict[str, Any]

    @classmethod
    def untrained(cls) -> RankModel:
        """Zero weights: every candidate scores alike (what a fit starts from)."""
        nc, nq = len(CANDIDATE_FEATURES), len(QUESTION_FEATURES)
        return cls(
            ranker=Linear(np.zeros(nc), np.zeros(nc), np.ones(nc), 0.0),
            decline=Linear(np.zeros(nq), np.zeros(nq), np.ones(nq), 0.0),
            threshold=0.5,
            info={},
        )

    def answer_probability(self, x: FloatArray) -> float:
        return self.decline.probability(x)

    def to_dict(self) -> dict[str, Any]:
        features = {"candidate_features": CANDIDATE_FEATURES, "question_features": QUESTION_FEATURES}
        parts = {"ranker": self.ranker, "decline": self.decline}
        return _model_dict(MODEL_VERSION, features, parts, self.threshold, self.info)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RankModel:
        _check(d, MODEL_VERSION, {"candidate_features": CANDIDATE_FEATURES, "question_features": QUESTION_FEATURES},
               "python -m bench.fit")  # fmt: skip
        return cls(
            ranker=Linear.from_dict(d["ranker"], len(CANDIDATE_FEATURES)),
            decline=Linear.from_dict(d["decline"], len(QUESTION_FEATURES)),
            threshold=float(d["threshold"]),
            info=dict(d.get("info", {})),
        )


MODEL_FILE = "ranker.json"


def _model_dict(
    version: int, features: dict[str, tuple[str, ...]], parts: dict[str, Linear], threshold: float, info: dict[str, Any]
) -> dict[str, Any]:
    """A model file's content: its version, the features it was fitted on, its linear parts, its threshold."""
    return {
        "version": version,
        **{key: list(names) for key, names in features.items()},
        **{key: linear.to_dict() for key, linear in parts.items()},
        "threshold": round(threshold, 6),
        "info": info,
    }


def _check(d: dict[str, Any], version: int, features: dict[str, tuple[str, ...]], refit: str) -> None:
    """Refuse a model file of another version, or fitted on other features than this code computes."""
    if d.get("version") != version:
        raise ModelError(f"model version {d.get('version')!r}, this code reads {version}")
    for key, names in features.items():
        if tuple(d.get(key, ())) != names:
            raise ModelError(f"the model was fitted on other {key.replace('_', ' ')}: refit with {refit}")


def _shipped(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("bot.search").joinpath(name).read_text(encoding="utf-8"))
    return data


def load_model() -> RankModel:
    """The model shipped with the package."""
    return RankModel.from_dict(_shipped(MODEL_FILE))


def softmax(scores: FloatArray) -> FloatArray:
    if not len(scores):
        return scores
    e = np.exp(scores - scores.max())
    return np.asarray(e / e.sum(), dtype=np.float64)


TOPIC_MODEL_FILE = "topic_model.json"
TOPIC_MODEL_VERSION = 1


@dataclass(frozen=True)
class TopicModel:
    """Logistic model of "this article is about the followed topic", with its decision threshold."""

    linear: Linear
    threshold: float
    info: dict[str, Any]

    def probability(self, x: FloatArray) -> float:
        return self.linear.probability(x)

    def to_dict(self) -> dict[str, Any]:
        features = {"topic_features": TOPIC_FEATURES}
        return _model_dict(TOPIC_MODEL_VERSION, features, {"model": self.linear}, self.threshold, self.info)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TopicModel:
        _check(d, TOPIC_MODEL_VERSION, {"topic_features": TOPIC_FEATURES}, "python -m bench.fit_topics")
        return cls(Linear.from_dict(d["model"], len(TOPIC_FEATURES)), float(d["threshold"]), dict(d.get("info", {})))


def load_topic_model() -> TopicModel:
    """The topic model shipped with the package."""
    return TopicModel.from_dict(_shipped(TOPIC_MODEL_FILE))
