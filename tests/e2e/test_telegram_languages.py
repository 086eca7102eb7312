"""A Korean and a Japanese member on Telegram: the real Application against the fake Bot API (every call checked
against the Bot API spec, so the length limits hold on the localized text). Each member's replies, pickers,
button toasts and apologies come in their own Telegram language; a group's ballot and announcement in the
group's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.telegram.harness import GROUP, BotHarness, running_bot
from tests.e2e.test_telegram_movienight import ballot_message, nominate, open_poll, press
from tests.fakes.telegram.server import SentMessage

KO, JA = 5005, 6006
AMBIGUOUS = "miracle cell 7"  # the 2013 film and its remakes: a picker
NOMINEES = ("Parasite", "Spirited Away", "Amélie")
TEXT_MAX, TOAST_MAX, BUTTON_MAX = 4096, 200, 64


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path) as harness:
        harness.api.languages.update({KO: "ko", JA: "ja"})
        yield harness


def within_limits(sent: SentMessage) -> None:
    assert 0 < len(sent.text) <= TEXT_MAX
    for button in sent.buttons:
        assert len(button["text"]) > 0 and len(button["callback_data"].encode()) <= BUTTON_MAX


async def test_each_member_reads_their_own_language(bot: BotHarness) -> None:
    ko = await bot.say(f"/film {AMBIGUOUS}", user_id=KO)
    ja = await bot.say(f"/film {AMBIGUOUS}", user_id=JA)
    en = await bot.say(f"/film {AMBIGUOUS}")
    assert ko.text.startswith(f"“{AMBIGUOUS}”에 맞는 영화가 여러 편이에요. 어느 영화인가요?"), ko.text
    assert ja.text.startswith(f"“{AMBIGUOUS}”に一致する作品が複数あります。どれですか?"), ja.text
    assert en.text.startswith(f"Several films match “{AMBIGUOUS}”. Which one?"), en.text
    for sent in (ko, ja, en):
        within_limits(sent)
    # The picker's buttons work whatever language its heading is in (the query is read back from it).
    opened = await bot.press(ko, "2013", user_id=KO)
    assert opened.message is not None and "Miracle in Cell No. 7" in opened.message.text

    unknown = await bot.say("/nonsense", user_id=KO)
    assert unknown.text == "/nonsense은(는) 모르는 명령어예요. /help로 할 수 있는 일을 확인해 보세요."
    missing = await bot.say("/film", user_id=JA)
    assert missing.text == "title を指定してください — 使い方: /film <title>"
    denied = await bot.say("/movienight settings poll_hours 5", user_id=JA, chat_id=GROUP, chat_type="supergroup")
    assert denied.text == "/movienight settings はこのチャットの管理者だけが使えます。"


async def test_a_ballot_speaks_the_group_and_its_toasts_each_voter(bot: BotHarness) -> None:
    await nominate(bot.services, NOMINEES)
    await bot.services.languages.set("telegram", str(GROUP), "ko", by="test")  # the ballot is the group's
    call = await open_poll(bot, "/movienight poll 24 ranked", user=KO)
    ballot = await ballot_message(bot, call)
    within_limits(ballot)
    assert ballot.text.startswith("무비 나이트: 가장 좋아하는 영화부터 최대 3편까지 순위를 매겨 주세요."), ballot.text
    assert "처음 탭한 영화가 1순위예요" in ballot.text
    assert {"내 투표", "내 투표 지우기"} <= {b["text"] for b in ballot.buttons}

    first = await press(bot, ballot, "Amélie", user=JA)
    assert first["text"] == "投票しました。 あなたの順位: 1. Amélie"
    assert len(first["text"]) <= TOAST_MAX
    mine = await press(bot, ballot, "내 투표", user=KO)
    assert mine["show_alert"] is True and mine["text"].startswith("투표한 영화가 없어요"), mine
    korean = await press(bot, ballot, "Parasite", user=KO)
    assert korean["text"] == "투표했어요. 내 순위: 1. Parasite"


async def test_the_group_setting_speaks_for_members_without_a_language_of_ours(bot: BotHarness) -> None:
    bot.api.languages[7007] = "fr"
    before = await bot.say("/movienight list", user_id=7007, chat_id=GROUP, chat_type="supergroup")
    assert before.text.startswith("Movie night"), before.text
    await bot.services.languages.set("telegram", str(GROUP), "ja", by="test")
    after = await bot.say("/movienight list", user_id=7007, chat_id=GROUP, chat_type="supergroup")
    assert after.text.startswith("ムービーナイト"), after.text
    korean = await bot.say("/movienight list", user_id=KO, chat_id=GROUP, chat_type="supergroup")
    assert korean.text.startswith("무비 나이트"), korean.text  # the member's own language first
