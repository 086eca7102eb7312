"""Inline mode: `@bot miracle` in any chat offers films; choosing one posts its card.

Matches come from the in-memory index (no database per keystroke); only the page of films shown is read
from the store, in one query (`FilmService.cards`), to build the cards their results post. Paging is
stateless: the offset is the number of results already shown.

When the store has no clear answer (the /film decision is a miss or a "did you mean"), the first page also
offers what the online sources found that the catalog lacks, after the store's results and marked as such
(🌐, "not in our catalog"); choosing one posts it with an Add button (SOURCES__ADD_BY decides who may press
it). The sources get `ONLINE_SECONDS` at most, so a slow one never holds the answer back for long, and a
source that is down costs nothing once its circuit breaker is open.
"""

from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from adapters.telegram import callbacks
from adapters.telegram.html import TEXT_LIMIT, Span, compose, line, one_line, trim
from adapters.telegram.render import button_label, render_card
from bot.commands import MAX_ARG_CHARS
from bot.films.localize import local_choices
from bot.films.service import check_query
from bot.i18n import _, speaking
from bot.replies import FilmCard, FilmChoice, OnlineChoice, Problem
from bot.services import Services
from bot.sources.online import ONLINE_KINDS, online_finds

log = logging.getLogger(__name__)

PAGE_SIZE = 20  # Telegram allows 50 per answer; 20 keeps each answer small and quick
MAX_RESULTS = 100
CACHE_SECONDS = 60  # short: admins edit the catalog and want to see it
MAX_QUERY = 200
MAX_PER_ANSWER = 50  # Telegram's limit on the results of one answer
ONLINE_MIN_CHARS = 3  # no source is asked about one or two typed letters
ONLINE_SECONDS = 3.0  # the most the online finds may add to an inline answer


def description(choice: FilmChoice) -> str:
    """`Year · native title · country · matched: …` under the result's title."""
    text = " · ".join(p for p in (str(choice.year) if choice.year else "", choice.detail) if p)
    return trim(one_line(text), 200)


def article(card: FilmCard, choice: FilmChoice) -> InlineQueryResultArticle:
    # The posted text must fit 4096 characters both as Telegram counts it and as raw markup.
    out = render_card(card, raw_limit=TEXT_LIMIT, with_others=False)
    title = card.heading
    return InlineQueryResultArticle(
        id=str(card.film_id),
        title=trim(one_line(title), 100) or "…",
        description=description(choice) or None,
        thumbnail_url=card.poster_url,
        input_message_content=InputTextMessageContent(
            out.text, parse_mode=ParseMode.HTML, link_preview_options=out.preview
        ),
        reply_markup=out.markup,
    )


def online_article(choice: OnlineChoice) -> InlineQueryResultArticle:
    """A film the sources know and the catalog lacks: marked as such; posting it offers the Add button."""
    note = _("Not in our catalog — found on {sources}", sources=choice.source)
    text = compose(
        [
            line(Span(trim(one_line(choice.heading), 200), "b")),
            line(trim(one_line(choice.text), 400)),
            line(Span(note + ".", "i")),
        ]
    )
    markup = None
    if choice.can_add:
        button = InlineKeyboardButton(
            button_label(_("Add {heading}", heading=choice.heading)), callback_data=callbacks.add_online(choice.ref)
        )
        markup = InlineKeyboardMarkup([[button]])
    return InlineQueryResultArticle(
        id=f"o:{choice.ref}",  # never a film id (digits only), so never the same id as a store result
        title=trim(one_line(f"🌐 {choice.heading}"), 100),
        description=trim(one_line(f"{note} · {choice.text}"), 200),
        input_message_content=InputTextMessageContent(text, parse_mode=ParseMode.HTML),
        reply_markup=markup,
    )


class InlineHandler:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def on_inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Results in the asker's Telegram language (an inline query has no chat, so no group setting)."""
        query = update.inline_query
        if query is None:
            return
        with speaking(query.from_user.language_code):
            await self._answer(query)

    async def _answer(self, query: InlineQuery) -> None:
        text = one_line(query.query[:MAX_ARG_CHARS])[:MAX_QUERY]
        offset = int(query.offset) if query.offset.isdigit() else 0
        if not text or offset >= MAX_RESULTS:
            await query.answer(
                [],
                cache_time=CACHE_SECONDS,
                next_offset="",
                button=None
                if text
                else InlineQueryResultsButton(_("Type a film title — or tap for help"), start_parameter="inline"),
            )
            return
        end = min(offset + PAGE_SIZE, MAX_RESULTS)
        choices = self.services.films.autocomplete(text, limit=end)
        # named as their cards are: the member's language first (the cards read the same films, so the cache has them)
        page = list(await local_choices(choices[offset:end], self.services.catalog.films))
        by_id = {choice.film_id: choice for choice in page}
        results = [article(card, by_id[card.film_id]) for card in await self.services.films.cards(page)]
        more = len(choices) >= end and end < MAX_RESULTS
        if offset == 0:
            found = await self.online(text)
            results += [online_article(c) for c in found[: MAX_PER_ANSWER - len(results)]]
        await query.answer(results, cache_time=CACHE_SECONDS, next_offset=str(end) if more else "")

    async def online(self, text: str) -> tuple[OnlineChoice, ...]:
        """The sources' finds for what was typed, when the store has no clear answer to it."""
        if not self.services.sources.enabled or len(text) < ONLINE_MIN_CHARS:
            return ()
        checked = check_query(text)
        if isinstance(checked, Problem) or self.services.films.decide(checked).kind not in ONLINE_KINDS:
            return ()
        return await online_finds(self.services, checked, within=ONLINE_SECONDS)
