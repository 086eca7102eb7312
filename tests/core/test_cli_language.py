"""What the CLI prints to the person running it goes through the translation layer; logs keep English."""

from __future__ import annotations

import io
import logging

import pytest

from bot.cli import build_parser
from bot.cli_progress import StageLines, StageLog
from bot.i18n import N_, speaking, translator
from bot.sources.enrich import EnrichSummary
from bot.store.errors import check_url, explain

LOADING = N_("Creating the database and loading {films} films")


@pytest.mark.parametrize(
    ("argv", "lang"),
    [
        (["film", "x"], None),
        (["--lang", "ko", "film", "x"], "ko"),
        (["film", "x", "--lang", "ja"], "ja"),
        (["--lang", "ko", "search", "x", "--lang", "ja"], "ja"),  # the later one, as for any option
        (["db", "upgrade", "--lang", "ko"], "ko"),
        (["chat", "--lang", "ja"], "ja"),
        (["import", "a.jsonl", "--lang", "ko"], "ko"),
    ],
)
def test_lang_is_taken_before_or_after_any_command(argv: list[str], lang: str | None) -> None:
    assert build_parser().parse_args(argv).lang == lang


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("ko", "데이터베이스를 만들고 영화 36,073편을 불러오는 중… 완료 ("),
        ("ja", "データベースを作成し、36,073 本の作品を読み込み中… 完了（"),
        ("en", "Creating the database and loading 36,073 films… done in "),
    ],
)
def test_stage_lines_speak_the_terminals_language(language: str, line: str) -> None:
    out = io.StringIO()
    stages = StageLines(out, bar=False, translate=translator(language))
    stages.stage(LOADING, films=36073)
    stages.done()
    assert out.getvalue().startswith(line), out.getvalue()


def test_stage_lines_take_the_language_spoken_where_they_are_made() -> None:
    out = io.StringIO()
    with speaking("ja"):
        stages = StageLines(out, bar=False)
    stages.stage(N_("Setting up the database"))  # later, from the setup thread: still Japanese
    stages.done()
    assert out.getvalue().startswith("データベースを準備中… 完了（") and out.getvalue().endswith(" 秒）\n")


def test_stage_log_lines_stay_english(caplog: pytest.LogCaptureFixture) -> None:
    with speaking("ko"), caplog.at_level(logging.INFO, logger="filmbot"):
        log = StageLog()
        log.stage(LOADING, films=36073)
        log.done()
    assert [r.getMessage().split(" done in ")[0] for r in caplog.records] == [
        "Creating the database and loading 36,073 films…",
        "Creating the database and loading 36,073 films…",
    ]


def test_a_database_problem_is_english_in_logs_and_translated_for_people() -> None:
    problem = explain(OSError(13, "database is locked"), "postgresql+asyncpg://u:secret@db:5432/films")
    assert problem is not None
    assert str(problem).startswith("The database postgresql+asyncpg://u:***@db:5432/films is busy")
    with speaking("ko"):
        assert problem.translated().startswith(
            "데이터베이스 postgresql+asyncpg://u:***@db:5432/films이(가) 사용 중이에요"
        )
    with speaking("ja"), pytest.raises(Exception) as refused:
        check_url("mysql://u:secret@h/db")
    with speaking("ja"):
        said = refused.value.translated()  # type: ignore[attr-defined]
    assert said.startswith("DATABASE_URL mysql://u:***@h/db: 使えるのは SQLite と PostgreSQL だけです")
    assert "secret" not in said and "secret" not in str(refused.value)


def test_the_enrich_summary_is_english_for_the_log_and_translated_for_the_cli() -> None:
    from bot.i18n import _

    summary = EnrichSummary("tmdb", examined=3, matched=2, enriched=1, filled={"poster": 1})
    assert summary.text().startswith("tmdb: 3 films examined — 2 matched, 1 enriched")
    with speaking("ko"):
        assert summary.text(_).startswith("tmdb: 영화 3편 확인 — 일치 2, 보강 1")


@pytest.mark.parametrize(("argv", "spoken"), [(["film", "x"], "ko"), (["run"], "en"), (["--lang", "ja", "run"], "en")])
def test_run_keeps_english_as_the_bots_default_whatever_the_hosts_locale(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], spoken: str
) -> None:
    """Each bot speaks every chat's own language; a process started in a Korean terminal must not make Korean
    the default for chats that have none."""
    import bot.app
    import bot.cli
    from bot.i18n import current_language

    heard: list[str] = []

    async def dispatch(args: object, settings: object) -> int:
        heard.append(current_language())
        return 0

    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    monkeypatch.setattr(bot.cli, "dispatch", dispatch)
    monkeypatch.setattr(bot.app, "configure_logging", lambda *a, **k: None)
    assert bot.cli.main(argv) == 0
    assert heard == [spoken]
