"""The offline Discord's payloads: ids, users, and the gateway/REST bodies Discord would send the bot.

Part of `testing.FakeDiscord`, kept apart so each module has one job: pure builders and readers of Discord's
JSON shapes, with no state. The bot is in one server ("Film Club") with one text channel (#films);
`ready_payload` / `guild_payload` are READY and GUILD_CREATE, `interaction_payload` is an INTERACTION_CREATE,
`command_data` its `data` for a slash command or autocomplete. `message_text` / `iter_components` read a message
the way a user sees it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import discord

APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 910000000000000001
CHANNEL_ID = 920000000000000001
OWNER_ID = 930000000000000001
ADMIN_ROLE_ID = 940000000000000001
EPHEMERAL = 1 << 6
LOADING = 1 << 7


def user(user_id: int, name: str = "someone") -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name, "avatar": None}


ALICE = user(100000000000000001, "alice")
BOB = user(100000000000000002, "bob")


def bot_user() -> dict[str, Any]:
    return {**user(BOT_ID, "filmbot"), "bot": True}


# -- gateway ----------------------------------------------------------------------------------------------


def ready_payload(shard: tuple[int, int]) -> dict[str, Any]:
    """READY for one shard; shard 0 carries the (still unavailable) guild."""
    return {
        "v": 10,
        "user": bot_user(),
        "guilds": [{"id": str(GUILD_ID), "unavailable": True}] if shard[0] == 0 else [],
        "session_id": "fake-session",
        "resume_gateway_url": "wss://gateway.invalid",
        "application": {"id": str(APP_ID), "flags": 0},
        "shard": list(shard),
    }


def guild_payload() -> dict[str, Any]:
    everyone = {
        "id": str(GUILD_ID),
        "name": "@everyone",
        "permissions": str(discord.Permissions.general().value),
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    admins = {**everyone, "id": str(ADMIN_ROLE_ID), "name": "Film admins", "position": 1}
    return {
        "id": str(GUILD_ID),
        "name": "Film Club",
        "owner_id": str(OWNER_ID),
        "unavailable": False,
        "member_count": 3,
        "roles": [everyone, admins],
        "channels": [{"id": str(CHANNEL_ID), "type": 0, "name": "films", "position": 0, "permission_overwrites": []}],
        "members": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "threads": [],
        "voice_states": [],
        "presences": [],
        "preferred_locale": "en-US",
    }


def interaction_payload(
    snowflake: Callable[[], str],
    kind: int,
    data: dict[str, Any],
    *,
    who: Mapping[str, Any] = ALICE,
    where: str = "guild",
    permissions: int = 0,
    roles: Sequence[int] = (),
    message: Mapping[str, Any] | None = None,
    locale: str = "en-US",
    guild_locale: str = "en-US",
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload. `where`: guild, dm (bot DM) or group (a group DM, user install); `locale`
    the member's Discord language, `guild_locale` the server's."""
    iid = snowflake()
    payload: dict[str, Any] = {
        "id": iid,
        "application_id": str(APP_ID),
        "type": kind,
        "data": data,
        "token": f"tok-{iid}",
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "app_permissions": str(discord.Permissions.all().value),
    }
    if where == "guild":
        payload.update(
            guild_id=str(GUILD_ID),
            guild_locale=guild_locale,
            channel_id=str(CHANNEL_ID),
            channel={"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID), "name": "films"},
            member={
                "user": dict(who),
                "roles": [str(r) for r in roles],
                "permissions": str(permissions),
                "joined_at": "2024-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
            },
            context=0,
            authorizing_integration_owners={"0": str(GUILD_ID)},
        )
    else:
        channel_id = snowflake()
        channel_type = 1 if where == "dm" else 3
        channel: dict[str, Any] = {"id": channel_id, "type": channel_type, "recipients": [dict(who)]}
        if channel_type == 3:
            channel.update(name=None, owner_id=str(who["id"]), icon=None)
        payload.update(
            channel_id=channel_id,
            channel=channel,
            user=dict(who),
            context=1 if where == "dm" else 2,
            authorizing_integration_owners={"1": str(who["id"])},
        )
    if message is not None:
        payload["message"] = json.loads(json.dumps(message))
    return payload


def command_data(
    client: discord.Client, name: str, sub: str | None, options: Mapping[str, Any], focused: str | None = None
) -> dict[str, Any]:
    """`data` of an application command interaction, with option types as Discord sends them."""

    attachments: dict[str, Any] = {}

    def option(key: str, value: Any) -> dict[str, Any]:
        kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
        if isinstance(value, Mapping) and "filename" in value:  # an upload(): an attachment option
            attachments[str(value["id"])] = dict(value)
            kind, value = 11, str(value["id"])
        out: dict[str, Any] = {"name": key, "type": kind, "value": value}
        if key == focused:
            out["focused"] = True
        return out

    opts = [option(k, v) for k, v in options.items() if v is not None]
    data: dict[str, Any] = {"id": "1", "name": name, "type": 1}
    data["options"] = [{"type": 1, "name": sub, "options": opts}] if sub else opts
    if attachments:
        data["resolved"] = {"attachments": attachments}
    return data


# -- REST -------------------------------------------------------------------------------------------------


def application_payload() -> dict[str, Any]:
    """`GET /oauth2/applications/@me`."""
    return {
        "id": str(APP_ID),
        "name": "filmbot",
        "icon": None,
        "description": "A film club bot",
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user(OWNER_ID, "owner"),
        "verify_key": "0" * 64,
        "flags": 0,
    }


# -- reading messages -------------------------------------------------------------------------------------


def message_text(message: Mapping[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for f in embed.get("fields") or []:
            parts += [f.get("name") or "", f.get("value") or ""]
        parts.append((embed.get("footer") or {}).get("text") or "")
    for component in iter_components(message.get("components") or []):
        parts.append(component.get("label") or "")
        parts += [o.get("label", "") + " " + (o.get("description") or "") for o in component.get("options") or []]
    poll = message.get("poll")
    if poll:
        parts.append(poll["question"]["text"])
        parts += [a["poll_media"]["text"] for a in poll["answers"]]
    return "\n".join(p for p in parts if p)


def iter_components(components: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        yield component
        yield from iter_components(component.get("components") or [])


def bot_message(message_id: str, channel_id: str | None, *, kind: int = 0) -> dict[str, Any]:
    """An empty message the bot posted (kind 0: default; 20: a reply to a chat-input command)."""
    return {
        "id": message_id,
        "channel_id": channel_id,
        "author": bot_user(),
        "content": "",
        "embeds": [],
        "components": [],
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "type": kind,
        "timestamp": dt.datetime.now(dt.UTC).isoformat(),
        "edited_timestamp": None,
        "flags": 0,
    }


def poll_vote_payload(message: Mapping[str, Any], who: Mapping[str, Any], answer_id: int) -> dict[str, Any]:
    """A MESSAGE_POLL_VOTE_ADD / _REMOVE payload: `who` chose (or took back) answer `answer_id` of `message`'s poll."""
    event = {
        "user_id": str(who["id"]),
        "channel_id": str(message["channel_id"]),
        "message_id": str(message["id"]),
        "answer_id": answer_id,
    }
    if message.get("guild_id"):
        event["guild_id"] = str(message["guild_id"])
    return event
