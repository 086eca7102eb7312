"""Movie nights: a group (Discord channel / Telegram group = Actor.platform + Actor.chat_id) picks a film.

Modules: ``rules`` (pure: tally, Borda, tie-break draw, labels), ``models`` + migration 0002 (tables),
``store`` (queries), ``transactions`` (commit, retries), ``slate`` (nominate/list/remove/watched/history/
suggest/settings), ``service`` (polls: the adapter API below) with ``voting`` (votes, mixed into the service),
``scheduler`` (closing on time), ``commands``.

Commands (all from the registry, nothing for adapters to add): ``/movienight nominate <film>``, ``list``,
``remove <film>``, ``poll [hours] [mode]``, ``close``, ``watched``, ``history``,
``suggest [genre] [max_minutes]``, ``settings <key> [value]`` (admins). ``nominate``/``remove`` take a
``film`` param: when the title is ambiguous the reply is the usual FilmList picker; re-run the same
command with ``film="#<id>"`` once the user picks.

Rules, briefly: single = one film per member; multiple = approve any number; ranked = rank up to
min(n, 5) films, Borda count (1st choice D points ... D-th 1). One ballot per member (a new vote replaces
the old, an empty one retracts). Ties are broken by a draw seeded from the poll id and announced
("Tie between A and B broken by a draw, seed 1234"); see ``rules`` for the exact, re-checkable formula.

Adapter contract
================
Get the service with ``movienight_service(services)`` (a `service.MovieNightService`). No ORM object is
ever returned; every vote method commits before it returns, so acknowledge the platform event after.

Opening. ``/movienight poll`` returns a `PollCard` (bot.replies):
  ``night_id`` (= poll id), ``question`` (<= 300), ``options`` (``PollOption(film_id, label)``; option i is
  native answer i, 0-based; labels fit the platform: Discord 55, Telegram 100, distinguishable),
  ``mode`` / ``multiple`` / ``ranked``, ``max_choices``, ``duration_hours``, ``closes_at_iso``,
  ``native``, ``cards`` (FilmCards of the nominees), ``platform``/``chat_id``, ``notice``.
  Post ``cards`` first, then the poll: Discord polls can't be edited.
  * ``native=True``: send a native poll (Telegram: ``is_anonymous=False`` or no poll_answer updates
    arrive; ``allows_multiple_answers=multiple``; no ``shuffle_options``/``allow_adding_options``, which
    would break the index mapping; close it yourself: ``open_period`` is far too short. Discord:
    ``duration=duration_hours``, ``allow_multiselect=multiple``). Then call
        ``await svc.attach_native_poll(poll_id: int, platform_poll_id: str, message_id: str | None) -> bool``
    with Telegram's ``poll.id`` (votes name it) / Discord's message id (vote events name it).
  * ``native=False`` (ranked, > 10/12 films, or no native polls): a button ballot, one button per option
    with the ids in custom_id/callback_data (e.g. ``mn:<poll_id>:<film_id>``); once sent, store its message
        ``await svc.attach_ballot_message(poll_id: int, message_id: str) -> bool``
    (kept in the database, so a close in another process or after a restart finds it; also marks a poll
    whose native poll was refused as a ballot), then per click
        ``await svc.toggle_ballot_choice(poll_id: int, voter_id: str, film_id: int, *, where: Where,
        seq: int | None) -> VoteReceipt``
    (single: pick/unpick; multiple: toggle; ranked: appends the next rank, or un-ranks), or set a whole
    ballot: ``await svc.record_ballot(poll_id: int, voter_id: str, ranking: list[int], *, where, seq)
    -> VoteReceipt`` (film ids, rank order; ``[]`` retracts). ``where=Where(platform, chat_id)`` is where
    the button was pressed: a poll of another platform or chat refuses (``NOT_HERE``), so crafted button
    data can't vote elsewhere; ``seq`` orders one member's events (Telegram ``update_id``, Discord
    interaction id): one older than what the ballot holds is ignored (``ok``, ``STALE``, nothing changed).
    A button naming a poll with a native poll attached refuses too (``NATIVE_ONLY``).
    ``await svc.ballot_here(poll_id, voter_id, where) -> (PollInfo, choices) | str`` shows a member their
    ballot (``ballot_of`` for trusted callers); ``await svc.card_for(poll_id) -> PollCard | Problem``
    re-posts a ballot.

Votes on native polls (``voter_id`` = platform user id as str; indices 0-based):
  * Telegram ``poll_answer``: ``await svc.record_native_vote(platform: str, platform_poll_id: str,
    voter_id: str, option_indices: list[int], *, seq=update.update_id) -> VoteReceipt`` — replaces the
    voter's ballot unless it holds a newer answer; ``[]`` (Telegram's retraction) empties it (the row stays
    as a tombstone with its ``seq``).
  * Discord ``MESSAGE_POLL_VOTE_ADD`` / ``_REMOVE`` (``answer_id`` is 1-based: pass ``answer_id - 1``):
    ``await svc.add_native_answer(platform, platform_poll_id, voter_id, option_index: int)`` and
    ``await svc.remove_native_answer(platform, platform_poll_id, voter_id, option_index: int)``
    (both ``-> VoteReceipt``; in single mode an add replaces, so add/remove may arrive in any order).
  * Start-up: votes cast while offline (Discord does not replay them) —
    ``await svc.resync_native_votes(poll_id: int, votes: dict[str, list[int]]) -> int`` with every open
    native poll's current voters (voter -> indices). The platform is the truth: ballots of voters absent
    from ``votes`` are removed. Find open polls with ``open_poll_for_chat`` or ``due_polls``/``poll``.
  ``VoteReceipt(ok: bool, message: str, poll_id: int | None, choices: tuple[int, ...])``: when ``ok`` is
  False nothing changed and ``message`` says why (poll closed, unknown poll, not an option, too many
  picks) — show it ephemerally / as the callback answer. Unknown platform poll ids are refused, not raised.

Closing. ``await svc.close(target: int | tuple[str, str], actor: Actor | None, now: datetime | None =
None) -> ClosedPoll | Problem`` (poll id or (platform, chat_id); ``actor=None`` is the scheduler; a
member must be the opener or an admin). ``ClosedPoll(poll_id, platform, chat_id, native,
platform_poll_id, message_id, winner_film_id, announcement: FilmCard | Text, closed_by)``: post
``announcement`` (the winner's card, ``notice`` = full counts and any tie-break) and stop the native poll
(Telegram ``stopPoll(chat_id, message_id)``; Discord ``end_poll``), or, for a button ballot (``native``
False, ``message_id`` set), edit that message so its buttons are gone and it says the vote is closed.
``/movienight close`` returns the announcement as its reply; to stop polls / disarm ballots on every close
register ``svc.add_close_listener(async callback(ClosedPoll))`` (called after commit, for command and
scheduled closes alike; the scheduler's ``on_due`` should do it too when the listener could not). A platform
whose native polls can miss votes (Discord does not replay them) registers
``svc.set_reconciler(platform, async callback(PollInfo))``: awaited before every close of its native polls,
after the permission check, to bring the ballots up to date (end the poll there, re-read its voters,
``resync_native_votes``); if it fails, the poll closes on the votes recorded.

Scheduling. ``scheduler.PollScheduler(svc, on_due: Callable[[ClosedPoll], Awaitable[None]],
clock=None)``; ``await scheduler.start()`` (closes polls that became due while down, returns them after
handing each to ``on_due``, then runs a task), ``await scheduler.stop()``; ``run_due(now)`` closes what
is due now (tests). ``on_due`` posts the announcement in ``closed.platform``/``chat_id``. Also:
``await svc.due_polls(now) -> list[PollInfo]``, ``await svc.next_close_at() -> datetime | None``,
``await svc.open_poll_for_chat(platform, chat_id) -> PollInfo | None``, ``await svc.poll(poll_id)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.polls.service import MovieNightService
    from bot.services import Services

EXTRAS_KEY = "movienight"


def install(services: Services) -> MovieNightService:
    """Build the service on `services` and hang it at ``services.extras["movienight"]``."""
    from bot.polls.service import MovieNightService

    service = MovieNightService(services.db, services.films, services.settings.movienight, lambda: services.clock())
    services.extras[EXTRAS_KEY] = service
    return service


def movienight_service(services: Services) -> MovieNightService:
    """The wired service (adapters: use this rather than reaching into `extras`)."""
    from bot.polls.service import MovieNightService

    service = services.extras[EXTRAS_KEY]
    assert isinstance(service, MovieNightService)
    return service
