"""One admin edit applied to a Film: pure, so every field's rules and messages are tested without I/O.

`/film edit <film> <field> <value>`: scalar fields are replaced (`-` or `none` clears an optional one);
`genres`, `director` and `writer` take a comma-separated list that replaces the old one; cast members and
alternative titles are added and removed one at a time with `add_cast Name as Character`,
`remove_cast Name`, `add_alt Title`, `remove_alt Title`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.curation import fields as f
from bot.films.model import Credit, CreditRole, Film
from bot.films.normalize import normalize_title
from bot.i18n import N_, _
from bot.text import clean_text

SCALAR_FIELDS = (
    "title",
    "year",
    "native_title",
    "runtime",
    "country",
    "content_rating",
    "synopsis",
    "trailer_url",
    "poster_url",
    "info_url",
    "release_date",
)
LIST_FIELDS = ("genres", "director", "writer")
STEP_FIELDS = ("add_cast", "remove_cast", "add_alt", "remove_alt")
EDIT_FIELDS = (*SCALAR_FIELDS, *LIST_FIELDS, *STEP_FIELDS)
EDIT_HELP = N_(
    "Fields: {fields}. Lists are comma-separated; “-” clears. "
    "Cast and alternative titles one at a time: add_cast Name as Character, remove_cast Name, "
    "add_alt Title, remove_alt Title."
)
# Spellings people type for the step fields (the canonical names are what menus offer).
SYNONYMS = {
    "cast+": "add_cast",
    "+cast": "add_cast",
    "cast-": "remove_cast",
    "-cast": "remove_cast",
    "alt+": "add_alt",
    "+alt": "add_alt",
    "alt-": "remove_alt",
    "-alt": "remove_alt",
    "original_title": "native_title",
    "genre": "genres",
    "directors": "director",
    "writers": "writer",
    "trailer": "trailer_url",
    "poster": "poster_url",
}
OPTIONAL = frozenset(SCALAR_FIELDS) - {"title"}
ATTRIBUTE = {"native_title": "original_title", "runtime": "runtime_minutes"}


@dataclass(frozen=True, slots=True)
class Change:
    """The edited film and the field's value before and after, as text for the audit log."""

    film: Film
    field: str
    old: str | None
    new: str | None

    @property
    def changed(self) -> bool:
        return self.old != self.new


def edit_field(name: str) -> str:
    key = clean_text(name).casefold().replace(" ", "_")
    key = SYNONYMS.get(key, key)
    if key not in EDIT_FIELDS:
        raise f.FieldError(
            _("I can't edit “{name}”.", name=clean_text(name)[:40])
            + " "
            + _(EDIT_HELP, fields=", ".join((*SCALAR_FIELDS, *LIST_FIELDS)))
        )
    return key


def show(value: object) -> str | None:
    """A field value as the audit log and replies show it."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _names(film: Film, role: CreditRole) -> list[str]:
    return [c.name for c in film.credits if c.role == role]


def _with_role(film: Film, role: CreditRole, names: list[str]) -> list[Credit]:
    """Replace one role's credits, keeping the others in place (directors, writers, then cast)."""
    rest = [c for c in film.credits if c.role != role]
    new = [Credit(n, role) for n in names]
    order = {"director": 0, "writer": 1, "cast": 2}
    return sorted([*rest, *new], key=lambda c: order[c.role])


def _cast_line(c: Credit) -> str:
    return f"{c.name} as {c.character}" if c.character else c.name


