"""The Bot API methods of the loopback fake (`fake_server`): state and answers shaped like Telegram's.

Only what the bot uses is modelled, each with the errors Telegram gives for it: unknown chats, unparsable
HTML, empty or over-long text, edits that change nothing, callback and inline queries answered twice.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

JSON = dict[str, Any]

# Top-level parameters that python-telegram-bot sends as raw strings (every other value is JSON-encoded).
STRING_PARAMS = {
    "text",
    "message_text",
    "caption",
    "question",
    "parse_mode",
    "callback_query_id",
    "inline_query_id",
    "next_offset",
    "url",
    "secret_token",
    "language_code",
    "inline_message_id",
    "business_connection_id",
    "message_effect_id",
    "description",
    "explanation",
    "short_description",
    "name",
    "title",
    "emoji",
}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "span",
    "tg-spoiler",
    "tg-emoji",
    "blockquote",
    "tg-time",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


class _Visible(HTMLParser):
    """What Telegram would show for some HTML; refuses tags Telegram does not know or leaves open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    if parser.open:
        raise ApiError(400, "Bad Request: can't parse entities: Can't find end tag")
    return "".join(parser.out)


def decode_params(raw: dict[str, str]) -> JSON:
    out: JSON = {}
    for key, value in raw.items():
        if key in STRING_PARAMS:
            out[key] = value
            continue
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


@dataclass
class SentMessage:
    """A message as the chat shows it: `html` as the bot sent it, `message` as Telegram returns it."""

    html: str
    message: JSON
    edits: int = 0

    @property
    def text(self) -> str:
        return str(self.message.get("text", ""))

    @property
    def buttons(self) -> list[JSON]:
        rows = self.message.get("reply_markup", {}).get("inline_keyboard", [])
        return [b for row in rows for b in row]

    def button(self, contains: str) -> JSON:
        for b in self.buttons:
            if contains in b["text"]:
                return b
        raise LookupError(f"no button containing {contains!r} in {[b['text'] for b in self.buttons]}")


@dataclass
class BotApiState:
    """The chats, messages and answers of one fake bot, and the methods that change them."""

    token: str = "123456:TEST-TOKEN"
    username: str = "filmbot_test_bot"
    bot_id: int = 123456
    messages: dict[tuple[int, int], SentMessage] = field(default_factory=dict)
    user_messages: dict[tuple[int, int], JSON] = field(default_factory=dict)  # what users sent, for replies
    inline_messages: dict[str, SentMessage] = field(default_factory=dict)
    chats: dict[int, JSON] = field(default_factory=dict)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    answers: dict[str, JSON] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._issued: set[str] = set()

    @property
    def bot_user(self) -> JSON:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Filmbot", "username": self.username}

    def _new_query_id(self) -> str:
        query_id = str(next(self._query_ids))
        self._issued.add(query_id)
        return query_id

    # -- methods -------------------------------------------------------------------------------
    async def _m_getme(self, p: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    async def _m_setmycommands(self, p: JSON) -> bool:
        return True

    async def _m_deletewebhook(self, p: JSON) -> bool:
        return True

    async def _m_setwebhook(self, p: JSON) -> bool:
        return True

    async def _m_sendchataction(self, p: JSON) -> bool:
        return True

    def _chat(self, chat_id: Any) -> JSON:
        chat = self.chats.get(int(chat_id)) if str(chat_id).lstrip("-").isdigit() else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _render(self, p: JSON, key: str = "text") -> tuple[str, str]:
        html = str(p.get(key, ""))
        text = visible_text(html) if p.get("parse_mode") == "HTML" else html
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return html, text

    async def _m_sendmessage(self, p: JSON) -> JSON:
        chat = self._chat(p.get("chat_id"))
        html, text = self._render(p)
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            "text": text,
        }
        for key in ("reply_markup", "link_preview_options"):
            if p.get(key):
                message[key] = p[key]
        if replied := self._replied_to(chat["id"], p.get("reply_parameters")):
            message["reply_to_message"] = replied
        self.messages[(chat["id"], message["message_id"])] = SentMessage(html, message)
        return message

    def _replied_to(self, chat_id: int, parameters: Any) -> JSON | None:
        """The message a reply answers, one level deep as Telegram gives it (None when it is unknown)."""
        if not isinstance(parameters, dict) or "message_id" not in parameters:
            return None
        key = (chat_id, int(parameters["message_id"]))
        found = self.user_messages.get(key)
        if found is None and key in self.messages:
            found = self.messages[key].message
        return {k: v for k, v in found.items() if k != "reply_to_message"} if found else None

    async def _m_editmessagetext(self, p: JSON) -> JSON | bool:
        html, text = self._render(p)
        if p.get("inline_message_id"):
            sent = self.inline_messages.get(str(p["inline_message_id"]))
        else:
            sent = self.messages.get((int(self._chat(p.get("chat_id"))["id"]), int(p.get("message_id") or 0)))
        if sent is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = p.get("reply_markup") or None
        if sent.html == html and sent.message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of the message",
            )
        sent.html, sent.edits = html, sent.edits + 1
        sent.message["text"] = text
        sent.message.pop("reply_markup", None)
        if markup:
            sent.message["reply_markup"] = markup
        sent.message["edit_date"] = int(time.time())
        return True if p.get("inline_message_id") else sent.message

    async def _m_answercallbackquery(self, p: JSON) -> bool:
        return self._answer(str(p.get("callback_query_id")), p)

    async def _m_answerinlinequery(self, p: JSON) -> bool:
        if len(p.get("results") or []) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        return self._answer(str(p.get("inline_query_id")), p)

    def _answer(self, query_id: str, p: JSON) -> bool:
        if query_id in self.answers or query_id not in self._issued:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.answers[query_id] = p
        return True

    async def _m_senddocument(self, p: JSON) -> JSON:
        chat = self._chat(p.get("chat_id"))
        caption = str(p.get("caption") or "")
        if caption and p.get("parse_mode") == "HTML":
            caption = visible_text(caption)
        if len(caption.encode("utf-16-le")) // 2 > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        name = str(p.get("document", ""))
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            "document": {"file_id": f"file-{name}", "file_unique_id": f"u-{name}"},
        }
        if caption:
            message["caption"] = caption
        self.messages[(chat["id"], message["message_id"])] = SentMessage(str(p.get("caption") or ""), message)
        return message

    async def _m_getchatmember(self, p: JSON) -> JSON:
        self._chat(p.get("chat_id"))
        user_id = int(p.get("user_id") or 0)
        status = self.members.get((int(p["chat_id"]), user_id), "member")
        member: JSON = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "Ann"}}
        if status == "creator":
            member["is_anonymous"] = False
        if status == "administrator":
            member.update(
                {
                    k: True
                    for k in (
                        "can_be_edited",
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    )
                },
                is_anonymous=False,
            )
        return member
