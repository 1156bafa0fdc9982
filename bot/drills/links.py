"""Deep links: ``/start q_<item id>`` opens an item, ``/start topic_<id>`` drills a topic."""

from __future__ import annotations

from random import Random
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.serving import begin_drill, show_card
from bot.platform.clock import Clock
from bot.platform.telegram.deep_links import ItemLink, TopicLink, parse_payload
from bot.study.catalog import load_active_card, topic_exists
from bot.study.learners import load_learner


def create_router() -> Router:
    router = Router(name="links")
    router.message.filter(F.chat.type == ChatType.PRIVATE)

    @router.message(CommandStart(deep_link=True))
    async def link_opened(
        message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
        rng: Random, clock: Clock, i18n: I18n, signature: str, default_zone: ZoneInfo,
    ) -> None:
        user_id = message.from_user.id if message.from_user else message.chat.id
        target = parse_payload(command.args or "")
        now = clock()
        if isinstance(target, ItemLink):
            card = await load_active_card(session, target.item_id)
            if card is None:
                await message.answer(_("link-item-missing"))
                return
            await show_card(bot, session, chat_id=message.chat.id, user_id=user_id, card=card,
                            now=now, i18n=i18n, signature=signature)
        elif isinstance(target, TopicLink) and await topic_exists(session, target.topic_id):
            learner = await load_learner(session, user_id, default_zone)
            await begin_drill(bot, session, chat_id=message.chat.id, learner=learner, rng=rng,
                              now=now, i18n=i18n, signature=signature, topic_id=target.topic_id)
        else:
            await message.answer(_("link-invalid"))

    return router
