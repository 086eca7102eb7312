"""What the CLI shows while a first run sets up: "Creating the database and loading 36,070 films… done in 14 s".

On a terminal a stage with progress gets a tqdm bar (replaced by the finished line); otherwise each stage is one
line, written when it starts and completed when it ends, so a log or CI output reads the same. A person reads the
stages in the terminal's language (`filmbot --lang`, else the locale); `filmbot run` logs them in English, as every
log line is (operators grep them).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

from bot.i18n import N_, Translator, current

DONE_IN = N_("done in {time}")  # after a stage's "…"
SECONDS = N_("{seconds} s")
FILMS_UNIT = N_("films")  # a progress bar's unit: "1,234/36,070 films"


def elapsed(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def stage_text(message: str, params: dict[str, int], translate: Translator | None = None) -> str:
    """A stage's line: `message` (an English msgid) translated when `translate` is given, its numbers grouped."""
    numbers = {name: f"{value:,}" for name, value in params.items()}
    if translate is None:
        return message.format(**numbers) if numbers else message
    return translate.gettext(message, **numbers)


class StageLines:
    """A `bot.store.bootstrap.SetupReport` for a person at a terminal (stderr, so `--json` stays clean)."""

    def __init__(
        self, out: TextIO | None = None, *, bar: bool | None = None, translate: Translator | None = None
    ) -> None:
        self.out = out or sys.stderr
        # The language is the CLI's (`speaking` around the command): kept here, as stages come from another thread.
        self.translate = translate or current()
        self.bar_allowed = self.out.isatty() if bar is None else bar
        self._lock = threading.Lock()  # stages come from the setup thread
        self._text: str | None = None
        self._started = 0.0
        self._bar: Any = None
        self._open_line = False

    def stage(self, message: str, /, **params: int) -> None:
        text = stage_text(message, params, self.translate)
        with self._lock:
            self._text, self._started = text, time.monotonic()
            if not self.bar_allowed:
                print(f"{text}…", end="", file=self.out, flush=True)
                self._open_line = True
            else:
                print(f"{text}…", end="\r", file=self.out, flush=True)

    def progress(self, done: int, total: int) -> None:
        with self._lock:
            if not self.bar_allowed or self._text is None:
                return
            if self._bar is None:
                import shutil

                from tqdm import tqdm

                columns, rows = shutil.get_terminal_size()
                width = min(columns, 100) if columns >= 40 else 80  # a pty may report a size of 0 x 0,
                height = rows if rows >= 2 else 24  # where tqdm would draw nothing
                unit = " " + self.translate.gettext(FILMS_UNIT)
                self._bar = tqdm(
                    total=total, desc=self._text, unit=unit, file=self.out, leave=False, ncols=width, nrows=height
                )
            self._bar.total = total
            self._bar.n = done
            self._bar.refresh()

    def done(self) -> None:
        with self._lock:
            if self._text is None:
                return
            took = " " + self.translate.gettext(DONE_IN, time=self._elapsed(time.monotonic() - self._started))
            if self._bar is not None:
                self._bar.close()
                self._bar = None
            if self._open_line:
                print(took, file=self.out, flush=True)
            else:
                print(f"{self._text}…{took}", file=self.out, flush=True)
            self._text, self._open_line = None, False

    def _elapsed(self, seconds: float) -> str:
        number = f"{seconds:.1f}" if seconds < 10 else f"{seconds:.0f}"
        return self.translate.gettext(SECONDS, seconds=number)


class StageLog:
    """The same stages as log lines, for `filmbot run` (one INFO line each, when it ends)."""

    def __init__(self) -> None:
        import logging

        self.log = logging.getLogger("filmbot")
        self._text: str | None = None
        self._started = 0.0

    def stage(self, message: str, /, **params: int) -> None:
        text = stage_text(message, params)
        self._text, self._started = text, time.monotonic()
        self.log.info("%s…", text)

    def progress(self, done: int, total: int) -> None:
        pass

    def done(self) -> None:
        if self._text is not None:
            self.log.info("%s… done in %s", self._text, elapsed(time.monotonic() - self._started))
            self._text = None


def setup_report(log_format: str, translate: Translator | None = None) -> StageLines | StageLog:
    """Stage lines for a person (in `translate`'s language, else the current one), or log lines when the logs are
    JSON (stderr must stay one JSON object a line)."""
    return StageLog() if log_format == "json" else StageLines(translate=translate)
