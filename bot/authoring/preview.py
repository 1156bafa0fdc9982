"""An item shown to an admin exactly as learners get it: the poll or post, then the answer."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.platform.content.schema import QuizItem, ResourceItem
from bot.study.catalog import Card
from bot.study.context import ChatContext
from bot.study.posts import question_post, quiz_poll


async def send_preview(
    ctx: ChatContext, card: Card, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Every message a learner would see, in order; ``reply_markup`` goes under the last.

    The preview poll is anonymous, so answering it records nothing.
    """
    item = card.content
    if isinstance(item, QuizItem):
        await ctx.send_quiz(quiz_poll(item), is_anonymous=True)
    elif not isinstance(item, ResourceItem):
        await ctx.send_post(question_post(card))
    await ctx.send_answer(card, reply_markup)


def item_reference(ctx: ChatContext, item_id: int) -> str:
    """The item's number and the link that shares it."""
    link = ctx.item_link(item_id)
    if link is None:
        return _("item-number").format(item_id=item_id)
    return _("item-number-and-link").format(item_id=item_id, link=link)
