"""What speaking Korean or Japanese costs a card: Babel's one-off load, and a card's build and render per language.

    python -m bench.i18n_cards [--cards N] [--json]

`babel_load` is the first Korean and Japanese formatting in a fresh process (importing Babel and loading each
language's CLDR data: the work `warm_up_in_background` moves to a worker thread after start-up); `import_i18n`
importing the translation layer and the card modules (Babel stays unloaded). Then the seed film's card is built
(`film_card`) and rendered (Telegram HTML and the Discord embed) N times in en, ko and ja; figures are per card.
Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from typing import Any

from bench.stats import p50_p99_ms


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    from bot.films.cards import film_card
    from bot.films.model import Film
    from bot.i18n import speaking
    from bot.i18n.formats import _load

    import_i18n = time.perf_counter() - started
    babel_loaded_at_import = "babel" in sys.modules
    started = time.perf_counter()
    _load(("ko", "ja"))
    babel_load = time.perf_counter() - started

    from adapters.discord.render import card_embed
    from adapters.telegram.render import render_card

    film = Film(
        title="Miracle in Cell No. 7",
        id=1,
        year=2013,
        original_title="7번방의 선물",
        alt_titles=["December 23rd", "12월 23일", "Gift From Room 7"],
        genres=["Comedy", "Drama", "Family"],
        runtime_minutes=127,
        release_date=dt.date(2013, 1, 23),
        votes=19764,
        rating=8.2,
        country="South Korea",
        synopsis="A father wrongly imprisoned and the daughter his cellmates smuggle in. " * 8,
    )
    out: dict[str, Any] = {
        "import_i18n_ms": round(import_i18n * 1000, 1),
        "babel_imported_by_then": babel_loaded_at_import,
        "babel_load_ms": round(babel_load * 1000, 1),
    }
    for language in ("en", "ko", "ja"):
        samples: list[float] = []
        with speaking(language):
            for _ in range(args.cards):
                t = time.perf_counter()
                card = film_card(film)
                render_card(card)
                card_embed(card)
                samples.append(time.perf_counter() - t)
        out[f"card_{language}"] = p50_p99_ms(samples)
    if args.json:
        print(json.dumps(out))
        return
    for key, value in out.items():
        print(f"{key:24} {value}")


if __name__ == "__main__":
    main()
