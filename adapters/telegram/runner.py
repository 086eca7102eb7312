"""Run the Telegram bot until `stop` is set: long polling by default, a webhook when one is configured."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from telegram.error import TelegramError
from telegram.ext import Application

from adapters.telegram.app import ALLOWED_UPDATES, build_application
from adapters.telegram.menu import publish_commands
from adapters.telegram.movienight import TelegramMovieNights
from bot.services import Services

log = logging.getLogger(__name__)


async def run_telegram(services: Services, stop: asyncio.Event, *, app: Application | None = None) -> None:  # type: ignore[type-arg]
    """Start, serve until `stop` is set, then shut down cleanly (acknowledging the updates handled)."""
    settings = services.settings.telegram
    # Building the HTTP clients loads the CA certificates (~100 ms): off the event loop.
    app = app or await asyncio.to_thread(build_application, services)
    nights = TelegramMovieNights.of(services)
    async with app:  # initialize (getMe, command menu) ... shutdown
        updater = app.updater
        assert updater is not None
        # Closed movie nights are announced from now on (and any that closed while we were down).
        await nights.connect(app.bot)
        try:
            await publish_commands(app.bot, services.registry)
        except TelegramError as exc:  # the bot still works without its menu
            log.warning("could not set the telegram command menu: %s", exc)
        await app.start()
        if settings.webhook_url:
            secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            await updater.start_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("telegram bot @%s receiving updates by webhook", app.bot.username)
        else:
            await updater.start_polling(timeout=settings.poll_timeout, allowed_updates=ALLOWED_UPDATES)
            log.info("telegram bot @%s polling for updates", app.bot.username)
        try:
            await stop.wait()
        finally:
            await nights.disconnect(app.bot)
            await updater.stop()
            await app.stop()
    log.info("telegram bot stopped")
