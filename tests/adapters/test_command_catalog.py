"""The `commands` catalogs are complete: every command word the platforms show is translated in every shipped
language, with the same placeholders, and the compiled catalogs say what the edited ones say."""

from __future__ import annotations

import string

import pytest
from babel.messages.pofile import read_po

from adapters.commands_catalog import TEMPLATE, entries
from adapters.discord.admin import FORMS
from bot.i18n import LOCALE_DIR, SUPPORTED_LANGUAGES
from bot.i18n.command_text import translated
from bot.registry import build_registry

TRANSLATED = [language for language in SUPPORTED_LANGUAGES if language != "en"]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_template_lists_every_command_word() -> None:
    """A command added without `python -m adapters.commands_catalog` (and pybabel update) fails here."""
    with TEMPLATE.open("rb") as f:
        template = {(m.context, m.id) for m in read_po(f) if m.id}
    found = {(e.context, e.message) for e in entries(build_registry(), dict(FORMS))}
    assert found - template == set(), "run python -m adapters.commands_catalog, then pybabel update"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_entry_is_translated_and_compiled(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "commands.po").open("rb") as f:
        catalog = read_po(f, locale=language)
    shipped = {(m.context, m.id): m for m in catalog if m.id}
    for entry in entries(build_registry(), dict(FORMS)):
        message = shipped.get((entry.context, entry.message))
        assert message is not None and message.string, f"{language}: {entry.message!r} ({entry.where}) untranslated"
        assert not message.fuzzy, f"{language}: {entry.message!r} is fuzzy"
        assert isinstance(message.string, str)
        assert fields(message.string) == fields(entry.message), f"{language}: placeholders differ in {entry.message!r}"
        # The shipped .mo answers what the .po says (pybabel compile was run after the last edit).
        assert translated(language, entry.message, entry.context) == message.string
