"""Film pages: the plain-text format users paste (see data/seed page), several per file split by `---`.

    <Title>                      first non-blank line; repeats of it right after are ignored
    Key: value                   Total votes, Director(s), Screenwriter/Writer(s), "Director & Screenwriter",
                                 Release Date, Duration, Year, Country, Native Title, Content Rating,
                                 Alternative Titles, Genre(s), ... (see KEYS); list values comma-separated
    <paragraphs>                 free text after the key lines -> synopsis (blank-line separated)
    Watch Trailer [URL]          the URL on that line or the next one -> trailer_url
    <Title> Cast                 then "Name as Character" / "Name - Character" / "Name" lines, in order
    Other Cast & Crew            then "Role: Name" lines (directors and writers are kept)

Unknown keys and crew roles we cannot store become warnings with their line numbers; bad values raise
ImportFailed naming the line. The page becomes a record dict validated like any JSON record, so a page
and its JSON export give equal films.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from bot.films.importers import fields as F
from bot.films.importers.errors import BadValue, ImportFailed, ParsedBatch
from bot.films.importers.records import film_from_record
from bot.films.importers.source import MAX_RECORD_CHARS, TextSource
from bot.films.importers.structured import check_count
from bot.i18n import _

SEPARATOR = re.compile(r"^\s*-{3,}\s*$")
KEY_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 &/'’().-]{0,38}?)\s*:\s*(.*?)\s*$")
TRAILER_LINE = re.compile(r"^\s*watch\s+trailer\b\s*[:\-–]?\s*(.*?)\s*$", re.IGNORECASE)
CREW_HEADER = re.compile(r"^\s*other\s+cast\s*(&|and)\s*crew\s*:?\s*$", re.IGNORECASE)
CAST_SPLIT = re.compile(r"\s+(?:as|-|–|—)\s+")
_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d")

Setter = Callable[[dict[str, Any], str], None]


def _names(value: str) -> list[str]:
    return [n.strip() for n in re.split(r"\s*[,;]\s*|\s+&\s+", value) if n.strip()]


def _items(value: str) -> list[str]:
    return [n.strip() for n in value.split(",") if n.strip()]


def _add(field: str, split: Callable[[str], list[str]]) -> Setter:
    def setter(rec: dict[str, Any], value: str) -> None:
        rec.setdefault(field, []).extend(split(value))

    return setter


def _set(field: str, convert: Callable[[str], Any] = lambda v: v) -> Setter:
    def setter(rec: dict[str, Any], value: str) -> None:
        rec[field] = convert(value)

    return setter


def _both(*setters: Setter) -> Setter:
    def setter(rec: dict[str, Any], value: str) -> None:
        for s in setters:
            s(rec, value)

    return setter


def parse_duration(value: str) -> int:
    """'2 hr. 7 min.' / '127 min' / '1h 5m' / '2 hours' / '127' -> minutes."""
    v = value.strip().casefold()
    if re.fullmatch(r"-\s*\d.*", v):
        raise BadValue(_("duration {value} is negative", value=repr(value)))
    if re.fullmatch(r"\d+", v):
        return int(v)
    m = re.fullmatch(
        r"(?:(\d+)\s*h(?:ours?|rs?)?\.?)?\s*(?:(\d+)\s*m(?:in(?:ute)?s?)?\.?)?",
        v,
    )
    if not v or m is None or (m.group(1) is None and m.group(2) is None):
        raise BadValue(_("duration {value} is not like '2 hr. 7 min.' or '127 min'", value=repr(value)))
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


def parse_date(value: str) -> str:
    v = re.sub(r"\s*\(.*?\)\s*$", "", value.strip())  # "Jan 23, 2013 (South Korea)"
    v = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", v)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(v, fmt).date().isoformat()
        except ValueError:
            continue
    raise BadValue(_("release date {value} is not a date like 'Jan 23, 2013'", value=repr(value)))


def _rating(rec: dict[str, Any], value: str) -> None:
    if re.fullmatch(r"\d+(\.\d+)?\s*(/\s*10)?", value.strip()):
        rec["rating"] = value.replace(" ", "")
    else:
        rec["content_rating"] = value


_directors, _writers = _add("directors", _names), _add("writers", _names)
KEYS: dict[str, Setter] = {
    "total votes": _set("votes"),
    "votes": _set("votes"),
    "director": _directors,
    "directors": _directors,
    "screenwriter": _writers,
    "screenwriters": _writers,
    "writer": _writers,
    "writers": _writers,
    "screenplay": _writers,
    "release date": _set("release_date", parse_date),
    "released": _set("release_date", parse_date),
    "duration": _set("runtime_minutes", parse_duration),
    "runtime": _set("runtime_minutes", parse_duration),
    "running time": _set("runtime_minutes", parse_duration),
    "year": _set("year"),
    "country": _set("country"),
    "native title": _set("original_title"),
    "original title": _set("original_title"),
    "content rating": _set("content_rating"),
    "rating": _rating,
    "alternative titles": _add("alt_titles", _items),
    "alternative title": _add("alt_titles", _items),
    "also known as": _add("alt_titles", _items),
    "aka": _add("alt_titles", _items),
    "genre": _add("genres", _items),
    "genres": _add("genres", _items),
    "cast": _add("cast", _names),
    "starring": _add("cast", _names),
    "trailer": _set("trailer_url"),
    "trailer url": _set("trailer_url"),
    "poster": _set("poster_url"),
    "poster url": _set("poster_url"),
    "info": _set("info_url"),
    "info url": _set("info_url"),
    "website": _set("info_url"),
    "directed by": _directors,
    "written by": _writers,
    "countries": _set("country"),
    "country of origin": _set("country"),
    "certificate": _set("content_rating"),
    "runtime minutes": _set("runtime_minutes", parse_duration),
    "imdb": lambda rec, v: rec.setdefault("external_ids", {}).__setitem__("imdb", v),
    "tmdb": lambda rec, v: rec.setdefault("external_ids", {}).__setitem__("tmdb", v),
}
for _plain in ("director", "writer", "screenwriter", "genre", "alternative title", "country"):
    KEYS[_plain + "(s)"] = KEYS[_plain + "s"] if _plain + "s" in KEYS else KEYS[_plain]
for _a in ("director", "directors"):
    for _b in ("screenwriter", "writer", "screenwriters", "writers"):
        for _sep in (" & ", "/", " and "):
            KEYS[_a + _sep + _b] = KEYS[_b + _sep + _a] = _both(_directors, _writers)


# "Synopsis: ..." starts the free text; the lines after it continue that paragraph.
SYNOPSIS_KEYS = frozenset({"synopsis", "plot", "summary", "storyline", "description"})
CREW_SETTERS = {KEYS[k] for k in KEYS if "director" in k or "writer" in k or k == "screenplay"}


def _key(raw: str) -> str:
    return re.sub(r"\s+", " ", raw.strip().casefold().replace("’", "'"))


def split_pages(lines: Iterable[str], name: str = "page") -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each non-blank page; `---` lines separate pages."""
    start, current, size = 1, list[str](), 0
    for number, line in enumerate(lines, 1):
        if SEPARATOR.match(line):
            if any(text.strip() for text in current):
                yield start, current
            start, current, size = number + 1, [], 0
        else:
            current.append(line.rstrip("\n"))
            size += len(line)
            if size > MAX_RECORD_CHARS:
                raise ImportFailed(name, start, _("a film page longer than {size} MB", size=MAX_RECORD_CHARS >> 20))
    if any(text.strip() for text in current):
        yield start, current


