"""A Korean and a Japanese member on the real discord.py client (only the network is fake, and every request is
checked against Discord's OpenAPI spec, so the limits hold on the localized text): each reads replies, pickers,
buttons and refusals in their Discord language (`interaction.locale`); a member whose language the bot does not
speak gets the server's (`guild_locale`)."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from tests.adapters.discord.test_movienight import SLATE, nominate
from tests.fakes.discord.harness import ALICE, BOB, FakeDiscord, iter_components

KO: dict[str, Any] = {"who": ALICE, "locale": "ko"}
JA: dict[str, Any] = {"who": BOB, "locale": "ja"}
KO_PICKER = (
    "“solaris”에 맞는 영화가 여러 편이에요. 어느 영화인가요?",
    "“solaris”와(과) 정확히 맞는 영화가 없어요. 이 영화인가요?",
)
JA_PICKER = (
    "“solaris”に一致する作品が複数あります。どれですか?",
    "“solaris”に完全に一致する作品はありません。こちらですか?",
)


def within_limits(message: dict[str, Any]) -> None:
    for embed in message.get("embeds") or []:
        assert len(embed.get("title") or "") <= 256 and len(embed.get("description") or "") <= 4096
    for component in iter_components(message.get("components") or []):
        assert len(component.get("label") or "") <= 80 and len(component.get("placeholder") or "") <= 150


def select_of(message: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in iter_components(message["components"]) if c["type"] == 3)


async def test_pickers_and_refusals_in_each_members_language(fake: FakeDiscord, bot: Any) -> None:
    ko = await fake.slash(bot, "film", title="solaris", **KO)
    ja = await fake.slash(bot, "film", title="solaris", **JA)
    assert ko.message is not None and ja.message is not None
    assert ko.message["embeds"][0]["title"] in KO_PICKER, ko.message["embeds"][0]["title"]
    assert ja.message["embeds"][0]["title"] in JA_PICKER, ja.message["embeds"][0]["title"]
    assert select_of(ko.message)["placeholder"] in {"어느 영화인가요?", "영화 열기"}
    assert select_of(ja.message)["placeholder"] in {"どの作品ですか?", "作品を開く"}
    within_limits(ko.message)
    within_limits(ja.message)

    # The Japanese member presses the Korean member's picker: told, in Japanese, that it is not theirs.
    select = select_of(ko.message)
    refused = await fake.click(bot, ko.message, select["custom_id"], values=[select["options"][0]["value"]], **JA)
    assert refused.ephemeral
    assert refused.text == f"このメニューは <@{ALICE['id']}> さん用です。ご自身でコマンドを実行してください。"
    # The Korean member's own choice still works on a Korean heading.
    chosen = await fake.click(bot, ko.message, select["custom_id"], values=[select["options"][0]["value"]], **KO)
    assert chosen.callback is not None and chosen.callback["type"] == 7


async def test_the_server_language_for_a_member_whose_language_is_not_ours(fake: FakeDiscord, bot: Any) -> None:
    french_member = await fake.slash(bot, "movienight", sub="list", who=ALICE, locale="fr", guild_locale="ja")
    assert "ムービーナイト" in french_member.text, french_member.text
    korean_member = await fake.slash(bot, "movienight", sub="list", who=BOB, locale="ko", guild_locale="ja")
    assert "무비 나이트" in korean_member.text, korean_member.text
    english = await fake.slash(bot, "movienight", sub="list", who=BOB)
    assert "Movie night" in english.text


async def test_a_ballot_and_its_buttons_in_each_language(fake: FakeDiscord, bot: Any, services: Services) -> None:
    await nominate(fake, bot, services, SLATE)
    opened = await fake.slash(bot, "movienight", sub="poll", mode="ranked", **KO)
    ballot = opened.visible[-1]
    within_limits(ballot)
    assert "좋아하는 순서대로 영화를 누르세요" in ballot["embeds"][0]["description"]
    buttons = {c["label"]: c["custom_id"] for row in ballot["components"] for c in row["components"]}
    assert {"내 투표", "내 투표 지우기"} <= set(buttons)
    parasite = next(cid for label, cid in buttons.items() if "Parasite" in label)
    japanese = await fake.click(bot, ballot, parasite, **JA)
    assert japanese.ephemeral and japanese.text == "投票しました。\nあなたの順位: 1. Parasite", japanese.text
    mine = await fake.click(bot, ballot, buttons["내 투표"], **KO)
    assert "투표한 영화가 없어요." in mine.text
