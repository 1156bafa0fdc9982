"""Managing the bank: search, archive and restore (never delete), counts, export round trip."""

from __future__ import annotations

from datetime import UTC, datetime
from random import Random

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authoring import bank
from bot.authoring.bank import ArchiveOutcome, BankCount, BankFilter
from bot.authoring.importing import import_upload
from bot.drills.practice import next_card
from bot.platform.content.files import SourcedItem
from bot.platform.content.schema import Kind
from bot.platform.content.sync import SyncReport, sync_content
from bot.platform.db.models import AdminAction, Item
from tests.unit.factories import TOPICS, learner, question, quiz, quiz_data

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ADMIN = 42
FILES = [
    quiz("l2", question="Что делает L2-регуляризация?", options=["Сжимает веса", "Обнуляет"]),
    quiz("joins", topic="sql", question="Какой JOIN вернёт все строки?",
         options=["INNER", "FULL OUTER"]),
    question("roc", answer="ROC-кривая: TPR против FPR.\n\n```python\nroc_curve(y, p)\n```\n"),
]


@pytest.fixture
async def loaded(session: AsyncSession) -> AsyncSession:
    await sync_content(session, TOPICS, FILES, NOW)
    return session


async def test_find_matches_any_text_ignoring_case_in_every_alphabet(
    loaded: AsyncSession,
) -> None:
    found = await bank.find_items(loaded, "СЖИМАЕТ")  # an option, typed in capitals
    assert [(item.slug, item.title) for item in found.items] == [
        ("l2", "Что делает L2-регуляризация?")]
    assert [item.slug for item in (await bank.find_items(loaded, "ROC")).items] == ["roc"]
    assert [item.slug for item in (await bank.find_items(loaded, "JOIN")).items] == ["joins"]
    assert (await bank.find_items(loaded, "градиентный бустинг")).total == 0


async def test_find_lists_the_first_matches_and_counts_them_all(session: AsyncSession) -> None:
    many = [quiz(f"q{n:02d}", question=f"Метрика номер {n}?") for n in range(25)]
    await sync_content(session, TOPICS, many, NOW)
    found = await bank.find_items(session, "метрика")
    assert (len(found.items), found.total) == (bank.FIND_LIMIT, 25)


async def test_archive_takes_an_item_out_of_drills_and_restore_brings_it_back(
    loaded: AsyncSession,
) -> None:
    assert await bank.archive_item(loaded, "joins", by=ADMIN, now=NOW) is ArchiveOutcome.DONE
    assert await bank.archive_item(loaded, "joins", by=ADMIN, now=NOW) is ArchiveOutcome.ALREADY
    row = await loaded.scalar(select(Item).where(Item.slug == "joins"))
    assert row is not None
    assert (row.archived_at, row.archived_by) == (NOW, ADMIN)
    served = [await next_card(loaded, learner(7), {Kind.QUIZ}, NOW, Random(seed))
              for seed in range(10)]
    assert {card.content.id for card in served if card} == {"l2"}
    found = await bank.find_items(loaded, "join")
    assert [item.archived for item in found.items] == [True]

    assert await bank.restore_item(loaded, "joins", by=ADMIN, now=NOW) is ArchiveOutcome.DONE
    assert await bank.restore_item(loaded, "joins", by=ADMIN, now=NOW) is ArchiveOutcome.ALREADY
    assert (row.archived_at, row.archived_by) == (None, None)
    actions = (await loaded.execute(
        select(AdminAction.actor_id, AdminAction.action, AdminAction.target)
        .order_by(AdminAction.id))).all()
    assert actions == [(ADMIN, "archive", "joins"), (ADMIN, "restore", "joins")]


async def test_unknown_ids_are_reported_not_created(loaded: AsyncSession) -> None:
    assert await bank.archive_item(loaded, "nope", by=ADMIN, now=NOW) is ArchiveOutcome.NOT_FOUND
    assert await bank.restore_item(loaded, "nope", by=ADMIN, now=NOW) is ArchiveOutcome.NOT_FOUND
    assert await bank.preview_item(loaded, "nope") is None
    assert (await loaded.scalars(select(AdminAction))).all() == []


