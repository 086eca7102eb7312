"""Turn a stored Film into a FilmCard (plain text fields) or a picker line."""

from __future__ import annotations

from urllib.parse import quote_plus, urlsplit

from bot.films.local_titles import film_local_title
from bot.films.model import Film
from bot.films.search import Match
from bot.i18n import N_, _, current_language
from bot.replies import CastMember, FilmCard, FilmChoice

WIKIPEDIA_CREDIT = N_("Synopsis: Wikipedia, CC BY-SA 4.0")


def synopsis_credit(film: Film) -> str | None:
    """The starter catalog's synopses are Wikipedia leads (CC BY-SA 4.0): a card showing one credits it."""
    if film.synopsis and film.source and film.source.lower().startswith("wikipedia"):
        return _(WIKIPEDIA_CREDIT)
    return None


# A record's `source` as importers and sources write it -> the name a card's footer credits.
DATA_SOURCES = {
    "tmdb": "TMDB",
    "wikidata": "Wikidata",
    "imdb": N_("IMDb datasets"),
    "filmbot seed page": N_("starter catalog"),
}
DATA_SOURCE_PREFIXES = (
    ("wikipedia", N_("Wikipedia film lists (starter catalog)")),
    ("bangumi", N_("bangumi-data (starter catalog)")),
)
DATA_SOURCE_MAX = 60  # a club's own import may name its file: one short line at most


def data_source_name(source: str | None) -> str | None:
    """The name of where a film's record came from, from its `source`; admin-made films and records
    without a source credit nobody."""
    raw = " ".join((source or "").split())
    key = raw.casefold()
    if not raw or key == "admin":
        return None
    if key in DATA_SOURCES:
        return _(DATA_SOURCES[key])
    for prefix, name in DATA_SOURCE_PREFIXES:
        if key.startswith(prefix):
            return _(name)
    return raw if len(raw) <= DATA_SOURCE_MAX else raw[: DATA_SOURCE_MAX - 1].rstrip() + "…"


def data_credit(film: Film) -> str | None:
    name = data_source_name(film.source)
    return _("Data: {source}", source=name) if name else None


def web_link(url: str | None) -> str | None:
    """`url` when it is an http(s) address with a host (and no spaces), else None: a card never shows
    a javascript:, file: or malformed link, whatever the database holds."""
    if not url or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def trailer_link(film: Film) -> str:
    """The stored trailer, else a YouTube search for "<title> <year> trailer" — every card has one."""
    if trailer := web_link(film.trailer_url):
        return trailer
    words = " ".join(str(part) for part in (film.title, film.year, "trailer") if part)
    return f"https://www.youtube.com/results?search_query={quote_plus(words)}"


def film_card(
    film: Film,
    *,
    match: Match | None = None,
    notice: str | None = None,
    others: tuple[FilmChoice, ...] = (),
) -> FilmCard:
    assert film.id is not None, "only stored films have cards"
    matched = match.matched_title if match and match.matched_title not in (film.title, film.original_title) else None
    return FilmCard(
        film_id=film.id,
        title=film.title,
        year=film.year,
        trailer_url=trailer_link(film),
        original_title=film.original_title,
        alt_titles=tuple(film.alt_titles),
        genres=tuple(film.genres),
        runtime_minutes=film.runtime_minutes,
        country=film.country,
        content_rating=film.content_rating,
        rating=film.rating,
        votes=film.votes,
        release_date=film.release_date.isoformat() if film.release_date else None,
        directors=tuple(film.directors),
        writers=tuple(film.writers),
        cast=tuple(CastMember(c.name, c.character) for c in film.cast),
        synopsis=film.synopsis,
        synopsis_credit=synopsis_credit(film),
        data_credit=data_credit(film),
        poster_url=web_link(film.poster_url),
        info_url=web_link(film.info_url),
        matched_title=matched,
        score=round(match.score, 1) if match else None,
        notice=notice,
        others=others,
        local_title=film_local_title(film, current_language()),
    )


def choice_from_match(match: Match) -> FilmChoice:
    doc = match.doc
    return FilmChoice(
        film_id=doc.film_id,
        title=doc.title,
        year=doc.year,
        country=doc.country,
        original_title=doc.original_title,
        matched_title=match.matched_title if match.matched_title != doc.title else None,
        score=round(match.score, 1),
    )


def choice_from_film(film: Film) -> FilmChoice:
    assert film.id is not None
    return FilmChoice(
        film_id=film.id,
        title=film.title,
        year=film.year,
        country=film.country,
        original_title=film.original_title,
    )
