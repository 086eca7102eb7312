"""What parsing returns, and the one error it raises."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.films.model import Film
from bot.i18n import _


class ImportFailed(Exception):
    """A file cannot be imported; nothing of it is. `line` is 1-based, None when not line-specific."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        self.file, self.line, self.reason = file, line, reason
        where = f"{file} line {line}" if line is not None else file
        super().__init__(f"{where}: {reason}")

    def translated(self) -> str:
        """`file line N: reason` with "line" in the current language (the reason is the parser's own words)."""
        where = f"{self.file} " + _("line {line}", line=self.line) if self.line is not None else self.file
        return f"{where}: {self.reason}"


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
