"""What parsing returns, and the one error it raises."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.films.model import Film


class ImportFailed(Exception):
    """A file cannot be imported; nothing of it is. `line` is 1-based, None when not line-specific."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        self.file, self.line, self.reason = file, line, reason
        where = f"{file} line {line}" if line is not None else file
        super().__init__(f"{where}: {reason}")


class BadValue(ValueError):
    """A field value is invalid; the caller knows the file and line and turns it into ImportFailed."""


@dataclass(slots=True)
class ParsedBatch:
    films: list[Film] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # where each film starts, parallel to `films`

    def extend(self, other: ParsedBatch) -> None:
        self.films.extend(other.films)
        self.warnings.extend(other.warnings)
        self.lines.extend(other.lines)
