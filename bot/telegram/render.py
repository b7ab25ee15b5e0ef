"""Telegram HTML for answers, lists and reports.

Everything that comes from articles or users goes through :func:`html.escape`; only
tags Telegram accepts are produced (``b``, ``i``, ``a``), links only for http(s) URLs,
and every message fits Telegram's 4,096 characters (counted in UTF-16 code units, as
Telegram does, on the HTML source, which is never shorter than the parsed text).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from bot.messages import decline_text
from bot.models import Answer, ArticleRow, IngestReport, Reason, ReloadReport, SearchResult
from bot.reasons_vi import skipped_label, skipped_reason, vi
from bot.storage import Stats
from bot.text.normalize import clean, fold, has_vietnamese_marks, word_spans

MAX_MESSAGE = 4096
MAX_FACT = 1000
MAX_TITLE = 200
MAX_CALLBACK_TEXT = 200


NO_KNOWLEDGE_HINT = "Quản trị viên cần nạp dữ liệu (/reload)."
EXAMPLES = (
    "Ai chủ trì Phiên họp thứ bảy Ban Chỉ đạo CCHC?",
    "bao nhieu % TTHC duoc cung cap truc tuyen",
    "Chỉ số PAR Index năm 2023 của tỉnh tăng mấy bậc?",
)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, limit: int = MAX_MESSAGE) -> bool:
    return 0 < utf16_len(text) <= limit


def shorten(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rstrip()
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut + "…"


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL Telegram can open, else None."""
    if not url or any(c.isspace() or ord(c) < 32 for c in url) or len(url) > 2048:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return url


def link(title: str, url: str | None) -> str:
    """The title as a link when the URL is safe, else as bold text."""
    text = escape(shorten(title, MAX_TITLE))
    href = safe_url(url)
    if href is None:
        return f"<b>{text}</b>"
    return f'<a href="{escape(href, quote=True)}">{text}</a>'


def citation(r: SearchResult) -> str:
    return f"{link(r.title, r.url)} — {escape(r.site)}, {r.published:%d/%m/%Y}"


@functools.lru_cache(maxsize=16384)
def _word_forms(word: str) -> tuple[str, str]:
    """(cleaned lower case, folded) of one word: cached, the same fact words are highlighted again and again."""
    return clean(word).casefold(), fold(word)


def _matched_words(matched: Iterable[str]) -> tuple[set[str], set[str]]:
    """(words to match exactly, folded syllables to match by folding) from a result's ``matched``."""
    exact: set[str] = set()
    folded: set[str] = set()
    for term in matched:
        for part in term.replace("_", " ").split():
            if has_vietnamese_marks(part):
                exact.add(clean(part).casefold())
            else:
                folded.add(fold(part))
    return exact, folded