def apply_edit(film: Film, field: str, value: str) -> Change:
    """Apply one edit; raises FieldError with a message for the admin when the value does not fit."""
    field = edit_field(field)
    raw = value or ""
    clearing = f.is_clear(raw)
    if field in SCALAR_FIELDS:
        attr = ATTRIBUTE.get(field, field)
        old = getattr(film, attr)
        if clearing:
            if field not in OPTIONAL:
                raise f.FieldError(_("A film must keep its title; give the new title instead."))
            new: object = None
        elif field == "title":
            new = f.title_value("title", raw)
        elif field == "native_title":
            new = f.title_value("native title", raw)
        elif field == "year":
            new = f.year_value(raw)
        elif field == "runtime":
            new = f.runtime_value(raw)
        elif field == "release_date":
            new = f.date_value(raw)
        elif field.endswith("_url"):
            new = f.url_value(field, raw)
        else:
            new = f.text_value(field, raw)
        return Change(film.replace(**{attr: new}), field, show(old), show(new))
    if field == "genres":
        genres = [] if clearing else f.genres_value(raw)
        return Change(film.replace(genres=genres), field, show(film.genres), show(genres))
    if field in ("director", "writer"):
        role: CreditRole = "director" if field == "director" else "writer"
        names = [] if clearing else f.people_value(field, raw)
        credits = _with_role(film, role, names)
        return Change(film.replace(credits=credits), field, show(_names(film, role)), show(names))
    if field == "add_cast":
        member = f.cast_member(raw)
        if any(c.role == "cast" and c.name.casefold() == member.name.casefold() for c in film.credits):
            raise f.FieldError(
                _("{name} is already in the cast; remove_cast them first to change it.", name=member.name)
            )
        if len(film.cast) >= f.MAX_CAST:
            raise f.FieldError(_("at most {MAX_CAST} cast members.", MAX_CAST=f.MAX_CAST))
        return Change(film.replace(credits=[*film.credits, member]), "cast", None, _cast_line(member))
    if field == "remove_cast":
        name = f.text_value("cast name", raw, "name").casefold()
        gone = [c for c in film.credits if c.role == "cast" and c.name.casefold() == name]
        if not gone:
            raise f.FieldError(_("No cast member called “{raw}” in this film.", raw=clean_text(raw)[:60]))
        kept = [c for c in film.credits if c not in gone]
        return Change(film.replace(credits=kept), "cast", _cast_line(gone[0]), None)
    if field == "add_alt":
        title = f.title_value("alternative title", raw)
        key = normalize_title(title)
        if any(normalize_title(t) == key for t in film.all_titles()):
            raise f.FieldError(_("“{title}” is already a title of this film.", title=title))
        if len(film.alt_titles) >= f.MAX_ALT_TITLES:
            raise f.FieldError(_("at most {MAX_ALT_TITLES} alternative titles.", MAX_ALT_TITLES=f.MAX_ALT_TITLES))
        return Change(film.replace(alt_titles=[*film.alt_titles, title]), "alt_titles", None, title)
    # remove_alt
    key = normalize_title(clean_text(raw))
    gone_titles = [t for t in film.alt_titles if normalize_title(t) == key]
    if not key or not gone_titles:
        raise f.FieldError(_("“{raw}” is not one of this film's alternative titles.", raw=clean_text(raw)[:60]))
    kept_titles = [t for t in film.alt_titles if t not in gone_titles]
    return Change(film.replace(alt_titles=kept_titles), "alt_titles", gone_titles[0], None)


DETAIL_FIELDS = ("alt_titles", "synopsis", "trailer_url", "country", "director")
"""The fields of a details form (Discord's "More details" modal), in its order."""


def current_details(film: Film) -> dict[str, str]:
    """The details form's fields as the film has them now (what the form shows pre-filled)."""
    return {
        "alt_titles": ", ".join(film.alt_titles),
        "synopsis": film.synopsis or "",
        "trailer_url": film.trailer_url or "",
        "country": film.country or "",
        "director": ", ".join(c.name for c in film.credits if c.role == "director"),
    }


def detail_changes(film: Film, values: Mapping[str, str]) -> Change:
    """Apply every details field that differs from the film: empty keeps, "-" clears, else replaces.

    Alternative titles are a list: the typed list replaces the old one through remove_alt / add_alt, so
    each title passes the same checks as `/film edit`. Raises FieldError (nothing is stored then).
    """
    now = current_details(film)
    changed: list[str] = []
    for key in DETAIL_FIELDS:
        raw = (values.get(key) or "").strip()
        if not raw or raw == now[key]:
            continue
        if key == "alt_titles":
            film = _replace_alts(film, [] if raw in ("-", "none") else f.split_list(raw))
        else:
            film = apply_edit(film, key, raw).film
        changed.append(key)
    summary = ", ".join(changed)
    return Change(film, summary[:40] or "details", None, summary or None)


def _replace_alts(film: Film, wanted: list[str]) -> Film:
    keep = str.casefold
    for old in [t for t in film.alt_titles if keep(t) not in {keep(w) for w in wanted}]:
        film = apply_edit(film, "remove_alt", old).film
    for new in [w for w in wanted if keep(w) not in {keep(t) for t in film.alt_titles}]:
        film = apply_edit(film, "add_alt", new).film
    return film
