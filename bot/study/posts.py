"""Posts in the channel's format: headline emoji and bold question, body, hashtags, signature."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from aiogram.utils.i18n import I18n

from bot.platform.content.markdown import Rendered, plain, render_markdown, styled, utf16_len
from bot.platform.content.schema import (
    POLL_DESCRIPTION_MAX,
    Kind,
    QuestionItem,
    QuizItem,
    ResourceItem,
    TaskItem,
)
from bot.study.catalog import Card

MESSAGE_LIMIT = 4096

DEFAULT_EMOJI = {Kind.QUIZ: "❓", Kind.QUESTION: "🧠", Kind.TASK: "📌", Kind.RESOURCE: "📖"}


@dataclass(frozen=True)
class PostStyle:
    """Words a post needs in the item's own language, and the signature line."""

    signature: str
    answer_label: str
    solution_label: str
    kind_hashtag: str


@dataclass(frozen=True)
class QuizPoll:
    question: str
    options: list[str]
    correct_option_ids: list[int]
    explanation: str
    description: Rendered | None


def quiz_poll(item: QuizItem) -> QuizPoll:
    return QuizPoll(
        question=item.question,
        options=list(item.options),
        correct_option_ids=list(item.correct_option_ids),
        explanation=item.poll_explanation,
        description=render_markdown(item.details) if item.details else None,
    )


def question_post(card: Card) -> list[Rendered]:
    """What is shown before the answer: the question (with its details) or the task statement."""
    item = card.content
    post = _headline(card)
    if isinstance(item, QuestionItem) and item.details:
        post += plain("\n\n") + render_markdown(item.details)
    elif isinstance(item, TaskItem):
        post += plain("\n\n") + render_markdown(item.question)
    return post.split(MESSAGE_LIMIT)


def answer_post(card: Card, style: PostStyle, lead: Rendered | None = None) -> list[Rendered]:
    """The explanation post; ``lead`` (a verdict, say) goes above the headline."""
    item = card.content
    post = (lead + plain("\n\n")) if lead else plain("")
    post += _headline(card) + plain("\n\n")
    if isinstance(item, QuizItem):
        post += render_markdown(item.explanation)
    elif isinstance(item, QuestionItem):
        post += render_markdown(item.answer)
    elif isinstance(item, TaskItem):
        post += (
            styled(f"{style.answer_label}: ", "bold") + render_markdown(item.answer)
            + plain("\n\n") + styled(style.solution_label, "bold") + plain("\n")
            + render_markdown(item.solution)
        )
    elif isinstance(item, ResourceItem):
        post += render_markdown(item.body)
        if item.url:
            post += plain("\n\n") + styled(str(item.url), "url")
    post += plain("\n\n" + _hashtags(card, style))
    if style.signature:
        post += plain("\n" + style.signature)
    return post.split(MESSAGE_LIMIT)


def _headline(card: Card) -> Rendered:
    item = card.content
    emoji = item.emoji or DEFAULT_EMOJI[item.kind]
    if isinstance(item, TaskItem):
        title = item.title or ""
        if not title:
            return plain(emoji)
        return plain(f"{emoji} ") + styled(title, "bold")
    title = item.title if isinstance(item, ResourceItem) else item.question
    return plain(f"{emoji} ") + styled(title, "bold")


def _hashtags(card: Card, style: PostStyle) -> str:
    tags = dict.fromkeys([card.topic_hashtag, style.kind_hashtag, *card.content.tags])
    return " ".join(f"#{tag}" for tag in tags)


def post_style(i18n: I18n, card: Card, signature: str) -> PostStyle:
    """Post words follow the item's language, not the reader's interface language."""
    locale = card.content.language.value
    return PostStyle(
        signature=signature,
        answer_label=i18n.gettext("label-answer", locale=locale),
        solution_label=i18n.gettext("label-solution", locale=locale),
        kind_hashtag=i18n.gettext("hashtag-kind-" + card.content.kind.value, locale=locale),
    )


def daily_footer(card: Card, style: PostStyle, answer_due: str) -> Rendered:
    """How a daily post ends, as the channel's do: hashtags, the signature, and when the answer
    comes (``answer_due``, worded by the caller)."""
    lines = [_hashtags(card, style), style.signature, answer_due]
    return plain("\n".join(line for line in lines if line))


def with_footer(chunks: Sequence[Rendered], footer: Rendered) -> list[Rendered]:
    """The post's chunks with ``footer`` at the end of the last (split again if it overflows)."""
    *first, last = chunks
    return [*first, *(last + plain("\n\n") + footer).split(MESSAGE_LIMIT)]


def poll_with_footer(poll: QuizPoll, footer: Rendered) -> QuizPoll:
    """The quiz with ``footer`` under its description, when both fit in a poll description."""
    description = (poll.description + plain("\n\n") + footer) if poll.description else footer
    if utf16_len(description.text) > POLL_DESCRIPTION_MAX:
        return poll
    return replace(poll, description=description)
