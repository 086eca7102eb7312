"""Every `filmbot` command and option explains itself in --help."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import build_parser, main


def _parsers(parser: argparse.ArgumentParser, path: str = "filmbot") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _parsers(child, f"{path} {name}")
    return found


def test_every_command_and_option_has_a_description() -> None:
    missing = []
    for path, parser in _parsers(build_parser()):
        if not parser.description:
            missing.append(path)
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction) and not action.help:
                missing.append(f"{path} {action.dest}")
    assert not missing, missing


def test_film_and_import_help_list_examples_and_formats() -> None:
    subs = dict(_parsers(build_parser()))
    film = subs["filmbot film"].format_help()
    assert "filmbot film '#23923'" in film and "--json" in film and "--short" in film and "examples:" in film
    imports = subs["filmbot import"].format_help()
    for word in (".jsonl", ".json", ".csv", ".txt", ".gz", "--format imdb", "examples:", "filmbot import films.jsonl"):
        assert word in imports, word


def test_a_usage_error_never_shows_the_database_password(capsys: pytest.CaptureFixture[str]) -> None:
    """`--database-url` after the command is "unrecognized arguments" to argparse, which quotes argv."""
    with pytest.raises(SystemExit) as exited:
        main(["film", "alien", "--database-url", "postgresql+asyncpg://bot:s3cr3t-pw@db.example/films"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err and "postgresql+asyncpg://bot:***@db.example/films" in err
    assert "s3cr3t-pw" not in err
