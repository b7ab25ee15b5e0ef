"""Answers as plain text for the terminal (the Telegram HTML lives in bot.telegram.render)."""

from __future__ import annotations

from bot.messages import decline_text
from bot.models import Answer, SearchResult

NO_KNOWLEDGE_HINT = "Hãy chạy `cchc-bot reload` trước."


def citation(r: SearchResult) -> str:
    return f"{r.title} — {r.site}, {r.published:%d/%m/%Y}"


def answer_text(answer: Answer) -> str:
    if not answer.answered:
        lines = [decline_text(answer.reason, NO_KNOWLEDGE_HINT)]
        if answer.suggestions:
            lines.append("")
            lines.append("Bot hiện biết về:")
            lines.extend(f"  • {t}" for t in answer.suggestions)
        return "\n".join(lines)
    best, *more = answer.results
    lines = [f"“{best.text}”", f"  Nguồn: {citation(best)}", f"  {best.url}"]
    if more:
        lines.append("")
        lines.append("Thông tin liên quan:")
        for r in more:
            lines.append(f"  • {r.text}")
            lines.append(f"    Nguồn: {citation(r)} — {r.url}")
    return "\n".join(lines)
