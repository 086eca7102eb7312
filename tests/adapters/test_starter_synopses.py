"""The shipped starter catalog's synopses (Wikipedia leads) on cards: credited, and within each platform's
limits even for the longest one, with the poster caption's tighter limit too."""

from __future__ import annotations

import gzip
import json

from adapters.console.render import render as console_render
from adapters.discord.render import card_embed
from adapters.telegram.html import CAPTION_LIMIT, TEXT_LIMIT
from adapters.telegram.render import render_card
from bot.films.cards import WIKIPEDIA_CREDIT, film_card
from bot.films.importers.records import film_from_record
from bot.store.bootstrap import data_dir
from tests.specs.telegram_spec import parse_html, units


def _starter_records() -> list[dict[str, object]]:
    directory = data_dir()
    assert directory is not None
    with gzip.open(directory / "starter-films.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_the_shipped_catalog_has_synopses_and_directors_from_the_leads() -> None:
    records = _starter_records()
    assert sum(1 for r in records if r.get("synopsis")) == 34_503
    assert sum(1 for r in records if r.get("directors")) >= 24_000


async def test_the_longest_synopsis_fits_every_platform_and_is_credited() -> None:
    record = max(_starter_records(), key=lambda r: len(str(r.get("synopsis") or "")))
    film = film_from_record(record).replace(id=1, poster_url="https://example.org/p.jpg")
    card = film_card(film)
    assert card.synopsis and len(card.synopsis) > 1400 and card.synopsis_credit == WIKIPEDIA_CREDIT
    for limit in (TEXT_LIMIT, CAPTION_LIMIT):  # a message, and a caption under the poster
        out = render_card(card, limit=limit)
        text, _ = parse_html(out.text)
        assert units(text) <= limit and WIKIPEDIA_CREDIT in text
        assert card.synopsis[:80] in text
    embed = card_embed(card)
    assert embed.description is not None and len(embed.description) <= 4096 and len(embed) <= 6000
    assert WIKIPEDIA_CREDIT in embed.description
    assert WIKIPEDIA_CREDIT in console_render(card)
