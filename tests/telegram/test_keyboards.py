from __future__ import annotations

import pytest

from bot.telegram import keyboards
from bot.telegram.keyboards import DeleteHistory, Feedback, More, SourcesPage

BIG = 10**18 - 1


@pytest.mark.parametrize(
    "action", [More(BIG, 9999), More(1, 0), Feedback(BIG, 1), Feedback(3, -1), SourcesPage(99999), DeleteHistory()]
)
def test_round_trip_and_64_bytes(action: keyboards.Action) -> None:
    data = keyboards.encode(action)
    assert len(data.encode()) <= 64
    assert keyboards.decode(data) == action


@pytest.mark.parametrize("data", [None, "", "m:1", "m:x:3", "f:1:+2", "s:-1", "p:all", "m:1:3:extra", "zz"])
def test_unknown_data_is_refused(data: str | None) -> None:
    assert keyboards.decode(data) is None


def test_answer_keyboard_has_navigation_only_when_useful() -> None:
    only = keyboards.answer_keyboard(5, "https://a.vn/x", offset=0, total=3, page=3)
    datas = [b.callback_data for row in only.inline_keyboard for b in row if b.callback_data]
    assert datas == ["f:5:+1", "f:5:-1"]
    middle = keyboards.answer_keyboard(5, "javascript:x", offset=3, total=7, page=3)
    assert all(b.url is None for row in middle.inline_keyboard for b in row)
    datas = [b.callback_data for row in middle.inline_keyboard for b in row]
    assert datas[:2] == ["m:5:0", "m:5:6"]
