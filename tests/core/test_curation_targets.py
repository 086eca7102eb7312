"""Admins change the film they mean: a typo-level title match asks for confirmation instead of guessing."""

from __future__ import annotations

from pathlib import Path

from bot.commands import Actor, CommandContext
from bot.replies import FilmCard, FilmList, Text
from tests.support.catalog import make_services

ADMIN = Actor("telegram", "9", "-100", is_owner=True, display_name="Ada")


async def run(services: object, line: str) -> object:
    resolved = services.registry.resolve_text(line)  # type: ignore[attr-defined]
    spec, args = resolved
    return await services.registry.run(spec, CommandContext(ADMIN, services), args)  # type: ignore[attr-defined, arg-type]


async def test_a_near_miss_title_gets_a_picker_and_changes_nothing(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    try:
        reply = await run(services, "/film alias parasit | the basement")
        assert isinstance(reply, FilmList) and reply.kind == "did_you_mean"
        assert reply.items[0].title == "Parasite" and "#" in (reply.hint or "")
        assert services.catalog.index.search("the basement")[:1] == [] or all(
            m.doc.title != "Parasite" or m.score < 100 for m in services.catalog.index.search("the basement")
        )
        exact = await run(services, "/film alias parasite | the basement")
        assert isinstance(exact, Text) and "Parasite" in exact.body
    finally:
        await services.db.dispose()


async def test_one_line_add_with_separators(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    try:
        card = await run(services, "/film add Title: Drive My Car · Year: 2021 | Native Title: ドライブ・マイ・カー")
        assert isinstance(card, FilmCard)
        assert (card.title, card.year, card.original_title) == ("Drive My Car", 2021, "ドライブ・マイ・カー")
    finally:
        await services.db.dispose()
