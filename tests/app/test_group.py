"""The bot in a group: /quiz and /top, being added, removed and added back; the owners' tools."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.app.conftest import StartBot
from tests.app.harness import InProcessBot
from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI, make_user
from tests.users import ChatUser, Learner, buttons, settled, to

GROUP_ID = -1001234567890
OWNER = make_user(2001, "Ольга")
ADMIN = make_user(2002, "Артём")
ALICE = make_user(1001, "Алиса <b>", username="alice")
BOB = make_user(1002, "Bob")


@pytest.fixture
def group(fake_api: FakeBotAPI) -> dict[str, Any]:
    return fake_api.add_chat(GROUP_ID, "supergroup", "ML Club", owner=OWNER, admins=[ADMIN],
                             members=[ALICE, BOB])


def styled(call: Call) -> list[tuple[str, str]]:
    """(text, entity type) of every entity."""
    units = call.params["text"].encode("utf-16-le")
    return [(units[2 * e["offset"]: 2 * (e["offset"] + e["length"])].decode("utf-16-le"),
             e["type"]) for e in call.params.get("entities") or []]


def mentions(call: Call) -> list[tuple[str, int]]:
    """(name, user id) of every text_mention, as the reader sees them."""
    units = call.params["text"].encode("utf-16-le")
    return [
        (units[2 * e["offset"]: 2 * (e["offset"] + e["length"])].decode("utf-16-le"),
         e["user"]["id"])
        for e in call.params.get("entities") or [] if e["type"] == "text_mention"
    ]


async def test_a_group_quiz_is_public_and_its_answers_make_the_leaderboard(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database, group: dict[str, Any],
) -> None:
    alice = ChatUser(fake_api, ALICE, GROUP_ID)
    empty = await alice.says("/top")
    assert empty.params["text"] == "На квизы здесь ещё никто не отвечал. Начните с /quiz!"

    quiz = await alice.says("/quiz", expect="sendPoll")
    assert (quiz.params["type"], quiz.params["is_anonymous"]) == ("quiz", False)
    correct = quiz.params["correct_option_ids"]
    wrong = next(i for i in range(len(quiz.params["options"])) if i not in correct)
    second = await ChatUser(fake_api, BOB, GROUP_ID).says("/quiz", expect="sendPoll")
    assert second.params["question"] != quiz.params["question"]  # not repeated in the chat

    fake_api.answer_poll(ALICE, quiz.result["poll"]["id"], correct)
    fake_api.answer_poll(ALICE, second.result["poll"]["id"], second.params["correct_option_ids"])
    fake_api.answer_poll(BOB, quiz.result["poll"]["id"], [wrong])
    await settled(database, "SELECT count(*) FROM attempts", [(3,)])
    public = [call for call in fake_api.calls_of("sendMessage", chat_id=GROUP_ID)
              if "ephemeral_message_parameters" not in call.params]
    assert len(public) == 1  # no verdicts in the group's history (each voter's note is private)

    top = await alice.says("/top")
    assert top.params["text"] == (
        "🏆 Лучшие в «ML Club»\n\n"
        "На этой неделе\n1. Алиса <b> — 2 из 2\n2. Bob — 0 из 1\n\n"
        "В этом месяце\n1. Алиса <b> — 2 из 2\n2. Bob — 0 из 1\n\n"
        "За всё время\n1. Алиса <b> — 2 из 2\n2. Bob — 0 из 1"
    )
    assert mentions(top) == [("Алиса <b>", 1001)] * 3  # the asker alone is notified
    assert ("Bob", "bold") in styled(top)


async def test_top_names_nobody_but_the_asker_who_sees_their_place_below_the_top(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database, group: dict[str, Any],
) -> None:
    quiz = await ChatUser(fake_api, BOB, GROUP_ID).says("/quiz", expect="sendPoll")
    right = quiz.params["correct_option_ids"]
    wrong = [next(i for i in range(len(quiz.params["options"])) if i not in right)]
    answerers = [make_user(3000 + n, f"Участник {n}") for n in range(11)]
    for answerer in answerers:
        fake_api.answer_poll(answerer, quiz.result["poll"]["id"], right)
    fake_api.answer_poll(BOB, quiz.result["poll"]["id"], wrong)
    await settled(database, "SELECT count(*) FROM attempts", [(12,)])

    top = await ChatUser(fake_api, BOB, GROUP_ID).says("/top")
    week = top.params["text"].split("\n\n")[1]
    assert week.splitlines()[1:] == [
        *(f"{n + 1}. Участник {n} — 1 из 1" for n in range(10)), "…", "12. Bob — 0 из 1"]
    assert mentions(top) == [("Bob", BOB["id"])] * 3
    assert not any(e["type"] in ("mention", "text_link") for e in top.params["entities"])


async def test_added_greets_removed_pauses_readded_offers_to_resume(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database, group: dict[str, Any],
) -> None:
    admin = ChatUser(fake_api, ADMIN, GROUP_ID)
    fake_api.chat_state(GROUP_ID).bot_status = "left"
    fake_api.chat_member_update(GROUP_ID, ADMIN, "left", "member")
    greeting = await admin.reply()
    assert greeting.params["text"].startswith("Привет! 👋")
    assert "/subscribe 09:30 Europe/Moscow" in greeting.params["text"]

    await admin.says("/subscribe 09:30")
    fake_api.chat_member_update(GROUP_ID, ADMIN, "member", "kicked")
    await settled(database, "SELECT status FROM subscriptions", [("paused",)])
    fake_api.chat_member_update(GROUP_ID, ADMIN, "kicked", "member")
    offer = await admin.reply()
    assert offer.params["text"].startswith(
        "Я снова здесь 👋 Вопрос дня для «ML Club» на паузе с ")
    assert [button["text"] for button in buttons(offer)] == ["▶ Возобновить"]

    refused = await ChatUser(fake_api, BOB, GROUP_ID).presses(
        offer, "▶ Возобновить", expect="answerCallbackQuery")
    assert refused.params["text"] == "Настройки меняют только администраторы этого чата."
    settings = await admin.presses(offer, "▶ Возобновить", expect="editMessageText")
    assert "Статус: включён\n🕘 09:30 (Europe/Moscow)" in settings.params["text"]

    await running_bot.stop()
    assert database.query("SELECT status, pause_reason FROM subscriptions") == [
        ("active", None)
    ]


async def test_a_channel_owner_who_adds_the_bot_hears_how_to_subscribe_in_private(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database,
) -> None:
    channel_id = -1009876543210
    fake_api.add_chat(channel_id, "channel", "ML Interview", username="ml_interview", owner=OWNER,
                      bot_status="left")
    fake_api.chat_member_update(channel_id, OWNER, "left", "administrator")
    hint = await Learner(fake_api, OWNER).reply()
    assert hint.params["text"] == (
        "Меня добавили в канал «ML Interview». Чтобы публиковать там вопрос дня, отправьте мне "
        "/subscribe @ml_interview")
    assert fake_api.calls_of("sendMessage", chat_id=channel_id) == []  # no chatter in a channel

    await Learner(fake_api, OWNER).says("/subscribe @ml_interview")
    fake_api.chat_member_update(channel_id, OWNER, "administrator", "left")
    await settled(database, "SELECT status, pause_reason FROM subscriptions",
                  [("paused", "removed")])


async def test_removal_shows_in_settings_until_resumed(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database, group: dict[str, Any],
) -> None:
    admin = ChatUser(fake_api, ADMIN, GROUP_ID)
    await admin.says("/subscribe")
    fake_api.chat_member_update(GROUP_ID, ADMIN, "member", "left")
    await settled(database, "SELECT status FROM subscriptions", [("paused",)])
    fake_api.chat_state(GROUP_ID).bot_status = "member"  # back without a my_chat_member update
    screen = await admin.says("/settings")
    assert "Статус: на паузе (меня удалили из чата)" in screen.params["text"]
    assert "Следующий пост" not in screen.params["text"]
    resumed = await admin.presses(screen, "▶ Возобновить", expect="editMessageText")
    assert "Статус: включён" in resumed.params["text"]
    assert "▶ Возобновить" not in [button["text"] for button in buttons(resumed)]


async def test_a_learner_who_unblocks_the_bot_is_offered_to_resume(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database,
) -> None:
    alice = Learner(fake_api, ALICE)
    await alice.says("/subscribe")
    fake_api.chat_member_update(None, ALICE, "member", "kicked")
    await settled(database, "SELECT status, pause_reason FROM subscriptions",
                  [("paused", "blocked")])
    fake_api.chat_member_update(None, ALICE, "kicked", "member")
    offer = await alice.reply()
    assert offer.params["text"] == "С возвращением! 👋 Ваш вопрос дня на паузе. Возобновить?"
    resumed = await alice.presses(offer, "▶ Возобновить", expect="editMessageText")
    assert "Статус: включён" in resumed.params["text"]


async def test_owners_see_the_next_post_and_post_it_now(
    fake_api: FakeBotAPI, start_bot: StartBot,
    group: dict[str, Any],
) -> None:
    await start_bot(admin_ids={OWNER["id"]})
    owner = Learner(fake_api, OWNER)
    assert (await owner.says(f"/next {GROUP_ID}")).params["text"] == (
        f"Чат {GROUP_ID} не подписан на вопрос дня.")
    await ChatUser(fake_api, ADMIN, GROUP_ID).says("/subscribe 09:30 Europe/Berlin")

    upcoming = await owner.says(f"/next {GROUP_ID}")
    assert upcoming.params["text"].startswith(f"Следующий пост в {GROUP_ID}: ")
    assert upcoming.params["text"].endswith(
        " в 09:30 (Europe/Berlin).\nСлучайный вопрос из 4 ещё не опубликованных.")

    posting = await owner.says(f"/post {GROUP_ID}")
    assert posting.params["text"].startswith(f"Публикую в {GROUP_ID}: e2e-")
    post = await fake_api.wait_for_call(None, lambda call: call.method in (
        "sendMessage", "sendPoll") and to(GROUP_ID)(call))
    assert post.ok

    # Not an owner: the command is not for them, and nothing is posted.
    admin = Learner(fake_api, ADMIN)
    fake_api.send_text(ADMIN, f"/post {GROUP_ID}")
    reply = await admin.reply()
    assert reply.params["text"].startswith("Я понимаю команды")


async def test_group_menus_show_admins_the_subscription_commands(
    fake_api: FakeBotAPI, running_bot: InProcessBot,
) -> None:
    def menu(scope: str, language: str | None) -> Callable[[Call], bool]:
        return lambda call: (call.params.get("scope", {}).get("type") == scope
                             and call.params.get("language_code") == language)

    for scope, language in (("all_group_chats", None), ("all_chat_administrators", None),
                            ("all_chat_administrators", "en")):
        await fake_api.wait_for_call("setMyCommands", menu(scope, language))
    everyone = fake_api.commands({"type": "all_group_chats"}) or []
    admins = fake_api.commands({"type": "all_chat_administrators"}) or []
    assert [command["command"] for command in everyone] == ["quiz", "top"]
    assert [command["command"] for command in admins] == [
        "quiz", "top", "subscribe", "settings", "unsubscribe"]
    english = fake_api.commands({"type": "all_chat_administrators"}, "en") or []
    assert english[2]["description"] == "the question of the day in this chat"
