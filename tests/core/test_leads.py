"""Directors read from a Wikipedia lead only where the lead is unambiguous."""

from __future__ import annotations

import pytest

from bot.films.importers.leads import director_from_lead


@pytest.mark.parametrize(
    ("lead", "director"),
    [
        ("The Enchanted Drawing is a 1900 silent film directed by J. Stuart Blackton. It is …", "J. Stuart Blackton"),
        ("Cat Chaser is a 1989 heist film directed by Abel Ferrara and starring Peter Weller.", "Abel Ferrara"),
        ("Land of the Dead is a 2005 horror film written and directed by George A. Romero; the …", "George A. Romero"),
        ("Shalako is a 1968 Western film directed by Edward Dmytryk, starring Sean Connery.", "Edward Dmytryk"),
        ("Saw is a 2004 American horror film directed by James Wan, in his feature directorial debut.", "James Wan"),
        ("Open Places is a 1917 American Western film directed by W. S. Van Dyke.", "W. S. Van Dyke"),
    ],
)
def test_the_one_director_of_a_plain_lead(lead: str, director: str) -> None:
    assert director_from_lead(lead) == director


@pytest.mark.parametrize(
    "lead",
    [
        None,
        "",
        "Fargo is a 1996 crime film directed by Joel Coen and Ethan Coen.",  # two directors
        "X is a 2001 remake of the 1960 film directed by Alfred Hitchcock.",  # another film's director
        "X is a 1950 film based on the novel, directed by John Huston. Y was directed by Sam Wood.",  # twice
        "X is a 1990 film. It was directed by Sam Raimi.",  # not in the sentence that defines the film
        "X is a 1999 English language film directed by Brazilian Bruno Barreto.",  # a nationality, not a name
        "X is a 1917 short film directed by Edison's John H. Collins.",  # a possessive
        "X is a 1930 film co-directed by Raoul Walsh.",
        "X is a 1930 film directed by Raoul.",  # one word: not clearly a person's full name
    ],
)
def test_no_director_when_the_lead_is_not_clear(lead: str | None) -> None:
    assert director_from_lead(lead) is None
