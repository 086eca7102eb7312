"""TMDB's OpenAPI 3.1 description of API v3 as a referee for the requests the bot sends to the fake TMDB.

TMDB publishes it at https://developer.themoviedb.org/openapi/tmdb-api.json. It is not vendored here: no
licence for redistributing it was found (see tests/fixtures/README.md). Put it at ../shared/specs/tmdb-api.json
(beside the platform specs) and every request the fake TMDB receives is checked against it: the path must be
one of the document's GET operations, every query parameter must be one it declares (plus `api_key`, API v3's
query-string authentication, which the document models as a header scheme), required ones present, and each
value must fit its schema (integer, boolean, enum). Without the file the fake keeps its own table of the same
three operations (tests/fakes/sources.py, TMDB_OPERATIONS).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT.parent / "shared" / "specs" / "tmdb-api.json"
MISSING_REASON = (
    f"TMDB's OpenAPI description is not available at {SPEC_PATH} (not vendored; see tests/specs/tmdb_spec.py)"
)
AUTH_QUERY = frozenset({"api_key"})


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    where: str  # "path" | "query"
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Operation:
    op_id: str
    template: str
    pattern: re.Pattern[str]
    params: Mapping[str, Param]


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


def _fits(value: str, schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    if "enum" in schema and value not in [str(v) for v in schema["enum"]]:
        return False
    if kind == "integer":
        return re.fullmatch(r"-?\d+", value) is not None
    if kind == "number":
        return re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
    if kind == "boolean":
        return value in ("true", "false")
    return True


class TmdbSpec:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.version = str(document.get("openapi", "?"))
        self.operations: list[Operation] = []
        for template, item in document["paths"].items():
            op = item.get("get")
            if not isinstance(op, dict):
                continue
            params = {
                p["name"]: Param(p["name"], p["in"], bool(p.get("required")), p.get("schema") or {})
                for p in op.get("parameters", [])
                if p.get("in") in ("path", "query")
            }
            self.operations.append(Operation(op.get("operationId", template), template, _pattern(template), params))
        # a literal segment beats a parameter ("/3/movie/latest" before "/3/movie/{movie_id}")
        self.operations.sort(key=lambda o: o.template.count("{"))

    @classmethod
    @functools.cache
    def load(cls, path: Path = SPEC_PATH) -> TmdbSpec:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def operation(self, path: str) -> tuple[Operation, dict[str, str]] | None:
        for op in self.operations:
            if m := op.pattern.match(path):
                return op, m.groupdict()
        return None

    def check_request(self, method: str, path: str, query: Mapping[str, str]) -> list[str]:
        """Problems with one request as the fake received it (an empty list: it is one TMDB documents)."""
        if method != "GET":
            return [f"{method} {path}: the bot only reads from TMDB"]
        found = self.operation(path)
        if found is None:
            return [f"undocumented path {path} (TMDB OpenAPI {self.version})"]
        op, path_values = found
        problems: list[str] = []
        for name, value in path_values.items():
            param = op.params.get(name)
            if param is not None and not _fits(value, param.schema):
                problems.append(f"{op.op_id}: path {name}={value!r} is not {param.schema.get('type')}")
        for name, value in query.items():
            param = op.params.get(name)
            if name in AUTH_QUERY:
                continue
            if param is None or param.where != "query":
                problems.append(f"{op.op_id}: undocumented parameter {name!r}")
            elif not _fits(value, param.schema):
                problems.append(f"{op.op_id}: {name}={value[:40]!r} does not fit {dict(param.schema)}")
        for param in op.params.values():
            if param.where == "query" and param.required and param.name not in query:
                problems.append(f"{op.op_id}: missing required parameter {param.name!r}")
        return problems
