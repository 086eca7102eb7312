"""Import input as a stream of text: gzip undone and UTF-8 decoded chunk by chunk, never all at once.

A gzip bomb (a few MB that inflate to many GB) is stopped while it inflates: by the decompressed-size cap,
and earlier by the compression-ratio check (real catalogs compress about 8:1; a bomb, 1000:1). Parsers
read `pieces()` (JSON) or `lines()` (JSON Lines, CSV, pages); one line, record or page is bounded by
`MAX_RECORD_CHARS`, and the number of records by `ImportLimits.max_records`, so memory stays bounded
whatever the size of the file.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO

from bot.films.importers.errors import ImportFailed
from bot.i18n import _

CHUNK = 64 * 1024
MAX_RECORD_CHARS = 8 << 20  # one line, JSON record or film page; a real film record is a few KB
RATIO_FLOOR = 2 << 20  # the ratio check starts once this much is decompressed (tiny files compress oddly)
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """How much one import may read. `what` names the setting to raise in the refusal message."""

    max_bytes: int = 1 << 30  # decompressed
    max_records: int = 250_000
    max_ratio: int = 100  # decompressed / compressed
    what: str = "IMPORT__MAX"

    def less(self, records: int) -> ImportLimits:
        """The limits left for the next file of the same import after `records` were read."""
        return replace(self, max_records=max(self.max_records - records, 0))


CLI_LIMITS = ImportLimits()
CHAT_LIMITS = ImportLimits(max_bytes=100 << 20, max_records=50_000, what="IMPORT__CHAT_MAX")


class TextSource:
    """Decoded text of one input, read once, front to back. `name` is what errors call the file."""

    def __init__(self, name: str, limits: ImportLimits, pieces: Iterator[str]) -> None:
        self.name, self.limits = name, limits
        self._pieces = pieces
        self._head: list[str] = []

    @classmethod
    def of_text(cls, text: str, name: str, limits: ImportLimits) -> TextSource:
        if len(text) > limits.max_bytes:  # characters <= bytes: a cheap, safe first check
            raise ImportFailed(
                name,
                None,
                _("larger than {size} ({setting})", size=_mb(limits.max_bytes), setting=f"{limits.what}_BYTES"),
            )
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        return cls(name, limits, (text[i : i + CHUNK] for i in range(0, len(text), CHUNK)))

    @classmethod
    def of_stream(cls, raw: BinaryIO, name: str, limits: ImportLimits) -> TextSource:
        """Bytes from `raw` (gzip recognised by its magic bytes), decoded lazily."""
        head = raw.read(2)
        raw.seek(0)
        if head == GZIP_MAGIC:
            stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
            return cls(name, limits, _decoded(stream, name, limits, raw.tell))
        return cls(name, limits, _decoded(raw, name, limits, None))

    def head(self) -> str:
        """The text up to its first non-blank line (or all of it when shorter); kept for `pieces()`."""
        seen = "".join(self._head)
        while not seen.strip() or "\n" not in seen.lstrip():
            piece = next(self._pieces, None)
            if piece is None:
                break
            if piece.isspace():
                piece = "\n" * piece.count("\n")  # a file of blanks costs its line count, not its size
            self._head.append(piece)
            seen += piece
            if len(seen) > CHUNK:
                break
        return seen

    def pieces(self) -> Iterator[str]:
        yield from self._head
        self._head = []
        yield from self._pieces

    def lines(self) -> Iterator[str]:
        """Lines with their "\\n" (the last one may lack it); a line over MAX_RECORD_CHARS is refused."""
        number, partial, size = 0, list[str](), 0
        for piece in self.pieces():
            start = 0
            while (end := piece.find("\n", start)) >= 0:
                partial.append(piece[start : end + 1])
                number += 1
                yield "".join(partial)
                partial, size, start = [], 0, end + 1
            if start < len(piece):
                partial.append(piece[start:])
                size += len(piece) - start
                if size > MAX_RECORD_CHARS:
                    raise ImportFailed(
                        self.name, number + 1, _("a line longer than {size}", size=_mb(MAX_RECORD_CHARS))
                    )
        if partial:
            yield "".join(partial)


def _decoded(stream: BinaryIO, name: str, limits: ImportLimits, compressed: Callable[[], int] | None) -> Iterator[str]:
    decoder = io.IncrementalNewlineDecoder(codecs.getincrementaldecoder("utf-8-sig")("strict"), translate=True)
    total, line, column = 0, 1, 0  # where `data` starts: line number, bytes since that line's start
    while True:
        try:
            data = stream.read(CHUNK)
        except EOFError:
            raise ImportFailed(name, None, _("the gzip data is truncated (the file was cut short)")) from None
        except (OSError, zlib.error) as exc:
            raise ImportFailed(name, None, _("not valid gzip data ({reason})", reason=exc)) from None
        total += len(data)
        if total > limits.max_bytes:
            size, setting = _mb(limits.max_bytes), f"{limits.what}_BYTES"
            reason = (
                _("larger than {size} once decompressed ({setting})", size=size, setting=setting)
                if compressed
                else _("larger than {size} ({setting})", size=size, setting=setting)
            )
            raise ImportFailed(name, None, reason)
        if compressed is not None and total > RATIO_FLOOR and total > limits.max_ratio * max(compressed(), 1):
            raise ImportFailed(
                name,
                None,
                _("inflates more than {ratio}:1 (a compression bomb?); nothing was imported", ratio=limits.max_ratio),
            )
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            at = min(exc.start, len(data))
            nl = data.rfind(b"\n", 0, at)
            col = at - nl if nl >= 0 else column + at + 1
            bad = data[at : at + 1].hex() or "??"
            raise ImportFailed(
                name,
                line + data.count(b"\n", 0, at),
                _("not UTF-8 text (byte 0x{byte} at column {column})", byte=bad, column=col),
            ) from None
        nl = data.rfind(b"\n")
        line += data.count(b"\n")
        column = len(data) - nl - 1 if nl >= 0 else column + len(data)
        if text:
            yield text
        if not data:
            return


def _mb(size: int) -> str:
    return f"{size / (1 << 20):g} MB" if size >= 1 << 20 else f"{size:,} bytes"
