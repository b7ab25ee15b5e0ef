from __future__ import annotations

from bot.telegram.state import FloodGuard, Verdict


def test_flood_guard_notifies_once_then_silent_then_recovers() -> None:
    now = [0.0]
    guard = FloodGuard(limit=2, clock=lambda: now[0])
    assert [guard.check(1) for _ in range(4)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.NOTIFY, Verdict.SILENT]
    assert guard.check(2) is Verdict.ALLOW  # another user is not affected
    now[0] = 61.0
    assert guard.check(1) is Verdict.ALLOW
    assert guard.check(1) is Verdict.ALLOW
    assert guard.check(1) is Verdict.NOTIFY  # a new flood gets a new notice
