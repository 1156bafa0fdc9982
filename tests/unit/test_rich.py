"""The rich builder: an item's Markdown as rich message blocks, and what it refuses to say;
the answer post's way out: rich, else entity text, counted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    InputRichBlockDetails,
    InputRichBlockFooter,
    InputRichBlockList,
    InputRichBlockMathematicalExpression,
    InputRichBlockParagraph,
    InputRichBlockPreformatted,
    InputRichBlockSectionHeading,
    InputRichBlockTable,
    RichTextBold,
    RichTextMathematicalExpression,
    RichTextUrl,
)

from bot.platform.content.markdown import plain, styled
from bot.platform.content.schema import QuestionItem, QuizItem, TaskItem
from bot.platform.i18n import create_i18n
from bot.platform.telegram.metrics import BotMetrics
from bot.study.catalog import Card
from bot.study.context import ChatContext, Where
from bot.study.rich import (
    RICH_BLOCKS_MAX,
    Unexpressible,
    limit_problems,
    markdown_blocks,
    rich_answer,
    rich_text,
)
from bot.study.sending import RichPosts
from tests.fakebot import FakeBotAPI, bad_request
from tests.unit.test_rendering import STYLE


def card(item: QuizItem | QuestionItem | TaskItem) -> Card:
    return Card(1, item, "метрики")


def dumped(blocks: list[Any]) -> list[dict[str, Any]]:
    return [block.model_dump(mode="json", exclude_none=True) for block in blocks]


def test_formulas_become_formula_blocks_and_inline_formulas() -> None:
    blocks = markdown_blocks(
        "При $p = 0.5$ шансы равны:\n$$\\frac{p}{1-p} = 1$$\nи всё.\n\n$$x^2$$"
    )
    assert [type(block) for block in blocks] == [
        InputRichBlockParagraph, InputRichBlockMathematicalExpression, InputRichBlockParagraph,
        InputRichBlockMathematicalExpression,
    ]
    first = blocks[0]
    assert isinstance(first, InputRichBlockParagraph)
    assert first.text == ["При ", RichTextMathematicalExpression(expression="p = 0.5"),
                          " шансы равны:"]
    assert [b.expression for b in blocks if isinstance(b, InputRichBlockMathematicalExpression)
            ] == ["\\frac{p}{1-p} = 1", "x^2"]


def test_code_keeps_its_language_and_tables_their_header_and_alignment() -> None:
    blocks = markdown_blocks(
        "```python\nx = 1\n```\n\n| метрика | значение |\n|:--|--:|\n| **AUC** | $0.9$ |\n"
    )
    code, table = blocks
    assert isinstance(code, InputRichBlockPreformatted)
    assert (code.text, code.language) == ("x = 1", "python")
    assert isinstance(table, InputRichBlockTable)
    header, row = dumped([table])[0]["cells"]
    assert [(cell["text"], cell["align"], cell.get("is_header")) for cell in header] == [
        ("метрика", "left", True), ("значение", "right", True)]
    assert row[0]["text"] == {"type": "bold", "text": "AUC"}
    assert row[1]["text"] == {"type": "mathematical_expression", "expression": "0.9"}


def test_lists_nest_count_and_tick() -> None:
    ordered, tasks = markdown_blocks(
        "3. три\n4. четыре\n   - вложенный\n\n---\n\n- [x] да\n- [ ] нет")[::2]
    assert isinstance(ordered, InputRichBlockList)
    assert [item.value for item in ordered.items] == [3, 4]
    assert isinstance(ordered.items[1].blocks[1], InputRichBlockList)
    assert isinstance(tasks, InputRichBlockList)
    assert [(item.has_checkbox, item.is_checked) for item in tasks.items] == [
        (True, True), (True, False)]
    assert dumped(tasks.items[0].blocks) == [{"type": "paragraph", "text": "да"}]


@pytest.mark.parametrize("markdown", [
    "<div>\nсырой HTML\n</div>", "текст <b>тег</b>", "![картинка](https://example.com/a.png)",
    "   ",
])
def test_what_the_builder_cannot_say_is_refused_with_a_reason(markdown: str) -> None:
    with pytest.raises(Unexpressible) as refused:
        markdown_blocks(markdown)
    assert refused.value.reason


def test_a_post_past_the_block_limit_is_unexpressible() -> None:
    item = QuestionItem(kind="question", id="long", topic="metrics", question="Много?",
                        answer="\n".join(f"- пункт {n}" for n in range(RICH_BLOCKS_MAX)))
    with pytest.raises(Unexpressible, match="blocks"):
        rich_answer(card(item), STYLE)


def test_limit_problems_count_text_blocks_and_depth() -> None:
    deep = "\n".join("  " * level + "- x" for level in range(20))
    message = rich_answer(card(QuestionItem(kind="question", id="ok", topic="metrics",
                                            question="Q?", answer="Ответ.")), STYLE)
    assert limit_problems(message) == []
    with pytest.raises(Unexpressible, match="levels deep"):
        rich_answer(card(QuestionItem(kind="question", id="deep", topic="metrics",
                                      question="Q?", answer=deep)), STYLE)


def test_a_tasks_solution_is_collapsed_under_its_label() -> None:
    task = TaskItem(kind="task", id="t", topic="metrics", title="Задача про F1",
                    question="Посчитайте $F_1$.", answer="$F_1 = 0.8$",
                    solution="Среднее гармоническое:\n\n$$F_1 = \\frac{2PR}{P+R}$$")
    blocks = rich_answer(card(task), STYLE).blocks or []
    heading, answer, solution, hashtags, signature = blocks
    assert heading == InputRichBlockSectionHeading(text="📌 Задача про F1", size=2)
    assert isinstance(answer, InputRichBlockParagraph)
    assert answer.text == [RichTextBold(text="Ответ: "),
                           RichTextMathematicalExpression(expression="F_1 = 0.8")]
    assert isinstance(solution, InputRichBlockDetails)
    assert solution.summary == RichTextBold(text="Решение")
    assert not solution.is_open
    assert isinstance(solution.blocks[1], InputRichBlockMathematicalExpression)
    assert hashtags == InputRichBlockFooter(text="#метрики #задача")
    assert signature == InputRichBlockFooter(text="@ml_bot")


def test_each_wrong_option_of_a_quiz_opens_on_its_own() -> None:
    quiz = QuizItem(
        kind="quiz", id="q", topic="metrics", question="Что такое F1?",
        options=["Среднее", "Гармоническое", "Максимум", "Медиана"], correct_option_ids=[1],
        poll_explanation="Гармоническое.",
        explanation=("**Правильный ответ: гармоническое.**\n\nПочему остальные неверны:\n"
                     "- **Среднее** — завышает при $P \\ne R$.\n"
                     "- **Максимум.** Игнорирует худшую метрику.\n"
                     "- **Медиана.** $P$ и $R$ не упорядочены.\n"),
    )
    blocks = rich_answer(card(quiz), STYLE, lead=plain("❌ Верно: ") + styled("Гармоническое",
                                                                             "bold")).blocks
    assert blocks is not None
    lead, heading = blocks[:2]
    assert lead == InputRichBlockParagraph(text=["❌ Верно: ", RichTextBold(text="Гармоническое")])
    assert heading == InputRichBlockSectionHeading(text="❓ Что такое F1?", size=2)
    whys = [block for block in blocks if isinstance(block, InputRichBlockDetails)]
    assert [why.summary for why in whys] == [RichTextBold(text="Среднее"),
                                             RichTextBold(text="Максимум."),
                                             RichTextBold(text="Медиана.")]
    assert dumped(whys[0].blocks) == [{"type": "paragraph", "text": [
        "завышает при ", {"type": "mathematical_expression", "expression": "P \\ne R"}, "."]}]
    assert dumped(whys[1].blocks) == [{"type": "paragraph", "text": "Игнорирует худшую метрику."}]
    assert dumped(whys[2].blocks) == [{"type": "paragraph", "text": [
        {"type": "mathematical_expression", "expression": "P"}, " и ",
        {"type": "mathematical_expression", "expression": "R"}, " не упорядочены."]}]


def test_entity_text_becomes_nested_rich_text() -> None:
    lead = plain("итог: ") + styled("верно", "bold") + plain(" — ") + styled("ссылка", "url")
    assert rich_text(lead) == ["итог: ", RichTextBold(text="верно"), " — ",
                               RichTextUrl(text="ссылка", url="ссылка")]
    assert rich_text(plain("просто")) == "просто"


def answer_context(bot: Bot, rich_posts: RichPosts) -> ChatContext:
    return ChatContext(bot=bot, where=Where(CHAT, CHAT), now=datetime(2026, 12, 1, tzinfo=UTC),
                       i18n=create_i18n("ru"), locale="ru", signature="@ml_bot",
                       rich_posts=rich_posts)


CHAT = 1001
QUESTION = QuestionItem(kind="question", id="f1", topic="metrics", question="Что такое F1?",
                        answer="Среднее гармоническое: $$F_1 = \\frac{2PR}{P+R}$$")


async def test_each_path_of_an_answer_post_is_counted(
    aiogram_bot: Bot, fake_api: FakeBotAPI
) -> None:
    metrics = BotMetrics()
    ctx = answer_context(aiogram_bot, RichPosts(enabled=True, metrics=metrics))
    await ctx.send_answer(card(QUESTION))
    fake_api.refuse_rich_messages(CHAT)
    await ctx.send_answer(card(QUESTION))
    await ctx.send_answer(card(QUESTION))
    await answer_context(aiogram_bot, RichPosts(enabled=False, metrics=metrics)).send_answer(
        card(QUESTION))

    assert [call.method for call in fake_api.calls] == [
        "sendRichMessage", "sendRichMessage", "sendMessage", "sendMessage", "sendMessage"]
    exposition = metrics.exposition().decode()
    for path in ("rich", "refused", "chat_refuses", "off"):
        assert f'bot_answer_posts_total{{path="{path}"}} 1.0' in exposition


async def test_a_chat_is_remembered_as_refusing_only_when_the_entity_text_went_through(
    aiogram_bot: Bot, fake_api: FakeBotAPI
) -> None:
    ctx = answer_context(aiogram_bot, RichPosts(enabled=True))
    fake_api.refuse_rich_messages(CHAT)
    fake_api.fail_next("sendMessage", bad_request("message thread not found"))
    with pytest.raises(TelegramBadRequest):
        await ctx.send_answer(card(QUESTION))
    fake_api.clear_faults()
    await ctx.send_answer(card(QUESTION))
    assert [call.method for call in fake_api.calls] == [
        "sendRichMessage", "sendMessage", "sendRichMessage"]
