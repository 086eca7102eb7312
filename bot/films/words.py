"""Find films by the words in their titles: `/search cell 7` lists every film with "cell" and "7" in a title.

The fuzzy index (`search.py`) compares whole titles, which is what `/film` needs; a word search answers "which
films have these words", in any order and anywhere in any of their titles, the last word possibly half-typed.
Postings are append-only (an edit adds the new words; a stale posting is filtered out by checking the film's
current titles), so upserts and removals cost no rebuild.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from bot.films.normalize import normalize_title
from bot.films.romanize import romanized_words
from bot.films.search import Match, SearchDoc

MAX_PREFIX_WORDS = 64
MAX_CANDIDATES = 5_000


class WordIndex:
    def __init__(self) -> None:
        self._docs: dict[int, SearchDoc] = {}
        self._titles: dict[int, tuple[tuple[str, tuple[str, ...]], ...]] = {}
        self._postings: dict[str, list[int]] = {}
        self._vocabulary: list[str] = []
        self._pending_words: set[str] = set()

    @classmethod
    def build(cls, docs: Iterable[SearchDoc]) -> WordIndex:
        index = cls()
        # Most voted first: postings keep that order, so a capped scan of a very common word keeps the films
        # people are most likely to mean.
        for doc in sorted(docs, key=lambda d: -(d.votes or 0)):
            index._add(doc)
        index._vocabulary = sorted(index._postings)
        return index

    def __len__(self) -> int:
        return len(self._docs)

    def _add(self, doc: SearchDoc) -> None:
        titles = []
        words_of_film: set[str] = set()
        for title in doc.titles:
            words = tuple(normalize_title(title).split())
            if words:
                titles.append((title, words))
                words_of_film.update(words)
            # A native title's words as people type them: "chihiro" finds 千と千尋の神隠し (Sen to Chihiro no
            # Kamikakushi) when the catalog holds no romanized title. The fuzzy index romanized the same titles
            # just before (the readings are cached), and the title shown as matched stays the native one.
            for words in romanized_words(title) if not title.isascii() else ():
                titles.append((title, words))
                words_of_film.update(words)
        self._docs[doc.film_id] = doc
        self._titles[doc.film_id] = tuple(titles)
        for word in words_of_film:
            posting = self._postings.get(word)
            if posting is None:
                self._postings[word] = [doc.film_id]
                self._pending_words.add(word)
            else:
                posting.append(doc.film_id)

    def upsert(self, doc: SearchDoc) -> None:
        self._add(doc)

    def remove(self, film_id: int) -> None:
        self._docs.pop(film_id, None)
        self._titles.pop(film_id, None)

    def _vocab(self) -> list[str]:
        if self._pending_words:
            if len(self._pending_words) < 256:  # a few edits: insert in place
                for word in self._pending_words:
                    bisect.insort(self._vocabulary, word)
            else:
                self._vocabulary = sorted(set(self._vocabulary) | self._pending_words)
            self._pending_words.clear()
        return self._vocabulary

    def _with_prefix(self, prefix: str) -> list[str]:
        vocab = self._vocab()
        start = bisect.bisect_left(vocab, prefix)
        out = []
        for word in vocab[start : start + MAX_PREFIX_WORDS]:
            if not word.startswith(prefix):
                break
            out.append(word)
        return out

    def _union(self, words: list[str], exact: str) -> list[int]:
        """Films having any of `words` (the exact word's first), capped at MAX_CANDIDATES."""
        out: list[int] = []
        seen: set[int] = set()
        for word in sorted(words, key=lambda w: w != exact):
            for film_id in self._postings[word]:
                if film_id not in seen:
                    seen.add(film_id)
                    out.append(film_id)
            if len(out) >= MAX_CANDIDATES:
                break
        return out

    def search(self, query: str, *, limit: int = 50) -> list[Match]:
        """Films having every word of `query` in one title (the last word may be a prefix), best covered first."""
        words = normalize_title(query).split()
        if not words:
            return []
        *whole, last = words
        smallest: list[int] | None = min((self._postings.get(w, []) for w in whole), key=len, default=None)
        forms = self._with_prefix(last)
        if smallest is None or sum(len(self._postings[w]) for w in forms) < len(smallest):
            smallest = self._union(forms, exact=last)
        found: list[tuple[float, int, int, Match]] = []
        seen: set[int] = set()
        for film_id in smallest[:MAX_CANDIDATES]:
            if film_id in seen or film_id not in self._docs:
                continue
            seen.add(film_id)
            best = _best_title(self._titles[film_id], whole, last)
            if best is None:
                continue
            coverage, title = best
            doc = self._docs[film_id]
            found.append((-coverage, -(doc.votes or 0), -(doc.year or 0), Match(doc, 100.0 * coverage, title)))
        found.sort(key=lambda row: row[:3])
        return [row[3] for row in found[:limit]]


def _best_title(
    titles: tuple[tuple[str, tuple[str, ...]], ...], whole: list[str], last: str
) -> tuple[float, str] | None:
    """The title holding all the words that they cover most of (coverage = query words / title words)."""
    best: tuple[float, str] | None = None
    for title, words in titles:
        if not all(w in words for w in whole):
            continue
        if last in words:
            last_weight = 1.0
        elif any(w.startswith(last) for w in words):
            last_weight = 0.9  # a half-typed word counts a little less than a whole one
        else:
            continue
        coverage = (len(whole) + last_weight) / len(words)
        if best is None or coverage > best[0]:
            best = (coverage, title)
    return best
