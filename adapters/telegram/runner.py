"""Run the Telegram bot until `stop` is set: long polling by default, a webhook when one is configured.

Webhook mode is never open: with no `TELEGRAM__WEBHOOK_SECRET` a strong one is generated at each start and
registered with setWebhook, so Telegram sends it in `X-Telegram-Bot-Api-Secret-Token` and PTB's webhook
server answers 403 to every request without it (before any handler runs). The server listens on
127.0.0.1 unless `TELEGRAM__WEBHOOK_LISTEN` says otherwise (put a TLS reverse proxy in front).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from adapters.telegram.app import ALLOWED_UPDATES, build_application
from adapters.telegram.inbox import PLATFORM, UpdateIntake, telegram_inbox
from adapters.telegram.menu import publish_commands
from adapters.telegram.movienight import TelegramMovieNights
from bot.config import TelegramSettings
from bot.inbox.ordered import OrderedInbox
from bot.polls import movienight_service
from bot.polls.store import PollInfo
from bot.services import Services
from bot.startup import StartupFailed, backoff_delays, wait_or_stop

log = logging.getLogger(__name__)

SECRET_BYTES = 32  # token_urlsafe(32): 43 characters of A-Za-z0-9_-, within Telegram's 1-256


class PollingHealth:
    """Connected unless getUpdates failed within the last `window` seconds (PTB keeps retrying meanwhile)."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.failed_at: float | None = None
        self.error = ""

    def on_error(self, exc: TelegramError) -> None:
        self.failed_at, self.error = time.monotonic(), type(exc).__name__
        log.warning("telegram: getUpdates failed (%s); retrying", exc)

    def probe(self) -> str | None:
        if self.failed_at is not None and time.monotonic() - self.failed_at < self.window:
            return f"getUpdates failing ({self.error})"
        return None


def webhook_secret(settings: TelegramSettings) -> str:
    """The configured secret, or a new strong one (logged as generated, never its value)."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    log.info(
        "no TELEGRAM__WEBHOOK_SECRET set: generated a webhook secret for this run and registering it "
        "(several webhook workers need one shared TELEGRAM__WEBHOOK_SECRET: each registers its own)"
    )
    return secrets.token_urlsafe(SECRET_BYTES)


async def run_telegram(services: Services, stop: asyncio.Event, *, app: Application | None = None) -> None:  # type: ignore[type-arg]
    """Start, serve until `stop` is set, then shut down cleanly (acknowledging the updates handled)."""
    settings = services.settings.telegram
    # Building the HTTP clients loads the CA certificates (~100 ms): off the event loop.
    if app is None:
        app = await asyncio.to_thread(build_application, services)
    nights = TelegramMovieNights(services)  # the platform's transport while this app runs
    if not await _initialize(app, stop):
        log.info("telegram bot stopped before it could start")
        return
    async with app:  # already initialized: this only shuts down at the end
        updater = app.updater
        assert updater is not None
        # Closed movie nights are announced from now on (and any that closed while we were down).
        await nights.connect(app.bot)
        try:
            await publish_commands(app.bot, services.registry)
        except TelegramError as exc:  # the bot still works without its menu
            log.warning("could not set the telegram command menu: %s", exc)
        await app.start()
        inbox: OrderedInbox | None = None
        sweeping: asyncio.Task[None] | None = None
        if settings.webhook_url:
            secret = webhook_secret(settings)
            inbox = attach_inbox(services, app)
            await updater.start_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=settings.webhook_max_connections,
            )
            if inbox is not None:  # what is left pending (by any worker) now, then every second
                sweeping = asyncio.create_task(inbox.run(stop), name="telegram inbox sweep")
            log.info(
                "telegram bot @%s receiving updates by webhook on %s:%d (%s)",
                app.bot.username,
                settings.webhook_listen,
                settings.webhook_port,
                "each chat in order across workers" if inbox is not None else "no inbox: order within this process",
            )
            services.health.platform("telegram", lambda: None if updater.running else "webhook server stopped")
        else:
            polling = PollingHealth(window=2.0 * settings.poll_timeout + 10)
            await updater.start_polling(
                timeout=settings.poll_timeout, allowed_updates=ALLOWED_UPDATES, error_callback=polling.on_error
            )
            services.health.platform("telegram", polling.probe)
            log.info("telegram bot @%s polling for updates", app.bot.username)
        try:
            await stop.wait()
        finally:
            services.health.forget("telegram")
            await nights.disconnect(app.bot)
            await updater.stop()  # no new update is recorded from here on
            if inbox is not None:
                if sweeping is not None:
                    sweeping.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sweeping
                await inbox.close()  # the updates being handled finish; the rest wait for another worker
            await app.stop()
    log.info("telegram bot stopped")


def attach_inbox(services: Services, app: Application) -> OrderedInbox | None:  # type: ignore[type-arg]
    """Webhook mode: the database inbox behind the app's update queue. By default only on PostgreSQL: on
    SQLite one process serves (its `OrderedUpdateProcessor` keeps the order) and every update would be two
    more writes through SQLite's one write lock. None when it does not apply, or the app was built with
    another queue."""
    wanted = services.settings.telegram.webhook_inbox
    if not (services.db.dialect == "postgresql" if wanted is None else wanted):
        return None
    intake = app.update_queue
    if not isinstance(intake, UpdateIntake):
        log.warning("telegram: the application has its own update queue; webhook updates skip the inbox")
        return None
    intake.inbox = telegram_inbox(services, app)
    movienights = movienight_service(services)

    async def poll_chat(platform_poll_id: str) -> str | None:
        return await movienights.chat_of_native_poll(PLATFORM, platform_poll_id)

    inbox = intake.inbox

    async def settle(poll: PollInfo) -> None:  # a close counts every vote acknowledged before it
        await inbox.settle(f"chat:{poll.chat_id}")

    intake.poll_chat = poll_chat
    movienights.set_settler(PLATFORM, settle)
    return inbox


async def _initialize(app: Application, stop: asyncio.Event) -> bool:  # type: ignore[type-arg]
    """`app.initialize()` (getMe), retried with backoff while Telegram is unreachable; False when `stop` was
    set meanwhile. A rejected token is not retried: it raises StartupFailed saying what to fix."""
    for attempt, delay in enumerate(backoff_delays(), 1):
        try:
            await app.initialize()
            return True
        except InvalidToken as exc:
            log.debug("telegram: %s", exc)  # PTB's text names the token: the log's redaction masks it
            raise StartupFailed("telegram: Telegram rejected the bot token; check TELEGRAM__TOKEN") from None
        except NetworkError as exc:  # includes TimedOut; the other platform keeps serving meanwhile
            log.warning("telegram: cannot reach the Bot API (%s); retry %d in %.1f s", exc, attempt, delay)
        if await wait_or_stop(stop, delay):
            return False
    return False  # pragma: no cover - backoff_delays never ends
