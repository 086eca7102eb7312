"""Polls and files for the loopback fake Bot API (`fake_server`): what movie nights and imports need.

Shaped like Telegram 10.0 where python-telegram-bot 22.8 can tell: polls carry `persistent_id` per option,
`allows_revoting` and `members_only`; poll answers carry `option_persistent_ids`. Only non-anonymous polls
sent by the bot produce `poll_answer` updates (`vote` refuses otherwise), a closed poll takes no votes
and can't be stopped twice, and files are served by `getFile` plus a download path under
`/file/bot<token>/`, with Telegram's 20 MB download cap.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from tests.fakes.telegram.methods import JSON, ApiError, BotApiState, SentMessage

DOWNLOAD_CAP = 20 << 20


@dataclass
class UserFile:
    file_id: str
    name: str
    data: bytes
    mime_type: str

    @property
    def path(self) -> str:
        return f"documents/{self.file_id}/{self.name}"

    def document(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": f"u{self.file_id}",
            "file_name": self.name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }


@dataclass
class MediaState(BotApiState):
    files: dict[str, UserFile] = field(default_factory=dict)
    poll_votes: dict[str, dict[int, list[int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._file_ids = itertools.count(1)
        self._polls: dict[str, SentMessage] = {}

    # -- users' side -----------------------------------------------------------------------------
    def add_file(self, name: str, data: bytes, mime_type: str = "text/plain") -> UserFile:
        """A file a user uploaded (Telegram stores it; the bot sees only its file_id)."""
        user_file = UserFile(f"F{next(self._file_ids)}", name, data, mime_type)
        self.files[user_file.file_id] = user_file
        return user_file

    def file_at(self, path: str) -> bytes | None:
        found = next((f for f in self.files.values() if f.path == path), None)
        return found.data if found is not None else None

    def poll_message(self, chat_id: int) -> SentMessage:
        """The newest poll the bot sent to a chat."""
        polls = [m for (c, _), m in sorted(self.messages.items()) if c == chat_id and "poll" in m.message]
        if not polls:
            raise LookupError(f"no poll in chat {chat_id}")
        return polls[-1]

    def vote_update(self, sent: SentMessage, user: JSON, option_ids: list[int]) -> JSON:
        """The `poll_answer` update Telegram sends when `user` votes (`[]`: retracts)."""
        poll = sent.message["poll"]
        if poll["is_anonymous"]:
            raise AssertionError("anonymous polls send no poll_answer updates to the bot")
        if poll["is_closed"]:
            raise AssertionError("a closed poll takes no votes")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise AssertionError("this poll takes one answer")
        votes = self.poll_votes.setdefault(poll["id"], {})
        votes.pop(user["id"], None)
        if option_ids:
            votes[user["id"]] = list(option_ids)
        for i, option in enumerate(poll["options"]):
            option["voter_count"] = sum(i in ids for ids in votes.values())
        poll["total_voter_count"] = len(votes)
        answer = {
            "poll_id": poll["id"],
            "user": user,
            "option_ids": list(option_ids),
            "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in option_ids],
        }
        return {"poll_answer": answer}

    # -- methods ---------------------------------------------------------------------------------
    async def _m_sendpoll(self, p: JSON) -> JSON:
        chat = self._chat(p.get("chat_id"))
        raw_options = p.get("options") or []
        if not 2 <= len(raw_options) <= 12:
            raise ApiError(400, "Bad Request: poll must have 2-12 options")
        options = [
            {"text": o["text"] if isinstance(o, dict) else str(o), "voter_count": 0, "persistent_id": f"o{i}"}
            for i, o in enumerate(raw_options)
        ]
        poll: JSON = {
            "id": f"P{next(self._query_ids)}",
            "question": p.get("question"),
            "options": options,
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": p.get("is_anonymous", True),
            "type": p.get("type", "regular"),
            "allows_multiple_answers": bool(p.get("allows_multiple_answers")),
            "allows_revoting": p.get("allows_revoting", True),
            "members_only": False,
        }
        if p.get("description"):
            poll["description"] = p["description"]
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            "poll": poll,
        }
        sent = SentMessage("", message)
        self.messages[(chat["id"], message["message_id"])] = sent
        self._polls[poll["id"]] = sent
        return message

    async def _m_stoppoll(self, p: JSON) -> JSON:
        chat = self._chat(p.get("chat_id"))
        sent = self.messages.get((chat["id"], int(p.get("message_id") or 0)))
        if sent is None or "poll" not in sent.message:
            raise ApiError(400, "Bad Request: message with poll to stop not found")
        poll: JSON = sent.message["poll"]
        if poll["is_closed"]:
            raise ApiError(400, "Bad Request: poll has already been closed")
        poll["is_closed"] = True
        return poll

    async def _m_getfile(self, p: JSON) -> JSON:
        user_file = self.files.get(str(p.get("file_id")))
        if user_file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(user_file.data) > DOWNLOAD_CAP:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": user_file.file_id,
            "file_unique_id": f"u{user_file.file_id}",
            "file_size": len(user_file.data),
            "file_path": user_file.path,
        }
