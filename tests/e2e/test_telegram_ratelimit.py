"""A member flooding /search on Telegram (real PTB, fake Bot API): one polite "slow down", then silence until
their bucket refills, while the rest of the group is answered as usual."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.ratelimit import RateLimiter
from tests.adapters.telegram.harness import GROUP, running_bot

FLOODER, OTHER = 6001, 6002


async def test_a_flooding_member_is_told_once_and_the_club_is_not_slowed(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        clock = [0.0]
        bot.services.registry.rate_limiter = RateLimiter(3, 0.5, clock=lambda: clock[0])  # RATE_LIMIT__*
        for _ in range(3):
            reply = await bot.say("/search cell", user_id=FLOODER, chat_id=GROUP, chat_type="supergroup")
            assert "Miracle in Cell" in reply.text
        slow = await bot.say("/search cell", user_id=FLOODER, chat_id=GROUP, chat_type="supergroup")
        assert slow.text.startswith("You're sending commands faster than I answer them") and "2 s" in slow.text
        mark = len(bot.api.calls)
        for _ in range(20):
            bot.api.send_text("/search cell", user_id=FLOODER, chat_id=GROUP, chat_type="supergroup")
        other = await bot.say("/search cell", user_id=OTHER, chat_id=GROUP, chat_type="supergroup")
        assert "Miracle in Cell" in other.text
        await asyncio.sleep(0.3)  # updates are handled in order: the flood was handled before OTHER's
        sent = [c for c in bot.api.calls[mark:] if c.method == "sendMessage"]
        assert len(sent) == 1  # OTHER's answer; the flood got silence
        clock[0] += 2.0
        again = await bot.say("/search cell", user_id=FLOODER, chat_id=GROUP, chat_type="supergroup")
        assert "Miracle in Cell" in again.text
