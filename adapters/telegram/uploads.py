"""Commands that take a file: `/film import` (and `/film add` with a film page as a .txt file).

On Telegram a file arrives as a document. An admin either sends the document with the command as its
caption, or replies to a document with the command. The bot asks `getFile` for a download path and
fetches the bytes from the file server (`base_file_url`). The admin check comes first, so nobody else makes
the bot download anything; the size is checked before and after downloading (the sender's size may be
absent or wrong), with a friendly refusal.
"""

from __future__ import annotations

import logging

from telegram import Bot, Document, Message
from telegram.error import BadRequest

from bot.commands import Actor, CommandSpec
from bot.curation.service import curation_of
from bot.replies import Problem, Reply
from bot.services import Services

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 5 << 20
MAX_PAGE_BYTES = 64 << 10  # a single film page for /film add
FILM_GROUP = "film"


def attached_document(message: Message) -> Document | None:
    """The document sent with the command, or the one the command replies to."""
    if message.document is not None:
        return message.document
    replied = message.reply_to_message
    return replied.document if replied is not None else None


def takes_document(spec: CommandSpec, args: dict[str, str]) -> bool:
    """`/film import` always; `/film add` only when no details were typed (the file is the page)."""
    if spec.group != FILM_GROUP:
        return False
    return (spec.name == "import" and not args.get("path")) or (spec.name == "add" and not args.get("details"))


def _too_large(name: str, size: int, limit: int) -> Problem:
    return Problem(
        f"{name} is too large ({size / 1048576:.1f} MB); I take files up to {limit >> 20 or 1} MB here."
        if limit >= 1 << 20
        else f"{name} is too large ({size // 1024} KB); a film page is at most {limit // 1024} KB.",
        hint="Split it into smaller files, or import it with `filmbot import` on the server.",
    )


async def download(bot: Bot, document: Document, limit: int) -> bytes | Problem:
    name = document.file_name or "the file"
    if document.file_size is not None and document.file_size > limit:
        return _too_large(name, document.file_size, limit)
    try:
        file = await bot.get_file(document.file_id)
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            return _too_large(name, document.file_size or limit + 1, limit)
        raise
    if file.file_size is not None and file.file_size > limit:
        return _too_large(name, file.file_size, limit)
    data = bytes(await file.download_as_bytearray())
    if len(data) > limit:
        return _too_large(name, len(data), limit)
    return data


async def run_with_document(bot: Bot, services: Services, spec: CommandSpec, actor: Actor, document: Document) -> Reply:
    """`/film import` or `/film add` with its file: admin check, download, then the core use-case."""
    curation = curation_of(services)
    if (refused := curation.allowed(actor, spec.name)) is not None:
        return refused
    limit = MAX_IMPORT_BYTES if spec.name == "import" else MAX_PAGE_BYTES
    data = await download(bot, document, limit)
    if isinstance(data, Problem):
        log.info("refused %s upload from %s: %s", spec.name, actor.user_id, data.message)
        return data
    name = document.file_name or f"upload-{document.file_unique_id}.txt"
    if spec.name == "import":
        return await curation.import_upload(actor, name, data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Problem(f"{name} is not UTF-8 text; send the film page as a .txt file.")
    return await curation.add_text(actor, text)
