"""Quiz answers in groups and channels: recorded before the rest of the update pipeline.

They are the bulk of a busy group's updates, and nothing is sent back for them (the answer is
revealed to the whole chat later; the member's own note goes out in the background,
``bot.daily.private_notes``). So they skip the layers an update otherwise crosses —
learner language, a database session per update, dialog state, the walk through the routers —
and go straight to the group-commit recorder. Answers in the learner's own chat get an
explanation at once, and with interview quizzes they go on to their handlers.

With long polling they skip aiogram altogether: ``take`` records a getUpdates page's group
answers from Telegram's JSON, as one batch, before the page's other updates are turned into
aiogram's models (``bot.platform.telegram.polling.UpdateLane``). A webhook's answers come
one at a time through the dispatcher, where this is an update outer middleware.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update

from bot.daily.private_notes import PrivateNotes
from bot.platform.clock import Clock
from bot.platform.telegram.metrics import BotMetrics
from bot.platform.telegram.middlewares import Handler
from bot.study.answer_recorder import AnswerRecorder
from bot.study.answers import AnswerOutcome, PollAnswer
from bot.study.polls import PollFacts
from bot.study.quizzes import answer_from_json, recorded_answer

logger = logging.getLogger(__name__)


class GroupAnswers(BaseMiddleware):
    """An update outer middleware, after the metrics and in-flight tracking; and the polling's
    lane for whole pages."""

    def __init__(
        self, recorder: AnswerRecorder, clock: Clock, notes: PrivateNotes, metrics: BotMetrics
    ) -> None:
        self.recorder = recorder
        self.clock = clock
        self.notes = notes
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        poll_answer = event.poll_answer if isinstance(event, Update) else None
        answer = recorded_answer(poll_answer, self.clock()) if poll_answer else None
        if answer is None or not answer.option_ids:
            return await handler(event, data)
        poll = await self.recorder.polls.get(answer.poll_id)
        if poll is None or not _in_group(answer, poll):
            return await handler(event, data)
        [outcome] = await self._record(data["bot"], [(answer, poll)])
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def take(self, bot: Bot, updates: Sequence[Mapping[str, Any]]) -> set[int]:
        """The ids of the updates recorded here: the page's answers to group quizzes, committed.

        An answer whose poll could not be looked up, or whose batch failed, is left to the
        dispatcher, which tries it again and logs what went wrong."""
        started = time.perf_counter()
        now = self.clock()
        answers: dict[int, PollAnswer] = {}
        for update in updates:
            poll_answer = update.get("poll_answer")
            answer = answer_from_json(poll_answer, now) if poll_answer is not None else None
            if answer is not None and answer.option_ids:
                answers[update["update_id"]] = answer
        if not answers:
            return set()
        try:
            polls = await self._known_polls(answers.values())
        except Exception as error:
            logger.warning("could not look up the polls of %d answers (%r): the dispatcher "
                           "takes them", len(answers), error)
            return set()
        in_groups = {update_id: answer for update_id, answer in answers.items()
                     if answer.poll_id in polls and _in_group(answer, polls[answer.poll_id])}
        outcomes = await self._record(
            bot, [(answer, polls[answer.poll_id]) for answer in in_groups.values()])
        taken = {update_id for update_id, outcome in zip(in_groups, outcomes, strict=True)
                 if not isinstance(outcome, BaseException)}
        self.metrics.updates.labels("poll_answer", "handled").inc(len(taken))
        self.metrics.handler_latency.labels("poll_answer").observe(time.perf_counter() - started)
        return taken

    async def _known_polls(self, answers: Iterable[PollAnswer]) -> dict[str, PollFacts]:
        """The polls of these answers the bot sent, by id: one lookup per poll, together."""
        poll_ids = list({answer.poll_id for answer in answers})
        facts = await asyncio.gather(*(self.recorder.polls.get(poll_id) for poll_id in poll_ids))
        return {poll.poll_id: poll for poll in facts if poll is not None}

    async def _record(
        self, bot: Bot, answers: Sequence[tuple[PollAnswer, PollFacts]]
    ) -> list[AnswerOutcome | BaseException | None]:
        """Committed outcomes (or what failed each), in order; then each member's note."""
        outcomes = await asyncio.gather(*self.recorder.hand_in(answers), return_exceptions=True)
        for (answer, _), outcome in zip(answers, outcomes, strict=True):
            if isinstance(outcome, AnswerOutcome):  # stored: now the member's note may follow
                self.notes.after(bot, outcome, answer.user.language_code)
        return outcomes


def _in_group(answer: PollAnswer, poll: PollFacts) -> bool:
    """Not the learner's own quiz in their chat with the bot (that one is explained at once)."""
    return poll.chat_id != answer.user.id
