"""The shipped catalogs: every message the code marks is translated (not fuzzy) in every shipped language, with
the same placeholders, and the compiled `.mo` files say what the `.po` files say."""

from __future__ import annotations

import gettext
import string
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import DEFAULT_LANGUAGE, LOCALE_DIR, SUPPORTED_LANGUAGES, _, ngettext, speaking

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}  # as in README "Translations" (babel.cfg)
SHIPPED = [language for language in SUPPORTED_LANGUAGES if language != DEFAULT_LANGUAGE]
Msgid = str | tuple[str, str]


@cache
def extracted() -> dict[Msgid, str]:
    """Every marked message in bot/ and adapters/ (msgid, or (singular, plural)) -> where it is."""
    found: dict[Msgid, str] = {}
    for folder in ("bot", "adapters"):
        method_map = [("**.py", "python")]
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, keywords=KEYWORDS, comment_tags=()
        ):
            key: Msgid = message if isinstance(message, str) else (message[0], message[1])
            found.setdefault(key, f"{folder}/{filename}:{lineno}")
    return found


@cache
def catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def fields(text: str) -> set[tuple[str, str, str]]:
    """The placeholders of a message: name, conversion and format spec (`{size:,}`, `{value!r}`)."""
    return {(name, conversion or "", spec or "") for _, name, spec, conversion in string.Formatter().parse(text)
            if name is not None}  # fmt: skip


def forms(value: object) -> tuple[str, ...]:
    """A catalog entry's text as a tuple of forms (one for a message, one per plural form)."""
    if isinstance(value, list | tuple):
        return tuple(str(form or "") for form in value)
    return (str(value or ""),)


def test_the_code_marks_messages() -> None:
    assert len(extracted()) > 250
    assert "Tell me a film title, for example: /film miracle in cell no 7" in extracted()


@pytest.mark.parametrize("language", SHIPPED)
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    po = catalog(language)
    problems = []
    for msgid, where in extracted().items():
        message = po.get(msgid[0] if isinstance(msgid, tuple) else msgid)
        if message is None:
            problems.append(f"{where}: missing {msgid!r}")
            continue
        if message.fuzzy:
            problems.append(f"{where}: fuzzy {msgid!r}")
        translations = forms(message.string)
        if not all(translations):
            problems.append(f"{where}: untranslated {msgid!r}")
            continue
        sources = msgid if isinstance(msgid, tuple) else (msgid,)
        wanted = set().union(*(fields(s) for s in sources))
        for text in translations:
            if fields(text) != wanted:
                problems.append(f"{where}: placeholders {sorted(fields(text))} != {sorted(wanted)} in {text!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", SHIPPED)
def test_the_compiled_catalog_matches_the_po_file(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for message in catalog(language):
        if not message.id:
            continue
        ids, texts = forms(message.id), forms(message.string)
        if len(ids) == 2:
            assert compiled.ngettext(ids[0], ids[1], 1) == texts[0], f"stale .mo for {ids!r}: run pybabel compile"
        else:
            assert compiled.gettext(ids[0]) == texts[0], f"stale .mo for {ids[0]!r}: run pybabel compile"


def test_translations_fill_their_placeholders() -> None:
    with speaking("ko"):
        assert _("No film called “{query}”.", query="괴물") == "“괴물”(이)라는 영화가 없어요."
        assert ngettext("Slate ({n} film):", "Slate ({n} films):", 3) == "후보 (3편):"
    with speaking("ja-JP"):
        assert _("Vote recorded.") == "投票しました。"
    with speaking("fr"):  # not shipped: English
        assert ngettext("Slate ({n} film):", "Slate ({n} films):", 1) == "Slate (1 film):"
