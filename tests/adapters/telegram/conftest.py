"""Fixtures for the Telegram adapter tests: the Bot API spec checker (skips when ../shared is absent)."""

from __future__ import annotations

import pytest

from tests.specs.telegram_spec import MISSING_REASON, SPEC_PATH, TelegramSpec


@pytest.fixture(scope="session")
def tg_spec() -> TelegramSpec:
    if not SPEC_PATH.exists():
        pytest.skip(MISSING_REASON)
    return TelegramSpec.load()
