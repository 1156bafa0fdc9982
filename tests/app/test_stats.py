"""/stats: a summary, then the progress chart as a photo."""

from __future__ import annotations

import struct

from tests.app.harness import InProcessBot
from tests.fakebot import FakeBotAPI
from tests.users import Learner, to

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_stats_after_some_answers_show_the_summary_and_a_png_chart(
    fake_api: FakeBotAPI, running_bot: InProcessBot, alice: Learner,
) -> None:
    quiz = await alice.says("/quiz", expect="sendPoll")
    explanation = await alice.answers(quiz, quiz.params["correct_option_ids"])
    assert explanation.params["text"].startswith("✅")

    summary = await alice.says("/stats")
    text = summary.params["text"]
    assert text.startswith("📊 Ваш прогресс")
    assert "Ответов: 1, верных: 1 (100%)" in text
    assert "Серия: 1 день подряд, лучшая — 1 день" in text
    assert "• Регуляризация — 100% (1/1)" in text
    assert {"type": "bold", "offset": 0, "length": len("📊 Ваш прогресс") + 1} in \
        summary.params["entities"]  # the emoji counts twice in UTF-16

    # The first chart of the run imports matplotlib in this process: seconds on a busy machine.
    chart = await fake_api.wait_for_call("sendPhoto", to(alice.id), timeout=60)
    assert chart.ok
    largest = chart.result["photo"][-1]
    assert (largest["width"], largest["height"]) == (1200, 800)
    stored = fake_api.file(largest["file_id"])
    assert stored is not None
    png = stored.content
    assert png.startswith(PNG_SIGNATURE)
    assert struct.unpack(">II", png[16:24]) == (1200, 800)
    assert len(png) <= 200_000
    # A first day's chart starts at the first answer: a week wide, not 29 empty days and a bar.
    assert chart.params["caption"].startswith("Ответы и точность за 7 дней")


async def test_a_learner_without_answers_gets_a_friendly_word_and_no_chart(
    fake_api: FakeBotAPI, running_bot: InProcessBot, alice: Learner,
) -> None:
    reply = await alice.says("/stats")
    assert reply.params["text"].startswith("Пока нет ни одного ответа")
    await alice.says("/help")  # the bot has moved on, and sent no picture in between
    assert fake_api.calls_of("sendPhoto") == []
