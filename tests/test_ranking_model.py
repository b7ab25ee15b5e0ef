"""The learned ranker: the shipped file fits the code, a refit is reproducible, and it is what answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.evalsets import by_name
from bench.fit import collect, cross_validate, fit_all, folds_of, near_miss_variants
from bot.search.ranking import CANDIDATE_FEATURES, QUESTION_FEATURES, ModelError, RankModel, load_model
from bot.text.normalize import fold as fold_text


def test_the_shipped_model_matches_the_features_and_records_how_it_was_fitted() -> None:
    model = load_model()
    assert len(model.ranker.weights) == len(CANDIDATE_FEATURES)
    assert len(model.decline.weights) == len(QUESTION_FEATURES)
    assert 0.0 < model.threshold < 1.0
    info = model.info
    assert info["folds"] >= 2
    assert isinstance(info["seed"], int)
    assert set(info["cross_validated"]) == set(info["sets"])


def test_a_model_fitted_on_other_features_is_refused() -> None:
    data = load_model().to_dict()
    data["candidate_features"] = [*data["candidate_features"][:-1], "something_else"]
    with pytest.raises(ModelError, match="refit"):
        RankModel.from_dict(data)
    with pytest.raises(ModelError, match="version"):
        RankModel.from_dict({**load_model().to_dict(), "version": 999})


@pytest.fixture(scope="module")
def dev_items() -> list:  # type: ignore[type-arg]
    return collect(by_name(["dev", "holdout"]), augment=False)


def test_a_refit_is_reproducible(dev_items: list) -> None:  # type: ignore[type-arg]
    first = fit_all(dev_items, 0.01, 0.01, 0.05).to_dict()
    second = fit_all(dev_items, 0.01, 0.01, 0.05).to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_folds_split_by_article_never_by_question(dev_items: list) -> None:  # type: ignore[type-arg]
    folds = folds_of(dev_items, 3, seed=7)
    by_group: dict[str, set[int]] = {}
    for item, fold in zip(dev_items, folds, strict=True):
        by_group.setdefault(item.group, set()).add(fold)
    assert all(len(f) == 1 for f in by_group.values())  # every article's questions in one fold
    assert len(set(folds)) == 3


def test_the_learned_ranker_beats_an_untrained_one_on_held_out_articles(dev_items: list) -> None:  # type: ignore[type-arg]
    figures = cross_validate(dev_items, 3, 7, 0.01, 0.01, 0.05)
    trained_top1 = float(np.mean([figures[s]["top1"] for s in figures]))
    # The first stage's own order (BM25 of fact and article), which the ranker re-orders.
    first_stage = float(np.mean([bool(it.labels[0]) for it in dev_items if it.answerable and it.cands]))
    assert trained_top1 > 0.8
    assert trained_top1 > first_stage + 0.05


def test_near_misses_swap_a_level_or_make_a_post_the_deputy_only_where_the_article_lacks_it() -> None:
    question = "Tỷ lệ số hóa hồ sơ cấp huyện của tỉnh đạt bao nhiêu?"
    assert near_miss_variants(question, "ti le o cap huyen va cap tinh", "") == [
        "Tỷ lệ số hóa hồ sơ cấp xã của tỉnh đạt bao nhiêu?"
    ]
    assert near_miss_variants(question, "cap huyen cap tinh cap xa", "") == []  # every level is stated
    who = "Ai là Chủ tịch UBND tỉnh?"
    assert near_miss_variants(who, "chu tich ubnd tinh", "chu tich ubnd tinh") == ["Ai là phó Chủ tịch UBND tỉnh?"]
    assert near_miss_variants(who, "chu tich", "ong a pho chu tich") == []  # a deputy is named somewhere
    assert near_miss_variants("Ai là Phó Chủ tịch UBND tỉnh?", "chu tich", "chu tich") == []


def test_near_misses_ask_about_another_ministry_of_the_same_kind_the_knowledge_never_names() -> None:
    article = "bo tai chinh cat giam 86 dieu kien kinh doanh"
    everything = article + " bo tu phap so noi vu"
    (swapped,) = near_miss_variants("Bộ Tài chính cắt giảm bao nhiêu điều kiện?", article, everything)
    assert swapped.startswith("Bộ ")
    assert swapped.endswith(" cắt giảm bao nhiêu điều kiện?")
    other = swapped.removesuffix(" cắt giảm bao nhiêu điều kiện?")
    assert other != "Bộ Tài chính"
    assert fold_text(other).lower() not in everything  # another ministry, one never named
    # Typed in lower case without diacritics: the other ministry is typed the same way.
    (plain,) = near_miss_variants("bo tai chinh cat giam bao nhieu dieu kien", article, everything)
    assert plain == fold_text(plain).lower()
    assert not plain.startswith("bo tai chinh")
    # A body the answering article does not name is left alone (the question is not about it).
    assert near_miss_variants("Sở Nội vụ cắt giảm bao nhiêu điều kiện?", article, everything) == []
