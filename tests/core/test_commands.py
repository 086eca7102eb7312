"""The command registry: text parsing, argument checks, the one admin check, and apologies for our errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest

from bot.commands import (
    Actor,
    CommandContext,
    CommandRegistry,
    CommandSpec,
    Param,
    Permission,
    clean_text,
    permitted,
)
from bot.registry import build_registry
from bot.replies import Problem, Reply, Text


async def echo(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return Text(repr(dict(args)))


async def boom(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    raise RuntimeError("database on fire")


SPECS = [
    CommandSpec(name="film", summary="Show a film", handler=echo, params=(Param("title", "t", kind="film"),)),
    CommandSpec(
        name="add",
        group="film",
        summary="Add a film",
        handler=echo,
        permission=Permission.CATALOG_OWNER,
        params=(Param("details", "d", max_length=5000),),
    ),
    CommandSpec(
        name="edit",
        group="film",
        summary="Edit a film",
        handler=echo,
        permission=Permission.CATALOG_OWNER,
        params=(Param("film", "f", kind="film"), Param("field", "x"), Param("value", "v")),
    ),
    CommandSpec(
        name="poll",
        group="movienight",
        summary="Open a poll",
        handler=echo,
        params=(
            Param("hours", "h", kind="int", required=False, min_value=1, max_value=768),
            Param("mode", "m", kind="choice", required=False, choices=("single", "ranked")),
        ),
    ),
    CommandSpec(name="crash", summary="Fails", handler=boom),
]

USER = Actor(platform="telegram", user_id="1", chat_id="-100", is_group_admin=False)
ADMIN = Actor(platform="telegram", user_id="2", chat_id="-100", is_group_admin=True)
OWNER = Actor(platform="telegram", user_id="3", chat_id="-200", is_owner=True)


def ctx(actor: Actor) -> CommandContext:
    return CommandContext(actor=actor, services=None)  # type: ignore[arg-type]


@pytest.fixture
def registry() -> CommandRegistry:
    return CommandRegistry(SPECS)


def test_text_command_with_bot_mention_and_rest_of_line(registry: CommandRegistry) -> None:
    resolved = registry.resolve_text("/film@filmclub_bot miracle in cell no. 7")
    assert not isinstance(resolved, Problem)
    spec, args = resolved
    assert spec.name == "film" and args == {"title": "miracle in cell no. 7"}


def test_subcommand_wins_over_the_plain_command(registry: CommandRegistry) -> None:
    spec, args = registry.resolve_text('/film edit "miracle in cell" runtime 127')  # type: ignore[misc]
    assert spec.full_name == "film edit"
    assert args == {"film": "miracle in cell", "field": "runtime", "value": "127"}
    spec, args = registry.resolve_text("/film edit miracle in cell | synopsis | A long text, with commas")  # type: ignore[misc]
    assert args == {"film": "miracle in cell", "field": "synopsis", "value": "A long text, with commas"}


def test_unknown_command_and_bare_group_get_friendly_answers(registry: CommandRegistry) -> None:
    unknown = registry.resolve_text("/frobnicate now")
    assert isinstance(unknown, Problem) and "/help" in unknown.message
    bare = registry.resolve_text("/movienight")
    assert isinstance(bare, Problem) and "poll" in bare.message
    assert isinstance(registry.resolve_text("hello"), Problem)


async def test_the_permission_level_is_checked_once_from_the_spec(registry: CommandRegistry) -> None:
    spec = registry.get("add", group="film")
    assert spec is not None and spec.permission is Permission.CATALOG_OWNER
    for stranger in (USER, ADMIN):  # a group admin is not a catalog owner
        refused = await registry.run(spec, ctx(stranger), {"details": "Title: X"})
        assert isinstance(refused, Problem) and refused.kind == "forbidden"
        assert refused.message.startswith("Only the bot's catalog owners can use /film add")
    allowed = await registry.run(spec, ctx(OWNER), {"details": "Title: X"})
    assert isinstance(allowed, Text)


async def test_catalog_editors_group_admins_restores_the_open_club() -> None:
    registry = CommandRegistry(SPECS, catalog_editors="group_admins")
    spec = registry.get("add", group="film")
    assert spec is not None
    assert isinstance(await registry.run(spec, ctx(ADMIN), {"details": "Title: X"}), Text)
    refused = await registry.run(spec, ctx(USER), {"details": "Title: X"})
    assert isinstance(refused, Problem) and refused.kind == "forbidden"


def test_permission_levels() -> None:
    assert [permitted(a, Permission.MEMBER) for a in (USER, ADMIN, OWNER)] == [True, True, True]
    assert [permitted(a, Permission.GROUP_ADMIN) for a in (USER, ADMIN, OWNER)] == [False, True, True]
    assert [permitted(a, Permission.CATALOG_OWNER) for a in (USER, ADMIN, OWNER)] == [False, False, True]
    assert [permitted(a, Permission.CATALOG_OWNER, "group_admins") for a in (USER, ADMIN, OWNER)] == [
        False,
        True,
        True,
    ]


async def test_arguments_are_checked_with_clear_messages(registry: CommandRegistry) -> None:
    poll = registry.get("poll", group="movienight")
    assert poll is not None
    assert isinstance(await registry.run(poll, ctx(USER), {"hours": "abc"}), Problem)
    too_long = await registry.run(poll, ctx(USER), {"hours": "9999"})
    assert isinstance(too_long, Problem) and "from 1 to 768" in too_long.message
    bad_choice = await registry.run(poll, ctx(USER), {"mode": "weird"})
    assert isinstance(bad_choice, Problem) and "single" in bad_choice.message
    ok = await registry.run(poll, ctx(USER), {"hours": "48", "mode": "RANKED"})
    assert isinstance(ok, Text) and "'hours': 48" in ok.body and "'mode': 'ranked'" in ok.body
    film = registry.get("film")
    assert film is not None
    missing = await registry.run(film, ctx(USER), {"title": "  \x00\u200b "})
    assert isinstance(missing, Problem) and "/film" in missing.message


async def test_our_errors_are_logged_and_answered_with_an_apology(
    registry: CommandRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    spec = registry.get("crash")
    assert spec is not None
    reply = await registry.run(spec, ctx(USER), {})
    assert isinstance(reply, Problem) and reply.kind == "error" and "Sorry" in reply.message
    record = next(r for r in caplog.records if "crash" in r.getMessage())
    assert "telegram" in record.getMessage() and "-100" in record.getMessage()
    assert record.exc_info is not None


def test_clean_text_drops_controls_and_invisible_characters() -> None:
    assert clean_text("  mir\x00acle\u200b in\tcell\r\n ") == "mir acle in cell"


def test_the_real_registry_is_valid_for_every_platform() -> None:
    registry = build_registry()
    names = {spec.full_name for spec in registry}
    assert {"film", "search", "random", "help"} <= names
    for spec in registry:
        assert 1 <= len(spec.summary) <= 100
        for param in spec.params:
            assert param.name.isidentifier() and param.name.islower()
            assert 1 <= len(param.summary) <= 100


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ValueError):
        CommandSpec(name="Film", summary="x", handler=echo)
    with pytest.raises(ValueError):
        CommandSpec(name="film", summary="x" * 101, handler=echo)
    with pytest.raises(ValueError):
        CommandRegistry([SPECS[0], SPECS[0]])


async def test_a_pasted_page_keeps_its_lines_but_loses_control_characters() -> None:
    registry = CommandRegistry(
        [
            CommandSpec(
                name="add",
                group="film",
                summary="Add",
                handler=echo,
                params=(Param("details", "d", max_length=5000, multiline=True),),
            )
        ]
    )
    resolved = registry.resolve_text("/film add\nTitle: X\x07\r\n\n\n\nYear: 2020  \n")
    assert not isinstance(resolved, Problem)
    spec, args = resolved
    reply = await registry.run(spec, ctx(ADMIN), args)
    assert isinstance(reply, Text) and reply.body == repr({"details": "Title: X\n\nYear: 2020"})


def test_optional_params_of_another_type_are_skipped_in_text(registry: CommandRegistry) -> None:
    _spec, args = registry.resolve_text("/movienight poll ranked")  # type: ignore[misc]
    assert args == {"mode": "ranked"}
    _spec, args = registry.resolve_text("/movienight poll 48 single")  # type: ignore[misc]
    assert args == {"hours": "48", "mode": "single"}


async def test_a_picker_from_a_one_film_command_re_runs_it_with_the_choice() -> None:
    from bot.replies import FilmChoice, FilmList

    async def nominate(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
        if args["film"].startswith("#"):
            return Text(f"nominated {args['film']}")
        return FilmList(kind="did_you_mean", query=args["film"], items=(FilmChoice(7, "Parasite"),), heading="?")

    spec = CommandSpec(name="nominate", group="movienight", summary="Nominate", handler=nominate,
                       params=(Param("film", "f", kind="film"),))  # fmt: skip
    registry = CommandRegistry([spec])
    picker = await registry.run(spec, ctx(USER), {"film": "parasit"})
    assert isinstance(picker, FilmList) and picker.then == "movienight nominate"
    assert registry.by_code(spec.code) is spec and len(spec.code) == 6
    done = await registry.run_with_film(picker.then, ctx(USER), 7)
    assert isinstance(done, Text) and done.body == "nominated #7"
    gone = await registry.run_with_film("movienight vanished", ctx(USER), 7)
    assert isinstance(gone, Problem)


def test_pickers_carry_a_short_command_code_for_buttons() -> None:
    from bot.replies import FilmChoice, FilmList

    spec = CommandSpec(name="nominate", group="movienight", summary="Nominate", handler=echo,
                       params=(Param("film", "f", kind="film"),))  # fmt: skip
    registry = CommandRegistry([spec, SPECS[0]])
    picker = FilmList(kind="did_you_mean", query="x", items=(FilmChoice(1, "X"),), heading="?")
    coded = registry.with_command_code(dataclasses.replace(picker, then="movienight nominate"))
    assert isinstance(coded, FilmList) and coded.then == spec.code
    assert registry.with_command_code(dataclasses.replace(picker, then="film")).then == "film"  # type: ignore[union-attr]
    assert registry.with_command_code(dataclasses.replace(picker, then="gone away")).then is None  # type: ignore[union-attr]


def test_a_word_that_fits_no_later_param_is_given_to_the_next_one(registry: CommandRegistry) -> None:
    """`/movienight poll 0.01`: 0.01 is a bad duration, not a mode; the answer must say what a duration is."""
    _spec, args = registry.resolve_text("/movienight poll 0.01")  # type: ignore[misc]
    assert args == {"hours": "0.01"}
    _spec, args = registry.resolve_text("/movienight poll 2h ranked")  # type: ignore[misc]
    assert args == {"hours": "2h", "mode": "ranked"}


async def test_a_bad_number_says_what_the_number_must_be(registry: CommandRegistry) -> None:
    poll = registry.get("poll", group="movienight")
    assert poll is not None
    for typed in ("0.01", "0", "769", "soon"):
        reply = await registry.run(poll, ctx(USER), {"hours": typed})
        assert isinstance(reply, Problem) and "hours: a whole number from 1 to 768" in reply.message, reply
