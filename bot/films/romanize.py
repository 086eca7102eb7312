"""Native titles in Latin letters, so "kimi no na wa", "huozhe" or "gisaengchung" find 君の名は。, 活着, 기생충.

Each title holding kana, Han or Hangul is romanized once when the index is built (cached per title):
Japanese (any kana) with cutlet's Hepburn (MeCab via fugashi with the unidic-lite dictionary, which reads the
kanji; particles は/へ/を come out "wa"/"e"/"o"), Korean with hangul-romanize's Revised Romanization, and
Chinese (Han only) with pypinyin, tones dropped; a Han-only title is also read as Japanese, since 羅生門 is
both. Licences: cutlet MIT, fugashi MIT + MeCab BSD-3-Clause, unidic-lite MIT + UniDic BSD-3-Clause,
hangul-romanize BSD-2-Clause, pypinyin MIT (pykakasi is GPL-3.0: not used).

The romanized key and a typed query meet in one "roman form" (`roman_form`): the normalised text without
spaces or hyphens, long vowels written once ("ō", "ou", "oo", "o" all become "o"; "ū"/"uu" -> "u"...),
"m" before b/p/m written "n" (shimbun/shinbun). Word boundaries differ between romanizers and people
("huozhe"/"huo zhe", "sen to chihiro"/"sentochihiro"), so they are dropped on both sides.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.films.normalize import normalize_title

__all__ = ["has_native_script", "roman_form", "romanizations", "romanized_words"]

_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_NATIVE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3]")
_LONG_VOWELS = re.compile(r"ou|oo|uu|aa|ee|ii")
_M_BEFORE_LABIAL = re.compile(r"m(?=[bpm])")


def has_native_script(title: str) -> bool:
    return _NATIVE.search(title) is not None


def roman_form(text: str) -> str:
    """The spacing- and long-vowel-blind form a romanized title and a query are compared in ("" if none)."""
    key = normalize_title(text).replace(" ", "")
    if not key.isascii():
        return ""
    key = _LONG_VOWELS.sub(lambda m: m.group(0)[0], key)
    return _M_BEFORE_LABIAL.sub("n", key)


@lru_cache(maxsize=65536)
def romanizations(title: str) -> tuple[str, ...]:
    """The roman forms of a native-script title (empty when it has none): one per plausible reading."""
    forms: dict[str, None] = {}
    for _, reading in _readings(title):
        form = roman_form(reading)
        if len(form) >= 2:
            forms[form] = None
    return tuple(forms)


def romanized_words(title: str) -> tuple[tuple[str, ...], ...]:
    """The words of each Japanese or Korean reading of a native-script title as people type them ("sen to
    chihiro no kamikakushi"), for the word index; readings of one word are left out (the fuzzy index has
    them), and so is pinyin, whose syllables are not words ("ni de ming zi" for 你的名字)."""
    found: dict[tuple[str, ...], None] = {}
    for language, reading in _readings(title):
        if language == "zh":
            continue
        words = tuple(normalize_title(reading).split())
        if len(words) > 1 and all(word.isascii() for word in words):
            found[words] = None
    return tuple(found)


@lru_cache(maxsize=65536)
def _readings(title: str) -> tuple[tuple[str, str], ...]:
    """Each plausible reading of a native-script title in Latin letters, as the romanizer spaces it, with
    the language it was read as."""
    if not has_native_script(title):
        return ()
    readings: list[tuple[str, str]] = []
    if _HANGUL.search(title):
        readings.append(("ko", _korean(title)))
    if _KANA.search(title):
        readings.append(("ja", _japanese(title)))
    elif _HAN.search(title):
        readings.append(("zh", _chinese(title)))
        readings.append(("ja", _japanese(title)))
    # Characters the reader could not read (盗梦空间 as Japanese: "Tou ?? ?") make a reading useless.
    return tuple((language, reading) for language, reading in readings if "?" not in reading)


def _korean(title: str) -> str:
    return str(_hangul_transliter().translit(title)).replace("-", "")


def _japanese(title: str) -> str:
    return str(_cutlet().romaji(title))


def _chinese(title: str) -> str:
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(title))


@lru_cache(maxsize=1)
def _cutlet() -> Any:
    """cutlet's Hepburn romanizer (loads the MeCab dictionary once, on the first Japanese title)."""
    import cutlet

    katsu = cutlet.Cutlet("hepburn")
    katsu.use_foreign_spelling = False  # スター・ウォーズ -> "sutaa oozu", as typed, not "Star Wars"
    return katsu


@lru_cache(maxsize=1)
def _hangul_transliter() -> Any:
    from hangul_romanize import Transliter
    from hangul_romanize.rule import academic

    return Transliter(academic)
