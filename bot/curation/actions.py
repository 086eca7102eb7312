"""The buttons under a reply (`bot.replies.Action`): one core call per kind, for every adapter.

An adapter parses the button's kind and film id from its callback data and calls `run_action`; what the
button does, and the answer when the kind is unknown, is decided here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import Actor
from bot.i18n import N_, _
from bot.replies import Problem, Reply

if TYPE_CHECKING:
    from bot.services import Services

NOT_AVAILABLE = N_("That button is not available here.")


async def run_action(services: Services, actor: Actor, kind: str, film_id: int, query: str | None = None) -> Reply:
    """Run a reply's action as `actor`: ``undo_remove`` restores a removed film (Curation checks who may);
    ``wrong_film`` files a report about the film, with the `query` that led to it when the adapter knows it."""
    curation = services.curation
    if kind == "undo_remove":
        return await curation.undo_remove(actor, film_id)
    if kind == "wrong_film":
        return await curation.report_wrong_film(actor, film_id, query, None)
    return Problem(_(NOT_AVAILABLE), kind="not_found")
