"""Online film sources (TMDB, Wikidata): optional clients that fill our own store, never replace it.

`Sources.from_settings` builds the enabled clients (none without keys/contact: the bot stays offline);
`fetch(ref)` resolves an id or link an admin typed to one film record with its external ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.films.model import Film
from bot.sources.base import SourceError, SourceUnavailable
from bot.sources.refs import FilmRef, parse_ref

if TYPE_CHECKING:
    import httpx

    from bot.sources.tmdb import ATTRIBUTION as TMDB_ATTRIBUTION
    from bot.sources.tmdb import TmdbClient
    from bot.sources.wikidata import WikidataClient

__all__ = [
    "TMDB_ATTRIBUTION",
    "FilmRef",
    "SourceError",
    "SourceUnavailable",
    "Sources",
    "TmdbClient",
    "WikidataClient",
    "parse_ref",
]


# The clients (and httpx under them) are imported when a source is enabled or one of them is asked for by
# name: a start with no source configured, e.g. a one-shot `filmbot film …`, does not load them.
_LAZY = {
    "TmdbClient": ("bot.sources.tmdb", "TmdbClient"),
    "WikidataClient": ("bot.sources.wikidata", "WikidataClient"),
    "TMDB_ATTRIBUTION": ("bot.sources.tmdb", "ATTRIBUTION"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name]
    return getattr(importlib.import_module(module), attribute)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("filmbot")
    except PackageNotFoundError:
        return "0"


@dataclass(slots=True)
class Sources:
    tmdb: TmdbClient | None = None
    wikidata: WikidataClient | None = None

    @classmethod
    def from_settings(cls, settings: object, transport: httpx.AsyncBaseTransport | None = None) -> Sources:
        from bot.config import Settings

        assert isinstance(settings, Settings)
        t, w, backoff = settings.tmdb, settings.wikidata, settings.sources.backoff_seconds
        tmdb: TmdbClient | None = None
        if t.enabled:
            from bot.sources.tmdb import TmdbClient

            tmdb = TmdbClient(
                api_key=t.api_key.get_secret_value() if t.api_key else None,
                read_token=t.read_token.get_secret_value() if t.read_token else None,
                base_url=t.base_url, language=t.language, region=t.region, timeout=t.timeout, backoff=backoff,
                transport=transport,
            )  # fmt: skip
        wikidata: WikidataClient | None = None
        if w.enabled and w.contact:
            from bot.sources.wikidata import WikidataClient

            wikidata = WikidataClient(
                contact=w.contact, base_url=w.base_url, language=w.language, timeout=w.timeout, backoff=backoff,
                transport=transport, version=_version(),
            )  # fmt: skip
        return cls(tmdb, wikidata)

    @property
    def enabled(self) -> list[str]:
        return [c.name for c in (self.tmdb, self.wikidata) if c is not None]

    async def close(self) -> None:
        for client in (self.tmdb, self.wikidata):
            if client is not None:
                await client.close()

    async def fetch(self, ref: FilmRef) -> Film | None:
        """The film `ref` names, from the source that owns that id (an IMDb id: TMDB, else Wikidata).

        None: the source has no such film. Raises SourceError when no enabled source can answer."""
        if ref.kind == "tmdb":
            if self.tmdb is None:
                raise SourceError("TMDB is not configured (set TMDB__READ_TOKEN or TMDB__API_KEY)")
            return await self.tmdb.details(ref.key)
        if ref.kind == "wikidata":
            if self.wikidata is None:
                raise SourceError("Wikidata is not configured (set WIKIDATA__CONTACT)")
            return await self.wikidata.film(ref.key)
        failure: SourceError | None = None
        if self.tmdb is not None:
            try:
                found = await self.tmdb.find_imdb(ref.key)
                if found is not None:
                    return found
            except SourceError as exc:
                failure = exc
        if self.wikidata is not None:
            qid = await self.wikidata.item_for_imdb(ref.key)
            return None if qid is None else await self.wikidata.film(qid)
        if failure is not None:
            raise failure
        if self.tmdb is None:
            raise SourceError("no film source is configured (see TMDB__* and WIKIDATA__* in .env.example)")
        return None
