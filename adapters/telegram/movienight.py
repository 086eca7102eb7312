"""Movie nights on Telegram: post the nominees and the vote, record votes, stop the poll, announce the winner.

The core owns the rules and the timetable (`bot.polls`); this module only speaks Telegram:
- a `PollCard` reply becomes the nominees' cards, then a native non-anonymous poll (whose `poll.id` and
  message id are attached to the movie night so `poll_answer` updates find it) or, for ranked votes and
  slates too big for a native poll, a button ballot (`mn:<poll>:<film>`, `mb:<poll>`, `mx:<poll>`);
- every `poll_answer` replaces the voter's ballot (`[]` retracts). Telegram keeps updates for 24 h, so
  votes cast while the bot was down arrive after a restart and are recorded like any other;
- a button ballot's message is stored with the poll (`attach_ballot_message`), so every close (command or
  scheduler, in this process or after a restart) can edit it: buttons gone, "Voting is closed";
- on every close (command or scheduler) the native poll is stopped; the scheduler's closes reach
  `announce` through the process-wide router (`bot.polls.announce`), which holds them while Telegram is
  not connected and hands them over when `connect` registers.

One instance per `Services` (see `TelegramMovieNights.of`), so the close listener is registered once even
when Applications come and go (tests, restarts in one process); it always uses the bot connected now.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging

from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from adapters.telegram import callbacks
from adapters.telegram.html import one_line, trim
from adapters.telegram.render import BALLOT_CLOSED, poll_args, render, render_card, render_closed_ballot
from adapters.telegram.sending import reply_parameters, send_outgoing, send_reply
from bot.polls import movienight_service
from bot.polls.announce import announcements
from bot.polls.service import ClosedPoll, MovieNightService
from bot.polls.store import PollInfo
from bot.polls.voting import Where
from bot.replies import FilmChoice, FilmList, PollCard, Text
from bot.services import Services

log = logging.getLogger(__name__)

PLATFORM = "telegram"
EXTRAS_KEY = "telegram_movienights"
# Above this many nominees, one list message (buttons open each card) instead of a message per card:
# Telegram lets a bot post only 20 messages a minute in a group.
CARD_MESSAGES = 12
ANSWER_CHARS = 200  # answerCallbackQuery text


class TelegramMovieNights:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.svc: MovieNightService = movienight_service(services)
        self.bot: Bot | None = None
        self._stopped: set[int] = set()  # native polls stopped / ballots disarmed by this process
        self._attaching: set[asyncio.Future[None]] = set()  # native polls being sent and attached
        self._attached = 0  # native polls sent (and attached) so far
        self.svc.add_close_listener(self.on_close)

    @classmethod
    def of(cls, services: Services) -> TelegramMovieNights:
        """The one instance for these services (created, and its close listener registered, on first use)."""
        found = services.extras.get(EXTRAS_KEY)
        if not isinstance(found, TelegramMovieNights):
            found = services.extras[EXTRAS_KEY] = cls(services)
        return found

    # -- connection ------------------------------------------------------------------------------
    async def connect(self, bot: Bot) -> None:
        """Announce with this bot from now on, including polls that came due while Telegram was away
        (the process's one scheduler closes a platform's polls only while its adapter is registered)."""
        self.bot = bot
        await announcements(self.services).register(PLATFORM, self.announce)

    async def disconnect(self, bot: Bot) -> None:
        """Stop announcing with `bot`; polls that close meanwhile wait for the next `connect`."""
        if self.bot is bot:
            self.bot = None
            left = announcements(self.services).unregister(PLATFORM)
            if inspect.isawaitable(left):  # the router's unregister became async (it stops the scheduler)
                await left

    # -- opening ---------------------------------------------------------------------------------
    async def post(self, bot: Bot, chat_id: int, card: PollCard, *, reply_to: Message | None = None) -> Message:
        """The nominees first, then the vote (native poll, or a button ballot)."""
        quote = [reply_to]  # in groups the first message quotes the command; the rest follow it

        def next_quote() -> Message | None:
            return quote.pop() if quote else None

        if card.notice:
            await send_reply(bot, chat_id, Text(card.notice), reply_to=next_quote())
        if len(card.cards) <= CARD_MESSAGES:
            for film in card.cards:
                await send_outgoing(bot, chat_id, render_card(film, with_others=False), reply_to=next_quote())
        elif card.cards:
            await send_reply(bot, chat_id, nominee_list(card), reply_to=next_quote())
        reply_to = next_quote()
        if not card.native:
            return await self._send_ballot(bot, chat_id, card, reply_to)
        attaching = asyncio.get_running_loop().create_future()
        self._attaching.add(attaching)
        try:
            return await self._send_native(bot, chat_id, card, reply_to)
        finally:
            self._attached += 1
            self._attaching.discard(attaching)
            attaching.set_result(None)

    async def _send_native(self, bot: Bot, chat_id: int, card: PollCard, reply_to: Message | None) -> Message:
        try:
            message = await bot.send_poll(chat_id, **poll_args(card), reply_parameters=reply_parameters(reply_to))
        except BadRequest as exc:
            # Votes are stored the same way whatever the input: a button ballot keeps the night going.
            log.warning("native poll for movie night %s refused (%s); sending a button ballot", card.night_id, exc)
            return await self._send_ballot(bot, chat_id, dataclasses.replace(card, native=False), reply_to)
        if message.poll is None or not await self.svc.attach_native_poll(
            card.night_id, message.poll.id, str(message.message_id)
        ):
            log.error("could not attach Telegram poll %s to movie night %s", message.poll, card.night_id)
        return message

    async def _send_ballot(self, bot: Bot, chat_id: int, card: PollCard, reply_to: Message | None) -> Message:
        """A button ballot, its message stored with the poll so whoever closes it can take the buttons off."""
        message = await send_reply(bot, chat_id, card, reply_to=reply_to)
        if not await self.svc.attach_ballot_message(card.night_id, str(message.message_id)):
            log.error("could not attach the ballot message of movie night %s", card.night_id)
            return message
        poll = await self.svc.poll(card.night_id)
        if poll is not None and not poll.is_open:  # closed while we were sending: nobody else saw the message
            await self._disarm_ballot(bot, poll.id, chat_id, message.message_id)
        return message

    # -- votes -----------------------------------------------------------------------------------
    async def on_poll_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A member voted, changed their vote or retracted it (empty `option_ids`). The update id orders
        the member's answers: the store ignores one older than the answer it holds."""
        answer = update.poll_answer
        if answer is None or answer.user is None:
            return  # anonymous (voter_chat) answers can't be ours: our polls are never anonymous
        vote = (PLATFORM, answer.poll_id, str(answer.user.id), list(answer.option_ids))
        attached_before = self._attached
        receipt = await self.svc.record_native_vote(*vote, seq=update.update_id)
        if not receipt.ok and receipt.poll_id is None and (self._attaching or self._attached != attached_before):
            # A vote can beat us to attaching the poll we just sent (updates run concurrently): wait, retry.
            await asyncio.gather(*self._attaching)
            receipt = await self.svc.record_native_vote(*vote, seq=update.update_id)
        if not receipt.ok:
            log.info("poll answer %s from %s not recorded: %s", answer.poll_id, answer.user.id, receipt.message)

    async def on_ballot(self, query: CallbackQuery, data: callbacks.Callback, *, seq: int | None = None) -> None:
        """A button-ballot press (`seq`: its update id); answered with what the presser's ballot now is.
        The poll named in the button must be this chat's: crafted data from another chat changes nothing."""
        voter = str(query.from_user.id)
        where = Where(PLATFORM, str(query.message.chat.id) if query.message is not None else None)
        if data.kind == "my_ballot":  # an alert, so a long ranking can be read
            found = await self.svc.ballot_here(data.poll_id, voter, where)
            if isinstance(found, str):
                await query.answer(trim(found, ANSWER_CHARS), show_alert=True)
                return
            poll, choices = found
            closed = "" if poll.is_open else "This poll is closed. "
            await query.answer(trim(closed + _summary(poll, choices), ANSWER_CHARS), show_alert=True)
            return
        if data.kind == "ballot":
            receipt = await self.svc.toggle_ballot_choice(data.poll_id, voter, data.film_id, where=where, seq=seq)
        else:  # clear_ballot
            receipt = await self.svc.record_ballot(data.poll_id, voter, [], where=where, seq=seq)
        info = await self.svc.poll(data.poll_id) if receipt.ok else None
        if info is None:
            await query.answer(trim(receipt.message, ANSWER_CHARS), show_alert=True)
            return
        await query.answer(trim(f"{receipt.message} {_summary(info, receipt.choices)}", ANSWER_CHARS))

    # -- closing ---------------------------------------------------------------------------------
    async def on_close(self, closed: ClosedPoll) -> None:
        """Close listener (after commit, for every close): stop the native poll, or take the buttons off the
        ballot, so nobody votes in vain."""
        if closed.platform == PLATFORM and self.bot is not None:
            await self._finish(self.bot, closed)

    async def announce(self, closed: ClosedPoll) -> None:
        """A scheduled close: stop the poll / disarm the ballot if the listener could not (we were down),
        then the winner."""
        bot = self.bot
        if bot is None:
            raise RuntimeError("telegram is not connected")  # the router only calls us when registered
        await self._finish(bot, closed)
        await send_reply(bot, int(closed.chat_id), closed.announcement)

    async def _finish(self, bot: Bot, closed: ClosedPoll) -> None:
        if closed.native:
            await self._stop(bot, closed)
        elif closed.message_id is not None and closed.message_id.isdigit():
            await self._disarm_ballot(bot, closed.poll_id, int(closed.chat_id), int(closed.message_id))

    async def _disarm_ballot(self, bot: Bot, poll_id: int, chat_id: int, message_id: int) -> None:
        """Edit the ballot: no buttons (an edit without a keyboard removes it), and it says voting closed."""
        if poll_id in self._stopped:
            return
        card = await self.svc.card_for(poll_id)
        out = render_closed_ballot(card) if isinstance(card, PollCard) else render(Text(BALLOT_CLOSED))
        try:
            await bot.edit_message_text(
                out.text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML,
                link_preview_options=out.preview,
            )  # fmt: skip
        except BadRequest as exc:
            reason = exc.message.lower()
            if "not modified" not in reason:  # "not modified": another process edited it already
                log.warning("could not close the ballot message of movie night %s: %s", poll_id, exc)
                if "not found" not in reason and "can't be edited" not in reason:
                    return  # worth another try (the announcer's)
        except TelegramError as exc:
            log.warning("could not close the ballot message of movie night %s: %s", poll_id, exc)
            return
        self._stopped.add(poll_id)

    async def _stop(self, bot: Bot, closed: ClosedPoll) -> None:
        if closed.poll_id in self._stopped or closed.message_id is None:
            return
        try:
            await bot.stop_poll(int(closed.chat_id), int(closed.message_id))
        except BadRequest as exc:
            if "already been closed" not in exc.message.lower():
                log.warning("could not stop the poll of movie night %s: %s", closed.poll_id, exc)
        except TelegramError as exc:
            log.warning("could not stop the poll of movie night %s: %s", closed.poll_id, exc)
            return
        self._stopped.add(closed.poll_id)


def _summary(poll: PollInfo, choices: tuple[int, ...]) -> str:
    labels = {o.film_id: o.label for o in poll.options}
    return ballot_text(poll.mode, [labels.get(c, f"#{c}") for c in choices])


def ballot_text(mode: str, labels: list[str]) -> str:
    if not labels:
        return "Your ballot is empty."
    short = [trim(one_line(label), 40) for label in labels]
    if mode == "ranked":
        return "Your ranking: " + " · ".join(f"{n}. {label}" for n, label in enumerate(short, 1))
    return ("Your pick: " if len(short) == 1 else "Your picks: ") + ", ".join(short)


def nominee_list(card: PollCard) -> FilmList:
    items = tuple(FilmChoice(c.film_id, c.title, c.year, c.country, c.original_title) for c in card.cards)
    return FilmList(kind="results", query="", items=items, heading="The nominees", total=len(items))
