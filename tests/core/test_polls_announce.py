"""One scheduler, several platforms: closed polls reach the adapter that hosts them, even if it connects late."""

from __future__ import annotations

from typing import Any

from bot.polls.announce import AnnouncementRouter
from bot.replies import Text


def closed(poll_id: int, platform: str) -> Any:
    from bot.polls.service import ClosedPoll

    fields = dict(
        poll_id=poll_id,
        platform=platform,
        chat_id="c",
        native=True,
        platform_poll_id="p",
        message_id="m",
        winner_film_id=None,
        announcement=Text("no votes"),
        closed_by=None,
    )
    return ClosedPoll(**{k: v for k, v in fields.items() if k in ClosedPoll.__dataclass_fields__})


async def test_polls_go_to_their_platform_and_wait_for_late_adapters() -> None:
    router = AnnouncementRouter()
    seen: list[tuple[str, int]] = []

    async def discord(poll: Any) -> None:
        seen.append(("discord", poll.poll_id))

    async def telegram(poll: Any) -> None:
        seen.append(("telegram", poll.poll_id))

    await router.register("discord", discord)
    await router(closed(1, "discord"))
    await router(closed(2, "telegram"))
    assert seen == [("discord", 1)] and router.waiting == 1
    await router.register("telegram", telegram)
    assert seen == [("discord", 1), ("telegram", 2)] and router.waiting == 0


async def test_a_failing_announcer_is_logged_not_raised() -> None:
    router = AnnouncementRouter()

    async def broken(poll: Any) -> None:
        raise RuntimeError("network down")

    await router.register("telegram", broken)
    await router(closed(3, "telegram"))
