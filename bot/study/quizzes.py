"""Public quiz polls: sending one the bot will recognise the answers of, an answer as the
recorder takes it, and the verdict on an answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, NotRequired

from aiogram.types import Message, PollAnswer
from aiogram.utils.i18n import gettext as _
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import TypedDict

from bot.platform.content.markdown import Rendered, plain
from bot.platform.content.schema import QuizItem
from bot.platform.db.engine import again_if_connection_lost
from bot.study import answers
from bot.study.answers import AnswerOutcome
from bot.study.catalog import Card
from bot.study.context import UpdateContext
from bot.study.polls import record_sent_poll
from bot.study.posts import shuffled_quiz_poll
from bot.study.users import UserProfile


async def post_quiz(
    ctx: UpdateContext, session: AsyncSession, card: Card, item: QuizItem, *,
    open_period: int | None = None, recorded: Callable[[str], Awaitable[None]] | None = None,
    lead: str = "",
) -> Message:
    """A public quiz poll in the context's chat, its options in a new order, remembered (with
    that order) so that its answers are judged and counted.

    A poll anyone can answer must be one the bot knows, also when the database connection dies
    under the update (a failover, a restart of the server) and the update runs again: so the
    update's work so far is committed before the poll goes out, and the poll's record, with
    ``recorded``'s writes (given the poll id), is committed right after it on its own, once
    more on a new connection if its connection died. ``lead`` goes before the question.
    """
    await session.commit()
    poll = shuffled_quiz_poll(item, ctx.rng, lead)
    message = await ctx.send_quiz(poll, is_anonymous=False, open_period=open_period)
    if message.poll is None:
        raise RuntimeError("sendPoll returned a message without a poll")
    poll_id = message.poll.id

    async def record() -> None:
        try:
            await record_sent_poll(
                session, poll_id=poll_id, item_id=card.id, chat_id=ctx.chat_id,
                message_id=message.message_id,
                correct_option_ids=list(item.correct_option_ids), now=ctx.now,
                option_order=poll.option_order,
            )
            if recorded is not None:
                await recorded(poll_id)
            await session.commit()
        except Exception:
            await session.rollback()
            raise

    await again_if_connection_lost(record, f"the record of poll {poll_id}")
    return message


def verdict(outcome: AnswerOutcome, card: Card) -> Rendered:
    if outcome.is_correct:
        return plain(_("verdict-correct"))
    item = card.content
    options = item.options if isinstance(item, QuizItem) else []
    answer = "; ".join(options[index] for index in outcome.correct_option_ids
                       if index < len(options))
    several = len(outcome.correct_option_ids) > 1
    return plain(_("verdict-wrong-several" if several else "verdict-wrong").format(answer=answer))


def recorded_answer(poll_answer: PollAnswer, answered_at: datetime) -> answers.PollAnswer | None:
    """The answer as the recorder takes it; None for one given on behalf of a chat."""
    user = poll_answer.user
    if user is None:
        return None
    return answers.PollAnswer(
        poll_id=poll_answer.poll_id,
        user=UserProfile(user.id, user.first_name, user.username, user.language_code),
        option_ids=tuple(poll_answer.option_ids),
        answered_at=answered_at,
    )


class _UserJson(TypedDict):
    id: int
    first_name: str
    username: NotRequired[str]
    language_code: NotRequired[str]


class _PollAnswerJson(TypedDict):
    poll_id: str
    user: NotRequired[_UserJson]
    option_ids: list[int]


# The few fields the recorder needs, checked by pydantic-core in a few microseconds: aiogram's
# full Update model of an answer costs several times that, on the busiest path.
_POLL_ANSWER_JSON = TypeAdapter(_PollAnswerJson)


def answer_from_json(
    poll_answer: Mapping[str, Any], answered_at: datetime
) -> answers.PollAnswer | None:
    """``recorded_answer`` of a ``poll_answer`` as Telegram's JSON has it; None also for one
    that does not parse (the dispatcher's models then say what is wrong with it)."""
    try:
        parsed = _POLL_ANSWER_JSON.validate_python(poll_answer)
    except ValidationError:
        return None
    user = parsed.get("user")
    if user is None:
        return None
    return answers.PollAnswer(
        poll_id=parsed["poll_id"],
        user=UserProfile(user["id"], user["first_name"], user.get("username"),
                         user.get("language_code")),
        option_ids=tuple(parsed["option_ids"]),
        answered_at=answered_at,
    )
