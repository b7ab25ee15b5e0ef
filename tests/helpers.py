"""Helpers shared by the tests: write synthetic articles in the seed's line layout."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_NAME = "000_59dc86b630416615.txt"
SEED_PATH = REPO_ROOT / "knowledge" / SEED_NAME
SHARED_DIR = REPO_ROOT.parent / "shared"
# Copies of shared/eval/articles (synthetic, test data only), so the suite runs without shared/.
SHARED_ARTICLES = REPO_ROOT / "eval" / "dev" / "articles"
SEED_URL = "http://baokontum.com.vn/thoi-su-chinh-tri/phien-hop-thu-bay-ban-chi-dao-cai-cach-hanh-chinh-cua-chinh-phu-37324.html"


def article_text(
    *,
    title: str,
    paragraphs: Sequence[str],
    url: str,
    published: datetime | str = "15/03/2024 08:30",
    site: str = "tintuc-thu.example.vn",
    views: int | None = 10,
    author: str | None = "Minh Anh",
    caption: str | None = None,
) -> str:
    """One article file's text in the seed layout (blank lines between items)."""
    date = published if isinstance(published, str) else f"{published:%d/%m/%Y %H:%M}"
    items: list[str] = [title]
    if views is not None:
        items.append(str(views))
    items += [site, date, paragraphs[0] if paragraphs else ""]
    if caption is not None:
        items += ["184503Quang%20c%E1%BA%A3nh%20h%E1%BB%99i%20ngh%E1%BB%8B......", caption]
    items += list(paragraphs[1:])
    if author is not None:
        items.append(author)
    items += ["", "Nguồn bài viết:", url]
    return "\n\n".join(items) + "\n"


def write_article(folder: Path, name: str, **fields: object) -> Path:
    """Write :func:`article_text` (same keyword arguments) to ``folder/name``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(article_text(**fields), encoding="utf-8")  # type: ignore[arg-type]
    return path


# -- articles for topic subscriptions (issue 13): two about digital signatures, one not ---------------

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
