"""Check outgoing Telegram Bot API calls against the machine-readable Bot API spec.

Why: python-telegram-bot sends whatever it is given (a 65-byte callback_data, 51 inline results, a 4,097
character message); Telegram answers 400 and the user sees nothing. The spec in
`../shared/specs/telegram-bot-api.json` is the referee. It lists every method and type with fields, types
and required flags; the limits live in the prose of the descriptions ("1-4096 characters after entities
parsing", "1-64 bytes", "A JSON-serialized list of 1-12 answer options", "No more than 50 results per query
are allowed", "Required if inline_message_id is not specified", "Exactly one of the fields other than text,
... must be used", "must be article"). This checker reads those phrases generically, so a method or type we
start using tomorrow is checked with no change here.

Input is what went over the wire: python-telegram-bot posts form fields where strings are raw and every
other value is JSON-encoded; the spec's field types say which is which. Nested objects (reply_markup ->
InlineKeyboardMarkup -> InlineKeyboardButton, InlineQueryResultArticle -> InputTextMessageContent) are
checked recursively; abstract types (InlineQueryResult, BotCommandScope) are resolved through their
`type` discriminator or, failing that, the subtype that fits best.

Text with parse_mode HTML is parsed strictly as Telegram does (only its tags, balanced, `<`, `>` and `&`
escaped) and measured as visible text. Lengths are counted in UTF-16 code units, as Telegram counts them.

The rules the spec states only in words we do not parse are in `EXTRA_RULES` (non-empty button labels,
http(s)/tg URLs, the command-name alphabet).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
# A git worktree elsewhere (e.g. /work/wt/NAME) names the shared folder with FILMBOT_SHARED.
SHARED = Path(os.environ.get("FILMBOT_SHARED") or REPO_ROOT.parent / "shared")
SPEC_PATH = SHARED / "specs" / "telegram-bot-api.json"
MISSING_REASON = f"the Telegram Bot API spec is not available at {SPEC_PATH} (../shared is absent)"

PARSE_MODES = {"HTML", "MarkdownV2", "Markdown"}
# Telegram's HTML: tag -> attributes it may carry.
HTML_TAGS: dict[str, set[str]] = {
    **{t: set() for t in ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler")},
    "span": {"class"},
    "a": {"href"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
    "tg-time": {"unix", "format"},
}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'|[^\s>\"'<]+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_CHAR_LIMIT = re.compile(r"(\d+)-(\d+) (characters|bytes)", re.IGNORECASE)
_LIST_LIMIT = re.compile(r"list of (\d+)-(\d+) \w+|must include (\d+)-(\d+) items|At most (\d+) \w+ can be")
_INT_RANGE = re.compile(r"(?:[Vv]alues between |; |, )(\d+)-(\d+)(?=[ .,;]|$)")
_MUST_BE = re.compile(r"must be (\w+)$")
_ONE_OF = re.compile(r"[Mm]ust be one of ((?:\"[^\"]+\"[^\"]*)+)")
_REQUIRED_IF = re.compile(
    r"[Rr]equired if (\w+)(?: and (\w+))? (?:is|are) not specified|[Rr]equired if (\w+) isn't specified"
)
_PER_QUERY = re.compile(r"No more than (\d+) (\w+) per")
_EXACTLY_ONE = re.compile(r"Exactly one of the fields other than (.+?) must be used")
_ONE_OPTIONAL = re.compile(r"must use exactly one of the optional fields")


def units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_html(text: str) -> tuple[str, list[str]]:
    """Telegram-HTML -> (visible text, problems). Strict: what Telegram would refuse is a problem."""
    out: list[str] = []
    problems: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            m = _TAG.match(text, i)
            if m is None:
                problems.append(f"unescaped '<' at {i}: {text[i : i + 20]!r}")
                i += 1
                continue
            closing, tag, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if tag not in HTML_TAGS:
                problems.append(f"tag <{tag}> is not supported by Telegram")
            elif closing:
                if not stack or stack[-1] != tag:
                    problems.append(f"unbalanced </{tag}> (open: {stack})")
                else:
                    stack.pop()
            else:
                for am in _ATTR.finditer(attrs):
                    name, value = am.group(1), am.group(2) or am.group(3) or am.group(4) or ""
                    if name not in HTML_TAGS[tag]:
                        problems.append(f"<{tag}> cannot have attribute {name!r}")
                    if "<" in value or re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", value):
                        problems.append(f"unescaped character in <{tag} {name}>")
                stack.append(tag)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if m is None:
                problems.append(f"unescaped '&' at {i}: {text[i : i + 12]!r}")
                out.append("&")
                i += 1
                continue
            ref = m.group(1)
            if ref in _NAMED:
                out.append(_NAMED[ref])
            else:
                out.append(chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])))
            i = m.end()
        elif ch == ">":
            problems.append(f"unescaped '>' at {i}")
            out.append(ch)
            i += 1
        else:
            out.append(ch)
            i += 1
    if stack:
        problems.append(f"unclosed tags: {stack}")
    return "".join(out), problems


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    types: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class Shape:
    """A method's parameters or a type's fields, with the type's own description."""

    name: str
    fields: dict[str, Field]
    description: str
    subtypes: tuple[str, ...] = ()


