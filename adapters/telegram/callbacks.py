"""Callback data for inline-keyboard buttons: compact ids, never titles, always within 64 bytes.

Nothing is kept in process memory, so every button keeps working after a restart:
- `f:<film id>` opens the film's card in place (the picker, miss or card message is edited into it);
- `n:<film id>` sends the card as a new message (search results stay on screen to page on);
- `c:<command code>:<film id>` re-runs the one-film command a "did you mean" picker came from with the chosen
  film (`/movienight nominate parasite` with several Parasites), as the presser; the code is `CommandSpec.code`;
- `a:<action>:<film id>` runs a reply's action button (`u` undo a removal, `w` report a wrong film);
- `mn:<poll id>:<film id>` toggles a film on a movie-night button ballot, `mb:<poll id>` shows the presser
  their ballot and `mx:<poll id>` clears it (ranked polls and slates too big for a native poll);
- `o:<source ref>` adds a film an online source found under a miss (`o:tmdb:496243`, `o:wikidata:Q…`);
- `k:<ref>:<user id>:<expiry>` confirms an admin's `/film add <id or link>` (`k:imdb:tt6751668:42:1764500000`):
  only that user may, until that time (epoch seconds), and the core checks both;
- `s:<page>:<query>` pages a `/search` list. The query is cut to fit 64 bytes at a UTF-8 boundary; the
  full query is re-read from the list message itself (its heading quotes it) whenever the message is
  there and agrees with the prefix, so a long query pages exactly and a short one never needs the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from adapters.telegram.html import trim_bytes

MAX_BYTES = 64

CallbackKind = Literal[
    "open",
    "open_new",
    "rerun",
    "page",
    "action",
    "ballot",
    "my_ballot",
    "clear_ballot",
    "add_online",
    "confirm_add",
]
ACTION_CODES = {"undo_remove": "u", "wrong_film": "w"}
ACTION_KINDS = {code: kind for kind, code in ACTION_CODES.items()}


@dataclass(frozen=True, slots=True)
class Callback:
    kind: CallbackKind
    film_id: int = 0
    page: int = 0
    query: str = ""
    action: str = ""
    poll_id: int = 0
    command: str = ""  # the code of the command to re-run (`rerun`)
    ref: str = ""  # an online source's film ref (`add_online`, `confirm_add`): `tmdb:496243`
    owner: str = ""  # who may press it (`confirm_add`)
    expires: int = 0  # until when, epoch seconds (`confirm_add`)


def open_card(film_id: int, *, new_message: bool = False) -> str:
    return f"{'n' if new_message else 'f'}:{film_id}"


def rerun(code: str, film_id: int) -> str:
    """Re-run the command with code `code` (`CommandSpec.code`) on the chosen film."""
    if not _CODE.match(code):
        raise ValueError(f"not a command code: {code!r}")
    return f"c:{code}:{film_id}"


def action(kind: str, film_id: int) -> str:
    return f"a:{ACTION_CODES[kind]}:{film_id}"


def add_online(ref: str) -> str:
    """The Add button under an online find; `ref` is short (`tmdb:496243`), never a title."""
    if not _ONLINE.match(f"o:{ref}"):
        raise ValueError(f"not a source ref: {ref!r}")
    return f"o:{ref}"


def confirm_add(ref: str, owner: str, expires: int) -> str:
    """The Add button under an admin's add-by-id preview."""
    data = f"k:{ref}:{owner}:{expires}"
    if not _CONFIRM.match(data) or len(data.encode()) > MAX_BYTES:
        raise ValueError(f"not a confirmable ref: {ref!r}")
    return data


def ballot(poll_id: int, film_id: int) -> str:
    return f"mn:{poll_id}:{film_id}"


def my_ballot(poll_id: int) -> str:
    return f"mb:{poll_id}"


def clear_ballot(poll_id: int) -> str:
    return f"mx:{poll_id}"


def page(page_no: int, query: str) -> str:
    head = f"s:{page_no}:"
    return head + trim_bytes(query, MAX_BYTES - len(head.encode()))


_CODE = re.compile(r"^[0-9a-f]{6}$")
_OPEN = re.compile(r"^([fn]):(\d{1,12})$")
_RERUN = re.compile(r"^c:([0-9a-f]{6}):(\d{1,12})$")
_ACTION = re.compile(r"^a:([a-z]):(\d{1,12})$")
_BALLOT = re.compile(r"^mn:(\d{1,12}):(\d{1,12})$")
_BALLOT_VIEW = re.compile(r"^m([bx]):(\d{1,12})$")
_ONLINE = re.compile(r"^o:((?:tmdb:\d{1,9})|(?:wikidata:Q\d{1,12}))$")
_CONFIRM = re.compile(r"^k:((?:imdb:tt\d{7,10})|(?:tmdb:\d{1,9})|(?:wikidata:Q\d{1,12})):(\d{1,20}):(\d{1,12})$")
_PAGE = re.compile(r"^s:(\d{1,4}):(.*)$", re.DOTALL)


def parse(data: str | None) -> Callback | None:
    """Decode callback data; anything unknown (an old or foreign button) gives None."""
    if not data:
        return None
    if m := _OPEN.match(data):
        return Callback("open_new" if m.group(1) == "n" else "open", film_id=int(m.group(2)))
    if m := _RERUN.match(data):
        return Callback("rerun", film_id=int(m.group(2)), command=m.group(1))
    if m := _BALLOT.match(data):
        return Callback("ballot", poll_id=int(m.group(1)), film_id=int(m.group(2)))
    if m := _BALLOT_VIEW.match(data):
        return Callback("my_ballot" if m.group(1) == "b" else "clear_ballot", poll_id=int(m.group(2)))
    if m := _ONLINE.match(data):
        return Callback("add_online", ref=m.group(1))
    if m := _CONFIRM.match(data):
        return Callback("confirm_add", ref=m.group(1), owner=m.group(2), expires=int(m.group(3)))
    if m := _PAGE.match(data):
        return Callback("page", page=int(m.group(1)), query=m.group(2))
    if (m := _ACTION.match(data)) and m.group(1) in ACTION_KINDS:
        return Callback("action", film_id=int(m.group(2)), action=ACTION_KINDS[m.group(1)])
    return None


_QUOTED = re.compile(r"“(.*)”")


def full_query(prefix: str, message_text: str | None) -> str:
    """The search query of a list message: the quoted query in its heading when it extends `prefix`."""
    if message_text:
        heading = message_text.split("\n", 1)[0]
        if (m := _QUOTED.search(heading)) and m.group(1).startswith(prefix):
            return m.group(1)
    return prefix
