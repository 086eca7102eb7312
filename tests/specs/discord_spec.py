"""Check outgoing Discord REST requests against Discord's own OpenAPI description.

Why: discord.py does not enforce Discord's limits (it happily sends 26 autocomplete choices or a 101-character
custom_id; Discord answers 400 and the user sees "This interaction failed"). The official spec in
`../shared/specs/discord-openapi.json` is the referee: every request the adapter tests record is matched to a
route (method + path template) and its JSON body is validated against that route's request schema, with
`$ref`s resolved through a `referencing` registry (Draft 2020-12, which OpenAPI 3.1 schemas are).

Attachment ids that discord.py sends as integers are read as the strings the spec expects (Discord takes both).
The spec cannot express a few rules, so `extra_rules` checks them: the 6000-character total of a message's
embeds, unique custom_ids within a message, at most 5 action rows, and 4000 characters per slash command.

Unions: the spec writes request unions as `anyOf` with `x-discord-union: oneOf`; we validate the `anyOf`
as written (the member schemas of e.g. the webhook body overlap, so a strict oneOf would reject valid bodies).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parents[2]
# A git worktree elsewhere (e.g. /work/wt/NAME) names the shared folder with FILMBOT_SHARED.
SHARED = Path(os.environ.get("FILMBOT_SHARED") or REPO_ROOT.parent / "shared")
SPEC_PATH = SHARED / "specs" / "discord-openapi.json"
SPEC_URI = "urn:discord-openapi"
MISSING_REASON = f"Discord's OpenAPI spec is not available at {SPEC_PATH} (../shared is absent)"
EMBED_TOTAL = 6000
COMMAND_CHARS = 4000
METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True, slots=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    literal_segments: int


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


class DiscordSpec:
    """The routes and request schemas of Discord's HTTP API, ready to check requests against."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(dict(document), default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self.routes: list[_Route] = []
        for template in document["paths"]:
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            literal = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
            self.routes.append(_Route(template, re.compile(regex), literal))
        # The most specific template wins: `/messages/@original` before `/messages/{message_id}`.
        self.routes.sort(key=lambda r: -r.literal_segments)

    @classmethod
    @functools.cache
    def load(cls, path: Path = SPEC_PATH) -> DiscordSpec:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def match(self, method: str, path: str) -> str | None:
        """The path template for a concrete path (`/api/v10` prefix allowed), or None."""
        path = re.sub(r"^(https://discord\.com)?/api/v\d+", "", path.split("?", 1)[0])
        method = method.lower()
        for route in self.routes:
            if route.pattern.match(path) and method in self.document["paths"][route.template]:
                return route.template
        return None

    @functools.cache  # noqa: B019 - one spec per process; validators are costly to build
    def _validator(self, template: str, method: str) -> Draft202012Validator | None:
        operation = self.document["paths"][template][method]
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return None
        pointer = _pointer("paths", template, method, "requestBody", "content", "application/json", "schema")
        ref = {"$ref": f"{SPEC_URI}#{quote(pointer, safe='/~@')}"}
        return Draft202012Validator(ref, registry=self.registry)

    def _query_names(self, template: str, method: str) -> set[str]:
        item = self.document["paths"][template]
        params = [*item.get("parameters", []), *item[method].get("parameters", [])]
        return {p["name"] for p in params if p.get("in") == "query"}

    def check(self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None) -> list[str]:
        """Everything wrong with one request, as readable lines (empty when Discord would accept it)."""
        template = self.match(method, path)
        where = f"{method.upper()} {path}"
        if template is None:
            return [f"{where}: no such route in Discord's API"]
        errors: list[str] = []
        unknown = set(query or {}) - self._query_names(template, method.lower())
        if unknown:
            errors.append(f"{where}: unknown query parameters {sorted(unknown)}")
        validator = self._validator(template, method.lower())
        body = _snowflakes_as_strings(body)
        if body is not None:
            if validator is None:
                errors.append(f"{where}: this route takes no JSON body")
            else:
                for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
                    errors.extend(_describe(where, error))
        errors.extend(f"{where}: {problem}" for problem in extra_rules(body))
        return errors


