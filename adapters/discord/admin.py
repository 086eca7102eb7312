"""Admin curation on Discord: `/film-admin add` as a two-step modal (an attached file is the spec's file param,
see `handlers.upload_of`).

Why two modals: Discord allows 5 text inputs per modal and a film has more fields than that.
- Step 1 (`/film-admin add` with no `details`): title, year, native title, genres, runtime. Submitting it
  creates the film right away through `Curation.add_film`, so the film exists even if the admin stops there.
- Step 2 ("More details" under the new card): alternative titles, synopsis, trailer URL, country, director,
  pre-filled with the film's current values. It edits the film through `Curation.edit_details` with the same
  `apply_edit` rules as `/film-admin edit`, all fields in one transaction with one audit row: a bad value
  changes nothing. Its custom_id carries only the film id (`fa:more:<id>`); keeping step-1 values in a
  custom_id instead would not fit 100 characters once a Hangul title is in it.

Modals are stateless: they are sent already stopped, so discord.py keeps no per-process copy (its store is
keyed by custom_id alone, which would also mix up two admins), and submissions are read from the raw
interaction in `on_submit` (the client's on_interaction). A restart between opening and submitting loses
nothing. After a refused value the admin gets the reason and a "Try again" button that reopens the modal
with what they typed (a small per-process draft cache; after a restart the modal just opens empty).

Admin rule: the core decides (`Curation.allowed`, from the command specs); a refused member sees why and
nothing changes. `/film-add` with `details` keeps working as before (pasted pages, Key: Value lines).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import discord

from adapters.discord.components import guarded
from adapters.discord.handlers import APOLOGY, Handlers, actor_of
from adapters.discord.render import render
from adapters.discord.slash import DiscordForm
from adapters.discord.text import md
from bot.curation.edits import current_details
from bot.curation.service import Curation, curation_of
from bot.i18n import N_, _
from bot.replies import FilmCard, Problem

log = logging.getLogger(__name__)

DRAFTS_MAX = 200
ADD_ID = "fa:add"
MORE_PREFIX = "fa:more:"
MORE = N_("More details")
TRY_AGAIN = N_("Try again")
INPUT_MAX = 4000
# Discord's limits on a modal: title 45 characters, an input's label 45, its placeholder 100 (checked for every
# shipped language in tests/adapters/discord/test_admin_localized.py).
MODAL_TITLE_MAX = 45
LABEL_MAX = 45
PLACEHOLDER_MAX = 100

# (custom_id, label, style, max_length, placeholder); custom_ids are the core's field names. Labels and
# placeholders are messages (N_), shown in the admin's language; example values stay as the catalog stores them.
STEP_ONE: tuple[tuple[str, str, discord.TextStyle, int, str], ...] = (
    ("title", N_("Title"), discord.TextStyle.short, 200, "Miracle in Cell No. 7"),
    ("year", N_("Year"), discord.TextStyle.short, 4, "2013"),
    ("native_title", N_("Native title"), discord.TextStyle.short, 200, "7번방의 선물"),
    ("genres", N_("Genres (comma-separated)"), discord.TextStyle.short, 400, "Comedy, Drama, Family"),
    ("runtime", N_("Runtime"), discord.TextStyle.short, 30, N_("127 or 2 hr. 7 min.")),
)
STEP_TWO: tuple[tuple[str, str, discord.TextStyle, int, str], ...] = (
    ("alt_titles", N_("Alternative titles (comma-separated)"), discord.TextStyle.paragraph, INPUT_MAX,
     N_("Gift From Room 7, December 23 — empty keeps, - clears")),
    ("synopsis", N_("Synopsis"), discord.TextStyle.paragraph, INPUT_MAX, N_("empty keeps, - clears")),
    ("trailer_url", N_("Trailer URL"), discord.TextStyle.short, 500, "https://www.youtube.com/watch?v=…"),
    ("country", N_("Country"), discord.TextStyle.short, 60, "South Korea"),
    ("director", N_("Director(s) (comma-separated)"), discord.TextStyle.short, 400, "Lee Hwan-kyung"),
)  # fmt: skip
# Placeholders that are example data, the same in every language (the rest are translated).
EXAMPLE_VALUES = frozenset(
    {"Miracle in Cell No. 7", "2013", "7번방의 선물", "Comedy, Drama, Family", "https://www.youtube.com/watch?v=…",
     "South Korea", "Lee Hwan-kyung"}
)  # fmt: skip


class Admin:
    """Modals, their buttons and the attachment import; every change goes through `Curation`."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers
        self.services = handlers.services
        self._drafts: OrderedDict[tuple[int, str], dict[str, str]] = OrderedDict()

    def curation(self) -> Curation | None:
        try:
            return curation_of(self.services)
        except RuntimeError:
            return None

    async def _refused(self, interaction: discord.Interaction[Any], command: str) -> bool:
        """The core's admin rule for `/film <command>`; tells the member when it says no."""
        cur = self.curation()
        if cur is None:
            await self.handlers.tell(interaction, _("Catalog curation is not enabled here."))
            return True
        problem = cur.allowed(actor_of(interaction, self.services), command)
        if problem is not None:
            await self.handlers.tell(interaction, render(problem).content or _(APOLOGY))
            return True
        return False

    # -- step 1 / step 2: opening ---------------------------------------------------------------------

    async def open_add(self, interaction: discord.Interaction[Any]) -> None:
        if await self._refused(interaction, "add"):
            return
        draft = self._drafts.get((interaction.user.id, ADD_ID), {})
        await interaction.response.send_modal(modal(_("Add a film (1/2)"), ADD_ID, STEP_ONE, draft))

    async def open_more(self, interaction: discord.Interaction[Any], film_id: int) -> None:
        if await self._refused(interaction, "edit"):
            return
        cur = self.curation()
        assert cur is not None
        film = await cur.catalog.film(film_id)
        if film is None:
            await self.handlers.tell(interaction, _("That film is no longer in the catalog."))
            return
        custom_id = f"{MORE_PREFIX}{film_id}"
        values = self._drafts.get((interaction.user.id, custom_id)) or current_details(film)
        title = md(_("More about {title}", title=film.title), 45)
        await interaction.response.send_modal(modal(title, custom_id, STEP_TWO, values))

    # -- submissions ---------------------------------------------------------------------------------

    async def on_submit(self, interaction: discord.Interaction[Any]) -> bool:
        """A modal submission (from on_interaction); False when it is not one of ours."""
        data: Mapping[str, Any] = interaction.data if isinstance(interaction.data, Mapping) else {}
        custom_id = str(data.get("custom_id") or "")
        if custom_id != ADD_ID and not re.fullmatch(re.escape(MORE_PREFIX) + r"\d{1,19}", custom_id):
            return False
        values = submitted(data.get("components") or [])
        await guarded(interaction, self._submit(interaction, custom_id, values))
        return True

    async def _submit(self, interaction: discord.Interaction[Any], custom_id: str, values: dict[str, str]) -> None:
        command = "add" if custom_id == ADD_ID else "edit"
        if await self._refused(interaction, command):
            return
        cur = self.curation()
        assert cur is not None
        actor = actor_of(interaction, self.services)
        film_id = 0 if custom_id == ADD_ID else int(custom_id.removeprefix(MORE_PREFIX))
        work = (
            cur.add_film(actor, {k: v for k, v in values.items() if v.strip()})
            if command == "add"
            else cur.edit_details(actor, film_id, values)
        )
        reply = await self.handlers.in_time(work, lambda: interaction.response.defer(ephemeral=True, thinking=True))
        key = (interaction.user.id, custom_id)
        if isinstance(reply, Problem):
            self._remember(key, values)
            retry = discord.ui.View(timeout=None)
            retry.add_item(AdminButton(custom_id.removeprefix("fa:"), _(TRY_AGAIN)))
            await self._answer(interaction, content=render(reply).content, view=retry)
            return
        self._drafts.pop(key, None)
        out = render(reply, owner=interaction.user.id)
        view = out.view or discord.ui.View(timeout=None)
        if isinstance(reply, FilmCard):
            view.add_item(AdminButton(f"more:{reply.film_id}", _(MORE)))
        await self._answer(interaction, content=out.content, embeds=out.embeds, view=view)

    async def _answer(self, interaction: discord.Interaction[Any], **kwargs: Any) -> None:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        kwargs["allowed_mentions"] = discord.AllowedMentions.none()
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs, ephemeral=True)
        else:
            await interaction.response.send_message(**kwargs, ephemeral=True)

    def _remember(self, key: tuple[int, str], values: dict[str, str]) -> None:
        self._drafts[key] = values
        self._drafts.move_to_end(key)
        while len(self._drafts) > DRAFTS_MAX:
            self._drafts.popitem(last=False)


class AdminButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"fa:(?P<what>add|more:(?P<film>\d{1,19}))"):
    """ "More details" (step 2 for a film) and "Try again" (reopen a modal); admins only."""

    def __init__(self, what: str, label: str) -> None:
        style = (
            discord.ButtonStyle.primary
            if what.startswith("more:") and label != _(TRY_AGAIN)
            else discord.ButtonStyle.secondary
        )
        super().__init__(discord.ui.Button(style=style, label=label, custom_id=f"fa:{what}"))
        self.what = what

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AdminButton:
        return cls(match["what"], _(MORE))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        admin: Admin = interaction.client.admin
        if self.what == "add":
            work = admin.open_add(interaction)
        else:
            work = admin.open_more(interaction, int(self.what.removeprefix("more:")))
        await guarded(interaction, work)


def modal(
    title: str,
    custom_id: str,
    inputs: Sequence[tuple[str, str, discord.TextStyle, int, str]],
    values: Mapping[str, str],
) -> discord.ui.Modal:
    """A modal sent already stopped, so discord.py stores nothing (see the module docstring); its labels and
    placeholders in the current language."""
    form = discord.ui.Modal(title=title[:MODAL_TITLE_MAX], custom_id=custom_id, timeout=None)
    for key, label, style, max_length, placeholder in inputs:
        default = (values.get(key) or "")[:max_length] or None
        shown = placeholder if placeholder in EXAMPLE_VALUES else _(placeholder)
        form.add_item(
            discord.ui.TextInput(
                label=_(label)[:LABEL_MAX], custom_id=key, style=style, required=key == "title",
                max_length=max_length, placeholder=shown[:PLACEHOLDER_MAX], default=default,
            )
        )  # fmt: skip
    form.stop()
    return form


def submitted(components: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """custom_id -> value from a modal submission (action rows or label components)."""
    return {c["custom_id"]: str(c.get("value") or "") for c in _walk(components) if "custom_id" in c}


def _walk(components: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for c in components:
        if c.get("type") == 1:
            yield from _walk(c.get("components") or [])
        elif c.get("type") == 18 and c.get("component"):
            yield from _walk([c["component"]])
        else:
            yield c


async def _add_form(interaction: discord.Interaction[Any], args: dict[str, Any], ephemeral: bool) -> bool:
    """`/film-admin add` with no details opens the modal; with details (or a page file) it is the registry
    command."""
    if args.get("details") or args.get("page"):
        return False
    admin: Admin = interaction.client.admin
    await admin.open_add(interaction)
    return True


async def _registry(interaction: discord.Interaction[Any], args: dict[str, Any], ephemeral: bool) -> bool:
    return False  # the registry command as usual (its attachment is the spec's file param)


FORMS: dict[str, DiscordForm] = {
    "film add": DiscordForm(run=_add_form, optional=frozenset({"details"})),
    "film import": DiscordForm(run=_registry, hidden=frozenset({"path"}), required=frozenset({"file"})),
}
