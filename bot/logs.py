"""Logging for the whole process, with every secret replaced by "***" before a line is written.

Libraries put secrets where we don't control the text: python-telegram-bot's InvalidToken names the token,
and every httpx URL of the Bot API contains it (`.../bot<token>/getMe`). So redaction happens once, at the
root handlers' formatter, on the finished line (message, arguments, traceback and stack all at once):
every configured secret value (each `SecretStr` in the settings, the database URL's password) and anything
shaped like a Telegram or Discord bot token. Uncaught exceptions go through logging too.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any
from urllib.parse import quote, quote_plus

from pydantic import BaseModel, SecretStr

MASK = "***"
MIN_SECRET = 4  # shorter "secrets" would mask ordinary words
TOKEN_SHAPES = (
    r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])",  # Telegram bot token (also inside ".../bot<token>/")
    r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}",  # Discord bot token
)
NOISY = ("httpx", "aiosqlite", "discord.gateway", "telegram.ext")


class Redactor:
    """`redactor(text)`: the text with each secret (and its URL-quoted forms) and token shape masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms = {form for s in secrets if len(s) >= MIN_SECRET for form in (s, quote(s, safe=""), quote_plus(s))}
        literal = [re.escape(f) for f in sorted(forms, key=len, reverse=True)]
        self._pattern = re.compile("|".join([*literal, *TOKEN_SHAPES]))

    def __call__(self, text: str) -> str:
        return self._pattern.sub(MASK, text)


class RedactingFormatter(logging.Formatter):
    """A Formatter whose every finished line (traceback included) has passed through the Redactor."""

    def __init__(self, redactor: Redactor, fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor(super().format(record))


def settings_secrets(settings: BaseModel) -> list[str]:
    """Every secret value in the settings: SecretStr fields at any depth and the database URL's password."""
    found = list(_secret_values(settings))
    url = getattr(settings, "database_url", None)
    if isinstance(url, str):
        found.extend(url_password(url))
    return found


def _secret_values(value: Any) -> Iterator[str]:
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _secret_values(getattr(value, name))
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _secret_values(item)


def url_password(url: str) -> list[str]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        return []
    return [str(password)] if password else []


def configure_logging(level: str, secrets: Iterable[str] = ()) -> Redactor:
    """Root handler on stderr with redaction; library chatter quieter; uncaught errors logged (redacted)."""
    redactor = Redactor(secrets)
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), force=True)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(redactor, "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # Library chatter at INFO drowns our own records.
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    sys.excepthook = _log_uncaught
    return redactor


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    logging.getLogger("filmbot").critical("uncaught error", exc_info=(kind, exc, tb))