class TelegramSpec:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.version = str(document.get("version", "?"))
        self.methods = {n: self._shape(v) for n, v in document["methods"].items()}
        self.types = {n: self._shape(v) for n, v in document["types"].items()}

    @staticmethod
    def _shape(raw: Mapping[str, Any]) -> Shape:
        fields = {
            f["name"]: Field(f["name"], tuple(f["types"]), bool(f["required"]), f.get("description", ""))
            for f in raw.get("fields", [])
        }
        return Shape(raw["name"], fields, " ".join(raw.get("description", [])), tuple(raw.get("subtypes", [])))

    @classmethod
    @functools.cache
    def load(cls, path: Path = SPEC_PATH) -> TelegramSpec:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    # -- entry points --------------------------------------------------------------------------
    def check_call(self, method: str, raw: Mapping[str, str]) -> list[str]:
        """Problems with one call as sent over the wire (form fields: raw strings or JSON)."""
        shape = self.methods.get(method)
        if shape is None:
            return [f"unknown method {method!r} (Bot API {self.version})"]
        params: dict[str, Any] = {}
        problems: list[str] = []
        for name, value in raw.items():
            spec = shape.fields.get(name)
            if spec is None:
                problems.append(f"{method}: unknown parameter {name!r}")
                continue
            decoded = _decode(value, spec.types)
            if decoded is _BAD:
                problems.append(f"{method}.{name}: {value[:40]!r} is not JSON for {' or '.join(spec.types)}")
                continue
            params[name] = decoded
        problems.extend(self._check_fields(method, shape, params))
        return problems

    def check_object(self, type_name: str, value: Any, where: str | None = None) -> list[str]:
        return self._check_value(where or type_name, (type_name,), value, Field("", (type_name,), True, ""))

    # -- the rules -----------------------------------------------------------------------------
    def _check_fields(self, where: str, shape: Shape, obj: Mapping[str, Any]) -> list[str]:
        problems: list[str] = []
        for name in obj:
            if name not in shape.fields:
                problems.append(f"{where}: unknown field {name!r} for {shape.name}")
        for spec in shape.fields.values():
            present = spec.name in obj and obj[spec.name] is not None
            if not present:
                if spec.required:
                    problems.append(f"{where}: missing required {spec.name!r}")
                elif m := _REQUIRED_IF.search(spec.description):
                    others = [g for g in m.groups() if g]
                    if not any(o in obj for o in others):
                        problems.append(f"{where}: {spec.name!r} is required when {' and '.join(others)} is absent")
                continue
            value = obj[spec.name]
            path = f"{where}.{spec.name}"
            problems.extend(self._check_value(path, spec.types, value, spec))
            problems.extend(self._check_limits(path, spec, value, obj))
        problems.extend(self._check_shape_rules(where, shape, obj))
        for rule in EXTRA_RULES.get(shape.name, ()):
            problems.extend(rule(where, obj))
        return problems

    def _check_shape_rules(self, where: str, shape: Shape, obj: Mapping[str, Any]) -> list[str]:
        problems = []
        if m := _EXACTLY_ONE.search(shape.description):
            exempt = set(re.findall(r"[a-z_]+", m.group(1))) - {"and"}
            used = [k for k in obj if k not in exempt and obj[k] is not None]
            if len(used) != 1:
                problems.append(f"{where}: exactly one of the other fields of {shape.name} must be set, got {used}")
        if _ONE_OPTIONAL.search(shape.description):
            used = [k for k, f in shape.fields.items() if not f.required and obj.get(k) is not None]
            if len(used) != 1:
                problems.append(f"{where}: exactly one optional field of {shape.name} must be set, got {used}")
        if m := _PER_QUERY.search(shape.description):
            items = obj.get(m.group(2))
            if isinstance(items, list) and len(items) > int(m.group(1)):
                problems.append(f"{where}.{m.group(2)}: {len(items)} items, at most {m.group(1)} allowed")
        return problems

    def _check_value(self, path: str, types: tuple[str, ...], value: Any, spec: Field) -> list[str]:
        best: list[str] | None = None
        for t in types:
            problems = self._check_one(path, t, value)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _check_one(self, path: str, type_name: str, value: Any) -> list[str]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {type_name}, got {type(value).__name__}"]
            inner = type_name.removeprefix("Array of ")
            out: list[str] = []
            for i, item in enumerate(value):
                out.extend(self._check_one(f"{path}[{i}]", inner, item))
            return out
        simple = _SIMPLE.get(type_name)
        if simple is not None:
            return [] if simple(value) else [f"{path}: expected {type_name}, got {value!r:.40}"]
        shape = self.types.get(type_name)
        if shape is None:
            return [f"{path}: unknown type {type_name}"]
        if shape.subtypes:
            return self._check_union(path, shape, value)
        if not isinstance(value, dict):
            return [f"{path}: expected a {type_name} object, got {type(value).__name__}"]
        return self._check_fields(path, shape, value)

    def _check_union(self, path: str, shape: Shape, value: Any) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: expected a {shape.name} object"]
        candidates = list(shape.subtypes)
        if "type" in value:
            by_tag = [s for s in candidates if self._discriminator(s) == value["type"]]
            candidates = by_tag or candidates
        results = [self._check_one(path, s, value) for s in candidates]
        return min(results, key=len) if results else [f"{path}: {shape.name} has no subtypes"]

    def _discriminator(self, type_name: str) -> str | None:
        field = self.types[type_name].fields.get("type")
        m = _MUST_BE.search(field.description) if field else None
        return m.group(1) if m else None

    def _check_limits(self, path: str, spec: Field, value: Any, obj: Mapping[str, Any]) -> list[str]:
        problems: list[str] = []
        desc = spec.description
        if isinstance(value, str):
            if f"{spec.name}_parse_mode" in obj:
                mode = obj[f"{spec.name}_parse_mode"]
            else:
                mode = obj.get("parse_mode") if spec.name in {"text", "caption", "message_text"} else None
            measured = value
            if mode == "HTML":
                measured, html_problems = parse_html(value)
                problems.extend(f"{path}: {p}" for p in html_problems)
            if spec.name == "parse_mode" and value not in PARSE_MODES:
                problems.append(f"{path}: unknown parse mode {value!r}")
            if m := _CHAR_LIMIT.search(desc):
                low, high, unit = int(m.group(1)), int(m.group(2)), m.group(3).lower()
                after_parsing = "after entit" in desc
                text = measured if after_parsing else value
                size = len(value.encode("utf-8")) if unit == "bytes" else units(text)
                if unit == "characters" and after_parsing and low >= 1 and not text.strip():
                    problems.append(f"{path}: empty after entity parsing")
                if not low <= size <= high:
                    problems.append(f"{path}: {size} {unit}, allowed {low}-{high}")
            if (m := _MUST_BE.search(desc)) and spec.name == "type" and value != m.group(1):
                problems.append(f"{path}: must be {m.group(1)!r}, got {value!r}")
            if (m := _ONE_OF.search(desc)) and value not in re.findall(r"\"([^\"]+)\"", m.group(1)):
                problems.append(f"{path}: {value!r} is not one of {m.group(1)}")
        elif isinstance(value, list):
            if m := _LIST_LIMIT.search(desc):
                nums = [int(g) for g in m.groups() if g is not None]
                low, high = (nums[0], nums[1]) if len(nums) == 2 else (0, nums[0])
                if not low <= len(value) <= high:
                    problems.append(f"{path}: {len(value)} items, allowed {low}-{high}")
        elif _is_int(value) and "Integer" in spec.types and (m := _INT_RANGE.search(desc)):
            low, high = int(m.group(1)), int(m.group(2))
            if not low <= value <= high:
                problems.append(f"{path}: {value} outside {low}-{high}")
        return problems


