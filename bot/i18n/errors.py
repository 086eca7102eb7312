"""An error a person reads in their language while logs keep it in English.

`str(error)` is the English text (what logging writes and operators grep); `error.translated()` is the same
message in the current language (`speaking`), for the CLI or a chat to show. The message is an English msgid
marked with `N_` where the error is raised, with named placeholders filled from keyword arguments.
"""

from __future__ import annotations

from bot.i18n import _


class TranslatableError(Exception):
    def __init__(self, message: str, /, **params: object) -> None:
        self.message_id, self.params = message, params
        super().__init__(message.format(**params) if params else message)

    def translated(self) -> str:
        """The message in the current language, placeholders filled."""
        return _(self.message_id, **self.params)
