"""Parse and check the film fields admins type: one rule set for /film add, the Discord modal and edits.

Everything here is pure (no I/O) so the messages a user sees are easy to test. A bad value raises
`FieldError` with a message that names the field and says what would be accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlsplit

from bot.films.hygiene import has_surrogate, strip_invisible
from bot.films.model import Credit, Film
from bot.films.normalize import normalize_title
from bot.i18n import _
from bot.text import clean_text

MIN_YEAR, MAX_YEAR = 1870, 2100
MAX_RUNTIME = 24 * 60
LIMITS = {
    "title": 200,
    "name": 100,
    "genre": 40,
    "country": 60,
    "content_rating": 60,
    "synopsis": 4000,
    "url": 500,
    "character": 100,
}
MAX_ALT_TITLES = 50
MAX_GENRES = 12
MAX_PEOPLE = 30
MAX_CAST = 200
CLEAR_WORDS = frozenset({"-", "none", "clear", "(none)"})

# What each structured field is called by people and by film pages ("Native Title", "Duration", ...).
LABELS: dict[str, str] = {
    "title": "title",
    "year": "year",
    "native title": "native_title",
    "native_title": "native_title",
    "original title": "native_title",
    "alternative titles": "alt_titles",
    "alternative title": "alt_titles",
    "alt titles": "alt_titles",
    "alt_titles": "alt_titles",
    "also known as": "alt_titles",
    "genre": "genres",
    "genres": "genres",
    "runtime": "runtime",
    "duration": "runtime",
    "synopsis": "synopsis",
    "plot": "synopsis",
    "trailer": "trailer_url",
    "trailer url": "trailer_url",
    "trailer_url": "trailer_url",
    "poster": "poster_url",
    "poster url": "poster_url",
    "poster_url": "poster_url",
    "info": "info_url",
    "info url": "info_url",
    "info_url": "info_url",
    "country": "country",
    "content rating": "content_rating",
    "content_rating": "content_rating",
    "release date": "release_date",
    "release_date": "release_date",
    "director": "director",
    "directors": "director",
    "writer": "writer",
    "writers": "writer",
    "screenwriter": "writer",
    "director & screenwriter": "director_writer",
    "director & writer": "director_writer",
    "cast": "cast",
    "total votes": "votes",
    "votes": "votes",
    "imdb": "imdb",
    "summary": "synopsis",
    "director(s)": "director",
    "directed by": "director",
    "writer(s)": "writer",
    "screenwriters": "writer",
    "screenwriter(s)": "writer",
    "written by": "writer",
    "genre(s)": "genres",
    "alternative title(s)": "alt_titles",
    "runtime minutes": "runtime",
}
FIELD_NAMES = tuple(dict.fromkeys(LABELS.values()))


class FieldError(ValueError):
    """A value an admin typed that does not fit; the message is shown to them as is."""


def canonical_field(label: str) -> str | None:
    return LABELS.get(" ".join(label.replace("_", " ").split()).casefold()) or LABELS.get(label.casefold())


def is_clear(value: str) -> bool:
    return value.strip().casefold() in CLEAR_WORDS


def text_value(field: str, value: str, limit_key: str | None = None) -> str:
    text = clean_text(strip_invisible(value))
    if has_surrogate(text):
        raise FieldError(_("{field} contains a character that is not valid text (a lone surrogate).", field=field))
    limit = LIMITS[limit_key or field]
    if not text:
        raise FieldError(_("{field} is empty.", field=field))
    if len(text) > limit:
        raise FieldError(
            _("{field} is too long ({count} characters; at most {limit}).", field=field, count=len(text), limit=limit)
        )
    return text


def title_value(field: str, value: str) -> str:
    text = text_value(field, value, "title")
    if not normalize_title(text):
        raise FieldError(_("{field} needs some letters or digits.", field=field))
    return text


def year_value(value: str) -> int:
    text = clean_text(value)
    if not re.fullmatch(r"\d{4}", text):
        raise FieldError(_("year must be a four-digit year such as 2013, not “{text}”.", text=text[:20]))
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise FieldError(_("year must be between {MIN_YEAR} and {MAX_YEAR}.", MIN_YEAR=MIN_YEAR, MAX_YEAR=MAX_YEAR))
    return year


_RUNTIME = re.compile(
    r"^(?:(?P<h>\d{1,2})\s*(?:h|hr|hrs|hour|hours)\.?)?\s*(?:(?P<m>\d{1,4})\s*(?:m|min|mins|minutes?)?\.?)?$",
    re.IGNORECASE,
)


def runtime_value(value: str) -> int:
    """Minutes from "127", "127 min", "2 hr. 7 min." or "2h 7m"; must be a positive number."""
    text = clean_text(value)
    found = _RUNTIME.match(text) if text else None
    if not found or (found["h"] is None and found["m"] is None):
        raise FieldError(
            _("runtime must be a number of minutes such as 127 (or “2 hr. 7 min.”), not “{text}”.", text=text[:30])
        )
    minutes = int(found["h"] or 0) * 60 + int(found["m"] or 0)
    if not 1 <= minutes <= MAX_RUNTIME:
        raise FieldError(
            _("runtime must be a positive number of minutes, at most {MAX_RUNTIME}.", MAX_RUNTIME=MAX_RUNTIME)
        )
    return minutes


def url_value(field: str, value: str) -> str:
    text = clean_text(value)
    if len(text) > LIMITS["url"]:
        raise FieldError(
            _(
                "{field} is too long ({count} characters; at most {limit}).",
                field=field,
                count=len(text),
                limit=LIMITS["url"],
            )
        )
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
        raise FieldError(_("{field} must be a web link starting with http:// or https://.", field=field))
    return text


_DATE_FORMATS = ("%Y-%m-%d", "%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %d %Y")


def date_value(value: str) -> date:
    text = clean_text(value).replace("Sept ", "Sep ")
    for fmt in _DATE_FORMATS:
        try:
            found = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not MIN_YEAR <= found.year <= MAX_YEAR:
            break
        return found
    raise FieldError(
        _("release_date must be a date such as 2013-01-23 or “Jan 23, 2013”, not “{text}”.", text=text[:30])
    )


def split_list(value: str) -> list[str]:
    """Comma-, semicolon- or newline-separated items, trimmed, empty ones dropped, duplicates once."""
    items = [clean_text(part) for part in re.split(r"[,;\n]", value)]
    return list(dict.fromkeys(i for i in items if i))


def titles_value(value: str) -> list[str]:
    items = [title_value("alternative title", t) for t in split_list(value)]
    if len(items) > MAX_ALT_TITLES:
        raise FieldError(_("at most {MAX_ALT_TITLES} alternative titles.", MAX_ALT_TITLES=MAX_ALT_TITLES))
    return items


def genres_value(value: str) -> list[str]:
    items = [text_value("genre", g) for g in split_list(value)]
    if len(items) > MAX_GENRES:
        raise FieldError(_("at most {MAX_GENRES} genres.", MAX_GENRES=MAX_GENRES))
    return items


def people_value(field: str, value: str) -> list[str]:
    items = [text_value(field, p, "name") for p in split_list(value)]
    if len(items) > MAX_PEOPLE:
        raise FieldError(_("at most {MAX_PEOPLE} names for {field}.", MAX_PEOPLE=MAX_PEOPLE, field=field))
    return items


def cast_member(value: str) -> Credit:
    """`Name as Character` (or just `Name`)."""
    name, sep, character = clean_text(value).partition(" as ")
    credit_name = text_value("cast name", name, "name")
    role = text_value("character", character, "character") if sep and character.strip() else None
    return Credit(credit_name, "cast", role)


def cast_value(value: str) -> list[Credit]:
    members = [cast_member(part) for part in re.split(r"[;\n]", value) if part.strip()]
    if len(members) > MAX_CAST:
        raise FieldError(_("at most {MAX_CAST} cast members.", MAX_CAST=MAX_CAST))
    return members


def votes_value(value: str) -> int:
    text = clean_text(value).replace(",", "")
    if not text.isdigit() or len(text) > 10:
        raise FieldError(_("votes must be a whole number."))
    return int(text)


def imdb_value(value: str) -> str:
    text = clean_text(value)
    if not re.fullmatch(r"tt\d{5,10}", text):
        raise FieldError(_("imdb must be an IMDb id such as tt2659414."))
    return text


def film_from_fields(fields: Mapping[str, str]) -> Film:
    """Build a new Film from structured fields (the Discord modal, or parsed `Key: Value` lines).

    Keys may be any label in `LABELS` ("Native Title", "native_title", "Duration", ...). Empty values are
    ignored; an unknown key or a bad value raises FieldError naming it.
    """
    values: dict[str, str] = {}
    for key, raw in fields.items():
        field = canonical_field(key)
        if field is None:
            known = "title, year, native_title, alt_titles, genres, runtime, synopsis, trailer_url, …"
            raise FieldError(
                _("I don't know the field “{key}”. Known fields: {known}", key=clean_text(key)[:40], known=known)
            )
        if raw is not None and str(raw).strip():
            values[field] = str(raw)
    if "title" not in values:
        raise FieldError(_("A title is required (a line such as “Title: Miracle in Cell No. 7”)."))
    film = Film(title=title_value("title", values["title"]), source="admin")
    credits: list[Credit] = []
    for field, raw in values.items():
        if field == "year":
            film.year = year_value(raw)
        elif field == "native_title":
            film.original_title = title_value("native title", raw)
        elif field == "alt_titles":
            film.alt_titles = titles_value(raw)
        elif field == "genres":
            film.genres = genres_value(raw)
        elif field == "runtime":
            film.runtime_minutes = runtime_value(raw)
        elif field == "synopsis":
            film.synopsis = text_value("synopsis", raw)
        elif field in ("trailer_url", "poster_url", "info_url"):
            setattr(film, field, url_value(field, raw))
        elif field in ("country", "content_rating"):
            setattr(film, field, text_value(field, raw))
        elif field == "release_date":
            film.release_date = date_value(raw)
        elif field in ("director", "writer", "director_writer"):
            roles = ("director", "writer") if field == "director_writer" else (field,)
            for name in people_value(field.replace("_", " & "), raw):
                credits.extend(Credit(name, role) for role in roles)  # type: ignore[arg-type]
        elif field == "cast":
            credits.extend(cast_value(raw))
        elif field == "votes":
            film.votes = votes_value(raw)
        elif field == "imdb":
            film.external_ids["imdb"] = imdb_value(raw)
    if film.year is None and film.release_date is not None:
        film.year = film.release_date.year
    order = {"director": 0, "writer": 1, "cast": 2}
    film.credits = sorted(credits, key=lambda c: order[c.role])
    return film


def check_film(film: Film) -> Film:
    """Check a Film that came from elsewhere (a pasted page) against the same rules; returns it cleaned."""
    fields: dict[str, str] = {"title": film.title}
    if film.year is not None:
        fields["year"] = str(film.year)
    if film.runtime_minutes is not None:
        fields["runtime"] = str(film.runtime_minutes)
    for name in ("trailer_url", "poster_url", "info_url"):
        value = getattr(film, name)
        if value:
            fields[name] = value
    film_from_fields(fields)  # raises on the first bad value
    if film.synopsis and len(film.synopsis) > LIMITS["synopsis"]:
        limit = LIMITS["synopsis"]
        raise FieldError(
            _("synopsis is too long ({count} characters; at most {limit}).", count=len(film.synopsis), limit=limit)
        )
    for t in film.alt_titles:
        title_value("alternative title", t)
    if film.original_title:
        title_value("native title", film.original_title)
    return film.replace(title=clean_text(film.title), source=film.source or "admin")


# "Key: Value" pairs, on separate lines or (after a chat client squeezed the newlines) on one line.
_LABEL_RE = re.compile(
    r"(?:^|(?<=\s))("
    + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(LABELS, key=len, reverse=True))
    + r")\s*:",
    re.IGNORECASE,
)


def parse_key_values(text: str) -> dict[str, str] | None:
    """`Title: X / Year: 2013 / Genre: Drama, Family` -> fields; None when no line names a title.

    Works on the message with or without its newlines. Text before the first label is ignored unless no
    Title label exists, in which case the caller treats the message as a pasted page.
    """
    found = list(_LABEL_RE.finditer(text))
    fields: dict[str, str] = {}
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        key = canonical_field(" ".join(m.group(1).split()))
        if key is None:
            continue
        # One-line form: "Title: X · Year: 2013 | Genre: Drama" — separators between pairs are not values.
        value = text[m.end() : end].strip().rstrip("·|;/").strip()
        if key in fields and key in ("alt_titles", "genres"):
            value = f"{fields[key]}, {value}"
        fields[key] = value
    return fields if "title" in fields else None
