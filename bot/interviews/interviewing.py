"""The Telegram half of a mock interview: which answers are its own, asking, the scorecard."""

from __future__ import annotations

from datetime import timedelta

from aiogram.filters import Filter
from aiogram.types import Poll, PollAnswer
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.interviews import mock as interviews
from bot.platform.content.markdown import Rendered, plain, styled
from bot.platform.content.schema import QuizItem
from bot.study.context import ChatContext, UpdateContext
from bot.study.keyboards import interview_reveal_keyboard, link_keyboard
from bot.study.polls import PollCache
from bot.study.posts import MESSAGE_LIMIT, question_post
from bot.study.quizzes import post_quiz


class InterviewPoll(Filter):
    """Lets through answers to interview quizzes, and their polls closing.

    The poll's facts come from the cache the answer recorder shares, which also waits for a
    poll sent a moment ago whose row is not committed yet.
    """

    async def __call__(self, event: PollAnswer | Poll, poll_cache: PollCache) -> bool:
        poll = await poll_cache.get(event.poll_id if isinstance(event, PollAnswer) else event.id)
        return poll is not None and poll.is_interview


async def carry_on(
    ctx: UpdateContext, session: AsyncSession, interview_id: int, limits: interviews.TimeLimits
) -> None:
    """Ask the next question in the context's chat, or show the scorecard when there is none
    left."""
    step = await interviews.next_step(session, interview_id, limits, ctx.now, ctx.locale)
    if isinstance(step, interviews.Scorecard):
        await ctx.send_post(scorecard_text(step).split(MESSAGE_LIMIT),
                            link_keyboard(drill_links(ctx, step)))
    elif isinstance(step, interviews.Question):
        await ask(ctx, session, step)


async def ask(ctx: UpdateContext, session: AsyncSession, question: interviews.Question) -> None:
    item = question.card.content
    if isinstance(item, QuizItem):
        async def attached(poll_id: str) -> None:
            await interviews.attach_poll(session, question.entry_id, poll_id)

        # Telegram shows the countdown on the poll and closes it when the period is over.
        await post_quiz(ctx, session, question.card, item,
                        open_period=int(question.time_limit.total_seconds()), recorded=attached)
        return
    header = plain(_("interview-question-header").format(
        number=question.position + 1, total=question.total,
        minutes=minutes(question.time_limit),
    ) + "\n\n")
    first, *rest = question_post(question.card)
    await ctx.send_post([*(header + first).split(MESSAGE_LIMIT), *rest],
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


def drill_links(ctx: ChatContext, card: interviews.Scorecard) -> list[tuple[str, str]]:
    return [
        (_("button-drill-topic").format(topic=topic.title), link)
        for topic in card.weakest if (link := ctx.topic_link(topic.topic_id))
    ]


def minutes(limit: timedelta) -> str:
    return f"{limit.total_seconds() / 60:g}"
