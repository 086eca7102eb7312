"""Settings from the environment and `.env` (pydantic-settings). Built in main, never at import time.

Nested keys use a double underscore: `TELEGRAM__TOKEN`, `DISCORD__SHARD_COUNT`. Every key is listed, with a
comment, in `.env.example`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from bot.films.importers.source import ImportLimits

WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


class TelegramSettings(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True)  # a rejected token or secret is never echoed
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"  # behind a reverse proxy; set 0.0.0.0 only to face the internet
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None  # None in webhook mode: a strong one is generated at start
    # Webhook mode: record each update in the database before answering Telegram, then process each chat's
    # updates in update_id order across all workers (adapters/telegram/inbox.py). None: on PostgreSQL (where
    # several workers can share the database), off on SQLite (one process); False: straight to PTB.
    webhook_inbox: bool | None = None
    # setWebhook's max_connections: how many updates Telegram sends at once. 1 = strict per-chat order.
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # Catalog owners (user ids). The old name ADMIN_IDS still works: those users were admins everywhere.
    owner_ids: list[int] = Field(default_factory=list, validation_alias=AliasChoices("owner_ids", "admin_ids"))
    poll_timeout: int = 30

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value


class DiscordSettings(BaseModel):
    token: SecretStr | None = None
    # Catalog owners (user ids). The old name ADMIN_USER_IDS still works: those users were admins everywhere.
    owner_user_ids: list[int] = Field(
        default_factory=list, validation_alias=AliasChoices("owner_user_ids", "admin_user_ids")
    )
    admin_role_ids: list[int] = Field(default_factory=list)  # holders are admins of their server (not owners)
    shard_count: int | None = None
    shard_ids: list[int] | None = None
    sync_guild_id: int | None = None
    api_base_url: str | None = None  # a REST proxy or a test server (with /api/v10); None: Discord


class MovieNightSettings(BaseModel):
    default_poll_hours: int = 24
    max_content_rating: str | None = None


class RateLimitSettings(BaseModel):
    burst: int = Field(default=10, ge=1)  # commands a member may send at once
    per_second: float = Field(default=1.0, gt=0)  # tokens back per second: 10 commands / 10 s
    max_users: int = Field(default=100_000, ge=1)  # buckets kept in memory (least recently used dropped)


class HealthSettings(BaseModel):
    port: int | None = Field(default=None, ge=0, le=65535)  # None: no health/metrics endpoint
    host: str = "127.0.0.1"  # loopback: a scraper on this host or behind your proxy
    # The catalog LISTEN connection may be down this long (reconnecting) before /healthz says "degraded".
    listener_grace_seconds: float = Field(default=15.0, ge=0)


class ImportSettings(BaseModel):
    """What one import may read: chat uploads (strangers' files) get lower limits than the CLI/console."""

    max_bytes: int = Field(default=1 << 30, ge=1)  # decompressed, CLI and console
    max_records: int = Field(default=250_000, ge=1)
    chat_max_bytes: int = Field(default=100 << 20, ge=1)
    chat_max_records: int = Field(default=50_000, ge=1)
    max_ratio: int = Field(default=100, ge=2)  # decompressed : compressed; a real catalog is about 8:1

    def limits(self, *, chat: bool) -> ImportLimits:
        from bot.films.importers.source import ImportLimits

        if chat:
            return ImportLimits(self.chat_max_bytes, self.chat_max_records, self.max_ratio, "IMPORT__CHAT_MAX")
        return ImportLimits(self.max_bytes, self.max_records, self.max_ratio, "IMPORT__MAX")


class PopularitySettings(BaseModel):
    """Learned popularity (bot.films.popularity): decay, when a picker's answer becomes a card, batching."""

    half_life_days: float = Field(default=30.0, gt=0)
    lift_choices: float = Field(default=3.0, ge=1)
    lift_share: float = Field(default=0.8, gt=0.5, le=1)
    flush_seconds: float = Field(default=5.0, gt=0)


class TmdbSettings(BaseModel):
    """TMDB (https://www.themoviedb.org/settings/api). Enabled when a key or a read token is set."""

    model_config = ConfigDict(hide_input_in_errors=True)
    api_key: SecretStr | None = None  # v3 API key (sent as a query parameter; masked in logs)
    read_token: SecretStr | None = None  # v4 read-access token (sent as a Bearer header; preferred)
    base_url: str = "https://api.themoviedb.org"  # a proxy or a test server
    language: str = "en-US"
    region: str = "US"  # whose certification (content rating) to keep
    timeout: float = Field(default=5.0, gt=0, le=60)

    @property
    def enabled(self) -> bool:
        return self.api_key is not None or self.read_token is not None


class WikidataSettings(BaseModel):
    """Wikidata (CC0, no key). Wikimedia asks for a User-Agent with a way to reach you: set CONTACT."""

    enabled: bool = True
    base_url: str = "https://www.wikidata.org"
    contact: str | None = None  # an e-mail address or URL for the User-Agent; Wikidata is off without it
    language: str = "en"
    timeout: float = Field(default=5.0, gt=0, le=60)


class SourcesSettings(BaseModel):
    backoff_seconds: float = Field(default=30.0, gt=0)  # first pause after a source fails (doubles, max 10 min)
    enrich_per_second: float = Field(default=4.0, gt=0)  # `filmbot enrich` requests per second per source
    # Who may press "Add" under a film the sources found after a /film miss: anyone, admins (whoever may
    # /film add: the catalog owners, or group admins with CATALOG_EDITORS=group_admins), nobody (shown only).
    add_by: Literal["anyone", "admins", "nobody"] = "admins"
    online_results: int = Field(default=3, ge=1, le=5)  # films offered from the sources under a miss
    # `filmbot run` also fills missing fields in the background (bot.sources.background), slowly, one process
    # at a time per database; admin edits are never overwritten.
    enrich_in_background: bool = False
    background_per_second: float = Field(default=0.5, gt=0, le=10)  # its requests per second
    background_pass_hours: float = Field(default=24.0, gt=0)  # its pause after going through every film


class Settings(BaseSettings):
    """Everything the bot can be told. Tokens are optional: with none, `filmbot chat` still works."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
        hide_input_in_errors=True,  # a rejected token, secret or database URL is never echoed in the error
    )

    database_url: str | None = None
    # DATABASE_URL goes through a transaction pooler (PgBouncer): prepared-statement caches off.
    database_pooler: bool = False
    # A direct connection to PostgreSQL (not through the pooler) for migrations, the setup lock and the LISTEN
    # for catalog changes (without it, behind a pooler, changes arrive by the CATALOG_REFRESH_SECONDS check).
    database_direct_url: str | None = None
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one JSON object per line (for log collectors)
    starter_catalog: bool = True
    # Files to load as the starter catalog instead of the shipped one (JSON list of paths; empty: shipped).
    starter_catalog_files: list[Path] = Field(default_factory=list)
    # Who changes the shared film catalog: "owners" (the owner ids above; right for a public bot) or
    # "group_admins" (any group's admins too: only for a bot that is in one private club).
    catalog_editors: Literal["owners", "group_admins"] = "owners"

    # How often `filmbot run` and `filmbot chat` check the catalog version for other processes' changes: on
    # PostgreSQL a LISTEN/NOTIFY connection brings each change at once and this is only the fallback.
    catalog_refresh_seconds: float = Field(default=10.0, gt=0)
    # Films kept built in memory for cards (an LRU, a few KB each): a card of one of them costs no database
    # read. Every change to a film drops it, here or in another process (as the search index follows it).
    # 0 turns the cache off.
    film_cache_size: int = Field(default=2048, ge=0, le=1_000_000)
    # Keep the search index on disk between starts (the user's cache directory), so a one-shot command does
    # not rebuild it: ~0.2 s instead of seconds at 36k films. Rebuilt whenever the catalog or the code changes.
    index_snapshot: bool = True
    # For tests and diagnosis: run the event loop in asyncio debug mode and log every callback that holds it
    # longer than 50 ms ("Executing <...> took 0.123 seconds" from the `asyncio` logger).
    asyncio_debug: bool = False
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    movienight: MovieNightSettings = Field(default_factory=MovieNightSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    imports: ImportSettings = Field(default_factory=ImportSettings, validation_alias="import")  # IMPORT__...
    popularity: PopularitySettings = Field(default_factory=PopularitySettings)
    tmdb: TmdbSettings = Field(default_factory=TmdbSettings)
    wikidata: WikidataSettings = Field(default_factory=WikidataSettings)
    sources: SourcesSettings = Field(default_factory=SourcesSettings)

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    def resolved_database_url(self) -> str:
        from bot.store.db import default_database_url

        return self.database_url or default_database_url()
