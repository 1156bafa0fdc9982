"""/import's validator: a file is written whole or not at all, and every refusal says where."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.files import ContentProblem
from bot.db.models import AdminAction, Item, ItemVersion
from bot.services.content_sync import SyncReport, sync_content
from bot.services.importing import ImportReport, check_upload, import_upload
from tests.unit.factories import TOPICS, quiz, quiz_data, yaml_file

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ADMIN = 42
LIMIT = 100_000


def as_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
async def bank(session: AsyncSession) -> AsyncSession:
    """Topics "metrics" and "sql", and one item loaded from content/."""
    await sync_content(session, TOPICS, [quiz("from-files")], NOW)
    return session


async def run(session: AsyncSession, name: str, raw: bytes, *, dry_run: bool = False
              ) -> ImportReport:
    return await import_upload(session, name, raw, max_bytes=LIMIT, actor_id=ADMIN, now=NOW,
                               dry_run=dry_run)


async def snapshot(session: AsyncSession) -> tuple[Any, ...]:
    items = (await session.execute(
        select(Item.slug, Item.version, Item.content_hash, Item.archived_at).order_by(Item.slug)
    )).all()
    versions = await session.scalar(select(func.count()).select_from(ItemVersion))
    actions = await session.scalar(select(func.count()).select_from(AdminAction))
    return tuple(items), versions, actions


async def test_a_valid_file_creates_its_items_as_versions_by_the_admin(bank: AsyncSession) -> None:
    report = await run(bank, "new.yaml", yaml_file(quiz_data("precision"), quiz_data("recall")))
    assert (report.created, report.updated, report.unchanged, report.problems) == (
        ["precision", "recall"], [], [], []
    )
    row = await bank.scalar(select(Item).where(Item.slug == "recall"))
    assert row is not None
    assert (row.source, row.source_file, row.version) == ("import", "new.yaml", 1)
    changed_by = await bank.scalar(
        select(ItemVersion.changed_by).where(ItemVersion.item_id == row.id))
    assert changed_by == ADMIN
    assert (await bank.scalars(select(AdminAction.target).where(AdminAction.actor_id == ADMIN))
            ).all() == ["new.yaml"]


async def test_importing_again_reports_unchanged_and_a_change_as_a_new_version(
    bank: AsyncSession,
) -> None:
    await run(bank, "new.yaml", yaml_file(quiz_data("precision"), quiz_data("recall")))
    again = await run(bank, "new.yaml", yaml_file(quiz_data("precision"), quiz_data("recall")))
    assert (again.created, again.updated, again.unchanged) == ([], [], ["precision", "recall"])

    edited = await run(bank, "new.yaml", yaml_file(
        quiz_data("precision", question="Precision — это?"), quiz_data("recall")))
    assert (edited.updated, edited.unchanged) == (["precision"], ["recall"])
    versions = (await bank.scalars(
        select(ItemVersion.version).join(Item).where(Item.slug == "precision")
        .order_by(ItemVersion.version))).all()
    assert versions == [1, 2]


async def test_an_import_may_update_an_item_from_the_files(bank: AsyncSession) -> None:
    report = await run(bank, "fix.json", json.dumps(
        {"items": [quiz_data("from-files", question="Исправленный вопрос?")]}).encode())
    assert report.updated == ["from-files"]
    row = await bank.scalar(select(Item).where(Item.slug == "from-files"))
    assert row is not None
    assert (row.source, row.version, row.document["question"]) == (
        "import", 2, "Исправленный вопрос?")


async def test_a_dry_run_reports_and_writes_nothing(bank: AsyncSession) -> None:
    before = await snapshot(bank)
    report = await run(bank, "new.yaml", yaml_file(quiz_data("precision"), quiz_data("from-files")),
                       dry_run=True)
    assert report.dry_run
    assert (report.created, report.updated) == (["precision"], ["from-files"])
    assert await snapshot(bank) == before


async def test_a_flat_zip_of_content_files_is_imported_whole(bank: AsyncSession) -> None:
    raw = as_zip({"a.yaml": yaml_file(quiz_data("precision")),
                  "b.json": json.dumps({"items": [quiz_data("recall")]}).encode()})
    report = await run(bank, "bank.zip", raw)
    assert (report.created, report.problems) == (["precision", "recall"], [])
    assert await bank.scalar(select(Item.source_file).where(Item.slug == "recall")) == (
        "bank.zip/b.json")


async def test_items_imported_are_neither_archived_nor_overwritten_by_the_next_start(
    bank: AsyncSession,
) -> None:
    await run(bank, "new.yaml", yaml_file(quiz_data("precision"),
                                        quiz_data("from-files", question="Правка админа?")))
    # The next start loads content/, where "from-files" is unchanged and "precision" is absent.
    report = await sync_content(bank, TOPICS, [quiz("from-files")], NOW)
    assert report == SyncReport(kept=1)
    rows = (await bank.execute(
        select(Item.slug, Item.archived_at, Item.document["question"].as_string())
        .order_by(Item.slug))).all()
    assert rows == [("from-files", None, "Правка админа?"),
                    ("precision", None, "Что такое precision?")]


BIG_TEXT = "б" * 12_001
# (file name, content, the one problem expected: message, item id, field, line)
BAD_UPLOADS: dict[str, tuple[str, bytes, ContentProblem]] = {
    "oversized question": (
        "q.yaml", yaml_file(quiz_data(question="x" * 301)),
        ContentProblem("q.yaml", "length is 301 UTF-16 code units; Telegram allows 1–300",
                       "precision", "question", 5)),
    "oversized option": (
        "q.yaml", yaml_file(quiz_data(options=["да", "н" * 101])),
        ContentProblem("q.yaml", "length is 101 UTF-16 code units; Telegram allows 1–100",
                       "precision", "options.1", 8)),
    "oversized poll explanation": (
        "q.yaml", yaml_file(quiz_data(poll_explanation="п" * 201)),
        ContentProblem("q.yaml", "length is 201 UTF-16 code units; Telegram allows 1–200",
                       "precision", "poll_explanation", 11)),
    "oversized explanation": (
        "q.yaml", yaml_file(quiz_data(explanation=BIG_TEXT)),
        ContentProblem("q.yaml", "renders to 12001 UTF-16 code units; the limit is 12000",
                       "precision", "explanation", 12)),
    "too few options": (
        "q.yaml", yaml_file(quiz_data(options=["один"])),
        ContentProblem("q.yaml", "List should have at least 2 items after validation, not 1",
                       "precision", "options", 6)),
    "too many options": (
        "q.yaml", yaml_file(quiz_data(options=[f"вариант {n}" for n in range(13)])),
        ContentProblem("q.yaml", "List should have at most 12 items after validation, not 13",
                       "precision", "options", 6)),
    "no correct option": (
        "q.yaml", yaml_file(quiz_data(correct_option_ids=[])),
        ContentProblem("q.yaml", "List should have at least 1 item after validation, not 0",
                       "precision", "correct_option_ids", 9)),
    "unknown topic": (
        "q.yaml", yaml_file(quiz_data(topic="astrology")),
        ContentProblem("q.yaml", "unknown topic 'astrology'", "precision", "topic", 4)),
    "duplicate ids": (
        "q.yaml", yaml_file(quiz_data("precision"), quiz_data("precision")),
        ContentProblem("q.yaml", "duplicate id, first used in q.yaml", "precision", "id", 13)),
    "duplicate ids across a zip": (
        "two.zip", as_zip({"a.yaml": yaml_file(quiz_data()), "b.yaml": yaml_file(quiz_data())}),
        ContentProblem("two.zip/b.yaml", "duplicate id, first used in two.zip/a.yaml",
                       "precision", "id", 2)),
    "broken YAML": (
        "q.yaml", b"items:\n  - id: precision\n    options: [a, b\n    kind: quiz\n",
        ContentProblem("q.yaml", "broken YAML: expected ',' or ']', but got ':'", line=4)),
    "broken JSON": (
        "q.json", b'{"items": [\n  {"id": "precision",}\n]}',
        ContentProblem("q.json", "broken JSON: Expecting property name enclosed in double "
                                 "quotes", line=2)),
    "a binary file renamed .yaml": (
        "picture.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        ContentProblem("picture.yaml", "not a UTF-8 text file")),
    "an empty file": (
        "empty.yaml", b"", ContentProblem("empty.yaml", "the file is empty")),
    "a file over the size cap": (
        "huge.yaml", b"# " + b"x" * LIMIT + b"\n" + yaml_file(quiz_data()),
        ContentProblem("huge.yaml",
                       f"the file has {LIMIT + 3 + len(yaml_file(quiz_data()))} bytes; "
                       f"the limit is {LIMIT}")),
    "a zip with a folder": (
        "nested.zip", as_zip({"items/q.yaml": yaml_file(quiz_data())}),
        ContentProblem("nested.zip/items/q.yaml",
                       "folders are not allowed: put files side by side at the top of the zip")),
    "a zip with a file that is not content": (
        "mixed.zip", as_zip({"q.yaml": yaml_file(quiz_data()), "README.md": b"# notes"}),
        ContentProblem("mixed.zip/README.md", "not a content file: only .yaml, .yml, .json")),
    "a zip that unpacks past the size cap": (
        "bomb.zip", as_zip({"q.yaml": yaml_file(quiz_data()) + b"#" * LIMIT}),
        ContentProblem("bomb.zip", f"unpacks to {len(yaml_file(quiz_data())) + LIMIT} bytes; "
                                   f"the limit is {LIMIT}")),
    "an empty zip": ("void.zip", as_zip({}), ContentProblem("void.zip", "the zip is empty")),
    "a .zip that is not a zip": (
        "fake.zip", yaml_file(quiz_data()), ContentProblem("fake.zip", "not a zip archive")),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
async def test_a_bad_upload_is_refused_with_its_place_and_nothing_is_written(
    bank: AsyncSession, case: str
) -> None:
    name, raw, expected = BAD_UPLOADS[case]
    before = await snapshot(bank)
    report = await run(bank, name, raw)
    assert report.problems == [expected]
    assert (report.created, report.updated, report.unchanged) == ([], [], [])
    assert await snapshot(bank) == before


async def test_one_bad_item_keeps_the_good_ones_out_too(bank: AsyncSession) -> None:
    before = await snapshot(bank)
    report = await run(bank, "half.yaml",
                       yaml_file(quiz_data("good"), quiz_data("bad", options=["одна"])))
    assert [(problem.item_id, problem.field) for problem in report.problems] == [
        ("bad", "options")]
    assert await snapshot(bank) == before


async def test_every_problem_of_a_file_is_listed_at_once(bank: AsyncSession) -> None:
    report = await run(bank, "q.yaml", yaml_file(quiz_data("a", options=["одна"]),
                                               quiz_data("b", question="x" * 301)))
    assert [str(problem) for problem in report.problems] == [
        "q.yaml:6, item 'a', field 'options': "
        "List should have at least 2 items after validation, not 1",
        "q.yaml:15, item 'b', field 'question': "
        "length is 301 UTF-16 code units; Telegram allows 1–300",
    ]


@pytest.mark.parametrize(
    ("file_name", "file_size", "message"),
    [
        ("notes.txt", 10, "not a content file: send .yaml, .yml, .json, .zip"),
        (None, 10, "not a content file: send .yaml, .yml, .json, .zip"),
        ("bank.yaml", LIMIT + 1, f"the file has {LIMIT + 1} bytes; the limit is {LIMIT}"),
    ],
)
def test_uploads_refused_before_download(
    file_name: str | None, file_size: int, message: str
) -> None:
    report = check_upload(file_name, file_size, LIMIT)
    assert [problem.message for problem in report.problems] == [message]


@pytest.mark.parametrize("file_name", ["bank.yaml", "BANK.YML", "bank.json", "bank.zip"])
def test_content_files_within_the_cap_may_be_downloaded(file_name: str) -> None:
    assert check_upload(file_name, LIMIT, LIMIT).problems == []
