"""/exam: the interview date, its plan and readiness, and asking afterwards how it went."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from tests.app.harness import InProcessBot, MovableClock
from tests.app.test_drill_session import answer_and_continue, next_card
from tests.databases import Database
from tests.users import Learner, button_data, labels, settled

MOSCOW = ZoneInfo("Europe/Moscow")  # the bot's default zone


async def test_an_interview_date_sets_a_plan_shows_readiness_and_asks_how_it_went(
    running_bot: InProcessBot, database: Database, clock: MovableClock, alice: Learner,
) -> None:
    none = await alice.says("/exam")
    assert none.params["text"].startswith("Дата собеседования не задана.")
    past = await alice.says("/exam 2020-01-01")
    assert past.params["text"].startswith("Дата собеседования должна быть позже сегодняшнего")
    unknown = await alice.says("/exam 2099-01-01 middle astrology")
    assert unknown.params["text"].startswith("Таких тем нет: astrology.")

    exam_on = clock().astimezone(MOSCOW).date() + timedelta(days=20)
    status = await alice.says(f"/exam {exam_on:%Y-%m-%d} middle metrics")
    text = status.params["text"]
    assert text.startswith(f"📅 Собеседование {exam_on:%d.%m.%Y} — через 20 дней.\n"
                           "Уровень: до Middle.\n")
    assert "Готовность: 0 %\n░░░░░░░░░░ 0 % · Метрики и пороги" in text
    await settled(database, "SELECT CAST(exam_on AS TEXT), level, topic_ids FROM exam_plans",
                  [(f"{exam_on:%Y-%m-%d}", "middle", '["metrics"]')])

    # No new cards of her own a day: the plan asks for one, and the drill says so.
    await alice.says("/newcards 0")
    alice.api.send_text(alice.user, "/drill 3")
    card = await answer_and_continue(alice, await next_card(alice))
    assert "Тренировка вышла короче: 1 из 3." in card.params["text"]
    assert "📅 План к собеседованию: новых карточек в день — 1 вместо ваших 0." \
        in card.params["text"]
    stats = await alice.says("/stats")
    assert f"Собеседование {exam_on:%d.%m.%Y}\nГотовность: " in stats.params["text"]
    assert "% · Метрики и пороги" in stats.params["text"]

    clock.move(timedelta(days=21))
    alice.api.send_text(alice.user, "/drill")
    # Three weeks away: the reminder after practice may come first.
    asked = await alice.api.wait_for_call("sendMessage", lambda call: str(
        call.params.get("text")).startswith(f"Как прошло собеседование {exam_on:%d.%m.%Y}?"))
    assert labels(asked) == ["👍 Хорошо", "😐 Так себе", "👎 Плохо"]
    alice.api.click(alice.user, asked.result, button_data(asked, "👍 Хорошо"))
    await alice.api.wait_for_call(  # the drill's first card may come in between
        "sendMessage", lambda call: str(call.params.get("text")).startswith("Поздравляю!"))
    await settled(database, "SELECT outcome FROM exam_plans", [("good",)])
    alice.api.send_text(alice.user, "/exam")
    await alice.api.wait_for_call("sendMessage", lambda call: str(call.params.get("text"))
                                  .startswith("Дата собеседования не задана."))


async def test_exam_off_clears_the_date(running_bot: InProcessBot, alice: Learner) -> None:
    await alice.says("/exam 2099-01-01")
    cleared = await alice.says("/exam off")
    assert cleared.params["text"].startswith("Дата собеседования снята")
    status = await alice.says("/exam")
    assert status.params["text"].startswith("Дата собеседования не задана.")
