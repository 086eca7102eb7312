"""Every `filmbot` command and option explains itself in --help."""

from __future__ import annotations

import argparse

from bot.cli import build_parser


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
