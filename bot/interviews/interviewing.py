"""The Telegram half of a mock interview: which answers are its own, asking, the scorecard."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.filters import Filter
from aiogram.types import Poll, PollAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.interviews import mock as interviews
from bot.platform.content.markdown import Rendered, plain, styled
from bot.platform.content.schema import QuizItem
from bot.platform.telegram.deep_links import start_link, topic_payload
from bot.study.keyboards import interview_reveal_keyboard, link_keyboard
from bot.study.polls import PollCache
from bot.study.posts import MESSAGE_LIMIT, question_post
from bot.study.quizzes import post_quiz
from bot.study.sending import send_post


class InterviewPoll(Filter):
    """Lets through answers to interview quizzes, and their polls closing.

    The poll's facts come from the cache the answer recorder shares, which also waits for a
    poll sent a moment ago whose row is not committed yet.
    """

    async def __call__(self, event: PollAnswer | Poll, poll_cache: PollCache) -> bool:
        poll = await poll_cache.get(event.poll_id if isinstance(event, PollAnswer) else event.id)
        return poll is not None and poll.is_interview


async def carry_on(
    bot: Bot,
    session: AsyncSession,
    *,
    interview_id: int,
    chat_id: int,
    now: datetime,
    limits: interviews.TimeLimits,
    i18n: I18n,
    signature: str,
    bot_username: str,
) -> None:
    """Ask the next question, or show the scorecard when there is none left."""
    step = await interviews.next_step(session, interview_id, limits, now, i18n.current_locale)
    if isinstance(step, interviews.Scorecard):
        await send_post(bot, chat_id, scorecard_text(step).split(MESSAGE_LIMIT),
                        link_keyboard(drill_links(step, bot_username)))
    elif isinstance(step, interviews.Question):
        await ask(bot, session, step, chat_id, now)


async def ask(
    bot: Bot, session: AsyncSession, question: interviews.Question, chat_id: int, now: datetime
) -> None:
    item = question.card.content
    if isinstance(item, QuizItem):
        async def attached(poll_id: str) -> None:
            await interviews.attach_poll(session, question.entry_id, poll_id)

        # Telegram shows the countdown on the poll and closes it when the period is over.
        await post_quiz(bot, session, chat_id, question.card, item, now=now,
                        open_period=int(question.time_limit.total_seconds()), recorded=attached)
        return
    header = plain(_("interview-question-header").format(
        number=question.position + 1, total=question.total,
        minutes=minutes(question.time_limit),
    ) + "\n\n")
    first, *rest = question_post(question.card)
    await send_post(bot, chat_id, [*(header + first).split(MESSAGE_LIMIT), *rest],
                    interview_reveal_keyboard(question.interview_id, question.position))


def scorecard_text(card: interviews.Scorecard) -> Rendered:
    text = styled(_("interview-finished"), "bold") + plain("\n\n" + _("interview-score").format(
        correct=card.correct, asked=card.asked, percent=card.percent,
    ))
    if card.missed:
        text += plain("\n" + _("interview-missed").format(missed=card.missed))
    text += plain("\n\n") + styled(_("interview-by-topic"), "bold")
    for topic in card.topics:
        text += plain(f"\n• {topic.title} — {topic.correct}/{topic.asked}")
    if card.weakest:
        text += plain("\n\n") + styled(_("interview-weakest"), "bold") + plain(
            " " + ", ".join(topic.title for topic in card.weakest)
        )
    else:
        text += plain("\n\n" + _("interview-flawless"))
    return text


def drill_links(card: interviews.Scorecard, bot_username: str) -> list[tuple[str, str]]:
    if not bot_username:
        return []
    return [
        (_("button-drill-topic").format(topic=topic.title),
         start_link(bot_username, topic_payload(topic.topic_id)))
        for topic in card.weakest
    ]


def minutes(limit: timedelta) -> str:
    return f"{limit.total_seconds() / 60:g}"
