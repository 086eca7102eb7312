"""One normal form for titles and queries, so that a typed query and a stored title meet halfway.

Both sides go through `normalize_title`: whatever it does to a title it does to the query, so a rule
only has to be consistent, not linguistically perfect. The steps, in order:

- NFKC (full-width letters, ligatures, circled digits become plain) and casefold (ß -> ss, ς -> σ).
- Accents dropped: NFKD, combining marks removed, NFC again. NFC re-composes Hangul syllables, so
  Korean stays Korean; kana lose their dakuten, which is also what users typing without an IME do.
- "&" -> "and", "#7" -> "no 7"; apostrophes vanish ("Schindler's" -> "schindlers"); any other
  punctuation or symbol becomes a space; runs of spaces collapse.
- Tokens: "number"/"nr"/"num" -> "no"; roman numerals II..XX -> arabic, and so are number words
  one..twenty after a sequel word ("Part Two" -> "2"); elsewhere words stay words ("One, Two, Three" must
  stay a prefix of itself), and the search tries "rocky three" as "rocky 3" too (`sequel_digit`). A sequel word
  before a number goes ("Part II", "Chapter 2", "Episode V", "Vol. 2" -> "2"), so every way of writing a
  sequel number meets in one key.
- Leading articles are kept (they tell "The Spin Cycle" from "Spin Cycle"); `without_article` gives
  the variant the index also files a title under, so "matrix" still finds "The Matrix" (and "avventura"
  "L'Avventura": an elided "l'" is split off as its own article).

Han, kana and Hangul are kept as they are (they carry the meaning); the search index works on
character n-grams, which need no word boundaries. For those n-grams and the edit similarity only,
`gram_form` spells Hangul syllables out as jamo: a Korean typo is usually one wrong jamo, which in
syllables is a whole different character (a third of a three-syllable title) but in jamo one letter
of nine.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["gram_form", "normalize_title", "sequel_digit", "sequel_numbers", "strip_control", "without_article"]

_APOSTROPHES = "'’‘`´ʼʹ′"
_ROMAN = {
    "ii": "2",
    "iii": "3",
    "iv": "4",
    "v": "5",
    "vi": "6",
    "vii": "7",
    "viii": "8",
    "ix": "9",
    "x": "10",
    "xi": "11",
    "xii": "12",
    "xiii": "13",
    "xiv": "14",
    "xv": "15",
    "xvi": "16",
    "xvii": "17",
    "xviii": "18",
    "xix": "19",
    "xx": "20",
}
# Sequel numbers are one concept: "Part II", "Part 2", "2", "two" all become "2" (up to twenty).
_NUMBER_WORDS = {
    word: str(n)
    for n, word in enumerate(
        [
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ],
        start=1,
    )
}
_TOKEN_MAP = {**_ROMAN, "number": "no", "nr": "no", "num": "no", "nº": "no", "&": "and"}
# Words that only announce a sequel number ("Part II", "Chapter 2", "Episode V", "Vol. 1"): dropped before one.
_SEQUEL_WORDS = frozenset({"part", "pt", "chapter", "chap", "episode", "ep", "vol", "volume"})
# Leading articles a user may drop or add (English, French, German, Spanish, Italian; "l" is "L'" split off).
_ARTICLES = frozenset(
    {"the", "a", "an", "le", "la", "les", "l", "der", "die", "das", "el", "il", "los", "las", "lo", "gli", "un", "une"}
)
_ELIDED_ARTICLE = re.compile(r"(?<![^\W\d_])l['’‘`´](?=\w)")

_HANGUL_SYLLABLE = re.compile("[\uac00-\ud7a3]")
_HASH_NUMBER = re.compile(r"#\s*(?=\d)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def _is_kept(ch: str) -> bool:
    """Letters, digits and marks stay; punctuation, symbols and separators do not."""
    cat = unicodedata.category(ch)
    return cat[0] in "LNM"


def _char_class(ch: str) -> str:
    if ch in _APOSTROPHES:
        return ""
    if ch == "&":
        return " and "
    return ch if _is_kept(ch) else " "


class _CharClasses(dict[int, str]):
    """Code point -> what it becomes (`_char_class`), filled on first sight: a `str.translate` table.

    Translating in C is several times faster than a Python call per character; the table stays small
    (the code points titles and queries actually use), and stops growing at _MAX_CLASSES.
    """

    def __missing__(self, point: int) -> str:
        out = _char_class(chr(point))
        if len(self) < _MAX_CLASSES:
            self[point] = out
        return out


_MAX_CLASSES = 65_536
_CHAR_CLASSES = _CharClasses()


def strip_control(text: str) -> str:
    """Remove control and invisible formatting characters (pasted text is full of them)."""
    return _CONTROL.sub(" ", text)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))
    return text


_DASHES = re.compile(r"[\s\-‐‑‒–—―]+")


@lru_cache(maxsize=16384)
def literal_form(text: str) -> str:
    """A title or query as written, but for case, accents, dashes and spacing: "Ocean's Eleven" keeps its
    apostrophe and "Flesh & Blood" its ampersand (to tell which title a person typed literally)."""
    return _DASHES.sub(" ", _fold(strip_control(text))).strip()


def normalize_title(text: str) -> str:
    """Return the comparable form of a title or query ("" when nothing searchable is left).

    >>> normalize_title("The Miracle in Cell No. 7")
    'the miracle in cell no 7'
    >>> normalize_title("Rocky IV & Friends")
    'rocky 4 and friends'
    """
    text = _fold(strip_control(text))
    text = _HASH_NUMBER.sub(" no ", text)
    plain = text.isascii() and text.replace(" ", "").isalnum()
    if not plain and ("l'" in text or "l’" in text):
        text = _ELIDED_ARTICLE.sub("l ", text)
    tokens = (text if plain else text.translate(_CHAR_CLASSES)).split()
    if not tokens:
        return ""
    tokens = [_TOKEN_MAP.get(tok, tok) for tok in tokens]
    if _SEQUEL_WORDS.isdisjoint(tokens):
        return " ".join(tokens)
    return " ".join(_drop_sequel_words(tokens))


def _drop_sequel_words(tokens: list[str]) -> list[str]:
    """ "part 2" -> "2", "part i" -> "1": the word only announces the number (kept when no number follows)."""
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if tok in _SEQUEL_WORDS and i + 1 < len(tokens) and i > 0:
            nxt = tokens[i + 1]
            if nxt == "i" or nxt in _NUMBER_WORDS:
                tokens[i + 1] = _NUMBER_WORDS.get(nxt, "1")
                continue
            if nxt.isdigit() and len(nxt) <= 2:
                continue
        out.append(tok)
    return out


def sequel_digit(key: str) -> str | None:
    """ "rocky three" -> "rocky 3": a trailing number word read as a sequel number (None when there is none)."""
    head, _, last = key.rpartition(" ")
    digit = _NUMBER_WORDS.get(last)
    return f"{head} {digit}" if head and digit else None


def sequel_numbers(key: str) -> frozenset[str]:
    """The small numbers (1-99) of a normalised key: a query's sequel number must be among the title's."""
    return frozenset(tok for tok in key.split() if tok.isdigit() and len(tok) <= 2)


def without_article(key: str) -> str | None:
    """A normalised key minus its leading article (in one of several languages), or None when it has none."""
    head, _, rest = key.partition(" ")
    return rest if rest and head in _ARTICLES else None


def gram_form(key: str) -> str:
    """A normalised key with Hangul syllables decomposed into conjoining jamo (NFD), for typo matching.

    Only the fuzzy path uses it (trigrams, edit similarity); exact and prefix matching, and what is
    shown, stay composed. Keys without Hangul come back unchanged (the common case costs one check).

    >>> len(gram_form("선물"))
    6
    """
    if key.isascii() or not _HANGUL_SYLLABLE.search(key):
        return key
    return unicodedata.normalize("NFD", key)
