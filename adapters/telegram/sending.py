"""Send any rendered core Reply to a chat: one function for command replies, announcements and ballots.

Shared by the update handlers and by code that runs outside an update (the movie-night announcer), so it
takes a `Bot`, not a handler context.
"""

from __future__ import annotations

import asyncio

from telegram import Bot, InputFile, Message, ReplyParameters
from telegram.constants import ChatType, ParseMode

from adapters.telegram.render import Outgoing, file_caption, render
from bot.replies import FileReply, Reply

GROUP_TYPES = {ChatType.GROUP, ChatType.SUPERGROUP}


def reply_parameters(reply_to: Message | None) -> ReplyParameters | None:
    """Quote the command in groups (where many people talk); private chats need no quote."""
    if reply_to is None or reply_to.chat.type not in GROUP_TYPES:
        return None
    return ReplyParameters(reply_to.message_id, allow_sending_without_reply=True)


async def send_reply(bot: Bot, chat_id: int, reply: Reply, *, reply_to: Message | None = None) -> Message:
    params = reply_parameters(reply_to)
    if isinstance(reply, FileReply):
        if reply.path is None:
            document = InputFile(reply.data, filename=reply.filename)
        else:  # an export written to a temporary file: uploaded from there, then deleted
            document = InputFile(await asyncio.to_thread(reply.path.read_bytes), filename=reply.filename)
            reply.path.unlink(missing_ok=True)
        return await bot.send_document(
            chat_id, document, caption=file_caption(reply), parse_mode=ParseMode.HTML, reply_parameters=params
        )
    return await send_outgoing(bot, chat_id, render(reply), reply_to=reply_to)


async def send_outgoing(bot: Bot, chat_id: int, out: Outgoing, *, reply_to: Message | None = None) -> Message:
    return await bot.send_message(
        chat_id,
        out.text,
        parse_mode=ParseMode.HTML,
        reply_markup=out.markup,
        link_preview_options=out.preview,
        reply_parameters=reply_parameters(reply_to),
    )
