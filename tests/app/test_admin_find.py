"""/find over the bank's full-text search (FTS5 on SQLite, tsvector on PostgreSQL: run this file
with TEST_DATABASE_URL=postgresql+asyncpg://… for the other), and /show by a found button."""

from __future__ import annotations

import pytest

from tests.app.conftest import StartBot
from tests.app.harness import InProcessBot
from tests.databases import Database
from tests.fakebot import FakeBotAPI, make_user
from tests.unit.factories import quiz_data, yaml_file
from tests.users import Learner, labels

OWNER_ID = 501
DONE = "Готово ✔"


@pytest.fixture
async def admin_bot(start_bot: StartBot) -> InProcessBot:
    return await start_bot(admin_ids={OWNER_ID})


@pytest.fixture
def owner(fake_api: FakeBotAPI) -> Learner:
    return Learner(fake_api, make_user(OWNER_ID, "Ольга"))


async def imports(owner: Learner, content: bytes) -> None:
    file_id = owner.api.add_file(content, "bank.yaml", "application/x-yaml")
    owner.api.send_document(owner.user, file_id, "/import")
    assert (await owner.reply()).params["text"].startswith("✅ bank.yaml загружен.")


async def found(owner: Learner, words: str) -> list[str]:
    """The slugs /find lists, in its order."""
    reply = await owner.says(f"/find {words}")
    return [label.split(" — ")[0] for label in labels(reply)]


async def test_find_matches_question_options_and_explanation_ranked_and_insensitive(
    admin_bot: InProcessBot, owner: Learner,
) -> None:
    await imports(owner, yaml_file(
        quiz_data("capacity", question="Что такое ёмкость модели?"),
        quiz_data("bagging-option", question="Какой ансамбль усредняет модели?",
                  options=["Бэггинг", "Стекинг без валидации"]),
        quiz_data("variance-question", question="Что показывает variance оценки?"),
        quiz_data("variance-explained", question="Зачем нужна кросс-валидация?",
                  explanation="Она снижает variance оценки качества."),
    ))
    # ё/е and case, both ways round.
    assert await found(owner, "ЕМКОСТЬ") == ["capacity"]
    assert await found(owner, "ёмкость модели") == ["capacity"]
    # A word only an option has.
    assert await found(owner, "бэггинг") == ["bagging-option"]
    # A word in the question ranks above the same word in an explanation.
    assert await found(owner, "Variance оценки") == ["variance-question", "variance-explained"]
    assert await found(owner, "кросс-валидация") == ["variance-explained"]
    nothing = await owner.says("/find квазиньютоновский")
    assert nothing.params["text"] == "Ничего не нашлось по «квазиньютоновский»."
    # An id finds its item first.
    assert (await found(owner, "e2e-roc"))[0] == "e2e-roc"

    listing = await owner.says("/find бэггинг")
    poll = await owner.presses(listing, "bagging-option — Какой ансамбль усредняет модели?",
                               expect="sendPoll")
    assert poll.params["question"] == "Какой ансамбль усредняет модели?"
    await owner.reply()  # the explanation post
    status = await owner.reply()
    first = status.params["text"].splitlines()[0]
    assert first.startswith("№ ")
    item_id = int(first.split()[1])
    assert first.endswith(f"поделиться: https://t.me/{owner.api.username}?start=q_{item_id}")
    again = await owner.says(f"/show {item_id}", expect="sendPoll")
    assert again.params["question"] == "Какой ансамбль усредняет модели?"


async def test_an_edit_is_found_by_its_new_words_and_no_longer_by_the_old(
    admin_bot: InProcessBot, database: Database, owner: Learner,
) -> None:
    assert await found(owner, "как работает") == ["e2e-roc"]
    fields = await owner.says("/edit e2e-roc")
    await owner.presses(fields, "Вопрос")
    await owner.says("Как строится кривая ошибок классификатора?")
    await owner.reply()  # the question post
    post = await owner.reply()
    await owner.presses(post, "Сохранить")
    assert await found(owner, "кривая ошибок") == ["e2e-roc"]
    assert (await owner.says("/find как работает")).params["text"].startswith(
        "Ничего не нашлось")
