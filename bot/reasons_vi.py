"""Vietnamese for the reasons and errors the bot states in English, shown to users and admins.

Loader, ingest, fetch, formats, storage and service state why a file was skipped or a reload
failed in English: that text goes to the logs (read by developers) and is what the code and its
tests reason about. Both front ends (the terminal and Telegram) show it to people through
:func:`vi`, the one place it is translated. Variable parts (paths, URLs, sizes, addresses, the
operating system's own error text) are kept as they are. A text no rule knows is shown unchanged,
so a new English reason is never lost, only left untranslated.
"""

from __future__ import annotations

import re

from bot.models import SkippedFile

# (English pattern, Vietnamese template). Each pattern must match the whole text; a group named
# ``r_...`` is itself a reason and is translated too (e.g. the cause inside "too large (...)").
_RULES_SOURCE: tuple[tuple[str, str], ...] = (
    # Where in a file (feeds, JSON Lines) and ingest labels.
    (r"line (?P<n>\d+)", "dòng {n}"),
    (r"item (?P<n>\d+)(?P<link> \(.+\))?", "mục {n}{link}"),
    (r"items (?P<a>\d+)-(?P<b>\d+)", "các mục {a}–{b}"),
    (
        r"(?P<feed>.+) item (?P<n>\d+)(?P<link> \(.+?\))?, summary only: page (?P<r_reason>.+)",
        "{feed} mục {n}{link}, chỉ có tóm tắt: trang {r_reason}",
    ),
    (r"(?P<feed>\S+) item (?P<n>\d+)(?P<link> \(.+\))?", "{feed} mục {n}{link}"),
    # Folders and files (bot/formats/loader.py, bot/ingest.py).
    (r"cannot read: (?P<err>.+)", "không đọc được: {err}"),
    (r"cannot parse: (?P<err>.+)", "không phân tích được: {err}"),
    (r"cannot write (?P<path>.+?): (?P<err>.+)", "không ghi được {path}: {err}"),
    (r"folder nested more than (?P<n>\d+) deep: not read", "thư mục lồng sâu quá {n} cấp: không đọc"),
    (r"broken symbolic link: not followed", "liên kết tượng trưng (symlink) bị hỏng: không đọc theo"),
    (
        r"symbolic link to outside the knowledge folder: not followed",
        "liên kết tượng trưng (symlink) trỏ ra ngoài thư mục kiến thức: không đọc theo",
    ),
    (r"symbolic link to a folder: not followed", "liên kết tượng trưng (symlink) trỏ tới thư mục: không đọc theo"),
    (
        r"file too large: (?P<size>[\d,]+) bytes \(limit (?P<limit>[\d,]+)\)",
        "tệp quá lớn: {size} byte (giới hạn {limit})",
    ),
    (r"not a folder", "không phải thư mục"),
    (r"no such file or folder", "không có tệp hay thư mục này"),
    (r"unsupported file type \(none\)", "loại tệp không được hỗ trợ (tệp không có đuôi)"),
    (r"unsupported file type (?P<suffix>.+)", "loại tệp không được hỗ trợ: {suffix}"),
    # Duplicate notes of a reload (bot/formats/loader.py).
    (
        r"(?P<url>\S+): (?P<new>.+) \(published (?P<d1>[^)]+)\) replaces (?P<old>.+) \(published (?P<d2>[^)]+)\)",
        "{url}: {new} (đăng {d1}) thay cho {old} (đăng {d2})",
    ),
    (r"(?P<url>\S+): (?P<old>.+) is newer; (?P<new>.+) ignored", "{url}: {old} mới hơn; bỏ qua {new}"),
    (
        r"(?P<url>\S+): same content as (?P<other>\S+); (?P<source>.+) ignored",
        "{url}: cùng nội dung với {other}; bỏ qua {source}",
    ),
    # Article size (bot/formats/limits.py).
    (
        r"article too large: (?P<n>[\d,]+) characters \(limit (?P<limit>[\d,]+)\)",
        "bài viết quá dài: {n} ký tự (giới hạn {limit})",
    ),
    (
        r"article too large: (?P<n>[\d,]+) sentences \(limit (?P<limit>[\d,]+)\)",
        "bài viết quá dài: {n} câu (giới hạn {limit})",
    ),
    # Ingest decisions and limits (bot/ingest.py).
    (
        r"only http and https URLs can be ingested, not (?P<scheme>.+)",
        "chỉ nhận được địa chỉ http và https, không nhận {scheme}",
    ),
    (
        r"(?P<url>\S+) also in (?P<where>.+), which is newer or fuller",
        "{url} cũng có trong {where}, bản mới hơn hoặc đầy đủ hơn",
    ),
    (
        r"text from (?P<origin>\S+) is not stored as (?P<url>\S+), an article of another site",
        "nội dung tải từ {origin} không được lưu thành {url}, bài viết của một trang khác",
    ),
    (
        r"(?P<url>\S+) is already known, published (?P<date>.+?); it is replaced only by a version published later",
        "{url} đã có, đăng lúc {date}; chỉ thay bằng bản đăng muộn hơn",
    ),
    (r"same content as (?P<other>\S+) \((?P<url>\S+)\)", "cùng nội dung với {other} ({url})"),
    (
        r"the time limit of (?P<n>[\d.]+) s for one ingest was reached",
        "đã hết thời gian cho phép của một lần nạp ({n} giây)",
    ),
    (
        r"the limit of (?P<n>\d+) articles written by one ingest was reached",
        "đã đạt giới hạn {n} bài viết cho một lần nạp",
    ),
    # Fetching (bot/web/fetch.py, bot/web/decoding.py).
    (
        r"only http and https URLs are fetched, not 'a relative URL'",
        "chỉ tải địa chỉ http và https, không tải địa chỉ tương đối",
    ),
    (r"only http and https URLs are fetched, not (?P<scheme>.+)", "chỉ tải địa chỉ http và https, không tải {scheme}"),
    (r"no host in the URL", "địa chỉ không có tên máy chủ"),
    (r"URLs with a user name or password are not fetched", "không tải địa chỉ có kèm tên người dùng hoặc mật khẩu"),
    (r"bad port", "cổng không hợp lệ"),
    (r"cannot resolve (?P<host>\S+): (?P<err>.+)", "không phân giải được tên miền {host}: {err}"),
    (r"(?P<host>\S+) has no address", "{host} không có địa chỉ IP nào"),
    (
        r"refused: (?P<host>\S+) resolves to (?P<r_problem>.+) \(set CCHC_ALLOW_PRIVATE_URLS=true to allow\)",
        "từ chối: {host} trỏ tới {r_problem} (đặt CCHC_ALLOW_PRIVATE_URLS=true để cho phép)",
    ),
    (r"(?P<ip>\S+) wraps (?P<r_problem>.+)", "{ip}, bên trong là {r_problem}"),
    (r"(?P<ip>\S+) is a IETF protocol assignment address", "{ip}, một địa chỉ dành cho giao thức IETF"),
    (r"(?P<ip>\S+) is a site-local address", "{ip}, một địa chỉ site-local"),
    (r"(?P<ip>\S+) is a loopback address", "{ip}, một địa chỉ loopback (chính máy này)"),
    (r"(?P<ip>\S+) is a unspecified address", "{ip}, một địa chỉ không xác định"),
    (r"(?P<ip>\S+) is a link-local address", "{ip}, một địa chỉ link-local"),
    (r"(?P<ip>\S+) is a multicast address", "{ip}, một địa chỉ multicast"),
    (r"(?P<ip>\S+) is a private address", "{ip}, một địa chỉ mạng nội bộ"),
    (r"(?P<ip>\S+) is a reserved address", "{ip}, một địa chỉ dành riêng"),
    (r"(?P<ip>\S+) is not a public address", "{ip}, không phải địa chỉ công cộng"),
    (r"(?P<ip>\S+) is not an IP address", "{ip}, không phải địa chỉ IP"),
    (r"redirect loop \(back to (?P<url>.+)\)", "chuyển hướng lặp vòng (quay lại {url})"),
    (r"redirect \((?P<code>\d+)\) without a Location", "chuyển hướng ({code}) mà không có Location"),
    (r"too many redirects \(more than (?P<n>\d+)\)", "chuyển hướng quá nhiều lần (hơn {n})"),
    (r"HTTP (?P<status>\d+.*)", "máy chủ trả lời HTTP {status}"),
    (
        r"unexpected content type (?P<type>\S+) \(wanted (?P<wanted>.+)\)",
        "kiểu nội dung không đúng: {type} (cần {wanted})",
    ),
    (r"too large \((?P<n>[\d,]+) bytes, limit (?P<limit>[\d,]+)\)", "quá lớn ({n} byte, giới hạn {limit})"),
    (r"too large \(more than (?P<n>\d+) bytes\)", "quá lớn (hơn {n} byte)"),
    (r"too large \((?P<r_cause>.+)\)", "quá lớn ({r_cause})"),
    (r"more than (?P<n>\d+) bytes once decoded", "hơn {n} byte sau khi giải nén"),
    (r"cannot decode the body: (?P<r_cause>.+)", "không giải mã được nội dung: {r_cause}"),
    (r"(?P<n>\d+) content encodings \(at most (?P<max>\d+)\)", "{n} lớp mã hoá nội dung (tối đa {max})"),
    (r"unsupported content encoding (?P<name>.+)", "kiểu mã hoá nội dung không được hỗ trợ: {name}"),
    (r"bad (?P<name>\S+) data: (?P<err>.+)", "dữ liệu {name} hỏng: {err}"),
    (r"truncated (?P<name>\S+) data", "dữ liệu {name} bị cắt cụt"),
    (r"timed out after (?P<n>[\d.]+) s", "hết thời gian chờ sau {n} giây"),
    (r"request failed: (?P<err>.+)", "yêu cầu thất bại: {err}"),
    # Text encodings (bot/formats/encoding.py, bot/formats/seed.py).
    (r"empty file", "tệp rỗng"),
    (r"file too large \((?P<n>\d+) bytes, limit (?P<limit>\d+)\)", "tệp quá lớn ({n} byte, giới hạn {limit})"),
    (r"binary file \(NUL bytes\), not text", "tệp nhị phân (có byte NUL), không phải văn bản"),
    (r"binary data \(control characters\), not text", "dữ liệu nhị phân (ký tự điều khiển), không phải văn bản"),
    (
        r"binary data \(NUL bytes, and no UTF-16 byte-order mark\), not text",
        "dữ liệu nhị phân (có byte NUL, không có BOM UTF-16), không phải văn bản",
    ),
    (
        r"(?P<bom>\S+) byte-order mark but invalid (?P<codec>\S+) data at offset (?P<n>\d+)",
        "có BOM {bom} nhưng dữ liệu {codec} không hợp lệ tại vị trí {n}",
    ),
    (
        r"truncated UTF-8 text \(ends in the middle of a character\)",
        "văn bản UTF-8 bị cắt cụt (dừng giữa một ký tự)",
    ),
    (
        r"not UTF-8 \(invalid byte (?P<byte>0x[0-9a-f]+) at offset (?P<n>\d+)\), no byte-order mark,"
        r" and not recognisable Windows-1258 Vietnamese",
        "không phải UTF-8 (byte {byte} không hợp lệ tại vị trí {n}), không có BOM,"
        " và không nhận ra là tiếng Việt mã Windows-1258",
    ),
    (
        r"not UTF-8 text \(invalid byte at offset (?P<n>\d+)\)",
        "không phải văn bản UTF-8 (byte không hợp lệ tại vị trí {n})",
    ),
    # The seed's line layout (bot/formats/seed.py) and the normal form (bot/formats/normal.py).
    (r"no text", "không có nội dung"),
    (r'no "Nguồn bài viết:" line with the article URL', 'không có dòng "Nguồn bài viết:" kèm địa chỉ bài viết'),
    (
        r"no valid http\(s\) URL after 'Nguồn bài viết:' \(found (?P<found>.*)\)",
        "không có địa chỉ http(s) hợp lệ sau 'Nguồn bài viết:' (thấy {found})",
    ),
    (
        r"no site line \(a domain such as baokontum\.com\.vn\) after the title",
        "không có dòng tên trang (một tên miền như baokontum.com.vn) sau tiêu đề",
    ),
    (r"no date line", "không có dòng ngày đăng"),
    (
        r"bad date line (?P<line>.+) \(expected dd/mm/yyyy HH:MM\)",
        "dòng ngày đăng sai {line} (cần dạng dd/mm/yyyy HH:MM)",
    ),
    (r"bad date (?P<date>.+?): (?P<err>.+)", "ngày đăng sai {date}: {err}"),
    (r"empty body", "không có thân bài"),
    (r"no body text", "không có thân bài"),
    (r"no usable title", "không có tiêu đề dùng được"),
    (
        r"cannot tell the site: neither (?P<site>.+) nor the URL host is a domain name",
        "không xác định được trang: cả {site} lẫn tên máy chủ trong địa chỉ đều không phải tên miền",
    ),
    (r"the normal form does not read back: (?P<r_cause>.+)", "dạng chuẩn không đọc lại được: {r_cause}"),
    (r"the normal form does not read back identically", "dạng chuẩn đọc lại không giống hệt"),
    # Web pages (bot/formats/html.py).
    (
        r"no http\(s\) URL for the article \(no canonical link, and no address it came from\)",
        "không có địa chỉ http(s) cho bài viết (không có liên kết canonical, cũng không biết tải từ đâu)",
    ),
    (r"no title", "không có tiêu đề"),
    (r"no article text found in the page", "không tìm thấy nội dung bài viết trong trang"),
    (r"no publication date in the page", "trang không có ngày đăng"),
    (r"the page nests elements more than (?P<n>\d+) deep", "trang lồng các thẻ sâu quá {n} cấp"),
    # Feeds (bot/formats/feeds.py).
    (r"not a valid RSS/Atom feed: (?P<err>.+)", "không phải nguồn tin RSS/Atom hợp lệ: {err}"),
    (r"the feed has no items", "nguồn tin không có mục nào"),
    (
        r"(?P<n>\d+) items past the limit of (?P<limit>\d+) per feed",
        "{n} mục vượt giới hạn {limit} mục cho một nguồn tin",
    ),
    (r"item has no http\(s\) link", "mục không có liên kết http(s)"),
    (r"item has no title", "mục không có tiêu đề"),
    (r"item has no date", "mục không có ngày đăng"),
    (r"item has no summary to use as text", "mục không có tóm tắt để dùng làm nội dung"),
    # JSON Lines (bot/formats/jsonl.py).
    (r"invalid JSON: (?P<msg>.+) at column (?P<n>\d+)", "JSON không hợp lệ: {msg} tại cột {n}"),
    (r"not a JSON object", "không phải một đối tượng JSON"),
    (r"published: not an ISO date (?P<value>.+)", "published: không phải ngày theo chuẩn ISO {value}"),
    (r"unknown field\(s\) (?P<names>.+)", "trường không xác định: {names}"),
    (
        r"(?P<field>(?:url|title|site|published|author|views|caption|paragraphs)[\w.]*): (?P<msg>.+)",
        "trường {field} không hợp lệ: {msg}",
    ),
    # Pydantic's own message (English) is kept.
    (r"invalid (?P<field>[\w.]+): (?P<msg>.+)", "trường {field} không hợp lệ: {msg}"),
    # Reload failures (bot/service.py).
    (r"no article could be loaded from (?P<folder>.+)", "không nạp được bài viết nào từ {folder}"),
    (
        r"abbreviations/glossary file is invalid: (?P<err>.+)",
        "tệp từ viết tắt/thuật ngữ không hợp lệ: {err}",
    ),
    (r"could not store the new index: (?P<err>.+)", "không lưu được chỉ mục mới: {err}"),
    (
        r"database (?P<path>.+) is read-only: the index cannot be rebuilt",
        "cơ sở dữ liệu {path} chỉ cho phép đọc: không dựng lại được chỉ mục",
    ),
    # The database (bot/storage.py, bot/service.py).
    (
        r"database (?P<path>.+) is locked by another process \(waited (?P<n>[\d.]+) s\):"
        r" stop the other bot or reload using it, then try again",
        "cơ sở dữ liệu {path} đang bị một tiến trình khác khoá (đã chờ {n} giây):"
        " hãy dừng bot hoặc lệnh nạp lại khác đang dùng nó rồi thử lại",
    ),
    (
        r"database (?P<path>.+) is corrupted and cannot be moved aside: (?P<err>.+)",
        "cơ sở dữ liệu {path} bị hỏng và không chuyển sang chỗ khác được: {err}",
    ),
    (r"database (?P<path>.+) is corrupted: (?P<err>.+)", "cơ sở dữ liệu {path} bị hỏng: {err}"),
    (
        r"database (?P<path>.+) is read-only and holds no index: make it writable or set CCHC_DB_PATH"
        r" to a writable place, so the index can be built from the knowledge folder",
        "cơ sở dữ liệu {path} chỉ cho phép đọc và chưa có chỉ mục: hãy cho phép ghi hoặc đặt CCHC_DB_PATH"
        " tới một chỗ ghi được, để dựng chỉ mục từ thư mục kiến thức",
    ),
    (
        r"database (?P<path>.+) is read-only and needs a schema upgrade \((?P<pending>.+)\)",
        "cơ sở dữ liệu {path} chỉ cho phép đọc nhưng cần nâng cấp cấu trúc ({pending})",
    ),
    (
        r"database (?P<path>.+) is read-only and cannot be opened",
        "cơ sở dữ liệu {path} chỉ cho phép đọc và không mở được",
    ),
    (r"database (?P<path>.+) is read-only: (?P<err>.+)", "cơ sở dữ liệu {path} chỉ cho phép đọc: {err}"),
    (r"database (?P<path>.+) is read-only", "cơ sở dữ liệu {path} chỉ cho phép đọc"),
    (r"database (?P<path>.+) is unusable: (?P<err>.+)", "cơ sở dữ liệu {path} không dùng được: {err}"),
    (
        r"cannot open database (?P<path>.+): it is a folder; give the path of a file \(a new one is created\)",
        "không mở được cơ sở dữ liệu {path}: đây là một thư mục; hãy đưa đường dẫn của một tệp (tệp mới sẽ được tạo)",
    ),
    (
        r"cannot open or create database (?P<path>.+): the folder (?P<folder>.+) is not writable",
        "không mở hay tạo được cơ sở dữ liệu {path}: thư mục {folder} không cho phép ghi",
    ),
    (r"cannot open or create database (?P<path>.+?): (?P<err>.+)", "không mở hay tạo được cơ sở dữ liệu {path}: {err}"),
    # Health of the running bot (bot/health.py).
    (r"database (?P<path>.+) does not exist", "cơ sở dữ liệu {path} không tồn tại"),
    (r"the database holds no article", "cơ sở dữ liệu chưa có bài viết nào"),
    (
        r"no heartbeat: the bot is not running \(yet\)",
        "không có tín hiệu hoạt động: bot chưa chạy (hoặc chưa khởi động xong)",
    ),
    (
        r"last heartbeat (?P<n>\d+) s ago: the bot is stuck or stopped",
        "tín hiệu hoạt động cuối cùng cách đây {n} giây: bot bị treo hoặc đã dừng",
    ),
    # Settings (bot/config.py, through pydantic).
    (
        r"Value error, CCHC_ADMIN_IDS must be comma-separated Telegram user ids",
        "CCHC_ADMIN_IDS phải là các ID người dùng Telegram, cách nhau bằng dấu phẩy",
    ),
    (
        r"Value error, CCHC_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL",
        "CCHC_LOG_LEVEL phải là DEBUG, INFO, WARNING, ERROR hoặc CRITICAL",
    ),
)

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), template) for pattern, template in _RULES_SOURCE
)


def vi(text: str) -> str:
    """``text`` (an English reason or error of this bot) in Vietnamese; unknown text unchanged."""
    for pattern, template in _RULES:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = {
            name: (vi(value) if name.startswith("r_") else value) for name, value in match.groupdict(default="").items()
        }
        return template.format(**parts)
    return text


def skipped_label(skipped: SkippedFile) -> str:
    """Where a skipped file or part is, in Vietnamese (``path (dòng 3)``)."""
    path = vi(skipped.path)
    return f"{path} ({vi(skipped.where)})" if skipped.where else path


def skipped_reason(skipped: SkippedFile) -> str:
    return vi(skipped.reason)
