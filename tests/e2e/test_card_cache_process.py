"""A card a process holds in memory never outlives another process's edit (SQLite, the version check).

Two real `filmbot chat` processes on one database file: a member's chat shows *Parasite*'s card (then served
from its film cache), an admin's chat edits the synopsis, and the member's next `/film parasite` shows the
edit once the catalog's version check (every 0.2 s here; on PostgreSQL a notification wakes it) has seen it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_catalog_follow_process import Chat
from tests.support.process import sample_catalog_env

pytestmark = pytest.mark.slow

EDITED = "A poor family schemes its way into a rich household."


async def test_a_cached_card_shows_an_edit_made_in_another_process(tmp_path: Path) -> None:
    env = await sample_catalog_env(tmp_path) | {"CATALOG_REFRESH_SECONDS": "0.2"}
    member = await Chat.start(env, tmp_path)
    admin: Chat | None = None
    try:
        first = await member.ask("/film parasite")
        assert "Parasite" in first and EDITED not in first
        assert EDITED not in await member.ask("/film parasite")  # the cached card
        admin = await Chat.start(env, tmp_path)
        edited = await admin.ask(f"/film edit parasite | synopsis | {EDITED}")
        assert EDITED in edited, edited
        await member.until_answer_has("/film parasite", EDITED)
        assert await admin.quit() == 0
        assert await member.quit() == 0
    finally:
        for chat in (member, admin):
            if chat is not None and chat.process.returncode is None:
                chat.process.kill()
                await chat.process.wait()
    assert "Traceback" not in member.output, member.output[-3000:]
