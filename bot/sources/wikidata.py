"""Wikidata (CC0, no key): entity search, entities by id, IMDb id -> item, mapped to our `Film`.

Wikimedia's User-Agent policy asks for a descriptive agent with a way to reach the operator; the contact
comes from the settings. Labels in every language become the film's titles (its native title among
them); P57 director, P161 cast, P136 genre, P2047 duration, P577 publication date, P1651 YouTube video id,
P345 IMDb id, P4947 TMDB id.
"""

from __future__ import annotations

import re
import time
from datetime import date
from typing import Any

import httpx

from bot.films.locales import locale_of_tag
from bot.films.model import Credit, Film, TitleLocale
from bot.sources.base import Clock, HttpSource

API = "/w/api.php"
QID = re.compile(r"^Q[1-9][0-9]*$")
IMDB_ID = re.compile(r"^tt[0-9]{7,10}$")
MAX_IDS = 50  # wbgetentities' limit per request
MAX_CAST = 15
MAX_ALT_TITLES = 40
MINUTE, HOUR = "http://www.wikidata.org/entity/Q7727", "http://www.wikidata.org/entity/Q25235"
FILM_CLASSES = frozenset({"Q11424", "Q506240", "Q24862", "Q202866", "Q226730", "Q17517379"})  # film, TV film, …


class WikidataClient(HttpSource):
    name = "Wikidata"

    def __init__(
        self,
        *,
        contact: str,
        base_url: str = "https://www.wikidata.org",
        language: str = "en",
        timeout: float = 5.0,
        backoff: float = 30.0,
        clock: Clock = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
        version: str = "0",
    ) -> None:
        agent = f"filmbot/{version} ({contact}) httpx/{httpx.__version__}"  # Wikimedia's User-Agent policy
        super().__init__(
            base_url, timeout=timeout, headers={"User-Agent": agent, "Accept": "application/json"},
            backoff=backoff, clock=clock, transport=transport,
        )  # fmt: skip
        self.language = language

    async def _api(self, **params: Any) -> Any:
        return await self.get_json(API, {"format": "json", "formatversion": "2", **params})

    async def search(self, title: str, limit: int = 10) -> list[str]:
        """Item ids whose label or alias matches `title` (Wikidata's own ranking)."""
        data = await self._api(
            action="wbsearchentities", search=title, language=self.language, uselang=self.language,
            type="item", limit=limit,
        )  # fmt: skip
        hits = data.get("search") if isinstance(data, dict) else None
        return [h["id"] for h in hits or [] if isinstance(h, dict) and QID.match(str(h.get("id", "")))]

    async def item_for_imdb(self, imdb_id: str) -> str | None:
        """The item holding P345 = `imdb_id` (CirrusSearch's haswbstatement)."""
        if not IMDB_ID.match(imdb_id):
            return None
        data = await self._api(action="query", list="search", srsearch=f"haswbstatement:P345={imdb_id}", srlimit=1)
        hits = data.get("query", {}).get("search") if isinstance(data, dict) else None
        for hit in hits or []:
            title = str(hit.get("title", "")) if isinstance(hit, dict) else ""
            if QID.match(title):
                return title
        return None

    async def entities(self, ids: list[str], props: str = "labels|claims") -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), MAX_IDS):
            data = await self._api(action="wbgetentities", ids="|".join(ids[i : i + MAX_IDS]), props=props)
            entities = data.get("entities") if isinstance(data, dict) else None
            if isinstance(entities, dict):
                out.update({k: v for k, v in entities.items() if isinstance(v, dict) and "missing" not in v})
        return out

    async def film(self, qid: str) -> Film | None:
        """The item as a Film (None when missing or not a film), people and genres resolved to labels."""
        if not QID.match(qid):
            return None
        entity = (await self.entities([qid])).get(qid)
        if entity is None or not is_film(entity):
            return None
        refs = [*item_ids(entity, "P57"), *item_ids(entity, "P161")[:MAX_CAST], *item_ids(entity, "P136")]
        labels = {k: label(v, self.language) for k, v in (await self.entities(refs, "labels")).items()} if refs else {}
        return film_from_entity(entity, labels, self.language)

    async def films_for_title(self, title: str, limit: int = 5) -> list[Film]:
        ids = await self.search(title, limit)
        films = []
        for qid in ids:
            film = await self.film(qid)
            if film is not None:
                films.append(film)
        return films


