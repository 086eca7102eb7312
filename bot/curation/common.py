"""Small shared pieces of the curation use-cases: names, labels and the refusal used inside transactions."""

from __future__ import annotations

from bot.commands import Actor
from bot.films.model import Film
from bot.replies import Problem

GROUP = "film"


class Refused(Exception):
    """Raised inside a transaction to roll it back and answer with `problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def actor_name(actor: Actor) -> str:
    return actor.display_name or f"{actor.platform} user {actor.user_id}"


def film_label(film: Film) -> str:
    return f"{film.title} ({film.year})" if film.year else film.title
