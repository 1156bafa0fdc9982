"""/topics: the learner picks the topics their drills and /quiz draw from."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.study.callbacks import AllTopics, ToggleTopic
from bot.study.keyboards import topics_keyboard
from bot.study.learners import select_all_topics, toggle_topic, topic_choices
from bot.study.sending import replace_keyboard


def create_router() -> Router:
    router = Router(name="topics")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(Command("topics"))
    async def topics_shown(message: Message, session: AsyncSession, i18n: I18n) -> None:
        user_id = message.from_user.id if message.from_user else message.chat.id
        choices = await topic_choices(session, user_id)
        await message.answer(_("topics-prompt"),
                             reply_markup=topics_keyboard(choices, i18n.current_locale))

    @router.callback_query(ToggleTopic.filter())
    async def topic_toggled(
        callback: CallbackQuery, callback_data: ToggleTopic, session: AsyncSession, i18n: I18n,
    ) -> None:
        if not await toggle_topic(session, callback.from_user.id, callback_data.topic_id):
            await callback.answer(_("topic-missing"), show_alert=True)
            return
        await _show_choices(callback, session, i18n)

    @router.callback_query(AllTopics.filter())
    async def all_topics_chosen(
        callback: CallbackQuery, session: AsyncSession, i18n: I18n,
    ) -> None:
        await select_all_topics(session, callback.from_user.id)
        await _show_choices(callback, session, i18n)

    return router


async def _show_choices(callback: CallbackQuery, session: AsyncSession, i18n: I18n) -> None:
    """Redraw the ✅ marks on the same message."""
    await callback.answer()
    choices = await topic_choices(session, callback.from_user.id)
    # "All" pressed with nothing chosen leaves the marks as they were: Telegram refuses such an
    # edit ("message is not modified"), and replace_keyboard lets the refusal pass.
    await replace_keyboard(callback, topics_keyboard(choices, i18n.current_locale))
