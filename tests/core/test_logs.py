"""The log redaction: every configured secret and every token shape is masked, in message, args and traceback."""

from __future__ import annotations

import io
import logging

import httpx
from pydantic import SecretStr
from telegram.error import InvalidToken

from bot.config import DiscordSettings, Settings, TelegramSettings
from bot.logs import MASK, RedactingFormatter, Redactor, settings_secrets

TG = "123456789:AAHsecretsecretsecretsecretsecret12"
DC = "MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_settings_secrets_finds_tokens_webhook_secret_and_the_database_password() -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://club:p%40ss%20word@db:5432/club",
        telegram=TelegramSettings(token=SecretStr(TG), webhook_secret=SecretStr("hook-secret-1")),
        discord=DiscordSettings(token=SecretStr(DC)),
    )
    assert set(settings_secrets(settings)) == {TG, DC, "hook-secret-1", "p@ss word"}


def test_a_library_exception_with_the_token_in_its_url_and_message_is_masked() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(RedactingFormatter(Redactor(["hook-secret-1", "p@ss word"]), "%(message)s"))
    log = logging.getLogger("test.redaction")
    log.addHandler(handler)
    log.propagate = False
    try:
        request = httpx.Request("POST", f"https://api.telegram.org/bot{TG}/getMe")
        try:
            raise httpx.ConnectError("boom", request=request)
        except httpx.ConnectError as exc:
            log.error("request to %s failed", exc.request.url, exc_info=True)
        try:
            raise InvalidToken(f"The token `{TG}` was rejected by the server.")
        except InvalidToken:
            log.exception("start failed; discord token %s, secret %s", DC, "hook-secret-1")
        log.warning("db password p%40ss%20word and p@ss word")
    finally:
        log.removeHandler(handler)
    text = out.getvalue()
    for secret in (TG, TG.split(":")[1], DC, "hook-secret-1", "p@ss word", "p%40ss%20word"):
        assert secret not in text, secret
    assert f"https://api.telegram.org/bot{MASK}/getMe" in text and "Traceback" in text
    assert f"The token `{MASK}` was rejected" in text
