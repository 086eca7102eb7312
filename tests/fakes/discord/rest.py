"""The offline Discord's REST side: the two seams discord.py's requests go through, and Discord's answers.

A mixin of `testing.FakeDiscord`, kept apart so each module has one job. `installed()` patches
`discord.http.HTTPClient.request` (ordinary REST: login, application info, command sync, messages),
`discord.webhook.async_.AsyncWebhookAdapter.request` (interaction callbacks, follow-ups, edits) and the CDN
download. `handle` records every request (on the fake and on its interaction), hands it to the optional
`validator` (a rejected request is answered with a 400, as Discord would) and answers it: the bot user, the
application, the synced command list, the `{"interaction": ..., "resource": ...}` callback body, and the
messages it creates and edits (kept so a test can click their components). Channel routes are
`fake_channels.ChannelsAndPolls`'s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Any, ClassVar, Self

from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter

from tests.fakes.discord.channels import NOT_MINE
from tests.fakes.discord.payloads import APP_ID, EPHEMERAL, LOADING, application_payload, bot_message, bot_user
from tests.fakes.discord.records import Interaction, Request, Validator, http_error


class FakeRest:
    """The request seams, their recording and validation, and the interaction/webhook/command routes."""

    _active: ClassVar[FakeRest | None] = None

    validator: Validator | None
    requests: list[Request]
    violations: list[str]
    messages: dict[str, dict[str, Any]]
    commands: dict[int | None, list[dict[str, Any]]]
    interactions: dict[str, Interaction]
    _ids: Iterator[int]

    # Provided by ChannelsAndPolls:
    answer_channels: Callable[[Route, Any, Mapping[str, Any]], Any]
    from_cdn: Callable[[str], Coroutine[Any, Any, bytes]]

    # -- installation --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def installed(self) -> Iterator[Self]:
        fake = self
        saved = HTTPClient.request, AsyncWebhookAdapter.request, HTTPClient.get_from_cdn

        async def http_request(
            http: HTTPClient, route: Route, *, files: Any = None, form: Any = None, **kw: Any
        ) -> Any:
            body = kw.get("json")
            if form:
                body = _form_json(form)
            return await fake.handle("http", route, body, kw.get("params") or {})

        async def webhook_request(
            adapter: AsyncWebhookAdapter,
            route: Route,
            session: Any,
            *,
            payload: Any = None,
            multipart: Any = None,
            params: Any = None,
            **kw: Any,
        ) -> Any:
            body = _form_json(multipart) if multipart else payload
            return await fake.handle("webhook", route, body, params or {})

        async def get_from_cdn(http: HTTPClient, url: str) -> bytes:
            return await fake.from_cdn(url)

        HTTPClient.request = http_request  # type: ignore[assignment]
        AsyncWebhookAdapter.request = webhook_request  # type: ignore[assignment]
        HTTPClient.get_from_cdn = get_from_cdn  # type: ignore[method-assign, assignment]
        FakeRest._active = self
        try:
            yield self
        finally:
            HTTPClient.request, AsyncWebhookAdapter.request, HTTPClient.get_from_cdn = saved  # type: ignore[method-assign]
            FakeRest._active = None

    def snowflake(self) -> str:
        return str(next(self._ids))

    # -- requests ------------------------------------------------------------------------------------

    async def handle(self, seam: str, route: Route, body: Any, query: Mapping[str, Any]) -> Any:
        path = route.url.removeprefix(Route.BASE)
        request = Request(route.method, path, body, dict(query), seam)
        self.requests.append(request)
        token = route.webhook_token if route.webhook_token else None
        interaction = self.interactions.get(token) if token else None
        if interaction is None and "/interactions/" in path:
            interaction = self.interactions.get(path.split("/")[3])
        if interaction is not None:
            interaction.requests.append(request)
        if self.validator is not None:
            problems = self.validator(route.method, path, body, query)
            if problems:
                self.violations.extend(problems)
                raise http_error(400, 50035, "Invalid Form Body: " + "; ".join(problems)[:500])
        return self._answer(route, path, body, query, interaction)

    def _answer(
        self, route: Route, path: str, body: Any, query: Mapping[str, Any], interaction: Interaction | None
    ) -> Any:
        method, template = route.method, route.path
        if (method, template) == ("GET", "/users/@me"):
            return bot_user()
        if (method, template) == ("GET", "/oauth2/applications/@me"):
            return application_payload()
        if template.endswith("/commands") and method == "PUT":
            guild = int(route.guild_id) if route.guild_id else None
            stored = [{**c, "id": self.snowflake(), "application_id": str(APP_ID), "version": "1"} for c in body or []]
            if guild:
                for c in stored:
                    c["guild_id"] = str(guild)
            self.commands[guild] = stored
            return stored
        if template.endswith("/commands") and method == "GET":
            return self.commands.get(int(route.guild_id) if route.guild_id else None, [])
        if template.startswith("/interactions/") and template.endswith("/callback"):
            return self._callback(interaction, body, bool(query.get("with_response")))
        if template.startswith("/webhooks/{webhook_id}/{webhook_token}"):
            return self._webhook(route, template, body, interaction)
        found = self.answer_channels(route, body, query)
        if found is not NOT_MINE:
            return found
        raise http_error(404, 10000, f"the fake Discord does not know {method} {template}")

    def _callback(self, interaction: Interaction | None, body: Any, with_response: bool) -> Any:
        if interaction is None:
            raise http_error(404, 10062, "Unknown interaction")
        if interaction.callback is not None:
            raise http_error(400, 40060, "Interaction has already been acknowledged.")
        interaction.callback = body
        interaction.answered_at = time.perf_counter()
        kind = int(body["type"])
        data = body.get("data") or {}
        message: dict[str, Any] | None = None
        if kind in (4, 5):
            flags = int(data.get("flags") or 0) | (LOADING if kind == 5 else 0)
            message = self._new_message(interaction, {**data, "flags": flags})
            interaction.original_id = message["id"]
        elif kind in (6, 7):
            source = interaction.payload.get("message") or {}
            interaction.original_id = source.get("id")
            if kind == 7 and interaction.original_id in self.messages:
                message = self._edit(interaction.original_id, data)
        if not with_response:
            return None
        response: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.payload["id"]),
                "type": interaction.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and int(message.get("flags") or 0) & EPHEMERAL),
            }
        }
        if message is not None:
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"] = {"type": kind, "message": message}
        return response

    def _webhook(self, route: Route, template: str, body: Any, interaction: Interaction | None) -> Any:
        if interaction is None:
            raise http_error(404, 10015, "Unknown Webhook")
        if template.endswith("/messages/@original"):
            target = interaction.original_id
        elif template.endswith("/messages/{message_id}"):
            target = route.url.rsplit("/", 1)[1]
        else:
            target = None
        if route.method == "POST" and target is None:
            if interaction.original_id and int(self.messages[interaction.original_id].get("flags", 0)) & LOADING:
                # The first follow-up after a "thinking" defer fills in the deferred message.
                return self._edit(interaction.original_id, {**body, "flags": int(body.get("flags") or 0)})
            message = self._new_message(interaction, body or {})
            interaction.followups.append(message)
            return message
        if target is None or target not in self.messages:
            raise http_error(404, 10008, "Unknown Message")
        if route.method == "GET":
            return self.messages[target]
        if route.method == "DELETE":
            del self.messages[target]
            return None
        return self._edit(target, body or {})

    # -- messages ------------------------------------------------------------------------------------

    def _new_message(self, interaction: Interaction, data: Mapping[str, Any]) -> dict[str, Any]:
        payload = interaction.payload
        message = bot_message(self.snowflake(), payload.get("channel_id"), kind=20 if payload["type"] == 2 else 0)
        message |= {"webhook_id": str(APP_ID), "application_id": str(APP_ID)}
        if payload.get("guild_id"):
            message["guild_id"] = payload["guild_id"]
        self.messages[message["id"]] = message
        self._apply(message, data)
        return message

    def _edit(self, message_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        message = self.messages[message_id]
        message["edited_timestamp"] = dt.datetime.now(dt.UTC).isoformat()
        message["flags"] = int(message.get("flags") or 0) & ~LOADING
        self._apply(message, data)
        return message

    def _apply_message(self, message: dict[str, Any], data: Mapping[str, Any]) -> None:
        self._apply(message, data)

    @staticmethod
    def _apply(message: dict[str, Any], data: Mapping[str, Any]) -> None:
        for key in ("content", "embeds", "components", "attachments"):
            if key in data:
                message[key] = data[key] if data[key] is not None else ("" if key == "content" else [])
        if "flags" in data and data["flags"] is not None:
            message["flags"] = int(message.get("flags") or 0) | int(data["flags"])
        for embed in message["embeds"]:
            embed.setdefault("type", "rich")
        if data.get("poll"):
            poll = data["poll"]
            hours = int(poll.get("duration") or 24)
            message["poll"] = {
                "question": poll["question"],
                "answers": [{"answer_id": n, **a} for n, a in enumerate(poll["answers"], start=1)],
                "expiry": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).isoformat(),
                "allow_multiselect": bool(poll.get("allow_multiselect")),
                "layout_type": poll.get("layout_type", 1),
                "results": {"is_finalized": False, "answer_counts": []},
            }


def _form_json(form: Any) -> Any:
    for part in form or []:
        if part.get("name") == "payload_json":
            return json.loads(part["value"])
    return None
