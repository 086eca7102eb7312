"""Command words in a language: names, option names, summaries and choice labels (gettext domain `commands`).

The English words live in the command specs (`bot.commands.CommandSpec`/`Param`) and a few adapter strings;
`adapters.commands_catalog` extracts them into `bot/i18n/locale/commands.pot` (see its docstring for the
update/compile steps). Names are looked up under a gettext context so a command called "film" and the word
"film" in a sentence can translate differently:

- `command`: a command or group name (`film`, `movienight`, `film-admin`);
- `option`: an option name (`title`, `genre`);
- `choice`: a fixed choice's label (`ranked`, `native_title`);
- no context: a summary or description ("List the commands").

A missing translation gives None for names (the platform keeps the English name) and the English text for
summaries and labels, so a half-translated language still works. Whether a translated name obeys a platform's
rules is the adapter's business (Discord's checks live in `adapters.discord.translator`).
"""

from __future__ import annotations

from bot.i18n import DEFAULT_LANGUAGE, normalize_language, translator

COMMAND = "command"
OPTION = "option"
CHOICE = "choice"
_SEPARATOR = "\x04"  # how gettext stores a message's context in a compiled catalog (what pgettext looks up)


def translated(language: str | None, message: str, context: str | None = None) -> str | None:
    """`message` (under `context`) in `language`, or None when English, unsupported or not translated."""
    chosen = normalize_language(language)
    if chosen is None or chosen == DEFAULT_LANGUAGE or not message:
        return None
    key = f"{context}{_SEPARATOR}{message}" if context else message
    text = translator(chosen, "commands").gettext(key)
    return None if text == key or not text else text


def command_name(name: str, language: str | None) -> str | None:
    """The command's (or group's) name in `language`, or None when it has none (keep the English one)."""
    return translated(language, name, COMMAND)


def option_name(name: str, language: str | None) -> str | None:
    """An option's name in `language`, or None."""
    return translated(language, name, OPTION)


def choice_label(value: str, language: str | None) -> str:
    """What a fixed choice is called in `language` (its value is what the command receives, unchanged)."""
    return translated(language, value, CHOICE) or value


def summary(text: str, language: str | None) -> str:
    """A command's or option's one-line summary in `language` (English when not translated)."""
    return translated(language, text) or text


def phrase(text: str, language: str | None, /, **params: object) -> str:
    """A phrase of the command menus with named placeholders ("{description} (also: {names})")."""
    chosen = translated(language, text) or text
    return chosen.format(**params) if params else chosen