def label(entity: dict[str, Any], language: str) -> str | None:
    labels = entity.get("labels") or {}
    if not isinstance(labels, dict):
        return None
    for lang in (language, "en", "mul"):
        value = labels.get(lang)
        if isinstance(value, dict) and value.get("value"):
            return str(value["value"])
    for value in labels.values():
        if isinstance(value, dict) and value.get("value"):
            return str(value["value"])
    return None


def _claims(entity: dict[str, Any], prop: str) -> list[Any]:
    """The main values of a property's statements (deprecated ones left out), best rank first."""
    claims = (entity.get("claims") or {}).get(prop) or []
    ranked = sorted(
        (c for c in claims if isinstance(c, dict) and c.get("rank") != "deprecated"),
        key=lambda c: c.get("rank") != "preferred",
    )
    values = []
    for c in ranked:
        value = (c.get("mainsnak") or {}).get("datavalue", {}).get("value")
        if value is not None:
            values.append(value)
    return values


def item_ids(entity: dict[str, Any], prop: str) -> list[str]:
    return [v["id"] for v in _claims(entity, prop) if isinstance(v, dict) and QID.match(str(v.get("id", "")))]


def _strings(entity: dict[str, Any], prop: str) -> list[str]:
    return [v.strip() for v in _claims(entity, prop) if isinstance(v, str) and v.strip()]


def is_film(entity: dict[str, Any]) -> bool:
    return bool(set(item_ids(entity, "P31")) & FILM_CLASSES)


def _release(entity: dict[str, Any]) -> date | None:
    best: date | None = None
    for v in _claims(entity, "P577"):
        if not isinstance(v, dict) or not isinstance(v.get("time"), str):
            continue
        m = re.match(r"^\+(\d{4})-(\d{2})-(\d{2})", v["time"])
        if not m:
            continue
        y, mo, d = (int(x) for x in m.groups())
        precision = v.get("precision", 11)
        try:
            when = date(y, mo or 1, d or 1) if precision >= 11 else date(y, 1, 1)
        except ValueError:
            continue
        if best is None or when < best:
            best = when
    return best


def _runtime(entity: dict[str, Any]) -> int | None:
    for v in _claims(entity, "P2047"):
        if not isinstance(v, dict):
            continue
        try:
            amount = float(str(v.get("amount", "")))
        except ValueError:
            continue
        unit = v.get("unit")
        minutes = amount * 60 if unit == HOUR else amount if unit == MINUTE else None
        if minutes and minutes > 0:
            return round(minutes)
    return None


def film_from_entity(entity: dict[str, Any], labels: dict[str, str | None], language: str = "en") -> Film:
    """A Wikidata item (labels + claims) as a Film; `labels` names the items it refers to."""
    qid = str(entity["id"])
    title = label(entity, language) or qid
    titles = [_title for _title in _claims(entity, "P1476") if isinstance(_title, dict)]
    original = next((str(t["text"]) for t in titles if t.get("text") and t["text"] != title), None)
    seen = {title, original}
    alt: list[str] = []
    locales: dict[str, TitleLocale] = {}
    for code, value in (entity.get("labels") or {}).items():
        text = value.get("value") if isinstance(value, dict) else None
        if text and text not in seen and len(alt) < MAX_ALT_TITLES:
            seen.add(text)
            alt.append(text)
        # a label's language is its key ("ko", "pt-br"); the first label of a shared text names it
        if text in alt and (locale := locale_of_tag(value.get("language") or code)) is not None:
            locales.setdefault(text, locale)
    released = _release(entity)
    ext = {"wikidata": qid}
    for prop, source in (("P345", "imdb"), ("P4947", "tmdb")):
        found = _strings(entity, prop)
        if found:
            ext[source] = found[0]
    videos = _strings(entity, "P1651")
    credits = [Credit(labels[i] or i, "director") for i in item_ids(entity, "P57") if labels.get(i)]
    credits += [Credit(labels[i] or i, "cast") for i in item_ids(entity, "P161")[:MAX_CAST] if labels.get(i)]
    return Film(
        title=title,
        original_title=original,
        alt_titles=alt,
        alt_title_locales=locales,
        year=released.year if released else None,
        release_date=released,
        runtime_minutes=_runtime(entity),
        genres=[g for i in item_ids(entity, "P136") if (g := labels.get(i))],
        trailer_url=f"https://www.youtube.com/watch?v={videos[0]}" if videos else None,
        info_url=f"https://www.wikidata.org/wiki/{qid}",
        external_ids=ext,
        credits=credits,
        source="wikidata",
    )