def _snowflakes_as_strings(body: Any) -> Any:
    """Attachment ids as Discord reads them. discord.py sends an upload's id as its index (an integer);
    Discord accepts integer snowflakes in JSON, but the spec types every snowflake as a string."""
    if isinstance(body, list):
        return [_snowflakes_as_strings(item) for item in body]
    if not isinstance(body, Mapping):
        return body
    out = {k: _snowflakes_as_strings(v) for k, v in body.items()}
    attachments = out.get("attachments")
    if isinstance(attachments, list):
        out["attachments"] = [
            {**a, "id": str(a["id"])} if isinstance(a, Mapping) and isinstance(a.get("id"), int) else a
            for a in attachments
        ]
    return out


def _describe(where: str, error: Any) -> list[str]:
    """The telling reasons of a (possibly anyOf) validation error, so a 26th choice is named as such.

    An anyOf failure carries every alternative's complaints; "wrong type"/"not one of" complaints mostly say
    "this was the other alternative", so limit complaints (too long, too many, ...) are shown first.
    """
    leaves = list(_leaves(error))
    telling = [e for e in leaves if e.validator not in {"type", "enum", "const", "oneOf", "anyOf"}]
    seen: dict[tuple[str, str], str] = {}
    for e in telling or leaves:
        at = "/" + "/".join(map(str, e.absolute_path))
        text = e.message if len(e.message) <= 120 else e.message[:100] + "…"
        rule = f" ({e.validator} {e.validator_value})" if e.validator not in {"type", "required"} else ""
        seen.setdefault((at, e.validator), f"{where}: at {at}: {text}{rule}")
    return list(seen.values())[:5]


def _leaves(error: Any) -> Iterator[Any]:
    if not error.context:
        yield error
        return
    for sub in error.context:
        yield from _leaves(sub)


def _embed_chars(embed: Mapping[str, Any]) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for field in embed.get("fields") or []:
        total += len(field.get("name") or "") + len(field.get("value") or "")
    return total


def _messages(body: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        return
    yield body
    data = body.get("data")
    if isinstance(data, Mapping):
        yield data


def _custom_ids(components: Any) -> Iterator[str]:
    for component in components or []:
        if not isinstance(component, Mapping):
            continue
        if "custom_id" in component:
            yield component["custom_id"]
        yield from _custom_ids(component.get("components"))


def _command_chars(command: Mapping[str, Any]) -> int:
    total = len(command.get("name") or "") + len(command.get("description") or "")
    for option in command.get("options") or []:
        total += _command_chars(option)
    for choice in command.get("choices") or []:
        total += len(choice.get("name") or "") + len(str(choice.get("value") or ""))
    return total


def extra_rules(body: Any) -> list[str]:
    """Discord rules the OpenAPI schema cannot express."""
    problems: list[str] = []
    if isinstance(body, list):  # a bulk command upload: 4000 characters per command, all levels together
        for command in body:
            if isinstance(command, Mapping) and _command_chars(command) > COMMAND_CHARS:
                problems.append(f"command {command.get('name')!r} holds more than {COMMAND_CHARS} characters")
    for message in _messages(body):
        embeds = message.get("embeds") or []
        total = sum(_embed_chars(e) for e in embeds if isinstance(e, Mapping))
        if total > EMBED_TOTAL:
            problems.append(f"embeds hold {total} characters (Discord allows {EMBED_TOTAL} in all)")
        ids = list(_custom_ids(message.get("components")))
        if len(ids) != len(set(ids)):
            problems.append(f"custom_ids repeat within one message: {ids}")
        rows = [c for c in message.get("components") or [] if isinstance(c, Mapping) and c.get("type") == 1]
        if len(rows) > 5:
            problems.append(f"{len(rows)} action rows (at most 5)")
    return problems
