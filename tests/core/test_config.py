"""Settings that guard a public bot: safe defaults, names old deployments used, Telegram's secret rule."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings


def settings(**env: str) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg, arg-type]


def test_public_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("TELEGRAM__WEBHOOK_LISTEN", "CATALOG_EDITORS", "TELEGRAM__OWNER_IDS", "TELEGRAM__ADMIN_IDS"):
        monkeypatch.delenv(key, raising=False)
    s = settings()
    assert s.telegram.webhook_listen == "127.0.0.1"  # behind a reverse proxy unless told otherwise
    assert s.telegram.webhook_secret is None  # generated at start in webhook mode
    assert s.catalog_editors == "owners"
    assert s.telegram.owner_ids == [] and s.discord.owner_user_ids == []


def test_owner_ids_from_the_environment_and_the_old_admin_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM__OWNER_IDS", "[1, 2]")
    monkeypatch.setenv("DISCORD__ADMIN_USER_IDS", "[3]")  # the name before owners existed
    monkeypatch.setenv("CATALOG_EDITORS", "group_admins")
    s = settings()
    assert s.telegram.owner_ids == [1, 2] and s.discord.owner_user_ids == [3]
    assert s.catalog_editors == "group_admins"


@pytest.mark.parametrize("secret", ["", "has space", "x" * 257, "ünïcode", "semi;colon"])
def test_a_webhook_secret_telegram_would_reject_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("TELEGRAM__WEBHOOK_SECRET", secret)
    with pytest.raises(ValidationError) as info:
        settings()
    assert secret not in str(info.value) or secret == ""  # a rejected secret is not echoed back
    assert "webhook_secret" in str(info.value)


def test_catalog_editors_must_be_a_known_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOG_EDITORS", "everyone")
    with pytest.raises(ValidationError):
        settings()
