"""Quiz answers in groups and channels: recorded before the rest of the update pipeline.

They are the bulk of a busy group's updates, and nothing is sent back for them (the answer is
revealed to the whole chat later; the member's own note goes out in the background,
``bot.daily.private_notes``). So they skip the layers an update otherwise crosses —
learner language, a database session per update, dialog state, the walk through the routers —
and go straight to the group-commit recorder. Answers in the learner's own chat get an
explanation at once, and with interview quizzes they go on to their handlers.
"""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.daily.private_notes import PrivateNotes
from bot.platform.clock import Clock
from bot.platform.telegram.middlewares import Handler
from bot.study.answer_recorder import AnswerRecorder
from bot.study.quizzes import recorded_answer


class GroupAnswers(BaseMiddleware):
    """An update outer middleware, after the metrics and in-flight tracking."""

    def __init__(self, recorder: AnswerRecorder, clock: Clock, notes: PrivateNotes) -> None:
        self.recorder = recorder
        self.clock = clock
        self.notes = notes

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        poll_answer = event.poll_answer if isinstance(event, Update) else None
        answer = recorded_answer(poll_answer, self.clock()) if poll_answer else None
        if answer is None or not answer.option_ids:
            return await handler(event, data)
        poll = await self.recorder.polls.get(answer.poll_id)
        if poll is None or poll.chat_id == answer.user.id:
            return await handler(event, data)
        outcome = await self.recorder.record(answer)
        if outcome is not None:  # stored: now the member's note may follow
            self.notes.after(data["bot"], outcome, answer.user.language_code)
        return outcome
