"""What facts hold (quantities, dates, people) and what questions ask for."""

from __future__ import annotations

import pytest

from bot.text.analysis import Feature, Intent, fact_features, question_intent
from bot.text.normalize import fold


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("Tỉnh đạt 87,36 điểm, xếp thứ 21/63 tỉnh, thành phố.", True),
        ("Lực lượng công an đã thu nhận hơn 586 nghìn hồ sơ.", True),
        ("Từ ngày 1/12/2023, 100% hồ sơ phải được số hóa.", True),
        ("Ngày 8/3, HĐND tỉnh thông qua Nghị quyết giai đoạn 2023-2025.", False),
        ("Tính đến hết tháng 10/2023, Đề án 06 được triển khai trong năm 2023.", False),
    ],
)
def test_a_quantity_is_told_from_dates_periods_and_document_numbers(text: str, quantity: bool) -> None:
    assert bool(fact_features(text) & Feature.NUMBER) is quantity


def test_people_dates_and_institutions_are_recognised() -> None:
    features = fact_features("Hội nghị do đồng chí Lê Thị Thanh Hương, Phó Chủ tịch UBND tỉnh chủ trì ngày 17/5.")
    assert features & Feature.PERSON
    assert features & Feature.DATE
    assert fact_features("Ở khối sở, ban, ngành, Sở Tư pháp dẫn đầu.") & Feature.ORG
    assert not fact_features("Cải cách thủ tục hành chính được chú trọng, quan tâm.") & Feature.PERSON


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("Tỷ lệ hồ sơ trực tuyến là bao nhiêu?", Intent.NUMBER),
        ("khi nao cac xa moi hoat dong", Intent.DATE),
        ("Ai chủ trì hội nghị?", Intent.WHO),
        ("Cơ quan nào dẫn đầu?", Intent.ORG),
        ("When will the new communes start operating?", Intent.DATE),
    ],
)
def test_question_words_set_the_intent(question: str, intent: Intent) -> None:
    assert question_intent(fold(question)) & intent
