"""Build the python-telegram-bot Application: handlers, flood control, error handler.

`build_application` is what `run_telegram` and the tests use; the tests pass a `base_url` pointing at a
loopback fake Bot API and keep everything else real.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    PollAnswerHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from adapters.telegram.admin import AdminCheck
from adapters.telegram.handlers import TelegramHandlers
from adapters.telegram.inbox import UpdateIntake
from adapters.telegram.inline import InlineHandler
from adapters.telegram.movienight import TelegramMovieNights
from adapters.telegram.ordering import OrderedUpdateProcessor
from bot.services import Services

# Updates handled at once. Each is a few milliseconds of index work and one or two API calls, so a few
# dozen in flight keep a busy group snappy without starving the event loop. Updates about the same thing
# (one member's answers to one poll, one member's messages and presses in one chat) run in the order
# Telegram sent them (`OrderedUpdateProcessor`).
CONCURRENT_UPDATES = 64
# The update kinds we act on (polls are for the movie-night work).
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.POLL,
    Update.POLL_ANSWER,
]


def default_rate_limiter() -> AIORateLimiter:
    """Telegram's documented flood limits (30 messages/s overall, 20/min per group), with 429 retries.

    Requests without a chat (answering callbacks and inline queries) are not throttled, so buttons stay
    instant while a burst of messages is paced.
    """
    return AIORateLimiter(
        overall_max_rate=30, overall_time_period=1, group_max_rate=20, group_time_period=60, max_retries=3
    )


def build_application(
    services: Services,
    *,
    token: str | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | bool | None = True,
) -> Application:  # type: ignore[type-arg]
    """The Application for these services; arguments left out come from `services.settings.telegram`."""
    settings = services.settings.telegram
    if token is None:
        if settings.token is None:
            raise ValueError("no Telegram token: set TELEGRAM__TOKEN")
        token = settings.token.get_secret_value()
    # ApplicationBuilder's generics change with every call; Any keeps this readable.
    builder: Any = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url or settings.base_url)
        .base_file_url(base_file_url or settings.base_file_url)
        .concurrent_updates(OrderedUpdateProcessor(CONCURRENT_UPDATES))
        .update_queue(UpdateIntake())  # webhook mode attaches the inbox to it (`run_telegram`)
        .request(request or HTTPXRequest(connection_pool_size=CONCURRENT_UPDATES + 8))
        .get_updates_request(get_updates_request or HTTPXRequest(read_timeout=settings.poll_timeout + 10.0))
    )
    nights = TelegramMovieNights(services)

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        """`run_polling` callers get the announcer too (`run_telegram` connects it itself)."""
        await nights.connect(app.bot)

    builder = builder.post_init(post_init)
    if rate_limiter is True:
        builder = builder.rate_limiter(default_rate_limiter())
    elif rate_limiter:
        builder = builder.rate_limiter(rate_limiter)
    app: Application = builder.build()  # type: ignore[type-arg]
    add_handlers(app, services)
    return app


def add_handlers(app: Application, services: Services) -> None:  # type: ignore[type-arg]
    handlers = TelegramHandlers(services, AdminCheck(services.settings.telegram.owner_ids))
    inline = InlineHandler(services)
    new_messages = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("start", handlers.on_start, filters=new_messages))
    app.add_handler(MessageHandler(filters.COMMAND & new_messages, handlers.on_command))
    app.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & ~filters.VIA_BOT & filters.ChatType.PRIVATE & new_messages,
            handlers.on_private_text,
        )
    )
    # `/film import` as the caption of a document (captions carry no command entity for filters.COMMAND).
    app.add_handler(MessageHandler(filters.CaptionRegex(r"^/") & new_messages, handlers.on_command))
    app.add_handler(CallbackQueryHandler(handlers.on_callback))
    app.add_handler(PollAnswerHandler(handlers.nights.on_poll_answer))
    app.add_handler(InlineQueryHandler(inline.on_inline_query))
    app.add_error_handler(handlers.on_error)
