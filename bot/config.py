"""Settings from flags, the environment (``CCHC_*``) or a ``.env`` file (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from platformdirs import user_data_dir
from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.resources import bundled_knowledge_dir

TELEGRAM_API_URL = "https://api.telegram.org"


def default_db_path() -> Path:
    return Path(user_data_dir("cchc-bot", appauthor=False)) / "cchc-bot.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCHC_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    bot_api_url: str = TELEGRAM_API_URL
    db_path: Path = Field(default_factory=default_db_path)
    # Unset: the folder "knowledge" beside the database, made on first use as a copy of the bundled
    # articles (bot/knowledge_dir.py), so that `ingest`, /add and feeds never write into the package.
    knowledge_dir: Path = Field(default_factory=bundled_knowledge_dir)
    log_level: str = "INFO"

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - a container listens on all interfaces
    webhook_port: int = Field(default=8443, ge=1, le=65535)

    feeds: Annotated[tuple[str, ...], NoDecode] = ()
    feed_refresh_minutes: int = Field(default=60, ge=1)
    allow_private_urls: bool = False
    fetch_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    fetch_max_bytes: int = Field(default=5_000_000, ge=1024)
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    fetch_concurrency: int = Field(default=4, ge=1, le=32)
    feed_max_items: int = Field(default=100, ge=1, description="items read from one feed")
    ingest_max_articles: int = Field(default=300, ge=1, description="articles one ingest or feed refresh writes")
    ingest_max_seconds: float = Field(default=600.0, gt=0, description="time one ingest or feed refresh may take")

    telegram_timeout_seconds: float = Field(default=10.0, gt=0, le=120, description="wait for a Bot API answer")
    send_retries: int = Field(default=4, ge=0, le=10, description="retries after a 429, 5xx, timeout or drop")
    send_rate_per_second: float = Field(default=30.0, gt=0, description="Telegram's overall flood limit")
    db_busy_timeout_seconds: float = Field(default=5.0, gt=0, le=120, description="wait for another process's lock")

    query_log_retention_days: int = Field(default=90, ge=1)
    user_hash_salt: SecretStr | None = None  # unset: a random one kept beside the database (bot/salt.py)
    user_rate_limit: int = Field(default=8, ge=1, description="questions per user per minute")
    user_update_limit: int = Field(default=60, ge=1, description="updates of any kind per user per minute")

    _default_knowledge: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _knowledge_beside_database(self) -> Settings:
        if "knowledge_dir" not in self.model_fields_set:
            self.knowledge_dir = self.db_path.parent / "knowledge"
            self._default_knowledge = True
        return self

    @property
    def default_knowledge(self) -> bool:
        """Whether the knowledge folder is the default one beside the database (none was configured)."""
        return self._default_knowledge

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            try:
                return frozenset(int(p) for p in parts if p)
            except ValueError:
                raise ValueError("CCHC_ADMIN_IDS must be comma-separated Telegram user ids") from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("feeds", mode="before")
    @classmethod
    def _split_feeds(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(p.strip() for p in value.replace("\n", ",").split(",") if p.strip())
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("CCHC_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value
