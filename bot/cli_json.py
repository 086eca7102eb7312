"""`--json` on `filmbot film|search|random`: the reply as data, for scripts.

A card is the film's export record (the fields `filmbot export` writes, which `filmbot import` reads back)
plus `film_id`, the id `filmbot film '#<id>'` opens; a list is its items with that id and the command.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from bot.replies import FilmCard, FilmList, Problem, Reply
from bot.services import Services


def open_command(film_id: int) -> str:
    """The command that opens a film by id (quoted: `#` starts a comment in a shell)."""
    return f"filmbot film '#{film_id}'"


async def reply_data(reply: Reply, services: Services) -> dict[str, Any]:
    if isinstance(reply, FilmCard):
        from bot.films.importers.records import record_from_film

        film = await services.catalog.film(reply.film_id)
        record = record_from_film(film) if film is not None else {}
        extra = {"matched_title": reply.matched_title, "notice": reply.notice}
        return {"type": "film", "film_id": reply.film_id, **record, **{k: v for k, v in extra.items() if v}}
    if isinstance(reply, FilmList):
        items = [{**dataclasses.asdict(item), "open": open_command(item.film_id)} for item in reply.items]
        return {
            "type": "films",
            "kind": reply.kind,
            "query": reply.query,
            "heading": reply.heading,
            "page": reply.page + 1,
            "pages": reply.pages,
            "total": reply.total,
            "items": items,
        }
    if isinstance(reply, Problem):
        return {"type": "problem", "kind": reply.kind, "message": reply.message, "hint": reply.hint}
    data = dataclasses.asdict(reply)
    return {"type": type(reply).__name__.lower(), **data}


async def reply_json(reply: Reply, services: Services) -> str:
    return json.dumps(await reply_data(reply, services), ensure_ascii=False, indent=2, default=str)
