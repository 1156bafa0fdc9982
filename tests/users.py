"""Scripts of Telegram users talking to the bot through the fake Bot API.

They do what a person does in the app (says something, presses a button by its label, answers a
quiz) and wait for the bot's reply, whichever way the bot runs: in the test's event loop
(tests/app) or as ``python -m bot`` (tests/e2e)::

    alice = Learner(fake_api, make_user(1001, "Алиса"))
    quiz = await alice.says("/quiz", expect="sendPoll")
    explanation = await alice.answers_with(quiz, "Штрафует большие веса")
    assert alice.received()[-1].startswith("✅")
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI

__all__ = ["ChatUser", "Learner", "button_data", "button_label", "buttons", "rich_blocks",
           "settled", "to"]


def to(chat_id: int, thread_id: int | None = None) -> Callable[[Call], bool]:
    """Calls for everyone in the chat (an ephemeral message is for one member: not these);
    with ``thread_id``, into that forum topic only."""
    return lambda call: (call.params.get("chat_id") == chat_id
                         and "ephemeral_message_parameters" not in call.params
                         and (thread_id is None
                              or call.params.get("message_thread_id") == thread_id))


def rich_blocks(call: Call) -> list[dict[str, Any]]:
    """The blocks of the rich message a sendRichMessage call carried, nested ones included
    (details, quotations, list items), in reading order."""
    def walk(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found = []
        for block in blocks:
            found.append(block)
            found += walk(block.get("blocks", []))
            for item in block.get("items", []):
                found += walk(item["blocks"])
        return found

    return walk(call.params["rich_message"]["blocks"])


def buttons(call: Call) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def labels(call: Call) -> list[str]:
    """The texts of the inline buttons under a sent message, row after row."""
    return [str(button["text"]) for button in buttons(call)]


def button_label(text: str) -> str:
    """What a person calls a button: a grade button "👉 Хорошо · 5 д" is "Хорошо"."""
    return text.removeprefix("👉 ").split(" · ")[0]


def button_data(call: Call, label: str) -> str:
    """The data of the button called ``label``, exactly or as ``button_label`` reads it."""
    for candidate in buttons(call):
        if label in {candidate["text"], button_label(candidate["text"])}:
            return str(candidate["callback_data"])
    raise AssertionError(f"no button {label!r} in {buttons(call)}")


class Learner:
    """A user in a private chat with the bot; every step waits for the bot's reply, and for the
    bot to be done with the step's update (``reply_to``)."""

    def __init__(self, api: FakeBotAPI, user: dict[str, Any]) -> None:
        self.api = api
        self.user = user
        self.id = int(user["id"])
        self.chat_id = self.id
        self.last_answer: dict[str, Any] = {}

    async def reply(self, method: str = "sendMessage") -> Call:
        """The bot's next call of ``method`` concerning this chat (or not chat-bound)."""
        return await self.api.wait_for_call(
            method, lambda call: call.params.get("chat_id", self.id) == self.id
        )

    async def reply_to(self, update: dict[str, Any], method: str = "sendMessage") -> Call:
        """The bot's reply to ``update``, once the bot is done with that update (its transaction
        committed): the script's next step — moving the clock, reading the database — sees all
        the update changed, not only what the bot said before committing."""
        call = await self.reply(method)
        await self.api.wait_handled(update)
        return call

    def received(self) -> list[str]:
        """What the bot sent to this chat so far, as it reads now: texts, captions, poll
        questions, rich messages as plain text (deleted messages left out)."""
        return self.api.sent_texts(self.chat_id)

    async def says(self, text: str, expect: str = "sendMessage") -> Call:
        return await self.reply_to(self.api.send_text(self.user, text), expect)

    async def presses(self, post: Call, label: str, expect: str = "sendMessage") -> Call:
        """Presses a button; the bot must answer the callback, then do ``expect``."""
        update = self.api.click(self.user, post.result, button_data(post, label))
        query_id = update["callback_query"]["id"]
        ack = await self.api.wait_for_call(
            "answerCallbackQuery", lambda call: call.params["callback_query_id"] == query_id
        )
        if expect == "answerCallbackQuery":
            await self.api.wait_handled(update)
            return ack
        return await self.reply_to(update, expect)

    async def answers(
        self, quiz: Call, option_ids: list[int], expect: str = "sendMessage"
    ) -> Call:
        """Votes in a quiz the bot sent; returns the bot's next ``expect`` call to this learner
        (its explanation: "sendRichMessage" where answer posts go as rich messages)."""
        self.last_answer = self.api.answer_poll(self.user, quiz.result["poll"]["id"], option_ids)
        return await self.reply_to(self.last_answer, expect)

    async def answers_with(self, quiz: Call, *options: str, expect: str = "sendMessage") -> Call:
        """Votes for the options with these texts, as a person taps them."""
        texts = [str(option["text"]) for option in quiz.result["poll"]["options"]]
        missing = [option for option in options if option not in texts]
        if missing:
            raise AssertionError(f"no option {missing} in the poll: {texts}")
        return await self.answers(quiz, [texts.index(option) for option in options], expect)


class ChatUser(Learner):
    """A user writing in a group (or as its anonymous admin), in its forum topic ``thread_id``
    if given; waits for the bot's reply there."""

    def __init__(
        self, api: FakeBotAPI, user: dict[str, Any], chat_id: int, *,
        anonymous_admin: bool = False, thread_id: int | None = None,
    ) -> None:
        super().__init__(api, user)
        self.chat_id = chat_id
        self.anonymous_admin = anonymous_admin
        self.thread_id = thread_id

    async def reply(self, method: str = "sendMessage") -> Call:
        return await self.api.wait_for_call(method, to(self.chat_id, self.thread_id))

    async def says(self, text: str, expect: str = "sendMessage") -> Call:
        return await self.reply_to(self.api.send_text(
            self.user, text, self.chat_id, anonymous_admin=self.anonymous_admin,
            thread_id=self.thread_id), expect)

    async def replies(self, post: Call, text: str, expect: str = "sendMessage") -> Call:
        """Answers the bot's ``post`` with a reply (in groups, the way to talk to the bot)."""
        return await self.reply_to(
            self.api.send_text(self.user, text, self.chat_id, reply_to=post.result), expect)


async def settled(database: Database, sql: str, expected: list[tuple[Any, ...]]) -> None:
    """Wait until the bot has committed what ``sql`` should read (for steps it answers silently:
    an answer in a group, being removed from a chat)."""
    for _ in range(200):
        if database.query(sql) == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{sql!r} never read {expected!r}; last {database.query(sql)!r}")
