"""Files attached to commands: on Telegram a file arrives as a document.

An admin either sends the document with the command as its caption, or replies to a document with the
command. The document becomes the command's `file` param as an `Upload` (bot/commands.py); the core checks the
permission and the declared size first, and only then, if the command needs the bytes, calls `fetch`: it asks
`getFile` for a download path and fetches the bytes from the file server (`base_file_url`), never more than
the limit the core gives it (the sender's size may be absent or wrong, so it is checked again on the way).
"""

from __future__ import annotations

from telegram import Bot, Document, Message
from telegram.error import BadRequest

from bot.commands import Upload, UploadTooLarge


def attached_document(message: Message) -> Document | None:
    """The document sent with the command, or the one the command replies to."""
    if message.document is not None:
        return message.document
    replied = message.reply_to_message
    return replied.document if replied is not None else None


def upload_of(bot: Bot, document: Document) -> Upload:
    """The document as a command's file param, downloaded only when the core reads it."""

    async def fetch(limit: int) -> bytes:
        try:
            file = await bot.get_file(document.file_id)
        except BadRequest as exc:
            if "too big" in exc.message.lower():
                raise UploadTooLarge(document.file_size) from None
            raise
        if file.file_size is not None and file.file_size > limit:
            raise UploadTooLarge(file.file_size)
        return bytes(await file.download_as_bytearray())

    name = document.file_name or f"upload-{document.file_unique_id}.txt"
    return Upload(name, document.file_size, fetch)
