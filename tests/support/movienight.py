"""A movie night opened the way members open one: `/movienight nominate` for each title, then `/movienight poll`."""

from __future__ import annotations

from bot.commands import Actor, CommandContext
from bot.replies import PollCard, Text
from bot.services import Services


async def open_movie_night(
    services: Services, actor: Actor, *titles: str, hours: int = 24, mode: str = "single"
) -> PollCard:
    """`actor` nominates each of `titles` (each must be taken) and opens the poll; its card."""
    ctx = CommandContext(actor, services)
    nominate = services.registry.get("nominate", group="movienight")
    poll = services.registry.get("poll", group="movienight")
    assert nominate is not None and poll is not None
    for title in titles:
        nominated = await services.registry.run(nominate, ctx, {"film": title})
        assert isinstance(nominated, Text), nominated
    card = await services.registry.run(poll, ctx, {"hours": hours, "mode": mode})
    assert isinstance(card, PollCard), card
    return card
