"""Inline mode: `@bot miracle` in any chat offers films; choosing one posts its card.

Matches come from the in-memory index (no database per keystroke); only the page of films shown is read
from the store, in one query (`FilmService.cards`), to build the cards their results post. Paging is
stateless: the offset is the number of results already shown.
"""

from __future__ import annotations

import logging

from telegram import (
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from adapters.telegram.html import TEXT_LIMIT, one_line, trim
from adapters.telegram.render import render_card
from bot.commands import MAX_ARG_CHARS
from bot.i18n import _, speaking
from bot.replies import FilmCard, FilmChoice
from bot.services import Services

log = logging.getLogger(__name__)

PAGE_SIZE = 20  # Telegram allows 50 per answer; 20 keeps each answer small and quick
MAX_RESULTS = 100
CACHE_SECONDS = 60  # short: admins edit the catalog and want to see it
MAX_QUERY = 200


def description(choice: FilmChoice) -> str:
    """`Year · native title · country · matched: …` under the result's title."""
    text = " · ".join(p for p in (str(choice.year) if choice.year else "", choice.detail) if p)
    return trim(one_line(text), 200)


def article(card: FilmCard, choice: FilmChoice) -> InlineQueryResultArticle:
    # The posted text must fit 4096 characters both as Telegram counts it and as raw markup.
    out = render_card(card, raw_limit=TEXT_LIMIT, with_others=False)
    title = card.heading if card.year else card.title
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
        page = choices[offset:end]
        by_id = {choice.film_id: choice for choice in page}
        results = [article(card, by_id[card.film_id]) for card in await self.services.films.cards(page)]
        more = len(choices) >= end and end < MAX_RESULTS
        await query.answer(results, cache_time=CACHE_SECONDS, next_offset=str(end) if more else "")
