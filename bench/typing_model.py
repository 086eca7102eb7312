"""How the load benchmarks' simulated users type titles (shared by the Discord and Telegram loads)."""

from __future__ import annotations

import random


def typo(title: str, rng: random.Random) -> str:
    """A title as people type it: lower case, sometimes one letter dropped."""
    text = title.lower()
    if len(text) > 6 and rng.random() < 0.5:
        i = rng.randrange(1, len(text) - 1)
        text = text[:i] + text[i + 1 :]
    return text
