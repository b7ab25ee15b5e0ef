"""What an admin command shows in a group: counts only (the full report, with other users' questions and
server paths, goes to the admin in private)."""

from __future__ import annotations

from bot.models import ReloadReport
from bot.storage import Stats

SENT_PRIVATELY = "Chi tiết đã được gửi riêng cho bạn."
OPEN_PRIVATE_CHAT = "Chi tiết chỉ gửi trong trò chuyện riêng: hãy mở trò chuyện riêng với bot (/start) rồi gõ lại lệnh."


def stats_counts_html(stats: Stats, days: int) -> str:
    share = (100.0 * stats.answered / stats.questions) if stats.questions else 0.0
    return (
        f"📊 <b>Thống kê {days} ngày qua</b>: {stats.questions} câu hỏi, trả lời được {stats.answered} ({share:.0f}%)."
    )


def reload_counts_html(report: ReloadReport) -> str:
    return (
        f"✅ <b>Đã nạp lại dữ liệu</b>: {len(report.loaded)} bài viết, {report.facts} câu,"
        f" bỏ qua {len(report.skipped)} tệp."
    )


def reload_failed_counts_html() -> str:
    return "⚠️ <b>Nạp lại thất bại</b>, dữ liệu cũ vẫn được dùng."
