"""Deep links: ``/start q_<item id>`` opens an item, ``/start topic_<id>`` drills a topic."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.serving import begin_drill, show_card
from bot.platform.telegram.deep_links import ItemLink, TopicLink, parse_payload
from bot.study.catalog import load_active_card, topic_exists
from bot.study.context import UpdateContext
from bot.study.learners import load_learner


def create_router() -> Router:
    router = Router(name="links")
    router.message.filter(F.chat.type == ChatType.PRIVATE)

    @router.message(CommandStart(deep_link=True))
    async def link_opened(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        target = parse_payload(command.args or "")
        if isinstance(target, ItemLink):
            card = await load_active_card(session, target.item_id)
            if card is None:
                await message.answer(_("link-item-missing"))
                return
            await show_card(ctx, session, card)
        elif isinstance(target, TopicLink) and await topic_exists(session, target.topic_id):
            learner = await load_learner(session, ctx.user_id, ctx.default_zone)
            await begin_drill(ctx, session, learner, topic_id=target.topic_id)
        else:
            await message.answer(_("link-invalid"))

    return router
