"""Settings from the environment and `.env` (pydantic-settings). Built in main, never at import time.

Nested keys use a double underscore: `TELEGRAM__TOKEN`, `DISCORD__SHARD_COUNT`. Every key is listed, with a
comment, in `.env.example`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TelegramSettings(BaseModel):
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    admin_ids: list[int] = Field(default_factory=list)
    poll_timeout: int = 30


class DiscordSettings(BaseModel):
    token: SecretStr | None = None
    admin_user_ids: list[int] = Field(default_factory=list)
    admin_role_ids: list[int] = Field(default_factory=list)
    shard_count: int | None = None
    shard_ids: list[int] | None = None
    sync_guild_id: int | None = None
    api_base_url: str | None = None  # a REST proxy or a test server (with /api/v10); None: Discord


class MovieNightSettings(BaseModel):
    default_poll_hours: int = 24
    max_content_rating: str | None = None


class Settings(BaseSettings):
    """Everything the bot can be told. Tokens are optional: with none, `filmbot chat` still works."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
    )

    database_url: str | None = None
    log_level: str = "INFO"
    starter_catalog: bool = True
    # How often `filmbot run` picks up catalog changes made by other processes on the same database.
    catalog_refresh_seconds: float = Field(default=10.0, gt=0)
    # For tests and diagnosis: run the event loop in asyncio debug mode and log every callback that holds it
    # longer than 50 ms ("Executing <...> took 0.123 seconds" from the `asyncio` logger).
    asyncio_debug: bool = False
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    movienight: MovieNightSettings = Field(default_factory=MovieNightSettings)

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    def resolved_database_url(self) -> str:
        from bot.store.db import default_database_url

        return self.database_url or default_database_url()
