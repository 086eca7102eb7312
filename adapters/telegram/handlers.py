"""Telegram updates -> (Actor, args) -> one core call -> a rendered reply.

Text commands are parsed by the registry (`/film@bot x`, `/movienight nominate x`), so a command added to
the core works here with no change. Buttons carry compact callback data (see `callbacks`).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from adapters.telegram import callbacks, uploads
from adapters.telegram.admin import AdminCheck
from adapters.telegram.html import escape
from adapters.telegram.movienight import TelegramMovieNights
from adapters.telegram.render import Outgoing, render
from adapters.telegram.sending import send_reply
from bot.commands import Actor, CommandContext, CommandSpec
from bot.curation.actions import run_action as run_core_action
from bot.films.service import picker_query
from bot.i18n import N_, _, speaking
from bot.replies import FileReply, FilmCard, FilmList, PollCard, Problem, Reply, Text
from bot.services import Services
from bot.sources.online import add_online, look_online

log = logging.getLogger(__name__)

APOLOGY = N_("Sorry, something went wrong on my side. Please try again in a moment.")
STALE_BUTTON = N_("This button is from an older version of me. Please ask again.")
WELCOME = N_(
    "Hi! I look films up by any of their titles, typos welcome.\n"
    "Try:\n"
    "/film miracle in cell no 7\n"
    "/search cell 7\n"
    "/random drama\n"
    "/help — everything I can do\n"
    "In any chat, type @{username} and a title to share a film's card."
)

Context = ContextTypes.DEFAULT_TYPE


def _is_group(chat: Chat) -> bool:
    return chat.type in {ChatType.GROUP, ChatType.SUPERGROUP}


def _not_modified(exc: BadRequest) -> bool:
    return "not modified" in exc.message.lower()


class TelegramHandlers:
    """The handler callbacks of one Application, sharing the services and the admin check."""

    def __init__(self, services: Services, admin: AdminCheck) -> None:
        self.services = services
        self.admin = admin
        self.nights = TelegramMovieNights(services)

    # -- who is asking -------------------------------------------------------------------------
    async def actor(self, context: Context, user: User, chat: Chat, *, check_admin: bool) -> Actor:
        """An Actor; the group-admin API call is made only when the command needs it (and not for owners)."""
        return await self._actor(context, user, chat.id, chat.type, check_admin=check_admin)

    async def _actor(self, context: Context, user: User, chat_id: int, chat_type: str, *, check_admin: bool) -> Actor:
        is_owner = self.admin.is_owner(user.id)
        is_group_admin = False
        if check_admin and not is_owner:
            is_group_admin = await self.admin.is_group_admin(context.bot, user.id, chat_id, chat_type)
        return Actor(
            platform="telegram",
            user_id=str(user.id),
            chat_id=str(chat_id),
            is_group_admin=is_group_admin,
            is_owner=is_owner,
            display_name=user.full_name,
            language=user.language_code,
        )

    async def language_of(self, user: User, chat_id: int | None) -> str:
        """The language of replies to `user` in the chat (`CommandRegistry.language_for`): their Telegram
        language, else the group's setting, else English (Telegram states no chat language)."""
        chat = str(chat_id if chat_id is not None else user.id)
        actor = Actor(platform="telegram", user_id=str(user.id), chat_id=chat, language=user.language_code)
        return await self.services.registry.language_for(actor, self.services)

    # -- sending -------------------------------------------------------------------------------
    async def send(self, context: Context, chat_id: int, reply: Reply, *, reply_to: Message | None = None) -> Message:
        if isinstance(reply, PollCard):  # a movie night: nominees, then the native poll or a ballot
            return await self.nights.post(context.bot, chat_id, reply, reply_to=reply_to)
        return await send_reply(context.bot, chat_id, reply, reply_to=reply_to)

    async def edit(self, context: Context, query: CallbackQuery, out: Outgoing) -> None:
        """Edit the message whose button was pressed (a chat message or an inline-mode message)."""
        markup: InlineKeyboardMarkup | None = out.markup
        try:
            if query.inline_message_id:
                await context.bot.edit_message_text(
                    out.text,
                    inline_message_id=query.inline_message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=out.preview,
                )
            elif query.message is not None:
                await context.bot.edit_message_text(
                    out.text,
                    chat_id=query.message.chat.id,
                    message_id=query.message.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=out.preview,
                )
        except BadRequest as exc:
            if not _not_modified(exc):
                raise

    # -- commands ------------------------------------------------------------------------------
    async def on_start(self, update: Update, context: Context) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None:
            return
        language = await self.language_of(user, chat.id) if user is not None else None
        with speaking(language):
            text = escape(_(WELCOME, username=context.bot.username or "this_bot"))
        await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML)

    async def on_command(self, update: Update, context: Context) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        text = (message.text or message.caption) if message is not None else None  # a document's caption too
        if message is None or chat is None or user is None or not text:
            return
        head = text.split(maxsplit=1)[0]
        addressed = "@" in head
        if addressed and head.split("@", 1)[1].lower() != (context.bot.username or "").lower():
            return  # a command for another bot in this group
        await self.run_line(update, context, text, quiet=_is_group(chat) and not addressed)

    async def on_private_text(self, update: Update, context: Context) -> None:
        """In a private chat, plain text is a film lookup: no slash needed (the core's `handle` knows)."""
        message = update.effective_message
        if message is None or not message.text:
            return
        await self.run_line(update, context, message.text, quiet=False)

    async def run_line(self, update: Update, context: Context, text: str, *, quiet: bool) -> None:
        """One core call for the whole request (`CommandRegistry.handle`), then one send, in the member's
        language."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        assert message is not None and chat is not None and user is not None
        with speaking(await self.language_of(user, chat.id)):
            await self._run_line(update, context, text, quiet=quiet)

    async def _run_line(self, update: Update, context: Context, text: str, *, quiet: bool) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        assert message is not None and chat is not None and user is not None

        async def actor_for(spec: CommandSpec) -> Actor:
            check_admin = spec.asks_admin
            return await self.actor(context, user, chat, check_admin=check_admin)

        document = uploads.attached_document(message)
        upload = uploads.upload_of(context.bot, document) if document is not None else None
        reply = await self.services.registry.handle(text, self.services, actor_for, upload=upload, quiet=quiet)
        if isinstance(reply, Problem) and reply.silent:  # rate limited and already told so, or not ours
            return
        sent = await self.send(context, chat.id, reply, reply_to=message)
        if isinstance(reply, FilmList) and reply.ask_online:
            # the store's answer is out; the sources are asked off this update, and the message edited
            context.application.create_task(self.complete_online(context, sent, reply), update=update)

    async def complete_online(self, context: Context, sent: Message, reply: FilmList) -> None:
        """Edit a sent miss/picker with what the online sources found (nothing to do when they found none)."""
        updated = await look_online(self.services, reply)
        if updated is None:
            return
        out = render(updated)
        try:
            await context.bot.edit_message_text(
                out.text,
                chat_id=sent.chat.id,
                message_id=sent.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=out.markup,
                link_preview_options=out.preview,
            )
        except BadRequest as exc:
            if not _not_modified(exc):
                log.warning("could not add the online finds to a message: %s", exc)

    # -- buttons -------------------------------------------------------------------------------
    async def on_callback(self, update: Update, context: Context) -> None:
        """A button press, answered in the presser's language."""
        query = update.callback_query
        if query is None:
            return
        chat_id = query.message.chat.id if query.message is not None else None
        with speaking(await self.language_of(query.from_user, chat_id)):
            await self._on_callback(update, context, query)

    async def _on_callback(self, update: Update, context: Context, query: CallbackQuery) -> None:
        data = callbacks.parse(query.data)
        if data is None:
            await query.answer(_(STALE_BUTTON), show_alert=True)
            return
        if data.kind in {"ballot", "my_ballot", "clear_ballot"}:
            await self.nights.on_ballot(query, data, seq=update.update_id)
            return
        films = self.services.films
        reply: Reply
        if data.kind == "page":
            text = query.message.text if isinstance(query.message, Message) else None
            reply = await films.search(callbacks.full_query(data.query, text), page=data.page)
        elif data.kind == "action":
            reply = await self.run_action(context, query, data)
        elif data.kind == "rerun":
            reply = await self.rerun(context, query, data)
        elif data.kind == "add_online":
            reply = await add_online(self.services, await self.presser(context, query), data.ref)
        else:
            asked = self.film_query(query) if data.kind == "open" else None
            reply = await films.choose(asked, data.film_id) if asked else await films.card(data.film_id)
        if isinstance(reply, Problem):
            if reply.silent:
                await query.answer()
            else:
                await query.answer(reply.message[:200], show_alert=True)
            return
        if data.kind == "action" and isinstance(reply, Text) and not reply.actions:
            await query.answer(reply.body[:200])  # "Thanks, reported": a toast; the card stays
            return
        await query.answer()
        if isinstance(reply, PollCard):  # never from a one-film command today, but it cannot be edited in
            chat_id = query.message.chat.id if query.message is not None else query.from_user.id
            await self.send(context, chat_id, reply)
            return
        if (data.kind == "open_new" and isinstance(reply, FilmCard)) or isinstance(reply, FileReply):
            chat_id = query.message.chat.id if query.message is not None else query.from_user.id
            await self.send(context, chat_id, reply)
            return
        await self.edit(context, query, render(reply))

    async def presser(self, context: Context, query: CallbackQuery, *, check_admin: bool = True) -> Actor:
        """The Actor of whoever pressed a button (not whoever sent the command that made it)."""
        chat = query.message.chat if query.message is not None else None
        user = query.from_user
        if chat is None:  # an inline-mode message: no chat, so no group rights
            return await self._actor(context, user, user.id, "private", check_admin=False)
        return await self._actor(context, user, chat.id, chat.type, check_admin=check_admin)

    async def rerun(self, context: Context, query: CallbackQuery, data: callbacks.Callback) -> Reply:
        """A "did you mean" choice under a one-film command's picker: run that command with the film, as the
        presser; the registry checks the permission again."""
        registry = self.services.registry
        spec = registry.by_code(data.command)
        check_admin = spec is not None and spec.asks_admin
        actor = await self.presser(context, query, check_admin=check_admin)
        ctx = CommandContext(actor=actor, services=self.services)
        return await registry.run_with_film(data.command, ctx, data.film_id)

    async def run_action(self, context: Context, query: CallbackQuery, data: callbacks.Callback) -> Reply:
        """A reply's action button (Undo, Wrong film?): the core's `run_action`, as the presser."""
        actor = await self.presser(context, query)
        asked = self.asked_for(query) if data.action == "wrong_film" else None
        return await run_core_action(self.services, actor, data.action, data.film_id, asked)

    def asked_for(self, query: CallbackQuery) -> str | None:
        """What the user typed to get this card: the message the card answers (cards are sent as replies).

        A "Wrong film?" report that says which query led to the wrong film tells admins what to alias.
        """
        message = query.message
        asked = getattr(message, "reply_to_message", None) if message is not None else None
        text = (getattr(asked, "text", None) or getattr(asked, "caption", None) or "").strip()
        if not text:
            return None
        if text.startswith("/"):
            resolved = self.services.registry.resolve_text(text)
            if isinstance(resolved, Problem):
                return None
            spec, args = resolved
            text = next(iter(args.values()), "") if spec.group is None else ""
        return text[:200] or None

    def film_query(self, query: CallbackQuery) -> str | None:
        """The `/film` query whose picker (or card's "other matches") a button that opens a film was pressed
        on: the user chose that film for what they typed (learned popularity). A picker's heading quotes the
        query; in groups the message also answers the command itself."""
        message = query.message
        text = message.text if isinstance(message, Message) else None
        if text and (asked := picker_query(text.split("\n", 1)[0])):
            return asked
        replied = getattr(message, "reply_to_message", None) if message is not None else None
        command = (getattr(replied, "text", None) or "").strip()
        if not command.startswith("/"):
            return None
        resolved = self.services.registry.resolve_text(command)
        if isinstance(resolved, Problem) or (resolved[0].group, resolved[0].name) != (None, "film"):
            return None
        return str(resolved[1].get("title") or "")[:200] or None

    # -- errors --------------------------------------------------------------------------------
    async def on_error(self, update: object, context: Context) -> None:
        """Log every failure with its context and tell the user; never stay silent."""
        log.error("telegram update failed (%s)", describe(update), exc_info=context.error)
        if not isinstance(update, Update):
            return
        user = update.effective_user
        with speaking(user.language_code if user is not None else None):
            await self._apologise(update, context)

    async def _apologise(self, update: Update, context: Context) -> None:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(_(APOLOGY), show_alert=True)
                return
            except TelegramError:
                pass  # already answered: say it in the chat instead
        if update.effective_chat is not None and update.effective_message is not None:
            try:
                await context.bot.send_message(update.effective_chat.id, _(APOLOGY))
            except TelegramError as exc:
                log.warning("could not send the apology: %s", exc)


def describe(update: object) -> str:
    """Command, chat and user of an update, for the log."""
    if not isinstance(update, Update):
        return repr(update)[:200]
    parts: dict[str, Any] = {"update": update.update_id}
    if update.effective_message is not None and update.effective_message.text:
        parts["text"] = update.effective_message.text[:100]
    if update.callback_query is not None:
        parts["button"] = update.callback_query.data
    if update.inline_query is not None:
        parts["inline"] = update.inline_query.query[:100]
    if update.effective_chat is not None:
        parts["chat"] = update.effective_chat.id
    if update.effective_user is not None:
        parts["user"] = update.effective_user.id
    return " ".join(f"{k}={v!r}" for k, v in parts.items())
