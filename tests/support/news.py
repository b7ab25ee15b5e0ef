"""Articles for topic subscriptions (issue 13): two about digital signatures, one not."""

from __future__ import annotations

from pathlib import Path

from tests.support.articles import write_article

NEWS_TOPIC = "chu ky so"  # typed without diacritics, as on a phone
NEWS_ARTICLES: dict[str, dict[str, object]] = {
    "quang_ngai_chu_ky_so.txt": {
        "title": "Quảng Ngãi cấp miễn phí chữ ký số cho người dân",
        "url": "https://tin-thu.example.vn/quang-ngai-cap-mien-phi-chu-ky-so.html",
        "published": "10/05/2024 08:00",
        "paragraphs": [
            "Tỉnh Quảng Ngãi đã cấp miễn phí hơn 8.000 chữ ký số cá nhân cho người dân trong quý I năm 2024.",
            "Người dân dùng chữ ký số để tự ký hồ sơ thủ tục hành chính trên Cổng dịch vụ công của tỉnh.",
            "Sở Thông tin và Truyền thông cho biết số hồ sơ nộp trực tuyến tăng 35% so với cùng kỳ.",
        ],
    },
    "ha_tinh_chu_ky_so.txt": {
        "title": "Hà Tĩnh: 30.000 người dùng chữ ký số khi nộp hồ sơ trực tuyến",
        "url": "https://tin-thu.example.vn/ha-tinh-30000-nguoi-dung-chu-ky-so.html",
        "published": "12/05/2024 09:30",
        "paragraphs": [
            "Đến hết tháng 4/2024, tỉnh Hà Tĩnh có hơn 30.000 người dân sử dụng chữ ký số khi nộp hồ sơ trực tuyến.",
            "Tỉnh phối hợp với các doanh nghiệp viễn thông để hướng dẫn người dân kích hoạt chữ ký số trên điện thoại.",
        ],
    },
    "yen_bai_thi_dua.txt": {
        "title": "Yên Bái tổng kết công tác thi đua khen thưởng năm 2023",
        "url": "https://tin-thu.example.vn/yen-bai-tong-ket-thi-dua-khen-thuong.html",
        "published": "14/05/2024 10:00",
        "paragraphs": [
            "Tỉnh Yên Bái đã tổng kết công tác thi đua khen thưởng năm 2023 với 120 tập thể được biểu dương.",
            "Hội nghị đề ra nhiệm vụ đẩy mạnh phong trào thi đua trong cán bộ, công chức của tỉnh năm 2024.",
        ],
    },
}
NEWS_MATCHING = ("quang_ngai_chu_ky_so.txt", "ha_tinh_chu_ky_so.txt")
LATER_MATCHING = {
    "title": "Bắc Ninh đẩy mạnh dùng chữ ký số trong giải quyết thủ tục hành chính",
    "url": "https://tin-thu.example.vn/bac-ninh-day-manh-chu-ky-so.html",
    "published": "20/05/2024 08:00",
    "paragraphs": [
        "Tỉnh Bắc Ninh đặt mục tiêu 50% người trưởng thành có chữ ký số cá nhân trong năm 2024.",
        "Cán bộ một cửa hướng dẫn người dân dùng chữ ký số để ký hồ sơ trực tuyến.",
    ],
}


def write_news_articles(folder: Path) -> dict[str, str]:
    """Write the three news articles into ``folder``; file name -> URL."""
    for name, fields in NEWS_ARTICLES.items():
        write_article(folder, name, **fields)
    return {name: str(fields["url"]) for name, fields in NEWS_ARTICLES.items()}


def another_matching(n: int) -> dict[str, object]:
    """Another article about digital signatures, with its own URL and text (the same text would be a duplicate)."""
    return {
        **LATER_MATCHING,
        "url": f"https://tin-thu.example.vn/chu-ky-so-{n}.html",
        "title": f"Tỉnh thứ {n} tiếp tục cấp chữ ký số cho người dân",
    }
