"""/add and /edit keep what an admin typed: its formatting, into the stored Markdown and the
preview exactly as learners get it; the optional parts; and a warning before a near-duplicate."""

from __future__ import annotations

import json
from typing import Any

from bot.platform.content.markdown import utf16_len
from tests.app.harness import InProcessBot
from tests.app.test_admin_add import DONE
from tests.databases import Database
from tests.fakebot import Call
from tests.users import Learner, buttons


def formatted(*parts: str | tuple[str, str, dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """A message with formatting, as a Telegram client sends it."""
    text, entities = "", []
    for part in parts:
        if isinstance(part, str):
            text += part
            continue
        words, kind, extra = part
        entities.append({"type": kind, "offset": utf16_len(text), "length": utf16_len(words),
                         **extra})
        text += words
    return text, entities


def styles(call: Call) -> list[tuple[str, str]]:
    """(entity type, the text it covers) of a sent message."""
    units = call.params["text"].encode("utf-16-le")
    return [(e["type"], units[2 * e["offset"]: 2 * (e["offset"] + e["length"])]
             .decode("utf-16-le")) for e in call.params.get("entities") or []]


async def types(admin: Learner, parts: tuple[str, list[dict[str, Any]]]) -> Call:
    admin.api.send_text(admin.user, parts[0], entities=parts[1])
    return await admin.reply()


ANSWER = formatted(
    ("Регуляризация", "bold", {}), " штрафует ", ("сложность", "italic", {}), ": ",
    ("alpha", "code", {}), ", ", ("подробнее", "text_link", {"url": "https://scikit-learn.org"}),
    ", ", ("спойлер", "spoiler", {}), ".\n", ("Ridge(alpha=1.0).fit(X, y)", "pre",
                                              {"language": "python"}),
    "\n", ("Цитата из книги", "blockquote", {}),
)
KEPT = [("bold", "Регуляризация"), ("italic", "сложность"), ("code", "alpha"),
        ("text_link", "подробнее"), ("spoiler", "спойлер"), ("pre", "Ridge(alpha=1.0).fit(X, y)"),
        ("blockquote", "Цитата из книги")]


async def test_formatting_typed_in_add_and_edit_is_stored_as_markdown_and_previewed(
    admin_bot: InProcessBot, database: Database, admin: Learner,
) -> None:
    kinds = await admin.says("/add")
    await admin.presses(kinds, "Вопрос")
    await admin.says("Зачем нужна регуляризация?")
    part = await types(admin, ANSWER)
    ask_topic = await admin.presses(part, DONE)
    ask_tags = await admin.presses(ask_topic, "Регуляризация")
    assert ask_tags.ok
    ask_difficulty = await admin.says("-")
    await admin.presses(ask_difficulty, "Middle")
    await admin.reply()  # the question post
    preview = await admin.reply()
    # The answer post's own styles (its headline, its tags) around the admin's.
    kept = [style for style in styles(preview) if style in KEPT]
    assert kept == KEPT
    pre = next(e for e in preview.params["entities"] if e["type"] == "pre")
    assert pre["language"] == "python"
    await admin.presses(preview, "Сохранить")
    await admin_bot.stop()
    (document,) = database.query(
        "SELECT document FROM items WHERE slug = 'zachem-nuzhna-regulyarizatsiya'")[0]
    answer = (json.loads(document) if isinstance(document, str) else document)["answer"]
    assert answer == (
        "**Регуляризация** штрафует *сложность*: `alpha`, "
        "[подробнее](https://scikit-learn.org), ||спойлер||\\.\n"
        "```python\nRidge(alpha=1.0).fit(X, y)\n```\n>Цитата из книги")


async def test_an_edited_answer_keeps_its_formatting(
    admin_bot: InProcessBot, database: Database, admin: Learner,
) -> None:
    fields = await admin.says("/edit e2e-roc")
    await admin.presses(fields, "Ответ")
    part = await types(admin, formatted("ROC — это ", ("TPR", "bold", {}), " против ",
                                        ("FPR", "italic", {}), "."))
    header = await admin.presses(part, DONE)
    assert header.params["text"].splitlines()[0] == "Так это увидят читатели:"
    assert header.params["text"].splitlines()[1].startswith("№ ")
    await admin.reply()  # the question post
    preview = await admin.reply()
    assert ("bold", "TPR") in styles(preview)
    assert ("italic", "FPR") in styles(preview)
    await admin.presses(preview, "Сохранить")
    await admin_bot.stop()
    (document,) = database.query("SELECT document FROM items WHERE slug = 'e2e-roc'")[0]
    stored = json.loads(document) if isinstance(document, str) else document
    assert stored["answer"] == "ROC — это **TPR** против *FPR*\\."


async def drafted_question(
    admin: Learner, question: str, answer: str, *, topic: str, difficulty: str,
) -> Call:
    """/add → Вопрос → ``question``, a one-message ``answer``, ``topic``, no tags,
    ``difficulty``; returns the preview (the answer post with the draft's buttons)."""
    kinds = await admin.says("/add")
    await admin.presses(kinds, "Вопрос")
    await admin.says(question)
    part = await admin.says(answer)
    ask_topic = await admin.presses(part, DONE)
    await admin.presses(ask_topic, topic)
    ask_difficulty = await admin.says("-")
    await admin.presses(ask_difficulty, difficulty)
    await admin.reply()  # the question post
    return await admin.reply()


async def test_a_near_duplicate_is_named_before_saving_and_can_be_opened_or_saved_anyway(
    admin_bot: InProcessBot, database: Database, admin: Learner,
) -> None:
    (roc_id,) = database.query("SELECT id FROM items WHERE slug = 'e2e-roc'")[0]
    preview = await drafted_question(admin, "Как работает ROC кривая ?", "Перебором порогов.",
                                     topic="Метрики и пороги", difficulty="Middle")
    warning = await admin.presses(preview, "Сохранить")
    assert warning.params["text"] == (
        f"⚠️ Похоже, такой вопрос уже есть: № {roc_id} (e2e-roc) «Как работает ROC-кривая?».\n"
        "Всё равно сохранить черновик?")
    assert database.query("SELECT count(*) FROM items") == [(4,)]
    similar = await admin.presses(warning, "Открыть похожий")
    assert similar.params["text"] == "🧠 Как работает ROC-кривая?"
    await admin.reply()  # its answer
    await admin.reply()  # its number, link and state
    saved = await admin.presses(warning, "Сохранить всё равно")
    assert saved.params["text"].startswith("Сохранено: kak-rabotaet-roc-krivaya (версия 1).")


async def offers(admin: Learner, preview: Call, field: str) -> Call:
    """From the preview: the optional fields, then ``field``; returns its question."""
    choice = await admin.presses(preview, "➕ Детали, ключевые пункты, эмодзи, язык")
    return await admin.presses(choice, field)


async def previewed(admin: Learner) -> tuple[Call, Call]:
    """The question post and the answer post (with the draft's buttons) of a new preview."""
    assert (await admin.reply()).params["text"].startswith("Так это увидят читатели:")
    question = await admin.reply()
    return question, await admin.reply()


async def test_add_asks_for_details_key_points_emoji_and_language_and_each_can_be_left_out(
    admin_bot: InProcessBot, database: Database, admin: Learner,
) -> None:
    preview = await drafted_question(admin, "Что выведет этот код?", "Единицу.",
                                     topic="Основы глубокого обучения", difficulty="Junior")

    ask_details = await offers(admin, preview, "Детали")
    assert ask_details.params["text"].startswith("Детали в Markdown")
    admin.api.send_text(admin.user, "print(1)", entities=[
        {"type": "pre", "offset": 0, "length": 8, "language": "python"}])
    question, preview = await previewed(admin)
    assert question.params["text"] == "🧠 Что выведет этот код?\n\nprint(1)"
    assert {"type": "pre", "offset": 26, "length": 8, "language": "python"} in (
        question.params["entities"])

    ask_points = await offers(admin, preview, "Ключевые пункты")
    assert ask_points.params["text"].startswith("Ключевые пункты полного ответа")
    refused = await admin.says("Два пункта\nмало")
    assert refused.params["text"] == "Нужно хотя бы 3 элемента, а здесь 2"
    admin.api.send_text(admin.user, "print пишет в stdout\nединица — int\nбез перевода строки? нет")
    _question, preview = await previewed(admin)

    await offers(admin, preview, "Эмодзи")
    admin.api.send_text(admin.user, "🧮")
    question, preview = await previewed(admin)
    assert question.params["text"].startswith("🧮 Что выведет")
    ask_emoji = await offers(admin, preview, "✓ Эмодзи")
    await admin.presses(ask_emoji, "Без этого", expect="answerCallbackQuery")
    question, preview = await previewed(admin)
    assert question.params["text"].startswith("🧠 Что выведет")

    ask_language = await offers(admin, preview, "Язык")
    assert [button["text"] for button in buttons(ask_language)] == ["Русский", "English"]
    await admin.presses(ask_language, "English", expect="answerCallbackQuery")
    _question, preview = await previewed(admin)
    await admin.presses(preview, "Сохранить")
    await admin_bot.stop()
    (document,) = database.query(
        "SELECT document FROM items WHERE slug = 'chto-vyvedet-etot-kod'")[0]
    stored = json.loads(document) if isinstance(document, str) else document
    assert {key: stored[key] for key in ("details", "key_points", "emoji", "language")} == {
        "details": "```python\nprint(1)\n```",
        "key_points": ["print пишет в stdout", "единица — int", "без перевода строки? нет"],
        "emoji": None, "language": "en"}
