"""The offline Discord's channels and polls: bot messages, poll votes, ending polls, attachments, modals.

A mixin of `testing.FakeDiscord`, kept apart so each module has one job. What it models, as Discord does it:
- `POST /channels/{c}/messages` (the bot posting outside an interaction: scheduled announcements) and
  `PATCH /channels/{c}/messages/{m}` (editing one of its messages with the bot token, e.g. a closed ballot);
- native polls: members vote (`vote`), which Discord records and announces with MESSAGE_POLL_VOTE_ADD /
  _REMOVE through the client's real parsers - unless the bot is offline, when the vote is only recorded
  (Discord never replays it); `GET .../polls/{m}/answers/{a}` pages through an answer's voters;
  `POST .../polls/{m}/expire` ends a poll and answers with its message, whose results carry Discord's final
  counts (a second time: Discord's "poll expired" error);
- attachments: `upload()` stores a file on the "CDN" for `Attachment.read()`, and a slash option given an
  upload is sent as an attachment option with its `resolved` entry;
- modals: `submit()` sends a MODAL_SUBMIT with the values typed into a modal's text inputs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import discord

from tests.fakes.discord.payloads import EPHEMERAL, bot_message, bot_user, poll_vote_payload
from tests.fakes.discord.records import http_error

if TYPE_CHECKING:
    from discord.http import Route

    from tests.fakes.discord.records import Interaction

NOT_MINE: Any = object()
POLL_EXPIRED = 520001


class ChannelsAndPolls:
    """State and routes for channel messages, poll votes, CDN files and modal submissions."""

    messages: dict[str, dict[str, Any]]
    poll_voters: dict[str, dict[int, list[dict[str, Any]]]]
    cdn: dict[str, bytes]

    # Provided by FakeDiscord:
    snowflake: Callable[[], str]
    _apply_message: Callable[[dict[str, Any], Mapping[str, Any]], None]
    send: Callable[..., Awaitable[Interaction]]
    interaction: Callable[..., dict[str, Any]]
    settle: Callable[..., Awaitable[None]]

    # -- routes --------------------------------------------------------------------------------------

    def answer_channels(self, route: Route, body: Any, query: Mapping[str, Any]) -> Any:
        """The channel routes this fake knows, or NOT_MINE."""
        method, template = route.method, route.path
        channel_id = str(route.channel_id) if route.channel_id else None
        if (method, template) == ("POST", "/channels/{channel_id}/messages"):
            message = bot_message(self.snowflake(), channel_id)
            self.messages[message["id"]] = message
            self._apply_message(message, body or {})
            return message
        if (method, template) == ("PATCH", "/channels/{channel_id}/messages/{message_id}"):
            edited = self.messages.get(route.url.rsplit("/", 1)[1])
            if (
                edited is None
                or str(edited.get("channel_id")) != channel_id
                or int(edited.get("flags") or 0) & EPHEMERAL
            ):
                raise http_error(404, 10008, "Unknown Message")  # an ephemeral message has no channel copy
            if edited["author"]["id"] != bot_user()["id"]:
                raise http_error(403, 50005, "Cannot edit a message authored by another user")
            edited["edited_timestamp"] = dt.datetime.now(dt.UTC).isoformat()
            self._apply_message(edited, body or {})
            return edited
        if not template.startswith("/channels/{channel_id}/polls/{message_id}"):
            return NOT_MINE
        message_id = route.url.split("/polls/", 1)[1].split("/", 1)[0]
        poll_message = self.messages.get(message_id)
        if poll_message is None or not poll_message.get("poll"):
            raise http_error(404, 10008, "Unknown Message")
        poll = poll_message["poll"]
        if method == "POST" and template.endswith("/expire"):
            if poll["results"]["is_finalized"]:
                raise http_error(400, POLL_EXPIRED, "Poll expired")
            poll["results"] = {"is_finalized": True, "answer_counts": self.answer_counts(message_id)}
            poll["expiry"] = dt.datetime.now(dt.UTC).isoformat()
            return poll_message
        if method == "GET" and "/answers/" in template:
            answer_id = int(route.url.rsplit("/", 1)[1])
            voters = sorted(self.poll_voters.get(message_id, {}).get(answer_id, []), key=lambda u: int(u["id"]))
            after = int(query.get("after") or 0)
            limit = int(query.get("limit") or 25)
            return {"users": [u for u in voters if int(u["id"]) > after][:limit]}
        return NOT_MINE

    def answer_counts(self, message_id: str) -> list[dict[str, Any]]:
        """Discord's own tally of a poll (what its results carry): votes per answer that has any."""
        voters = self.poll_voters.get(str(message_id), {})
        return [{"id": a, "count": len(m), "me_voted": False} for a, m in sorted(voters.items()) if m]

    async def until(self, predicate: Callable[[], bool], limit_s: float = 5.0) -> None:
        """Wait for an effect of background work (the scheduler), which `settle` deliberately ignores."""
        deadline = asyncio.get_running_loop().time() + limit_s
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the expected effect did not happen")
            await asyncio.sleep(0.001)
        await self.settle()

    # -- members' actions ----------------------------------------------------------------------------

    async def vote(
        self,
        client: discord.Client | None,
        message: Mapping[str, Any],
        who: Mapping[str, Any],
        answer_id: int,
        *,
        remove: bool = False,
    ) -> None:
        """A member votes on (or un-votes) a poll answer; `client=None`: the bot is offline and misses it."""
        poll = self.messages[str(message["id"])]["poll"]
        if poll["results"]["is_finalized"]:
            raise AssertionError("Discord does not accept votes on an ended poll")
        voters = self.poll_voters.setdefault(str(message["id"]), {})
        if not remove and not poll["allow_multiselect"]:  # a single-choice poll keeps one answer a member
            for other, members in voters.items():
                if other != answer_id and any(m["id"] == who["id"] for m in members):
                    await self.vote(client, message, who, other, remove=True)
        members = voters.setdefault(answer_id, [])
        already = any(m["id"] == who["id"] for m in members)
        if remove and already:
            members[:] = [m for m in members if m["id"] != who["id"]]
        elif not remove and not already:
            members.append(dict(who))
        else:
            return
        if client is None:
            return
        event = poll_vote_payload(message, who, answer_id)
        before = asyncio.all_tasks()
        client._connection.parsers["MESSAGE_POLL_VOTE_REMOVE" if remove else "MESSAGE_POLL_VOTE_ADD"](event)
        await self.settle(before)

    def upload(self, filename: str, data: bytes, content_type: str = "application/octet-stream") -> dict[str, Any]:
        """A file a member attaches to a slash command (pass it as the option's value)."""
        attachment_id = self.snowflake()
        url = f"https://cdn.discordapp.com/attachments/1/{attachment_id}/{filename}"
        self.cdn[url] = data
        return {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    async def from_cdn(self, url: str) -> bytes:
        if url not in self.cdn:
            raise http_error(404, 0, "asset not found")
        return self.cdn[url]

    async def submit(
        self, client: discord.Client, modal: Mapping[str, Any], values: Mapping[str, str], **who: Any
    ) -> Interaction:
        """Fill in a modal the bot showed (`Interaction.modal`) and submit it."""
        known = {c["custom_id"] for c in _inputs(modal.get("components") or [])}
        unknown = set(values) - known
        if unknown:
            raise LookupError(f"the modal has no inputs {sorted(unknown)}")
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": values.get(key, "")}]}
            for key in [c["custom_id"] for c in _inputs(modal.get("components") or [])]
        ]
        data = {"custom_id": modal["custom_id"], "components": rows}
        return await self.send(client, self.interaction(5, data, **who))


def _inputs(components: Any) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for c in components:
        if c.get("type") == 4:
            out.append(c)
        out += _inputs(c.get("components") or ([c["component"]] if c.get("component") else []))
    return out
