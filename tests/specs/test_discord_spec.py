"""The OpenAPI referee itself: it must catch what Discord rejects and pass what Discord accepts."""

from __future__ import annotations

import pytest

from tests.specs.discord_spec import MISSING_REASON, SPEC_PATH, DiscordSpec, extra_rules

pytestmark = pytest.mark.skipif(not SPEC_PATH.exists(), reason=MISSING_REASON)

CALLBACK = "/interactions/1/tok/callback"
EDIT = "/webhooks/1/tok/messages/@original"


@pytest.fixture(scope="module")
def spec() -> DiscordSpec:
    return DiscordSpec.load()


def choices(n: int) -> dict[str, object]:
    return {"type": 8, "data": {"choices": [{"name": f"Film {i}", "value": f"#{i}"} for i in range(n)]}}


def button(custom_id: str) -> dict[str, object]:
    return {
        "type": 4,
        "data": {
            "content": "x",
            "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": custom_id}]}],
        },
    }


def test_routes_match_templates(spec: DiscordSpec) -> None:
    assert spec.match("POST", CALLBACK) == "/interactions/{interaction_id}/{interaction_token}/callback"
    assert spec.match("PATCH", EDIT) == "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
    assert spec.match("PUT", "/applications/1/guilds/2/commands") is not None
    assert spec.check("GET", "/no/such/route") != []
    assert spec.check("PUT", CALLBACK, {}) != []  # wrong method


def test_autocomplete_choices(spec: DiscordSpec) -> None:
    assert spec.check("POST", CALLBACK, choices(25), {"with_response": True}) == []
    errors = spec.check("POST", CALLBACK, choices(26), {"with_response": True})
    assert any("maxItems" in e for e in errors)


def test_custom_id_length(spec: DiscordSpec) -> None:
    assert spec.check("POST", CALLBACK, button("x" * 100)) == []
    errors = spec.check("POST", CALLBACK, button("x" * 101))
    assert any("custom_id" in e and "maxLength" in e for e in errors)


def test_embed_title_length(spec: DiscordSpec) -> None:
    assert spec.check("PATCH", EDIT, {"embeds": [{"title": "t" * 256}]}) == []
    errors = spec.check("PATCH", EDIT, {"embeds": [{"title": "t" * 257}]})
    assert any("/embeds/0/title" in e for e in errors)


def test_unknown_query_parameter(spec: DiscordSpec) -> None:
    assert spec.check("POST", CALLBACK, choices(1), {"with_respons": True}) != []


def test_command_definitions(spec: DiscordSpec) -> None:
    good = [
        {
            "name": "film",
            "description": "Show a film",
            "type": 1,
            "options": [{"type": 3, "name": "title", "description": "Title", "required": True, "autocomplete": True}],
        }
    ]
    assert spec.check("PUT", "/applications/1/commands", good) == []
    bad = [{**good[0], "description": "d" * 101}]
    assert spec.check("PUT", "/applications/1/commands", bad) != []


def test_embed_total_is_checked_beyond_the_schema() -> None:
    fields = [{"name": "n" * 256, "value": "v" * 1024} for _ in range(4)]
    body = {"embeds": [{"title": "t" * 256, "description": "d" * 1000, "fields": fields}]}
    assert any("6000" in p for p in extra_rules(body))
    assert extra_rules({"embeds": [{"title": "t", "description": "d" * 4096}]}) == []


def test_command_size_is_checked_beyond_the_schema() -> None:
    options = [{"type": 3, "name": f"o{i}", "description": "d" * 100} for i in range(25)]
    big = {
        "name": "film",
        "description": "d" * 100,
        "options": [{"type": 1, "name": "s", "description": "x", "options": options}] * 2,
    }
    assert any("4000" in p for p in extra_rules([big]))