def highlight(text: str, matched: Iterable[str]) -> str:
    """Escaped ``text`` with the matched words in bold (adjacent ones merged).

    A matched word written with diacritics is bolded only where the fact has the same
    diacritics; one without is matched by its folded form.
    """
    exact, folded = _matched_words(matched)
    spans: list[tuple[int, int]] = []
    if exact or folded:
        for m in word_spans(text):
            lower, word_folded = _word_forms(m.group())
            if lower not in exact and word_folded not in folded:
                continue
            if spans and not text[spans[-1][1] : m.start()].strip():
                spans[-1] = (spans[-1][0], m.end())
            else:
                spans.append((m.start(), m.end()))
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(escape(text[pos:start]))
        out.append(f"<b>{escape(text[start:end])}</b>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def fact_html(r: SearchResult, limit: int = MAX_FACT) -> str:
    return highlight(shorten(r.text, limit), r.matched)


def fit_blocks(blocks: Sequence[str], required: int, sep: str = "\n\n") -> str:
    """Join ``blocks``, dropping optional ones (after ``required``) from the end until it fits."""
    keep = list(blocks)
    while len(keep) > required and not fits(sep.join(keep)):
        keep.pop()
    text = sep.join(keep)
    if not fits(text):  # the required part alone is too long: plain, escaped, cut
        plain = html_to_text(text)
        text = escape(shorten(plain, MAX_MESSAGE // 2))
    return text


def answer_html(answer: Answer, offset: int = 0, page: int = 3) -> str:
    """The answer message: best fact with citation and up to ``page - 1`` related facts; later pages list facts."""
    if not answer.answered or not answer.results:
        return not_found_html(answer)
    shown = answer.results[offset : offset + page]
    if not shown:
        return escape("Không còn kết quả nào khác.")
    if offset == 0:
        best, *more = shown
        blocks = [f"📌 {fact_html(best)}\n— {citation(best)}"]
        if more:
            blocks.append("<b>Thông tin liên quan:</b>")
            blocks.extend(f"• {fact_html(r, 600)}\n  — {citation(r)}" for r in more)
        return fit_blocks(blocks, required=1)
    first = offset + 1
    span = f"{first}" if len(shown) == 1 else f"{first}–{offset + len(shown)}"
    question = escape(shorten(answer.question, 200))
    blocks = [f"<b>Kết quả thêm ({span})</b> cho: <i>{question}</i>"]
    blocks.extend(f"{first + i}. {fact_html(r, 800)}\n  — {citation(r)}" for i, r in enumerate(shown))
    return fit_blocks(blocks, required=2)


def not_found_html(answer: Answer, topics: int = 5) -> str:
    head = decline_text(answer.reason, NO_KNOWLEDGE_HINT)
    blocks = [f"🔎 {escape(head)}"]
    if answer.suggestions and answer.reason is not Reason.NO_KNOWLEDGE:
        lines = ["Bot hiện biết về các chủ đề:"]
        lines.extend(f"• {escape(shorten(t, MAX_TITLE))}" for t in answer.suggestions[:topics])
        blocks.append("\n".join(lines))
        blocks.append("Gõ /sources để xem danh sách bài viết.")
    return fit_blocks(blocks, required=1)


def inline_html(r: SearchResult) -> str:
    """The message an inline result sends: one fact with its citation."""
    return fit_blocks([f"📌 {fact_html(r)}\n— {citation(r)}"], required=1)


def inline_description(r: SearchResult) -> str:
    return shorten(f"{r.site}, {r.published:%d/%m/%Y} — {r.title}", 200)


def help_html(bot_username: str | None, titles: Sequence[str], *, group: bool = False, admin: bool = False) -> str:
    mention = f"@{bot_username}" if bot_username else "@bot"
    lines = [
        "👋 <b>Xin chào! Tôi là bot hỏi đáp về cải cách hành chính (CCHC).</b>",
        "Tôi trả lời bằng trích dẫn ngắn từ các bài báo đã được nạp, kèm liên kết tới bài gốc."
        " Bạn có thể gõ không dấu, viết tắt (TTHC, CCHC, DVC...).",
        "",
        "<b>Cách hỏi:</b>",
    ]
    if group:
        lines.append("• Trong nhóm: <code>/cchc câu hỏi</code> hoặc trả lời (reply) tin nhắn của tôi.")
    else:
        lines.append("• Gõ câu hỏi trực tiếp vào đây; trong nhóm dùng <code>/cchc câu hỏi</code>.")
    lines.append(f"• Ở bất kỳ cuộc trò chuyện nào: <code>{escape(mention)} câu hỏi</code> (chế độ inline).")
    lines.append("")
    lines.append("<b>Ví dụ:</b>")
    lines.extend(f"• <code>{escape(q)}</code>" for q in EXAMPLES)
    if titles:
        lines.append("")
        lines.append(f"<b>Tôi đang biết {len(titles)} bài viết</b>, ví dụ:")
        lines.extend(f"• {escape(shorten(t, MAX_TITLE))}" for t in titles[:5])
    lines.append("")
    lines.append("<b>Theo dõi tin mới:</b>")
    where = "cả nhóm" if group else "bạn"
    lines.append(
        f"• <code>/theodoi PAR INDEX</code>: khi có bài mới về chủ đề, bot gửi cho {where} câu liên quan nhất"
        " kèm liên kết (gõ không dấu, viết tắt đều được: <code>/theodoi de an 06</code>)."
    )
    lines.append("• <code>/theodoi</code>: xem và bỏ các chủ đề đang theo dõi; <code>/huytheodoi chủ đề</code> để bỏ.")
    lines.append("• <code>/tinmoi</code>: bài mới nhất; <code>/tinmoi chữ ký số</code>: bài mới nhất về một chủ đề.")
    lines.append(
        "• <code>/bantin 07:30</code>: bản tin mỗi sáng lúc 7:30 các bài mới theo chủ đề; <code>/bantin tat</code> để tắt."
    )
    if group:
        lines.append("Trong nhóm, chỉ quản trị viên nhóm thay đổi được chủ đề và bản tin.")
    lines.append("")
    lines.append("Lệnh: /sources danh sách bài viết · /privacy quyền riêng tư · /help hướng dẫn")
    if admin:
        lines.append("Quản trị: /reload nạp lại dữ liệu · /stats thống kê · <code>/add URL</code> thêm bài viết")
    return fit_blocks(["\n".join(lines)], required=1)


def sources_pages(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))


def sources_html(rows: Sequence[ArticleRow], page: int, per_page: int) -> str:
    if not rows:
        return escape("Chưa có bài viết nào trong dữ liệu.")
    pages = sources_pages(len(rows), per_page)
    page = min(max(page, 0), pages - 1)
    start = page * per_page
    head = f"📚 <b>Các bài viết bot đang biết</b> ({len(rows)} bài, trang {page + 1}/{pages}):"
    items = [
        f"{start + i + 1}. {link(a.title, a.url)}\n    {escape(a.site)}, {a.published:%d/%m/%Y}"
        for i, a in enumerate(rows[start : start + per_page])
    ]
    return fit_blocks([head, *items], required=1)


def stats_html(stats: Stats, days: int) -> str:
    share = (100.0 * stats.answered / stats.questions) if stats.questions else 0.0
    lines = [
        f"📊 <b>Thống kê {days} ngày qua</b>",
        f"• Số câu hỏi: {stats.questions}",
        f"• Trả lời được: {stats.answered} ({share:.0f}%)",
        f"• Độ trễ trung vị: {stats.median_latency_ms:.0f} ms",
    ]
    blocks = ["\n".join(lines)]
    if stats.top_unanswered:
        blocks.append(
            "<b>Câu hỏi chưa trả lời được nhiều nhất:</b>\n"
            + "\n".join(f"• {escape(shorten(q, 300))} ({n})" for q, n in stats.top_unanswered)
        )
    if stats.disliked:
        blocks.append(
            "<b>Câu trả lời bị đánh giá 👎:</b>\n"
            + "\n".join(f"• {escape(shorten(q, 300))} ({n})" for q, n in stats.disliked)
        )
    return fit_blocks(blocks, required=1)


def _report_lists(report: ReloadReport) -> list[str]:
    blocks: list[str] = []
    if report.skipped:
        blocks.append(
            f"<b>Bỏ qua {len(report.skipped)} tệp:</b>\n"
            + "\n".join(
                f"• {escape(shorten(skipped_label(s), 150))}: {escape(shorten(skipped_reason(s), 200))}"
                for s in report.skipped[:20]
            )
        )
    if report.replaced:
        blocks.append(
            f"<b>Trùng lặp ({len(report.replaced)}):</b>\n"
            + "\n".join(f"• {escape(shorten(vi(n), 200))}" for n in report.replaced[:20])
        )
    return blocks


def reload_html(report: ReloadReport) -> str:
    head = (
        f"✅ <b>Đã nạp lại dữ liệu</b>: {len(report.loaded)} bài viết, {report.facts} câu,"
        f" trong {report.seconds:.2f} giây."
    )
    return fit_blocks([head, *_report_lists(report)], required=1)


def reload_error_html(message: str, report: ReloadReport | None) -> str:
    """``message``: the English reason of the failure (shown in Vietnamese)."""
    head = f"⚠️ <b>Nạp lại thất bại</b>, dữ liệu cũ vẫn được dùng.\n{escape(shorten(vi(message), 500))}"
    return fit_blocks([head, *(_report_lists(report) if report else [])], required=1)


ADD_USAGE_HTML = (
    "Cách dùng: <code>/add URL</code>, ví dụ <code>/add https://baochinhphu.vn/bai-viet.htm</code>\n"
    "Gửi kèm đúng một địa chỉ web (bắt đầu bằng http:// hoặc https://) của một bài báo hoặc một nguồn tin"
    " RSS/Atom: bot sẽ tải về, thêm vào dữ liệu và nạp lại để trả lời được câu hỏi về bài đó."
)


def _url_list(label: str, urls: Sequence[str], titles: Mapping[str, str], limit: int = 10) -> str:
    lines = [f"<b>{label} ({len(urls)}):</b>"]
    lines.extend(f"• {link(titles.get(u, u), u)}" for u in urls[:limit])
    if len(urls) > limit:
        lines.append(f"• … và {len(urls) - limit} bài khác")
    return "\n".join(lines)


def ingest_html(report: IngestReport, titles: Mapping[str, str]) -> str:
    """The answer to ``/add``: what was added, updated, unchanged or skipped (with why), then the reload.

    ``titles`` maps article URLs to titles (the service's sources), so articles show as links.
    """
    added, updated, unchanged, skipped = report.added, report.updated, report.unchanged, report.skipped
    if added:
        head = "✅ <b>Đã thêm bài viết mới</b>"
    elif updated:
        head = "🔄 <b>Đã cập nhật bài viết</b>"
    elif unchanged:
        head = "ℹ️ <b>Bài viết đã có, không có gì thay đổi</b>"
    else:
        head = "⚠️ <b>Không thêm được bài viết nào</b>"
    head += (
        f"\nThêm mới: {len(added)} · Cập nhật: {len(updated)} · Không đổi: {len(unchanged)} · Bỏ qua: {len(skipped)}"
    )
    if report.reload_error:
        status = (
            f"⚠️ <b>Nạp lại thất bại</b>, dữ liệu cũ vẫn được dùng.\n{escape(shorten(vi(report.reload_error), 500))}"
        )
    elif report.reload is not None:
        status = (
            f"Đã nạp lại dữ liệu: {len(report.reload.loaded)} bài viết, {report.reload.facts} câu,"
            f" trong {report.reload.seconds:.2f} giây."
        )
    else:
        status = "Không có gì mới nên dữ liệu không cần nạp lại."
    blocks = [head, status]
    for label, urls in (("Thêm mới", added), ("Cập nhật", updated), ("Không đổi", unchanged)):
        if urls:
            blocks.append(_url_list(label, urls, titles))
    if skipped:
        blocks.append(
            f"<b>Bỏ qua ({len(skipped)}):</b>\n"
            + "\n".join(
                f"• {escape(shorten(skipped_label(s), 150))}: {escape(shorten(skipped_reason(s), 300))}"
                for s in skipped[:10]
            )
        )
    if report.reload is not None:
        blocks.extend(_report_lists(report.reload))
    return fit_blocks(blocks, required=2)


PRIVACY_HTML = (
    "🔒 <b>Quyền riêng tư</b>\n"
    "Để cải thiện bot, mỗi câu hỏi được lưu kèm: thời gian, loại cuộc trò chuyện, câu hỏi, có trả lời được"
    " hay không, thời gian xử lý và đánh giá 👍/👎 của bạn. Bot <b>không</b> lưu tên, số điện thoại hay ID"
    " Telegram của bạn: chỉ lưu một mã băm một chiều của ID để bạn có thể tự xoá lịch sử của mình."
    " Dữ liệu cũ được tự động xoá sau {days} ngày.\n\n"
    "Chủ đề theo dõi và giờ bản tin được lưu theo mã cuộc trò chuyện (để gửi tin), cùng danh sách bài đã gửi"
    " để không gửi trùng.\n\n"
    "Bấm nút bên dưới để xoá toàn bộ câu hỏi bạn đã gửi, cùng các chủ đề theo dõi và bản tin trong trò chuyện"
    " riêng của bạn với bot."
)


def privacy_html(days: int, topics: Sequence[str], digest_at: str | None) -> str:
    """/privacy: what is kept, and what this user follows in their private chat with the bot."""
    return f"{PRIVACY_HTML.format(days=days)}\n\n{privacy_topics_text(topics, digest_at)}"


def privacy_topics_text(topics: Sequence[str], digest_at: str | None) -> str:
    """What /privacy says the user follows (already escaped)."""
    if not topics and digest_at is None:
        return "Bạn không theo dõi chủ đề nào trong trò chuyện riêng với bot."
    parts = []
    if topics:
        parts.append(
            "Trong trò chuyện riêng với bot, bạn đang theo dõi: "
            + ", ".join(f"«{escape(shorten(t, 60))}»" for t in topics)
            + "."
        )
    if digest_at is not None:
        parts.append(f"Bản tin hằng ngày lúc {escape(digest_at)}.")
    return " ".join(parts)


HELP_REFUSED = "Xin lỗi, lệnh này chỉ dành cho quản trị viên của bot."
FLOOD_NOTICE = "Bạn đang hỏi hơi nhanh 🙂 Vui lòng đợi khoảng một phút rồi hỏi tiếp nhé."
ERROR_TEXT = "Xin lỗi, đã có lỗi xảy ra khi xử lý yêu cầu của bạn. Vui lòng thử lại sau."


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text Telegram shows for ``html`` (tags removed, entities decoded)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)
