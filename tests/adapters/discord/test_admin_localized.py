"""The film modals (`/film-admin add`, "More details") in the admin's language, within Discord's limits for every
shipped language: a modal title of 45 characters, an input label of 45, a placeholder of 100."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from adapters.discord.admin import (
    EXAMPLE_VALUES,
    LABEL_MAX,
    MODAL_TITLE_MAX,
    MORE,
    PLACEHOLDER_MAX,
    STEP_ONE,
    STEP_TWO,
    TRY_AGAIN,
    modal,
)
from bot.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, _, speaking
from bot.services import Services
from tests.adapters.discord.test_admin import ADMIN, buttons, inputs
from tests.fakes.discord.harness import ALICE, FakeDiscord


@pytest.fixture(autouse=True)
def alice_owns_the_catalog(services: Services) -> None:
    services.settings.discord.owner_user_ids = [int(ALICE["id"])]


LONGEST_TITLE = "Night of the Day of the Dawn of the Son of the Bride of the Return of the Revenge of the Terror"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_modal_text_fits_discords_limits_in_every_language(language: str) -> None:
    with speaking(language):
        for title, fields in (
            (_("Add a film (1/2)"), STEP_ONE),
            (_("More about {title}", title=LONGEST_TITLE), STEP_TWO),
        ):
            form = modal(title, "fa:add", fields, {}).to_dict()
            assert 1 <= len(form["title"]) <= MODAL_TITLE_MAX
            for key, label, _style, _max, placeholder in fields:
                assert 1 <= len(_(label)) <= LABEL_MAX, (language, label)  # fits untrimmed
                shown = placeholder if placeholder in EXAMPLE_VALUES else _(placeholder)
                assert len(shown) <= PLACEHOLDER_MAX, (language, placeholder)
                if language != DEFAULT_LANGUAGE:
                    assert _(label) != label, f"{key} label untranslated in {language}"
        assert 1 <= len(_(MORE)) <= 80 and 1 <= len(_(TRY_AGAIN)) <= 80  # button labels


def labels(modal_payload: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    return {key: (c["label"], c.get("placeholder", "")) for key, c in inputs(dict(modal_payload)).items()}


@pytest.mark.parametrize(
    ("locale", "title", "genres", "more", "synopsis"),
    [
        (
            "ko",
            "제목",
            ("장르 (쉼표로 구분)", "Comedy, Drama, Family"),
            "세부 정보 더 입력",
            ("줄거리", "비워 두면 유지, -는 삭제"),
        ),
        (
            "ja",
            "タイトル",
            ("ジャンル（カンマ区切り）", "Comedy, Drama, Family"),
            "詳細を追加",
            ("あらすじ", "空欄で維持、- で削除"),
        ),
    ],
)
async def test_the_add_modals_speak_the_admins_language(
    fake: FakeDiscord,
    bot: Any,
    services: Services,
    locale: str,
    title: str,
    genres: tuple[str, str],
    more: str,
    synopsis: tuple[str, str],
) -> None:
    opened = await fake.slash(bot, "film-admin", sub="add", locale=locale, **ADMIN)
    assert opened.modal is not None, opened.text
    step_one = labels(opened.modal)
    assert step_one["title"][0] == title and step_one["genres"] == genres
    added = await fake.submit(bot, opened.modal, {"title": "The Host", "year": "2006"}, locale=locale, **ADMIN)
    message = added.visible[0]
    assert more in buttons(message)
    second = await fake.click(bot, message, buttons(message)[more], locale=locale, **ADMIN)
    assert second.modal is not None
    assert labels(second.modal)["synopsis"] == synopsis
    assert len(second.modal["title"]) <= MODAL_TITLE_MAX