_BAD = object()


def _decode(raw: str, types: tuple[str, ...]) -> Any:
    if types == ("String",):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw if any(t in ("String", "InputFile") for t in types) else _BAD


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63


_SIMPLE: dict[str, Callable[[Any], bool]] = {
    "String": lambda v: isinstance(v, str),
    "Integer": _is_int,
    "Float": lambda v: _is_int(v) or isinstance(v, float),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
    "InputFile": lambda v: isinstance(v, str),
}


def _button_rules(where: str, obj: Mapping[str, Any]) -> list[str]:
    problems = []
    text = obj.get("text")
    if isinstance(text, str) and not text.strip():
        problems.append(f"{where}.text: a button needs a visible label")
    url = obj.get("url")
    if isinstance(url, str) and not re.match(r"^(https?|tg)://\S+$", url):
        problems.append(f"{where}.url: {url[:60]!r} is not an http(s):// or tg:// URL")
    return problems


def _url_rule(field_name: str) -> Callable[[str, Mapping[str, Any]], list[str]]:
    def rule(where: str, obj: Mapping[str, Any]) -> list[str]:
        url = obj.get(field_name)
        if isinstance(url, str) and url and not re.match(r"^https?://\S+$", url):
            return [f"{where}.{field_name}: {url[:60]!r} is not an http(s) URL"]
        return []

    return rule


def _command_name(where: str, obj: Mapping[str, Any]) -> list[str]:
    name = obj.get("command")
    if isinstance(name, str) and not re.fullmatch(r"[a-z0-9_]{1,32}", name):
        return [f"{where}.command: {name!r} may hold only lowercase letters, digits and underscores"]
    return []


EXTRA_RULES: dict[str, tuple[Callable[[str, Mapping[str, Any]], list[str]], ...]] = {
    "InlineKeyboardButton": (_button_rules,),
    "BotCommand": (_command_name,),
    "LinkPreviewOptions": (_url_rule("url"),),
    "InlineQueryResultArticle": (_url_rule("thumbnail_url"), _url_rule("url")),
}


def checker() -> Callable[[str, dict[str, str]], list[str]]:
    """`check_call` of the shared spec, for the fake Bot API's `validator` hook."""
    return TelegramSpec.load().check_call
