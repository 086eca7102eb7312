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

What to finish once, which early votes to hold and how a ballot press is answered is the core's
(`MovieNightService.finish`, `native_vote`, `click`); the instance connected last is the platform's transport
(`connect`), and it always uses the bot connected now.
"""

from __future__ import annotations

import dataclasses
import logging

from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from adapters.telegram import callbacks
from adapters.telegram.html import one_line, trim
from adapters.telegram.render import BALLOT_CLOSED, poll_args, render, render_card, render_closed_ballot
from adapters.telegram.sending import reply_parameters, send_outgoing, send_reply
from bot.i18n import _
from bot.polls.ballots import Press
from bot.polls.delivery import NativeVote
from bot.polls.service import ClosedPoll, MovieNightService
from bot.polls.voting import Where
from bot.replies import FilmChoice, FilmList, PollCard, Text
from bot.services import Services

log = logging.getLogger(__name__)

PLATFORM = "telegram"
# Above this many nominees, one list message (buttons open each card) instead of a message per card:
# Telegram lets a bot post only 20 messages a minute in a group.
CARD_MESSAGES = 12
ANSWER_CHARS = 200  # answerCallbackQuery text
LABEL_CHARS = 40  # a film's label in that answer


class TelegramMovieNights:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.svc: MovieNightService = services.movienights
        self.bot: Bot | None = None

    # -- connection ------------------------------------------------------------------------------
    async def connect(self, bot: Bot) -> None:
        """Finish and announce with this bot from now on, including polls that came due while Telegram was
        away (the process's one scheduler closes a platform's polls only while its adapter is registered)."""
        self.bot = bot
        self.svc.connect_platform(PLATFORM, self)
        await self.services.scheduler.register(PLATFORM, self.announce)

    async def disconnect(self, bot: Bot) -> None:
        """Stop announcing with `bot`; polls that close meanwhile wait for the next `connect`."""
        if self.bot is bot:
            self.bot = None
            self.svc.disconnect_platform(PLATFORM, self)
            await self.services.scheduler.unregister(PLATFORM)

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
        with self.svc.posting(PLATFORM):  # a vote that beats the attach is held, then replayed
            return await self._send_native(bot, chat_id, card, reply_to)

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
        await self.svc.ballot_posted(card.night_id, str(message.message_id))
        return message

    # -- votes -----------------------------------------------------------------------------------
    async def on_poll_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A member voted, changed their vote or retracted it (empty `option_ids`). The update id orders
        the member's answers: the store ignores one older than the answer it holds."""
        answer = update.poll_answer
        if answer is None or answer.user is None:
            return  # anonymous (voter_chat) answers can't be ours: our polls are never anonymous
        vote = NativeVote(PLATFORM, answer.poll_id, str(answer.user.id), "set", tuple(answer.option_ids),
                          seq=update.update_id)  # fmt: skip
        receipt = await self.svc.native_vote(vote)
        if not receipt.ok:
            log.info("poll answer %s from %s not recorded: %s", answer.poll_id, answer.user.id, receipt.message)

    async def on_ballot(self, query: CallbackQuery, data: callbacks.Callback, *, seq: int | None = None) -> None:
        """A button-ballot press (`seq`: its update id); answered with what the presser's ballot now is.
        The poll named in the button must be this chat's: crafted data from another chat changes nothing."""
        where = Where(PLATFORM, str(query.message.chat.id) if query.message is not None else None)
        press: Press = "me" if data.kind == "my_ballot" else "clear" if data.kind == "clear_ballot" else data.film_id
        answer = await self.svc.click(data.poll_id, str(query.from_user.id), press, where=where, seq=seq)
        text = trim(answer.text(lambda label: trim(one_line(label), LABEL_CHARS)), ANSWER_CHARS)
        # A refusal, and "my ballot" (a long ranking must be readable), as an alert.
        await query.answer(text, show_alert=press == "me" or not answer.ok)

    # -- closing (the core's `PollMessages` transport) -------------------------------------------
    async def announce(self, closed: ClosedPoll) -> None:
        """A scheduled close: stop the poll / disarm the ballot if that was not done yet (we were down),
        then the winner."""
        bot = self.bot
        if bot is None:
            raise RuntimeError("telegram is not connected")  # the router only calls us when registered
        await self.svc.finish(closed)
        await send_reply(bot, int(closed.chat_id), closed.announcement)

    async def disarm_ballot(self, poll_id: int, chat_id: str, message_id: str, card: PollCard | None) -> bool:
        """Edit the ballot: no buttons (an edit without a keyboard removes it), and it says voting closed."""
        if self.bot is None:
            return False
        if not (chat_id.lstrip("-").isdigit() and message_id.isdigit()):
            return True  # not a Telegram message: nothing to edit
        out = render_closed_ballot(card) if card is not None else render(Text(_(BALLOT_CLOSED)))
        try:
            await self.bot.edit_message_text(
                out.text, chat_id=int(chat_id), message_id=int(message_id), parse_mode=ParseMode.HTML,
                link_preview_options=out.preview,
            )  # fmt: skip
        except BadRequest as exc:
            reason = exc.message.lower()
            if "not modified" not in reason:  # "not modified": another process edited it already
                log.warning("could not close the ballot message of movie night %s: %s", poll_id, exc)
                if "not found" not in reason and "can't be edited" not in reason:
                    return False  # worth another try (the announcer's)
        except TelegramError as exc:
            log.warning("could not close the ballot message of movie night %s: %s", poll_id, exc)
            return False
        return True

    async def end_native_poll(self, poll_id: int, chat_id: str, message_id: str) -> bool:
        if self.bot is None:
            return False
        try:
            await self.bot.stop_poll(int(chat_id), int(message_id))
        except BadRequest as exc:
            if "already been closed" not in exc.message.lower():
                log.warning("could not stop the poll of movie night %s: %s", poll_id, exc)
        except TelegramError as exc:
            log.warning("could not stop the poll of movie night %s: %s", poll_id, exc)
            return False
        return True


def nominee_list(card: PollCard) -> FilmList:
    items = tuple(
        FilmChoice(c.film_id, c.title, c.year, c.country, c.original_title, local_title=c.local_title)
        for c in card.cards
    )
    return FilmList(kind="results", query="", items=items, heading=_("The nominees"), total=len(items))
