"""Telegram HTML for following the news: pushes, topic lists, /tinmoi pages and digests.

The same rules as :mod:`bot.telegram.render`: everything from articles or users is escaped,
links only for http(s) URLs, every message within Telegram's 4,096 characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.formats import VIETNAM_TZ
from bot.messages import MAX_TOPIC_CHARS
from bot.models import ArticleRow
from bot.news import ArticleMatch, Digest, FollowOutcome
from bot.storage import DigestSetting, Subscription
from bot.telegram.render import fact_html, fit_blocks, link, shorten

MAX_SENTENCE = 500

FOLLOW_USAGE_HTML = (
    "📰 <b>Theo dõi tin mới theo chủ đề</b>\n"
    "Gõ <code>/theodoi chủ đề</code>, ví dụ: <code>/theodoi PAR INDEX</code>, <code>/theodoi de an 06</code>,"
    " <code>/theodoi dịch vụ công trực tuyến</code>. Khi có bài mới nói về chủ đề, bot sẽ gửi ngay cho bạn"
    " câu liên quan nhất kèm liên kết. Gõ không dấu hay viết tắt đều được."
)
GROUP_ADMINS_ONLY = "Trong nhóm, chỉ quản trị viên của nhóm mới thay đổi được chủ đề theo dõi và bản tin."
DIGEST_USAGE = (
    "Gõ <code>/bantin 07:30</code> để nhận bản tin mỗi ngày lúc 7 giờ 30 (giờ Việt Nam),"
    " <code>/bantin tat</code> để tắt."
)


def follow_html(outcome: FollowOutcome, topic: str, cap: int, latest: ArticleRow | None) -> str:
    shown = escape(shorten(topic, MAX_TOPIC_CHARS))
    if outcome is FollowOutcome.EXISTS:
        return f"Bạn đã theo dõi chủ đề «{shown}» rồi. Gõ /theodoi để xem danh sách."
    if outcome is FollowOutcome.FULL:
        return (
            f"Mỗi cuộc trò chuyện theo dõi được tối đa {cap} chủ đề. Hãy bỏ bớt một chủ đề (gõ /theodoi) rồi thử lại."
        )
    lines = [
        f"✅ Đã theo dõi chủ đề «{shown}».",
        "Khi có bài viết mới nói về chủ đề này, bot sẽ gửi cho bạn câu liên quan nhất kèm liên kết.",
    ]
    if latest is not None:
        lines.append(f"Bài gần đây nhất về chủ đề: {link(latest.title, latest.url)} ({latest.published:%d/%m/%Y}).")
    else:
        lines.append("Hiện chưa có bài nào về chủ đề này; bot sẽ báo khi có.")
    return "\n".join(lines)


def topics_html(subscriptions: Sequence[Subscription], digest: DigestSetting | None, cap: int) -> str:
    if not subscriptions:
        lines = ["Cuộc trò chuyện này chưa theo dõi chủ đề nào.", "", FOLLOW_USAGE_HTML]
    else:
        lines = [f"📰 <b>Chủ đề đang theo dõi ({len(subscriptions)}/{cap}):</b>"]
        lines.extend(f"• {escape(shorten(s.topic, MAX_TOPIC_CHARS))}" for s in subscriptions)
        lines.append("")
        lines.append("Bấm nút bên dưới để bỏ theo dõi. Thêm chủ đề: <code>/theodoi chủ đề</code>.")
    lines.append("")
    lines.append(digest_status_html(digest))
    return fit_blocks(["\n".join(lines)], required=1)


def digest_status_html(digest: DigestSetting | None) -> str:
    if digest is None:
        return f"Bản tin hằng ngày: đang tắt. {DIGEST_USAGE}"
    return f"Bản tin hằng ngày: lúc {digest.at} (giờ Việt Nam). {DIGEST_USAGE}"


def _match_block(m: ArticleMatch) -> str:
    head = f"{link(m.article.title, m.article.url)}\n{escape(m.article.site)}, {m.article.published:%d/%m/%Y}"
    if m.result is None:
        return head
    return f"{head}\n📌 {fact_html(m.result, MAX_SENTENCE)}"


def push_html(m: ArticleMatch) -> str:
    """One new article that matches the chat's topics."""
    topics = ", ".join(f"«{escape(shorten(t, 60))}»" for t in m.topics)
    return fit_blocks([f"🆕 <b>Bài mới về {topics}</b>", _match_block(m)], required=2)


def push_batch_html(matches: Sequence[ArticleMatch], part: int, parts: int, total: int) -> str:
    """Several new articles at once (a big ingest): lists of them, ``part`` of ``parts``."""
    head = f"🆕 <b>{total} bài mới về các chủ đề bạn theo dõi</b>"
    if parts > 1:
        head += f" (phần {part}/{parts})"
    blocks = [head]
    for m in matches:
        topics = ", ".join(f"«{escape(shorten(t, 40))}»" for t in m.topics)
        blocks.append(f"• {_match_block(m)}\n  Chủ đề: {topics}")
    return fit_blocks(blocks, required=2)


def latest_html(rows: Sequence[ArticleRow], page: int, per_page: int, topic: str | None) -> str:
    about = f" về «{escape(shorten(topic, MAX_TOPIC_CHARS))}»" if topic else ""
    if not rows:
        return f"Chưa có bài viết nào{about}." if topic else "Bot chưa có bài viết nào."
    pages = max(1, -(-len(rows) // per_page))
    shown = rows[page * per_page : (page + 1) * per_page]
    blocks = [f"🗞 <b>Bài viết mới nhất{about}</b> (trang {page + 1}/{pages}, {len(rows)} bài)"]
    for i, r in enumerate(shown, start=page * per_page + 1):
        blocks.append(f"{i}. {link(r.title, r.url)}\n   {escape(r.site)}, {r.published:%d/%m/%Y}")
    return fit_blocks(blocks, required=1)


def digest_html(digest: Digest, per_topic: int = 5) -> str:
    blocks = [f"🗓 <b>Bản tin cải cách hành chính</b> ({digest.until.astimezone(VIETNAM_TZ):%d/%m/%Y})"]
    for section in digest.sections:
        title = "Bài mới" if section.topic is None else f"Chủ đề «{escape(shorten(section.topic, 60))}»"
        lines = [f"<b>{title}</b> ({len(section.matches)} bài)"]
        lines.extend(f"• {_match_block(m)}" for m in section.matches[:per_topic])
        if len(section.matches) > per_topic:
            lines.append(f"… và {len(section.matches) - per_topic} bài khác (gõ /tinmoi để xem).")
        blocks.append("\n".join(lines))
    return fit_blocks(blocks, required=2)
