"""JSON log lines (`LOG_FORMAT=json`): one object per event, a traceback inside it, never split over lines.

Fields: ts (UTC, ISO 8601), level, logger, msg, and exc when there is one, plus whatever a call passed in
`extra=`. `redact` (the process's secret masker, bot.logs) runs on every text field before it is encoded,
so a secret is masked even where JSON escaping would have changed its spelling.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has: anything else on a record came from `extra=` and is logged as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def __init__(self, redact: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.redact = redact or (lambda text: text)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value if isinstance(value, int | float | bool) or value is None else str(value)
        clean = {k: self.redact(v) if isinstance(v, str) else v for k, v in entry.items()}
        return json.dumps(clean, ensure_ascii=False)
