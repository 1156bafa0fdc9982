"""The dialog's steps: each value is checked by the content schema, and refusals carry counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authoring.dialog import problems_text
from bot.authoring.drafts import (
    Draft,
    DraftField,
    DraftRejected,
    Problem,
    accept,
    accept_parts,
    accept_text,
    accept_value,
    check_draft,
    draft_from_quiz,
    draft_of_item,
    new_draft,
    parse_tags,
    poll_explanation_count,
    save_checked,
    slugify,
)
from bot.platform.content.schema import Kind
from bot.platform.content.sync import sync_content
from bot.platform.db.models import Item, ItemVersion
from bot.platform.i18n import create_i18n
from tests.unit.factories import TOPICS, quiz

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ADMIN_ID = 1001


def refusal(draft: Draft, name: DraftField, value: Any) -> list[Problem]:
    with pytest.raises(DraftRejected) as rejected:
        accept(draft, name, value)
    return rejected.value.problems


def quiz_with_options(*options: str) -> Draft:
    draft = accept(new_draft(Kind.QUIZ), DraftField.QUESTION, "Что делает L2?")
    return accept(draft, DraftField.OPTIONS, list(options))


def complete_quiz() -> Draft:
    draft = quiz_with_options("Отбор признаков", "Сжатие весов")
    for name, value in {
        DraftField.CORRECT_OPTIONS: [1],
        DraftField.POLL_EXPLANATION: "Штраф на квадрат весов.",
        DraftField.EXPLANATION: "Подробный **разбор**.",
        DraftField.TOPIC: "metrics",
        DraftField.TAGS: ["l2"],
        DraftField.DIFFICULTY: "junior",
    }.items():
        draft = accept(draft, name, value)
    return draft


def test_an_oversized_question_is_refused_with_its_length_and_the_limit() -> None:
    assert refusal(new_draft(Kind.QUIZ), DraftField.QUESTION, "?" * 301) == [
        Problem("too-long", None, {"length": 301, "limit": 300})
    ]
    # Telegram counts UTF-16 units: an emoji takes two.
    assert refusal(new_draft(Kind.QUIZ), DraftField.QUESTION, "😀" * 151)[0].context == {
        "length": 302, "limit": 300
    }


def test_an_oversized_option_is_refused_with_its_number() -> None:
    draft = accept(new_draft(Kind.QUIZ), DraftField.QUESTION, "Что делает L2?")
    with pytest.raises(DraftRejected) as rejected:
        accept_text(draft, DraftField.OPTIONS, "Отбор признаков\n\n" + "x" * 101 + "\n")
    assert rejected.value.problems == [
        Problem("too-long", 2, {"length": 101, "limit": 100})
    ]


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (["один"], Problem("too-few-options", None, {"count": 1, "limit": 2})),
        ([f"вариант {n}" for n in range(13)],
         Problem("too-many-options", None, {"count": 13, "limit": 12})),
        (["Да", "да"], Problem("options-repeat")),
    ],
)
def test_too_few_too_many_or_repeated_options_are_refused(
    options: list[str], problem: Problem
) -> None:
    draft = accept(new_draft(Kind.QUIZ), DraftField.QUESTION, "Что делает L2?")
    assert refusal(draft, DraftField.OPTIONS, options) == [problem]


def test_a_quiz_needs_a_correct_option_and_a_wrong_one() -> None:
    draft = quiz_with_options("Отбор признаков", "Сжатие весов")
    assert refusal(draft, DraftField.CORRECT_OPTIONS, []) == [
        Problem("no-correct", None, {"count": 0, "limit": 1})
    ]
    assert refusal(draft, DraftField.CORRECT_OPTIONS, [0, 1]) == [Problem("all-correct")]
    assert accept(draft, DraftField.CORRECT_OPTIONS, [1]).values["correct_option_ids"] == [1]


def test_the_poll_explanation_is_counted_against_its_limit() -> None:
    draft = quiz_with_options("Отбор признаков", "Сжатие весов")
    accepted = accept(draft, DraftField.POLL_EXPLANATION, "  " + "x" * 143 + "  ")
    assert poll_explanation_count(accepted) == (143, 200)
    assert refusal(draft, DraftField.POLL_EXPLANATION, "x" * 201) == [
        Problem("too-long", None, {"length": 201, "limit": 200})
    ]
    assert refusal(draft, DraftField.POLL_EXPLANATION, "a\nb\nc\nd") == [
        Problem("too-many-line-feeds", None, {"count": 3, "limit": 2})
    ]


def test_the_long_explanation_is_measured_as_rendered() -> None:
    draft = quiz_with_options("Отбор признаков", "Сжатие весов")
    assert refusal(draft, DraftField.EXPLANATION, "x" * 12_001) == [
        Problem("too-long", None, {"length": 12_001, "limit": 12_000})
    ]
    # Markdown markup is not counted: "**" disappears into an entity.
    assert accept(draft, DraftField.EXPLANATION, "**" + "x" * 11_999 + "**")


def test_a_blank_answer_is_refused_and_parts_make_paragraphs() -> None:
    draft = accept(new_draft(Kind.QUESTION), DraftField.QUESTION, "Что такое ROC?")
    assert refusal(draft, DraftField.ANSWER, "   ") == [Problem("empty")]
    with pytest.raises(DraftRejected) as rejected:
        accept_parts(draft, DraftField.ANSWER, [])
    assert rejected.value.problems == [Problem("empty")]
    answered = accept_parts(draft, DraftField.ANSWER, ["TPR против FPR.", "AUC — площадь."])
    assert answered.values["answer"] == "TPR против FPR.\n\nAUC — площадь."


@pytest.mark.parametrize(
    ("text", "tags"),
    [("#l2, регуляризация", ["l2", "регуляризация"]), ("-", []), ("a_b  c", ["a_b", "c"])],
)
def test_tags_are_written_with_spaces_commas_or_hashes(text: str, tags: list[str]) -> None:
    assert parse_tags(text) == tags
    assert accept_text(quiz_with_options("a", "b"), DraftField.TAGS, text).values["tags"] == tags


def test_tags_with_capital_letters_are_taken_lowercased() -> None:
    draft = accept_text(quiz_with_options("a", "b"), DraftField.TAGS, "#ML, Регуляризация")
    assert draft.values["tags"] == ["ml", "регуляризация"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("c++", Problem("bad-tag", 1, {"tag": "c++"})),
        ("ok ml-ops", Problem("bad-tag", 2, {"tag": "ml-ops"})),
        ("l2 l2", Problem("tags-repeat")),
        (" ".join(f"t{n}" for n in range(9)),
         Problem("too-many-tags", None, {"count": 9, "limit": 8})),
    ],
)
def test_badly_formed_tags_are_refused(text: str, problem: Problem) -> None:
    with pytest.raises(DraftRejected) as rejected:
        accept_text(quiz_with_options("a", "b"), DraftField.TAGS, text)
    assert rejected.value.problems == [problem]


def test_a_rule_the_dialog_has_no_words_of_its_own_for_reads_as_import_says_it() -> None:
    problems = refusal(quiz_with_options("a", "b", "c"), DraftField.CORRECT_OPTIONS, [2, 0])
    assert problems == [Problem("correct-ids-order", schema=True)]
    with create_i18n("ru").context():
        assert problems_text(problems, DraftField.CORRECT_OPTIONS) == (
            "Номера верных вариантов должны идти по возрастанию, без повторов")


def test_an_unknown_difficulty_is_refused() -> None:
    assert refusal(new_draft(Kind.QUIZ), DraftField.DIFFICULTY, "expert") == [
        Problem("bad-difficulty", None, {"value": "expert"})
    ]


async def test_an_unknown_topic_is_refused(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [], NOW)
    draft = new_draft(Kind.QUESTION)
    with pytest.raises(DraftRejected) as rejected:
        await accept_value(session, draft, DraftField.TOPIC, "astrology")
    assert rejected.value.problems == [Problem("unknown-topic", None, {"topic": "astrology"})]
    assert (await accept_value(session, draft, DraftField.TOPIC, "sql")).values["topic"] == "sql"


async def test_a_long_text_closed_with_done_is_taken_from_its_parts(
    session: AsyncSession,
) -> None:
    draft = accept(new_draft(Kind.QUESTION), DraftField.QUESTION, "Что такое ROC?")
    with pytest.raises(DraftRejected) as rejected:
        await accept_value(session, draft, DraftField.ANSWER, [])
    assert rejected.value.problems == [Problem("empty")]
    answered = await accept_value(session, draft, DraftField.ANSWER, ["TPR.", "FPR."])
    assert answered.values["answer"] == "TPR.\n\nFPR."


def test_the_next_step_follows_the_kind() -> None:
    draft = new_draft(Kind.TASK)
    assert draft.missing() is DraftField.QUESTION
    draft = accept(draft, DraftField.QUESTION, "Условие")
    assert draft.missing() is DraftField.ANSWER
    assert complete_quiz().missing() is None
    # New options need their correct ones chosen again.
    assert complete_quiz().without(DraftField.OPTIONS).missing() is DraftField.OPTIONS
    assert "correct_option_ids" not in complete_quiz().without(DraftField.OPTIONS).values


def test_a_quiz_from_the_poll_editor_keeps_what_it_has() -> None:
    draft = draft_from_quiz("Что делает L2?", ["Отбор", "Сжатие"], [1], None)
    assert draft.missing() is DraftField.POLL_EXPLANATION
    with pytest.raises(DraftRejected):
        draft_from_quiz("Что делает L2?", ["Да", "да"], [1], None)


def test_ids_are_made_from_the_question() -> None:
    assert slugify("Что такое ROC-AUC?") == "chto-takoe-roc-auc"
    assert len(slugify("Очень длинный вопрос " * 10)) <= 40
    assert slugify("🤔") == "item"


async def test_a_saved_draft_is_a_new_admin_item_with_its_author(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [quiz("chto-delaet-l2")], NOW)  # the id is taken
    checked = await check_draft(session, complete_quiz())
    saved = await save_checked(session, checked, author_id=ADMIN_ID, now=NOW)
    assert (saved.slug, saved.version) == ("chto-delaet-l2-2", 1)
    row = await session.get(Item, saved.id)
    assert row is not None
    assert (row.source, row.kind, row.topic_id, row.difficulty) == (
        "admin", "quiz", "metrics", "junior")
    assert row.document["options"] == ["Отбор признаков", "Сжатие весов"]
    versions = (await session.scalars(
        select(ItemVersion.changed_by).where(ItemVersion.item_id == saved.id))).all()
    assert versions == [ADMIN_ID]


async def test_an_edit_is_saved_as_a_new_version(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [quiz("metrics-f1")], NOW)
    draft = await draft_of_item(session, "metrics-f1")
    assert draft is not None
    draft = accept(draft.without(DraftField.QUESTION), DraftField.QUESTION, "Новый вопрос?")
    saved = await save_checked(session, await check_draft(session, draft),
                               author_id=ADMIN_ID, now=NOW)
    assert (saved.slug, saved.version) == ("metrics-f1", 2)
    rows = (await session.execute(
        select(ItemVersion.version, ItemVersion.changed_by)
        .where(ItemVersion.item_id == saved.id).order_by(ItemVersion.version))).all()
    assert [tuple(row) for row in rows] == [(1, None), (2, ADMIN_ID)]
    edited = await session.get(Item, saved.id)
    assert edited is not None
    assert (edited.document["question"], edited.source) == ("Новый вопрос?", "admin")
    assert await draft_of_item(session, "no-such-item") is None