async def test_the_next_start_keeps_an_admins_archiving(loaded: AsyncSession) -> None:
    await bank.archive_item(loaded, "l2", by=ADMIN, now=NOW)
    changed = [quiz("l2", question="Что делает L2? (исправлено)", options=["Сжимает", "Нет"]),
               *FILES[1:]]
    assert await sync_content(loaded, TOPICS, changed, NOW) == SyncReport(updated=1, unchanged=2)
    row = await loaded.scalar(select(Item).where(Item.slug == "l2"))
    assert row is not None
    assert (row.version, row.archived_at) == (2, NOW)  # the fix is kept, and so is the archive
    assert await sync_content(loaded, TOPICS, changed, NOW) == SyncReport(unchanged=3)
    assert row.archived_at == NOW


async def test_bank_counts_active_and_archived_per_topic_and_kind(loaded: AsyncSession) -> None:
    await bank.archive_item(loaded, "l2", by=ADMIN, now=NOW)
    assert await bank.bank_counts(loaded) == [
        BankCount("metrics", "Метрики", "Metrics", Kind.QUESTION, 1, 0),
        BankCount("metrics", "Метрики", "Metrics", Kind.QUIZ, 0, 1),
        BankCount("sql", "SQL", "SQL", Kind.QUIZ, 1, 0),
    ]


@pytest.mark.parametrize(
    ("word", "expected"),
    [(None, BankFilter()), ("quiz", BankFilter(kind=Kind.QUIZ)), ("SQL", BankFilter(topic="sql")),
     ("astrology", None)],
)
async def test_export_filters_are_a_kind_or_a_topic(
    loaded: AsyncSession, word: str | None, expected: BankFilter | None
) -> None:
    assert await bank.bank_filter(loaded, word) == expected


async def test_export_by_topic_or_kind_leaves_out_the_rest_and_the_archive(
    loaded: AsyncSession,
) -> None:
    await bank.archive_item(loaded, "joins", by=ADMIN, now=NOW)
    def ids(selection: BankFilter) -> list[str]:
        return [document["id"] for document in documents[selection]]

    documents = {selection: await bank.export_items(loaded, selection) for selection in (
        BankFilter(), BankFilter(kind=Kind.QUIZ), BankFilter(topic="sql"))}
    assert ids(BankFilter()) == ["l2", "roc"]
    assert ids(BankFilter(kind=Kind.QUIZ)) == ["l2"]
    assert ids(BankFilter(topic="sql")) == []


TRICKY: list[SourcedItem] = [
    quiz("tricky", question="yes", options=["no", "null", "1.0", "  ведущие пробелы"],
         correct_option_ids=[0, 2], poll_explanation="Строка 1\nстрока 2",
         explanation="Пробелы в конце строки   \n\n    отступ\n\tтаб\n"
                     "#не заголовок: 'кавычки' \"двойные\"",
         tags=["да", "нет"], emoji="🔥", difficulty="senior", language="en"),
    question("code",
             answer="```sql\nSELECT *\n  FROM t -- комментарий\n```\n\n| a | b |\n|---|---|\n",
             details="Формула: $x^2$ и `код`"),
]


async def test_export_then_import_changes_nothing(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [*FILES, *TRICKY], NOW)
    exported = bank.content_file_yaml(await bank.export_items(session, BankFilter()))
    report = await import_upload(session, "export.yaml", exported, max_bytes=10**6,
                                 actor_id=ADMIN, now=NOW, dry_run=False)
    assert report.problems == []
    assert (report.created, report.updated) == ([], [])
    assert sorted(report.unchanged) == ["code", "joins", "l2", "roc", "tricky"]
    assert "    answer: |\n      ```sql\n" in exported.decode()  # long texts stay readable blocks


def test_an_export_writes_a_repeated_value_out_again_never_as_a_yaml_alias() -> None:
    options = ["Доля TP среди предсказанных", "Другое"]  # one list in two documents
    exported = bank.content_file_yaml([quiz_data("a", options=options),
                                       quiz_data("b", options=options)])
    assert b"&" not in exported
    assert b"*" not in exported.replace(b"**TP / (TP + FP)**", b"")
    assert exported.count("Доля TP среди предсказанных".encode()) == 2
