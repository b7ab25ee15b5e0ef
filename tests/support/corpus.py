"""Small synthetic knowledge folders (seed layout) for targeted retrieval checks.

Every person, figure and date here is invented.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.articles import write_article

ONLINE_OLD_URL = "https://tinhmot.example.vn/cchc/binh-phuoc-ho-so-truc-tuyen-1001.html"
ONLINE_NEW_URL = "https://tinhhai.example.vn/cchc/ninh-thuan-ho-so-truc-tuyen-2002.html"
ONE_STOP_URL = "https://huyen.example.vn/mot-cua/duc-trong-3003.html"
ABBR_URL = "https://viettat.example.vn/cchc/hoa-binh-4004.html"

# Two articles stating the same measure with different figures; they differ only in the
# province name (two syllables each), the figure, the date and the URL, so they tie on words.
ONLINE_OLD_FACT = "Năm 2023, tỷ lệ hồ sơ thủ tục hành chính được giải quyết trực tuyến toàn trình của tỉnh đạt 64,5%."
ONLINE_NEW_FACT = "Năm 2023, tỷ lệ hồ sơ thủ tục hành chính được giải quyết trực tuyến toàn trình của tỉnh đạt 71,2%."

ONE_STOP_PLAIN = "Bộ phận một cửa cấp xã của huyện tiếp nhận hồ sơ đăng ký kinh doanh hộ cá thể."
ONE_STOP_NUMBER = "Năm qua, bộ phận một cửa cấp xã của huyện tiếp nhận 12.450 hồ sơ đăng ký kinh doanh hộ cá thể."
ONE_STOP_DATE = (
    "Từ ngày 1/7/2024, bộ phận một cửa cấp xã của huyện tiếp nhận hồ sơ đăng ký kinh doanh hộ cá thể qua mạng."
)
ONE_STOP_PERSON = "Ông Lê Minh Tuấn tiếp nhận hồ sơ đăng ký kinh doanh hộ cá thể tại bộ phận một cửa của huyện."
ONE_STOP_OTHER = "Huyện cũng lắp đặt hệ thống camera giám sát và máy lấy số thứ tự tự động."

# (fact, decoy sharing the fact's other words, question): the abbreviation (or its full form)
# is the only thing that tells the fact from its decoy.
ABBREVIATION_CASES: list[tuple[str, str, str]] = [
    (
        "Tỉnh đã cắt giảm nhiều thủ tục hành chính trong lĩnh vực đất đai.",
        "Tỉnh đã cắt giảm nhiều cuộc họp trong lĩnh vực đất đai.",
        "cắt giảm TTHC lĩnh vực đất đai",
    ),
    (
        "Huyện niêm yết các TTHC về hộ tịch tại nhà văn hóa thôn.",
        "Huyện niêm yết các khoản lệ phí về hộ tịch tại nhà văn hóa thôn.",
        "niêm yết thủ tục hành chính hộ tịch ở nhà văn hóa thôn",
    ),
    (
        "UBND tỉnh ban hành kế hoạch kiểm tra công vụ đột xuất.",
        "Thanh tra tỉnh ban hành kế hoạch kiểm tra công vụ đột xuất.",
        "ủy ban nhân dân ban hành kế hoạch kiểm tra công vụ",
    ),
    (
        "Hội đồng nhân dân tỉnh thông qua chính sách hỗ trợ người làm công tác tiếp dân.",
        "Đoàn thanh niên tỉnh thông qua chính sách hỗ trợ người làm công tác tiếp dân.",
        "HĐND thông qua chính sách hỗ trợ người làm công tác tiếp dân",
    ),
    (
        "Người dân có thể nộp hồ sơ cấp phép xây dựng qua cổng DVC của tỉnh.",
        "Người dân có thể nộp hồ sơ cấp phép xây dựng qua bưu điện của tỉnh.",
        "nộp hồ sơ cấp phép xây dựng qua cổng dịch vụ công",
    ),
    (
        "Sở Xây dựng hoàn thành cơ sở dữ liệu nhà ở dùng chung.",
        "Sở Xây dựng hoàn thành bản đồ nhà ở dùng chung.",
        "CSDL nhà ở dùng chung",
    ),
    (
        "Toàn bộ CBCCVC của huyện được tập huấn kỹ năng số.",
        "Toàn bộ học sinh của huyện được tập huấn kỹ năng số.",
        "cán bộ công chức viên chức được tập huấn kỹ năng số",
    ),
    (
        "Ban Chỉ đạo của tỉnh họp định kỳ mỗi quý để đánh giá tiến độ.",
        "Hội nông dân của tỉnh họp định kỳ mỗi quý để đánh giá tiến độ.",
        "BCĐ họp định kỳ mỗi quý",
    ),
]


def write_online_articles(folder: Path) -> None:
    for name, title, url, fact, date, site in (
        ("online_old.txt", "Bình Phước đẩy mạnh giải quyết hồ sơ trực tuyến", ONLINE_OLD_URL, ONLINE_OLD_FACT,
         "10/03/2024 08:00", "tinhmot.example.vn"),
        ("online_new.txt", "Ninh Thuận đẩy mạnh giải quyết hồ sơ trực tuyến", ONLINE_NEW_URL, ONLINE_NEW_FACT,
         "05/06/2024 08:00", "tinhhai.example.vn"),
    ):  # fmt: skip
        province = title.split(" đẩy")[0]
        write_article(
            folder,
            name,
            title=title,
            url=url,
            site=site,
            published=date,
            paragraphs=[
                f"Tỉnh {province} tiếp tục đẩy mạnh chuyển đổi số trong giải quyết thủ tục hành chính.",
                fact,
                "Tỉnh sẽ tiếp tục rà soát quy trình nội bộ để rút ngắn thời gian xử lý.",
            ],
        )


def write_one_stop_article(folder: Path) -> None:
    write_article(
        folder,
        "one_stop.txt",
        title="Đức Trọng nâng cao chất lượng phục vụ người dân",
        url=ONE_STOP_URL,
        site="huyen.example.vn",
        published="20/04/2024 15:10",
        paragraphs=[ONE_STOP_PLAIN, ONE_STOP_NUMBER, ONE_STOP_DATE, ONE_STOP_PERSON, ONE_STOP_OTHER],
    )


def write_abbreviation_article(folder: Path) -> None:
    paragraphs: list[str] = []
    for fact, decoy, _ in ABBREVIATION_CASES:
        paragraphs += [decoy, fact]
    write_article(
        folder,
        "abbr.txt",
        title="Hòa Bình tiếp tục cải thiện môi trường đầu tư",
        url=ABBR_URL,
        site="viettat.example.vn",
        published="12/02/2024 10:00",
        paragraphs=paragraphs,
    )


def write_corpus(folder: Path) -> Path:
    """All synthetic articles in one folder."""
    write_online_articles(folder)
    write_one_stop_article(folder)
    write_abbreviation_article(folder)
    return folder
