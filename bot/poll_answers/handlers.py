"""Quiz answers (poll_answer updates)."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import InlineKeyboardMarkup, PollAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.serving import continue_keyboard
from bot.interviews.interviewing import InterviewPoll
from bot.platform.db.engine import again_if_connection_lost
from bot.study.answer_recorder import AnswerRecorder
from bot.study.answers import AnswerOutcome
from bot.study.catalog import Card, load_card
from bot.study.context import UpdateContext
from bot.study.quizzes import recorded_answer, verdict

logger = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name="answers")

    @router.poll_answer(~InterviewPoll())
    async def poll_answered(
        poll_answer: PollAnswer, ctx: UpdateContext, session: AsyncSession,
        answer_recorder: AnswerRecorder,
    ) -> None:
        answer = recorded_answer(poll_answer, ctx.now)
        if answer is None:
            logger.info("ignored an answer to poll %s given on behalf of a chat",
                        poll_answer.poll_id)
            return
        outcome = await answer_recorder.record(answer)
        if outcome is None:
            logger.info("ignored an answer to poll %s: not a quiz this bot sent, or a retraction",
                        poll_answer.poll_id)
            return
        if not outcome.explain_privately:
            return
        explanation = await again_if_connection_lost(
            lambda: _explanation(session, outcome), f"the explanation of poll {outcome.poll_id}"
        )
        if explanation is None:
            return
        card, keyboard = explanation
        private = ctx.in_chat(outcome.chat_id)
        await private.send_answer(card, private.shareable(keyboard, card.id),
                                  lead=verdict(outcome, card))

    return router


async def _explanation(
    session: AsyncSession, outcome: AnswerOutcome
) -> tuple[Card, InlineKeyboardMarkup] | None:
    """The card and the "Next" button the explanation needs.

    The answer is committed by now (the recorder's own transaction), so a run of the whole
    update again after a lost connection would find it no longer new and explain nothing: these
    reads are tried once more here, on a new connection, instead.
    """
    try:
        card = await load_card(session, outcome.item_id)
        if card is None:
            return None
        return card, await continue_keyboard(session, outcome.user_id, card)
    except Exception:
        await session.rollback()
        raise
