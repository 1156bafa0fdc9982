"""A quiz built in Telegram's own poll editor and sent to the bot: the start of a new item.

The question, options, correct options and explanation come from the poll; the dialog asks
only for the rest. Telegram shows the bot a quiz's correct options only when the quiz was sent
to it directly, so a forwarded quiz (someone else's) cannot be taken.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType, PollType
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authoring.dialog import advance, problems_text, start_dialog
from bot.authoring.drafts import DraftRejected, draft_from_quiz
from bot.platform.telegram.filters import IsBotAdmin
from bot.study.context import UpdateContext


def create_router() -> Router:
    router = Router(name="admin_quiz_import")
    router.message.filter(F.chat.type == ChatType.PRIVATE, F.poll, IsBotAdmin())

    @router.message()
    async def quiz_received(
        message: Message, ctx: UpdateContext, state: FSMContext, session: AsyncSession,
    ) -> None:
        poll = message.poll
        if poll is None:
            return
        if poll.type != PollType.QUIZ:
            await message.answer(_("quiz-import-not-a-quiz"))
            return
        if message.forward_origin is not None or poll.correct_option_ids is None:
            await message.answer(_("quiz-import-forwarded"))
            return
        try:
            draft = draft_from_quiz(poll.question, [option.text for option in poll.options],
                                    poll.correct_option_ids, poll.explanation)
        except DraftRejected as rejected:
            await message.answer(_("quiz-import-refused").format(
                problems=problems_text(rejected.problems, None)))
            return
        await start_dialog(state, ctx.rng, draft)
        await message.answer(_("quiz-import-taken"))
        await advance(ctx, state, session, draft)

    return router
