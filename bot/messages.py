"""What users are told when a question is not answered: one Vietnamese sentence per :class:`Reason`.

Both front ends (the terminal and Telegram) read this table; only the advice for an empty
knowledge base differs, because each front end loads knowledge its own way.
"""

from __future__ import annotations

from bot.models import Reason, TopicProblem

MAX_QUESTION_CHARS = 1000
MAX_TOPIC_CHARS = 100

NOT_FOUND = "Chưa tìm thấy câu trả lời đủ tin cậy cho câu hỏi này."

DECLINES: dict[Reason, str] = {
    Reason.EMPTY: "Bạn chưa nhập câu hỏi. Hãy gõ một câu hỏi về cải cách hành chính.",
    Reason.TOO_LONG: f"Câu hỏi quá dài: hãy hỏi ngắn gọn hơn (tối đa {MAX_QUESTION_CHARS:,} ký tự).".replace(",", "."),
    Reason.NO_KNOWLEDGE: "Bot chưa có dữ liệu bài viết nào.",
    Reason.NO_WORDS: "Câu hỏi không có từ nào để tìm. Hãy hỏi bằng chữ, ví dụ: “chỉ số PAR Index 2023”.",
    Reason.OFF_TOPIC: "Chưa tìm thấy câu trả lời: các bài viết bot đang có không nói về nội dung này.",
    Reason.LOW_CONFIDENCE: (
        "Chưa tìm thấy câu trả lời đủ tin cậy: bot chỉ thấy vài thông tin gần với câu hỏi, "
        "không câu nào chắc chắn là câu trả lời."
    ),
    Reason.ENTITY_MISMATCH: (
        "Chưa tìm thấy câu trả lời: câu hỏi nhắc đến một địa phương, cơ quan, cấp hành chính, chức vụ, năm "
        "hoặc phiên họp mà các bài viết bot có không nói tới, nên bot không trả lời bằng thông tin của nơi khác, "
        "cấp khác hay năm khác."
    ),
}


def decline_text(reason: Reason | None, no_knowledge_hint: str = "") -> str:
    """The sentence for a decline; ``no_knowledge_hint`` tells how this front end loads articles."""
    if reason is None:
        return NOT_FOUND
    text = DECLINES.get(reason, NOT_FOUND)
    if reason is Reason.NO_KNOWLEDGE and no_knowledge_hint:
        return f"{text} {no_knowledge_hint}"
    return text


TOPIC_PROBLEMS: dict[TopicProblem, str] = {
    TopicProblem.EMPTY: "Bạn chưa ghi chủ đề.",
    TopicProblem.TOO_LONG: f"Chủ đề quá dài: hãy ghi ngắn gọn, tối đa {MAX_TOPIC_CHARS} ký tự.",
    TopicProblem.NO_WORDS: "Chủ đề cần có ít nhất một từ có nghĩa, ví dụ: PAR INDEX, chữ ký số.",
}
