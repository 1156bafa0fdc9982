"""Posts in the channel's format: headline emoji and bold question, body, hashtags, signature."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from random import Random

from aiogram.utils.i18n import I18n

from bot.platform.content.markdown import Rendered, plain, render_markdown, styled, utf16_len
from bot.platform.content.schema import (
    POLL_DESCRIPTION_MAX,
    POLL_QUESTION_MAX,
    Kind,
    QuestionItem,
    QuizItem,
    ResourceItem,
    TaskItem,
)
from bot.study.catalog import Card
from bot.study.shuffling import OptionOrder, identity_order, positions_of, shuffled_order

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
    """A quiz as it goes out: its options in ``option_order`` (see ``bot.study.shuffling``),
    ``correct_option_ids`` the positions of the item's correct options in that order."""

    question: str
    options: list[str]
    correct_option_ids: list[int]
    explanation: str
    description: Rendered | None  # the item's details
    option_order: OptionOrder
    language: str  # the item's: the words the bot adds to the poll are in it


def quiz_description(poll: QuizPoll, correct_count: str) -> Rendered | None:
    """Above the options: how many options are right, when several are (``correct_count``
    says it), then the item's details; the details alone when both do not fit."""
    if len(poll.correct_option_ids) < 2:
        return poll.description
    count = plain(correct_count)
    if poll.description is None:
        return count
    both = count + plain("\n\n") + poll.description
    return both if utf16_len(both.text) <= POLL_DESCRIPTION_MAX else poll.description


def quiz_poll(item: QuizItem, order: OptionOrder | None = None, lead: str = "") -> QuizPoll:
    """The item's quiz with its options in ``order`` (None keeps the item's own order);
    ``lead`` (a drill's "3/10") goes before the question when both fit Telegram's limit, and
    is left out otherwise."""
    order = identity_order(len(item.options)) if order is None else order
    led = f"{lead} · {item.question}"
    return QuizPoll(
        question=led if lead and utf16_len(led) <= POLL_QUESTION_MAX else item.question,
        options=[item.options[index] for index in order],
        correct_option_ids=positions_of(order, item.correct_option_ids),
        explanation=item.poll_explanation,
        description=render_markdown(item.details) if item.details else None,
        option_order=order,
        language=item.language.value,
    )


def shuffled_quiz_poll(item: QuizItem, rng: Random, lead: str = "") -> QuizPoll:
    """The item's quiz with its options in a new order (its fixed options in place)."""
    return quiz_poll(item, shuffled_order(len(item.options), item.fixed_options, rng), lead)


def question_post(card: Card, lead: str = "") -> list[Rendered]:
    """What is shown before the answer: the question (with its details) or the task statement;
    ``lead`` (a drill's "3/10") goes on a line above."""
    item = card.content
    post = (plain(lead + "\n") if lead else plain("")) + _headline(card)
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
    post += plain("\n\n" + hashtags(card, style))
    if style.signature:
        post += plain("\n" + style.signature)
    return post.split(MESSAGE_LIMIT)


def _headline(card: Card) -> Rendered:
    emoji, title = headline(card)
    return plain(f"{emoji} ") + styled(title, "bold") if title else plain(emoji)


def headline(card: Card) -> tuple[str, str]:
    """The post's headline: its emoji, and its title ("" for a task without one)."""
    item = card.content
    emoji = item.emoji or DEFAULT_EMOJI[item.kind]
    if isinstance(item, TaskItem):
        return emoji, item.title or ""
    return emoji, item.title if isinstance(item, ResourceItem) else item.question


def hashtags(card: Card, style: PostStyle) -> str:
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
    lines = [hashtags(card, style), style.signature, answer_due]
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
