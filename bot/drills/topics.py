"""/topics: the learner picks the topics their drills and /quiz draw from."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.study.callbacks import AllTopics, OpenTopics, ToggleTopic
from bot.study.context import UpdateContext
from bot.study.keyboards import topics_keyboard
from bot.study.learners import select_all_topics, toggle_topic, topic_choices
from bot.study.sending import replace_keyboard


def create_router() -> Router:
    router = Router(name="topics")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(Command("topics"))
    async def topics_shown(message: Message, ctx: UpdateContext, session: AsyncSession) -> None:
        await _send_choices(ctx, session)

    @router.callback_query(OpenTopics.filter())
    async def topics_pressed(
        callback: CallbackQuery, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        await callback.answer()
        await _send_choices(ctx, session)

    @router.callback_query(ToggleTopic.filter())
    async def topic_toggled(
        callback: CallbackQuery, callback_data: ToggleTopic, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        if not await toggle_topic(session, ctx.user_id, callback_data.topic_id):
            await callback.answer(_("topic-missing"), show_alert=True)
            return
        await _show_choices(callback, ctx, session)

    @router.callback_query(AllTopics.filter())
    async def all_topics_chosen(
        callback: CallbackQuery, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        await select_all_topics(session, ctx.user_id)
        await _show_choices(callback, ctx, session)

    return router


async def _send_choices(ctx: UpdateContext, session: AsyncSession) -> None:
    choices = await topic_choices(session, ctx.user_id)
    await ctx.send_message(_("topics-prompt"), topics_keyboard(choices, ctx.locale))


async def _show_choices(
    callback: CallbackQuery, ctx: UpdateContext, session: AsyncSession
) -> None:
    """Redraw the ✅ marks on the same message."""
    await callback.answer()
    choices = await topic_choices(session, ctx.user_id)
    # "All" pressed with nothing chosen leaves the marks as they were: Telegram refuses such an
    # edit ("message is not modified"), and replace_keyboard lets the refusal pass.
    await replace_keyboard(callback, topics_keyboard(choices, ctx.locale))