def parse_pages(source: TextSource) -> ParsedBatch:
    batch = ParsedBatch()
    for start, lines in split_pages(source.lines(), source.name):
        check_count(source.name, start, len(batch.films), source.limits)
        parser = _PageParser(source.name, start, lines)
        batch.films.append(parser.parse())
        batch.lines.append(parser.title_line)
        batch.warnings.extend(parser.warnings)
    return batch


class _PageParser:
    def __init__(self, name: str, start: int, lines: list[str]) -> None:
        self.name, self.start, self.lines = name, start, lines
        self.rec: dict[str, Any] = {}
        self.warnings: list[str] = []
        self.paragraphs: list[list[str]] = []
        self.title_line = start
        self.seen: dict[str, int] = {}
        self.recognised = False  # a known key, a trailer line or a cast/crew section: a film page

    def fail(self, line: int, reason: str) -> ImportFailed:
        return ImportFailed(self.name, line, reason)

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.name} " + _("line {line}", line=line) + f": {message}")

    def parse(self) -> Any:
        numbered = [(self.start + i, line.strip()) for i, line in enumerate(self.lines)]
        first = next((n, line) for n, line in numbered if line)
        self.title_line, title = first
        head = KEY_LINE.match(title)
        if head is not None and _key(head.group(1)) == "title":  # "Title: Parasite"
            title = head.group(2)
        elif head is not None and _key(head.group(1)) in KEYS:
            raise self.fail(
                self.title_line, _("the page has no title (it starts with {start})", start=repr(title[:60]))
            )
        try:
            self.rec["title"] = F.title(title)
        except BadValue as exc:
            raise self.fail(self.title_line, str(exc)) from None
        section, in_paragraph, pending_trailer = "head", False, False
        for number, line in numbered[numbered.index(first) + 1 :]:
            if not line:
                in_paragraph = False
                continue
            if pending_trailer:
                pending_trailer = False
                if re.match(r"^([a-z][a-z0-9+.-]*://|www\.)\S+$", line, re.IGNORECASE):
                    self.set(number, "trailer_url", "https://" + line if line.lower().startswith("www.") else line)
                    continue
            if section == "head" and line.casefold() == title.casefold() and not self.paragraphs:
                continue
            if trailer := TRAILER_LINE.match(line):
                self.recognised = True
                if trailer.group(1):
                    self.set(number, "trailer_url", trailer.group(1))
                else:
                    pending_trailer = True
                in_paragraph = False
                continue
            if CREW_HEADER.match(line):
                section, self.recognised = "crew", True
                continue
            if line.casefold() in (f"{title.casefold()} cast", "cast"):
                section, self.recognised = "cast", True
                continue
            if section == "cast":
                self.cast_line(number, line)
            elif section == "crew":
                self.crew_line(number, line)
            elif (synopsis := self.synopsis_line(line)) is not None:
                self.recognised = True
                if synopsis:
                    self.paragraphs.append([synopsis])
                    in_paragraph = True
            elif self.key_line(number, line, strict=not self.paragraphs):
                in_paragraph = False
            elif in_paragraph:
                self.paragraphs[-1].append(line)
            else:
                self.paragraphs.append([line])
                in_paragraph = True
        if not self.recognised:
            raise self.fail(
                self.title_line,
                _(
                    "this does not look like a film page: after the title line it needs at least one known "
                    "'Key: value' line such as 'Year: 2013' or 'Genre: Drama' (or use JSON Lines or CSV)"
                ),
            )
        if self.paragraphs:
            self.set(self.title_line, "synopsis", "\n\n".join(" ".join(p) for p in self.paragraphs))
        return self.validate(self.title_line)

    def synopsis_line(self, line: str) -> str | None:
        """The text of a `Synopsis: ...` line ("" when empty), None for any other line."""
        m = KEY_LINE.match(line)
        return m.group(2) if m is not None and _key(m.group(1)) in SYNOPSIS_KEYS else None

    def key_line(self, number: int, line: str, *, strict: bool) -> bool:
        """Handle `Key: value`. Before the synopsis any such line is a key (unknown ones warned about);
        inside it only known keys are, so a sentence with a colon stays text."""
        m = KEY_LINE.match(line)
        if m is None or line.startswith(("http://", "https://")):
            return False
        key, value = _key(m.group(1)), m.group(2)
        setter = KEYS.get(key)
        if setter is None:
            if not strict:
                return False
            self.warn(number, _("unknown key {key} ignored", key=repr(m.group(1).strip())))
            return True
        if key in self.seen:
            self.warn(
                number,
                _(
                    "{key} repeats line {line}; values are combined or replaced",
                    key=repr(m.group(1).strip()),
                    line=self.seen[key],
                ),
            )
        self.seen[key] = number
        self.recognised = True
        if value:
            try:
                setter(self.rec, value)
            except BadValue as exc:
                raise self.fail(number, str(exc)) from None
            self.validate(number)
        return True

    def set(self, number: int, field: str, value: Any) -> None:
        self.rec[field] = value
        self.validate(number)

    def validate(self, number: int) -> Any:
        """Validate the record so far after each line, so an error names the line that caused it."""
        try:
            return film_from_record(self.rec)
        except BadValue as exc:
            raise self.fail(number, str(exc)) from None

    def cast_line(self, number: int, line: str) -> None:
        name, *character = CAST_SPLIT.split(line, maxsplit=1)
        item: Any = {"name": name, "character": character[0]} if character else name
        self.rec.setdefault("cast", []).append(item)
        self.validate(number)

    def crew_line(self, number: int, line: str) -> None:
        m = KEY_LINE.match(line)
        if m is None:
            self.warn(number, _("crew line {line} is not 'Role: Name'; ignored", line=repr(line[:60])))
            return
        setter = KEYS.get(_key(m.group(1)))
        if setter is not None and setter in CREW_SETTERS:
            setter(self.rec, m.group(2))
            self.validate(number)
        else:
            self.warn(
                number, _("crew role {role} ({name}) is not stored", role=repr(m.group(1).strip()), name=m.group(2))
            )
