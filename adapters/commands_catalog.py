"""Extract the `commands` gettext domain: every command word the platforms show, from the specs themselves.

The command specs are data (`CommandSpec(name=..., summary=...)`), so instead of marking each summary with
`N_` this walks the registry the bot is built from, plus the few strings the adapters add (Discord's group
descriptions and `ephemeral` option, Telegram's "also" phrase), and writes a template:

    python -m adapters.commands_catalog                      # writes bot/i18n/locale/commands.pot
    pybabel update -D commands -i bot/i18n/locale/commands.pot -d bot/i18n/locale
    (translate the new entries in bot/i18n/locale/{ko,ja}/LC_MESSAGES/commands.po)
    pybabel compile -D commands -d bot/i18n/locale

Names carry a gettext context (`command`, `option`, `choice`; see `bot.i18n.command_text`). A test checks that
the shipped catalogs translate every entry this finds, so a new command cannot ship half-translated.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from adapters.discord.slash import EPHEMERAL, EPHEMERAL_HELP, DiscordForm, discord_group_name, group_description
from adapters.telegram.menu import ALSO
from bot.commands import CommandRegistry, CommandSpec
from bot.i18n import LOCALE_DIR
from bot.i18n.command_text import CHOICE, COMMAND, OPTION

TEMPLATE = LOCALE_DIR / "commands.pot"


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of the `commands` domain: its English text, its context, and where it comes from."""

    message: str
    context: str | None
    where: str


def _spec_entries(spec: CommandSpec, form: DiscordForm | None) -> Iterator[Entry]:
    where = f"/{spec.full_name}"
    yield Entry(spec.name, COMMAND, where)
    yield Entry(spec.summary, None, where)
    for param in spec.params:
        yield Entry(param.name, OPTION, f"{where} {param.name}")
        yield Entry(param.summary, None, f"{where} {param.name}")
        for choice in param.choices:
            yield Entry(choice, CHOICE, f"{where} {param.name}")
    for name, _, summary, _ in form.extra if form else ():
        yield Entry(name, OPTION, f"{where} {name} (Discord)")
        yield Entry(summary, None, f"{where} {name} (Discord)")


def entries(registry: CommandRegistry, forms: dict[str, DiscordForm] | None = None) -> list[Entry]:
    """Every entry, in registry order, each (message, context) once."""
    forms = forms or {}
    found: list[Entry] = []
    for spec in registry:
        found.extend(_spec_entries(spec, forms.get(spec.full_name)))
    for group in registry.groups():
        found.append(Entry(group, COMMAND, f"/{group} (Telegram, console)"))
        found.append(Entry(discord_group_name(group, registry), COMMAND, f"/{group} (Discord)"))
        found.append(Entry(group_description(group), None, f"/{group} (Discord)"))
    found.append(Entry(EPHEMERAL, OPTION, "every command (Discord)"))
    found.append(Entry(EPHEMERAL_HELP, None, "every command (Discord)"))
    found.append(Entry(ALSO, None, "Telegram menu: a command that is also a group"))
    return _unique(found)


def _unique(found: Iterable[Entry]) -> list[Entry]:
    seen: set[tuple[str, str | None]] = set()
    out: list[Entry] = []
    for entry in found:
        if (entry.message, entry.context) not in seen:
            seen.add((entry.message, entry.context))
            out.append(entry)
    return out


def write_template(found: Iterable[Entry], path: Path = TEMPLATE) -> int:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(project="filmbot", domain="commands")
    count = 0
    for entry in found:
        catalog.add(entry.message, context=entry.context, auto_comments=[entry.where])
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=120, omit_header=False, sort_output=False)
    return count


def main() -> None:
    from adapters.discord.admin import FORMS
    from bot.registry import build_registry

    count = write_template(entries(build_registry(), dict(FORMS)))
    sys.stdout.write(f"{count} messages written to {TEMPLATE}\n")


if __name__ == "__main__":
    main()
