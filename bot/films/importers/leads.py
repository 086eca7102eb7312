"""A film's director read from its Wikipedia lead ("… is a 1947 American film noir directed by Michael
Curtiz and starring …"), only where that reading is unambiguous.

Precise on purpose: the phrase must occur exactly once in the lead and in its first sentence (the sentence
that defines this film), with nothing before it that points at another work (a remake of, based on, a
sequel to …); the name must be 2-4 capitalised words (initials and name particles allowed) ending at
punctuation or at a word that starts the next clause; a second director ("and …", "&") or a word that
is not part of a name (a nationality, a possessive) makes it ambiguous. Anything else gives None.
"""

from __future__ import annotations

import re

_TOKEN = (
    r"(?:[A-Z][a-zà-ÿ'’\-]+|[A-Z]\.(?:\s?[A-Z]\.)*|Mc[A-Z][a-z]+|Mac[A-Z][a-z]+|O'[A-Z][a-z]+|[A-Z][a-z]*[A-Z][a-z]+"
    r"|Jr\.|Sr\.|de|van|von|der|la|le|du|da|di|del)"
)
_FIRST = r"(?:[A-Z][a-zà-ÿ'’\-]+|[A-Z]\.(?:\s?[A-Z]\.)*|Mc[A-Z][a-z]+|O'[A-Z][a-z]+)"
_NEXT_CLAUSE = (
    r"and\s(?:starring|stars|produced|written|features|featuring|released|distributed|is|was|co-?starring)\b"
    r"|from|for|with|starring|who|based|that|which|in|on|at|about|as|it|the|\("
)
_DIRECTED = re.compile(
    rf"\b(?<!co-)directed by (?P<name>{_FIRST}(?:\s{_TOKEN}){{1,3}})(?=\s*(?:[,.;:)]|$|\s(?:{_NEXT_CLAUSE})))"
)
_OTHER_WORK = re.compile(
    r"\b(remake|sequel|prequel|based on|adaptation|adapted|version of|inspired by|follow-up|spin-off|parody|"
    r"novel|play|short story|book)\b",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset(
    [
        "American",
        "British",
        "English",
        "French",
        "German",
        "Italian",
        "Spanish",
        "Brazilian",
        "Canadian",
        "Australian",
        "Mexican",
        "Japanese",
        "Chinese",
        "Korean",
        "Indian",
        "Irish",
        "Scottish",
        "Welsh",
        "Swedish",
        "Danish",
        "Norwegian",
        "Polish",
        "Russian",
        "Hungarian",
        "Austrian",
        "Dutch",
        "Belgian",
        "Swiss",
        "Greek",
        "Turkish",
        "Israeli",
        "Iranian",
        "Argentine",
        "Argentinian",
        "Chilean",
        "Czech",
        "Finnish",
        "Filipino",
        "Hollywood",
        "Broadway",
        "Oscar",
        "Academy",
        "Award",
        "Disney",
        "Warner",
        "Paramount",
        "Universal",
        "Columbia",
        "MGM",
    ]
)
_ABBREVIATIONS = frozenset({"Mr", "Mrs", "Ms", "Dr", "Jr", "Sr", "St", "vs", "Bros", "Co", "Inc", "Ltd", "Lt", "Col",
                            "Gen", "Capt", "Sgt", "Mt", "No"})  # fmt: skip
_SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])")
_SECOND = re.compile(r"\s(?:and|&)\s")


def first_sentence(text: str) -> str:
    """The lead's first sentence (a full stop after an initial or a usual abbreviation does not end it)."""
    for end in _SENTENCE_END.finditer(text):
        word = text[: end.start()].rsplit(" ", 1)[-1]
        if len(word.strip(".")) <= 1 or word in _ABBREVIATIONS:
            continue
        return text[: end.start() + 1]
    return text


def director_from_lead(lead: str | None) -> str | None:
    """The one director the lead names for this film, or None when it names none or is not clear."""
    if not lead or lead.count("directed by") != 1:
        return None
    sentence = first_sentence(lead)
    found = _DIRECTED.search(sentence)
    if found is None or _OTHER_WORK.search(sentence[: found.start()]):
        return None
    name = found["name"]
    words = name.split()
    if _SECOND.search(name) or words[0] in _NOT_NAMES or words[0].endswith(("'s", "’s")):
        return None
    if words[-1] in {"de", "van", "von", "der", "la", "le", "du", "da", "di", "del"}:
        return None
    return name
