"""The chats the bot posts to, as the bot's admins browse them: pages and one chat's card.

Pages are keyset-paginated by subscription id (``id > after`` or ``id < before``, one page and
one row more to know whether another page follows), so a page costs the same with ten
subscriptions or a hundred thousand: nothing reads them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily.chat_access import ChatKind
from bot.daily.daily_posts import subscription_times
from bot.daily.subscriptions import subscription_key
from bot.platform.db.models import (
    Chat,
    Delivery,
    DeliveryStatus,
    Item,
    Subscription,
    SubscriptionStatus,
)

PAGE_SIZE = 10
DELIVERIES_SHOWN = 5
_SUBSCRIBED = Subscription.status != SubscriptionStatus.STOPPED


@dataclass(frozen=True)
class ListedChat:
    """One subscribed chat as the list and the card show it."""

    subscription_id: int
    chat_id: int
    thread_id: int | None  # the forum topic subscribed; None: the chat itself
    topic_name: str | None  # the forum topic's, if the bot saw it
    title: str | None  # None for a private chat
    kind: ChatKind
    status: SubscriptionStatus
    pause_reason: str | None
    timezone: str
    times: tuple[time, ...]
    next_run_at: datetime | None  # UTC; None unless active

    @property
    def next_run_local(self) -> datetime | None:
        return self.next_run_at.astimezone(ZoneInfo(self.timezone)) if self.next_run_at else None


@dataclass(frozen=True)
class ChatPage:
    chats: list[ListedChat]
    has_earlier: bool  # a page before this one
    has_later: bool  # a page after this one


@dataclass(frozen=True)
class PastDelivery:
    slot_at: datetime  # UTC
    status: DeliveryStatus
    item_slug: str | None
    error: str | None


@dataclass(frozen=True)
class ChatCard:
    chat: ListedChat
    deliveries: list[PastDelivery]  # the latest first


async def chat_page(
    session: AsyncSession, *, after: int = 0, before: int | None = None, size: int = PAGE_SIZE
) -> ChatPage:
    """The ``size`` subscribed chats after subscription id ``after`` (or, with ``before``, the
    ``size`` before that id), in id order."""
    backwards = before is not None
    query = _listed().limit(size + 1)
    if before is not None:
        query = query.where(Subscription.id < before).order_by(Subscription.id.desc())
    else:
        query = query.where(Subscription.id > after).order_by(Subscription.id)
    rows = list((await session.execute(query)).all())
    more = len(rows) > size
    chats = [_listed_chat(row) for row in rows[:size]]
    if backwards:
        chats.reverse()
        return ChatPage(chats, has_earlier=more, has_later=True)
    has_earlier = after > 0 and bool(await session.scalar(
        select(exists().where(_SUBSCRIBED & (Subscription.id <= after)))))
    return ChatPage(chats, has_earlier=has_earlier, has_later=more)


async def chat_card(
    session: AsyncSession, chat_id: int, thread_id: int | None = None
) -> ChatCard | None:
    """The subscription of the chat (of its forum topic ``thread_id``) and its last deliveries;
    None when it is not subscribed."""
    row = (await session.execute(
        _listed().where(subscription_key(chat_id, thread_id)))).one_or_none()
    if row is None:
        return None
    chat = _listed_chat(row)
    deliveries = await session.execute(
        select(Delivery.slot_at, Delivery.status, Item.slug, Delivery.error)
        .outerjoin(Item, Item.id == Delivery.item_id)
        .where(Delivery.subscription_id == chat.subscription_id)
        .order_by(Delivery.slot_at.desc())
        .limit(DELIVERIES_SHOWN)
    )
    return ChatCard(chat, [PastDelivery(*delivery) for delivery in deliveries])


def _listed() -> Select[Subscription, str, str | None]:
    return (select(Subscription, Chat.type, Chat.title)
            .join(Chat, Chat.id == Subscription.chat_id)
            .where(_SUBSCRIBED))


def _listed_chat(row: Row[Subscription, str, str | None]) -> ListedChat:
    subscription, chat_type, title = row
    return ListedChat(
        subscription_id=subscription.id, chat_id=subscription.chat_id,
        thread_id=subscription.thread_id or None, topic_name=subscription.topic_name,
        title=title,
        kind=ChatKind.of(chat_type), status=subscription.status,
        pause_reason=subscription.pause_reason, timezone=subscription.timezone,
        times=tuple(subscription_times(subscription)), next_run_at=subscription.next_run_at,
    )
