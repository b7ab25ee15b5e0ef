"""Answers as plain text for the terminal (the Telegram HTML lives in bot.telegram.render)."""

from __future__ import annotations

from bot.models import Answer, SearchResult

NOT_FOUND = "Chưa tìm thấy câu trả lời đủ tin cậy cho câu hỏi này."
REASONS = {
    "empty": "Câu hỏi trống: hãy gõ một câu hỏi về cải cách hành chính.",
    "too_long": "Câu hỏi quá dài: hãy hỏi ngắn gọn hơn (tối đa 1.000 ký tự).",
    "no_knowledge": "Chưa có dữ liệu: hãy chạy `cchc-bot reload` trước.",
    "no_words": "Câu hỏi không có từ nào để tìm.",
}


def citation(r: SearchResult) -> str:
    return f"{r.title} — {r.site}, {r.published:%d/%m/%Y}"


def answer_text(answer: Answer) -> str:
    if not answer.answered:
        lines = [REASONS.get(answer.reason or "", NOT_FOUND)]
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
