"""Markdown → entities, the channel's post layout, and splitting at Telegram's limit."""

from __future__ import annotations

from bot.platform.content.files import read_content_dir
from bot.platform.content.markdown import (
    Entity,
    Rendered,
    entity_problems,
    plain,
    render_markdown,
    styled,
    utf16_len,
)
from bot.platform.content.schema import QuestionItem, QuizItem, TaskItem
from bot.study.catalog import Card
from bot.study.posts import MESSAGE_LIMIT, PostStyle, answer_post, question_post
from tests.conftest import REPO_ROOT

STYLE = PostStyle(signature="@ml_bot", answer_label="Ответ", solution_label="Решение",
                  kind_hashtag="задача")


def entity_texts(rendered: Rendered, entity_type: str) -> list[str]:
    units = rendered.text.encode("utf-16-le")
    return [
        units[2 * e.offset: 2 * (e.offset + e.length)].decode("utf-16-le")
        for e in rendered.entities if e.type == entity_type
    ]


def test_markdown_becomes_entities_not_markup() -> None:
    rendered = render_markdown("**Жирный** и `код` и <b>не тег</b>\n\n```python\nx = 1\n```")
    assert "**" not in rendered.text
    assert "не тег" in rendered.text  # inline HTML is never interpreted as formatting
    assert entity_texts(rendered, "bold") == ["Жирный"]
    assert entity_texts(rendered, "code") == ["код"]
    assert entity_texts(rendered, "pre") == ["x = 1"]


def test_a_code_block_ending_in_a_blank_line_stays_within_the_text() -> None:
    for markdown in ("Текст\n\n```python\nx = 1\n\n```\n", "> цитата\n> ```\n> код\n> ```\n\n"):
        rendered = render_markdown(markdown)
        assert entity_problems(rendered) == [], markdown
        assert entity_texts(rendered, "pre")[0].strip() in {"x = 1", "код"}


def test_bold_around_code_is_rendered_as_code_alone() -> None:
    rendered = render_markdown("**`E[ε | X] = 0`** и **жирный `код` хвост**")
    assert entity_problems(rendered) == []
    assert entity_texts(rendered, "code") == ["E[ε | X] = 0", "код"]
    assert entity_texts(rendered, "bold") == ["жирный ", " хвост"]


def test_entity_problems_name_what_telegram_refuses() -> None:
    past_end = Rendered("short", (Entity("bold", 3, 5),))
    partly = Rendered("bold italic", (Entity("bold", 0, 6), Entity("italic", 4, 7)))
    in_code = Rendered("x = 1", (Entity("pre", 0, 5), Entity("bold", 0, 1)))
    assert "outside the text" in entity_problems(past_end)[0]
    assert "overlap partly" in entity_problems(partly)[0]
    assert "nested in code" in entity_problems(in_code)[0]


def test_the_whole_bank_renders_to_entities_telegram_accepts() -> None:
    for sourced in read_content_dir(REPO_ROOT / "content").items:
        for name in ("details", "explanation", "answer", "solution", "body"):
            markdown = getattr(sourced.item, name, None)
            if markdown:
                assert entity_problems(render_markdown(markdown)) == [], (sourced.item.id, name)


def test_concatenation_shifts_entities_by_utf16_units() -> None:
    rendered = plain("😀 ") + styled("вопрос", "bold")
    assert rendered.entities[0].offset == 3  # the emoji is two code units
    assert entity_texts(rendered, "bold") == ["вопрос"]


def test_split_keeps_every_chunk_within_the_limit_and_code_blocks_formatted() -> None:
    code = "\n".join(f"print({i})  # строка кода" for i in range(400))
    rendered = render_markdown(f"Вступление\n\n```python\n{code}\n```\n\nИтог")
    chunks = rendered.split(MESSAGE_LIMIT)
    assert len(chunks) > 1
    assert all(0 < utf16_len(chunk.text) <= MESSAGE_LIMIT for chunk in chunks)
    # Every chunk that carries part of the code block carries it as a `pre` entity.
    for chunk in chunks:
        if "print(" in chunk.text:
            assert "print(" in "".join(entity_texts(chunk, "pre"))
    rejoined = "".join("".join(entity_texts(chunk, "pre")) for chunk in chunks)
    assert rejoined.replace("\n", "") == code.replace("\n", "")


def test_emoji_heavy_text_is_split_by_utf16_units() -> None:
    chunks = plain("😀" * 5000).split(MESSAGE_LIMIT)
    assert all(utf16_len(chunk.text) <= MESSAGE_LIMIT for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks) == "😀" * 5000


def quiz_card() -> Card:
    item = QuizItem.model_validate({
        "id": "reg-l2", "kind": "quiz", "topic": "regularization", "tags": ["l2"],
        "question": "Что делает L2?", "options": ["Отбор признаков", "Сжимает веса"],
        "correct_option_ids": [1], "poll_explanation": "Штраф на квадрат весов.",
        "explanation": "Штраф `λ·Σw²` **сжимает** веса.",
    })
    return Card(id=1, content=item, topic_hashtag="регуляризация")


def test_explanation_post_has_the_channel_layout() -> None:
    (post,) = answer_post(quiz_card(), STYLE, lead=plain("✅ Верно!"))
    lines = post.text.split("\n")
    assert lines[0] == "✅ Верно!"
    assert lines[2] == "❓ Что делает L2?"
    assert "Что делает L2?" in entity_texts(post, "bold")
    assert lines[-2] == "#регуляризация #задача #l2"
    assert lines[-1] == "@ml_bot"


def test_task_reveal_has_answer_and_solution_sections() -> None:
    item = TaskItem.model_validate({
        "id": "metrics-task", "kind": "task", "topic": "metrics", "title": "Задача про метрики",
        "question": "Лучше ли модель A?", "answer": "Нет.", "solution": "Подберите **порог**.",
    })
    card = Card(id=2, content=item, topic_hashtag="метрики")
    (shown,) = question_post(card)
    assert shown.text == "📌 Задача про метрики\n\nЛучше ли модель A?"
    (revealed,) = answer_post(card, STYLE)
    assert "Ответ: Нет." in revealed.text
    assert "Решение\nПодберите порог." in revealed.text
    assert {"Ответ: ", "Решение", "Задача про метрики", "порог"} <= set(
        entity_texts(revealed, "bold")
    )


def test_a_long_answer_becomes_several_messages_with_the_footer_last() -> None:
    item = QuestionItem.model_validate({
        "id": "long", "kind": "question", "topic": "metrics", "question": "Расскажите всё",
        "answer": "\n\n".join(f"Абзац номер {i}. " * 8 for i in range(80)),
    })
    chunks = answer_post(Card(id=3, content=item, topic_hashtag="метрики"), STYLE)
    assert len(chunks) >= 3
    assert chunks[0].text.startswith("🧠 Расскажите всё")
    assert chunks[-1].text.endswith("#метрики #задача\n@ml_bot")
