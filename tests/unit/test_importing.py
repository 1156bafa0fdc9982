"""/import's validator: a file is written whole or not at all, and every refusal says where."""

from __future__ import annotations

import io
import json
import re
import tracemalloc
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authoring.importing import (
    ZIP_MAX_FILES,
    ZIP_MAX_UNPACKED_BYTES,
    ImportReport,
    check_upload,
    import_upload,
)
from bot.locales import LOCALES_DIR
from bot.platform.content.files import MAX_DEPTH, ContentProblem, parse_item_documents
from bot.platform.content.problems import KEY_PREFIX, Gettext, problem_text
from bot.platform.content.sync import SyncReport, sync_content
from bot.platform.db.models import AdminAction, Item, ItemVersion
from bot.platform.i18n import create_i18n
from tests.unit.factories import TOPICS, alias_bomb, quiz, quiz_data, yaml_file

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ADMIN = 42
LIMIT = 500_000


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


async def test_a_zip_may_unpack_past_the_download_cap_up_to_its_own(bank: AsyncSession) -> None:
    padded = b"# " + b"x" * LIMIT + b"\n" + yaml_file(quiz_data("precision"))
    report = await run(bank, "bank.zip", as_zip({"q.yaml": padded}))
    assert (report.created, report.problems) == (["precision"], [])


async def test_more_items_than_one_query_takes_parameters_are_imported(
    bank: AsyncSession,
) -> None:
    """20 MB hold tens of thousands of short items: more ids than SQLite and PostgreSQL take as
    parameters of one query (32 766)."""
    item = ("  - {{id: q{n}, kind: quiz, topic: metrics, question: q, options: [a, b], "
            "correct_option_ids: [0], poll_explanation: p, explanation: e}}\n")
    raw = ("items:\n" + "".join(item.format(n=n) for n in range(33_000))).encode()
    report = await import_upload(bank, "many.yaml", raw, max_bytes=len(raw), actor_id=ADMIN,
                                 now=NOW, dry_run=True)
    assert (len(report.created), report.problems) == (33_000, [])


def test_a_big_file_is_parsed_without_holding_copies_of_it() -> None:
    """Memory above what the parse returns (its items) stays a fraction of the file: the file is
    never held again as text, a YAML tree and plain data all at once."""
    item = yaml_file(quiz_data("q-0", explanation="Разбор. " * 250)).removeprefix(b"items:\n")
    raw = b"items:\n" + b"".join(item.replace(b"q-0", f"q-{n}".encode()) for n in range(800))
    tracemalloc.start()
    try:
        items = parse_item_documents([("big.yaml", raw)], TOPICS)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(items) == 800
    assert peak - kept < len(raw) // 4


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
WITHOUT_KIND = {key: value for key, value in quiz_data().items() if key != "kind"}
RESOURCE = {"id": "book", "kind": "resource", "topic": "metrics", "title": "Книга",
            "body": "О метриках.", "url": "https://example.com/book"}


def unreadable_zip() -> bytes:
    """A zip whose file is compressed by a method zipfile cannot unpack (99, AES)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("q.yaml", yaml_file(quiz_data()))
    raw = bytearray(buffer.getvalue())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = raw.index(signature) + offset
        raw[at:at + 2] = (99).to_bytes(2, "little")
    return bytes(raw)


def problem(file: str, code: str, context: dict[str, Any] | None = None, item_id: str | None = None,
            field: str | None = None, line: int | None = None, column: int | None = None
            ) -> ContentProblem:
    return ContentProblem(file, code, context or {}, item_id, field, line, column)


def in_q(code: str, context: dict[str, Any] | None = None, field: str | None = None,
         line: int | None = None) -> ContentProblem:
    """A problem of the quiz "precision" in q.yaml."""
    return problem("q.yaml", code, context, "precision", field, line)


def broken(raw: bytes, code: str, line: int, column: int, name: str = "q.yaml"
           ) -> tuple[str, bytes, ContentProblem]:
    """A file whose syntax is wrong at ``line`` and ``column``."""
    return name, raw, problem(name, code, line=line, column=column)


# (file name, content, the one problem expected)
BAD_UPLOADS: dict[str, tuple[str, bytes, ContentProblem]] = {
    # Telegram's limits and the schema's own rules.
    "oversized question": ("q.yaml", yaml_file(quiz_data(question="x" * 301)), in_q(
        "text-length", {"length": 301, "low": 1, "high": 300}, "question", 5)),
    "oversized option": ("q.yaml", yaml_file(quiz_data(options=["да", "н" * 101])), in_q(
        "text-length", {"length": 101, "low": 1, "high": 100}, "options.1", 8)),
    "oversized poll explanation": ("q.yaml", yaml_file(quiz_data(poll_explanation="п" * 201)),
                                   in_q("text-length", {"length": 201, "low": 1, "high": 200},
                                        "poll_explanation", 11)),
    "too many line feeds": ("q.yaml", yaml_file(quiz_data(poll_explanation="a\nb\nc\nd")), in_q(
        "line-feeds", {"count": 3, "high": 2}, "poll_explanation", 11)),
    "oversized explanation": ("q.yaml", yaml_file(quiz_data(explanation=BIG_TEXT)), in_q(
        "rendered-length", {"length": 12_001, "high": 12_000}, "explanation", 12)),
    "an explanation that renders to nothing": (
        "q.yaml", yaml_file(quiz_data(explanation="<!-- -->")),
        in_q("rendered-empty", field="explanation", line=12)),
    "too few options": ("q.yaml", yaml_file(quiz_data(options=["один"])), in_q(
        "too-short", {"min_length": 2, "actual_length": 1}, "options", 6)),
    "too many options": ("q.yaml", yaml_file(quiz_data(options=[f"в{n}" for n in range(13)])),
                         in_q("too-long", {"max_length": 12, "actual_length": 13}, "options", 6)),
    "no correct option": ("q.yaml", yaml_file(quiz_data(correct_option_ids=[])), in_q(
        "too-short", {"min_length": 1, "actual_length": 0}, "correct_option_ids", 9)),
    "repeated options": ("q.yaml", yaml_file(quiz_data(options=["Да", "да"])), in_q(
        "options-repeat", line=2)),
    "correct options out of order": ("q.yaml", yaml_file(quiz_data(
        options=["a", "b", "c"], correct_option_ids=[1, 0])), in_q("correct-ids-order", line=2)),
    "a correct option past the last": ("q.yaml", yaml_file(quiz_data(correct_option_ids=[2])),
                                       in_q("correct-ids-range", {"last": 1}, line=2)),
    "every option correct": ("q.yaml", yaml_file(quiz_data(correct_option_ids=[0, 1])), in_q(
        "all-correct", line=2)),
    "a fixed option past the last": ("q.yaml", yaml_file(quiz_data(fixed_options=[2])), in_q(
        "fixed-options", {"last": 1}, line=2)),
    "repeated tags": ("q.yaml", yaml_file(quiz_data(tags=["sql", "SQL"])), in_q(
        "tags-repeat", line=2)),
    "a bad tag": ("q.yaml", yaml_file(quiz_data(tags=["c++"])), in_q(
        "bad-tag", {"value": "c++"}, "tags.0", 14)),
    "a bad id": ("q.yaml", yaml_file(quiz_data("Bad Id")), problem(
        "q.yaml", "bad-id", {"value": "Bad Id", "max": 48}, "Bad Id", "id", 2)),
    "a bad topic id": ("q.yaml", yaml_file(quiz_data(topic="Метрики")), in_q(
        "bad-topic-id", {"value": "Метрики"}, "topic", 4)),
    "an unknown difficulty": ("q.yaml", yaml_file(quiz_data(difficulty="expert")), in_q(
        "not-one-of", {"value": "expert", "expected": "junior, middle, senior"},
        "difficulty", 13)),
    "an unknown kind": ("q.yaml", yaml_file(quiz_data(kind="poll")), in_q(
        "not-one-of", {"value": "poll", "expected": "quiz, question, task, resource"},
        "kind", 3)),
    "no kind": ("q.yaml", yaml_file(WITHOUT_KIND), in_q(
        "missing-kind", {"expected": "quiz, question, task, resource"}, "kind", 2)),
    "an empty field": ("q.yaml", yaml_file(quiz_data(explanation=None)), in_q(
        "string-type", field="explanation", line=12)),
    "an unknown field": ("q.yaml", yaml_file(quiz_data(surprise=1)), in_q(
        "extra-forbidden", field="surprise", line=13)),
    "a number for a text": ("q.yaml", yaml_file(quiz_data(question=5)), in_q(
        "string-type", field="question", line=5)),
    "a text for a list": ("q.yaml", yaml_file(quiz_data(options="да")), in_q(
        "list-type", field="options", line=6)),
    "a text for a number": ("q.yaml", yaml_file(quiz_data(correct_option_ids=["первый"])), in_q(
        "int-type", field="correct_option_ids.0", line=10)),
    "a text for an item": ("q.yaml", "items:\n- просто текст\n".encode(), problem(
        "q.yaml", "dict-type", line=2)),
    "an empty emoji": ("q.yaml", yaml_file(quiz_data(emoji="")), in_q(
        "string-too-short", {"min_length": 1}, "emoji", 13)),
    "a long emoji": ("q.yaml", yaml_file(quiz_data(emoji="🙂" * 5)), in_q(
        "string-too-long", {"max_length": 4}, "emoji", 13)),
    "a bad link": ("q.yaml", yaml_file({**RESOURCE, "id": "precision", "url": "нет ссылки"}),
                   in_q("url", field="url", line=7)),
    "no items": ("q.yaml", b"{}\n", problem("q.yaml", "missing", field="items",
                                                      line=1)),
    "a missing required field": ("q.yaml", yaml_file(
        {key: value for key, value in quiz_data().items() if key != "explanation"}),
        in_q("missing", field="explanation", line=2)),
    # References across items and files.
    "unknown topic": ("q.yaml", yaml_file(quiz_data(topic="astrology")), in_q(
        "unknown-topic", {"topic": "astrology"}, "topic", 4)),
    "duplicate ids": ("q.yaml", yaml_file(quiz_data("precision"), quiz_data("precision")),
                      in_q("duplicate-id", {"first_file": "q.yaml"}, "id", 13)),
    "duplicate ids across a zip": (
        "two.zip", as_zip({"a.yaml": yaml_file(quiz_data()), "b.yaml": yaml_file(quiz_data())}),
        problem("two.zip/b.yaml", "duplicate-id", {"first_file": "two.zip/a.yaml"},
                "precision", "id", 2)),
    # Files that cannot be read: syntax (with the line and column), encoding, hostile input.
    "broken YAML: a list": broken(b"items:\n  - id: a\n    options: [a, b\n    kind: quiz\n",
                                  "yaml-list-not-closed", 4, 9),
    "broken YAML: a mapping": broken(b"items:\n  - {id: a, kind: quiz\n  - id: b\n",
                                     "yaml-map-not-closed", 3, 7),
    "broken YAML: indentation": broken(b"items:\n  - id: a\n    kind: quiz\n   topic: x\n",
                                       "yaml-indentation", 4, 4),
    "broken YAML: a colon in a value": broken(b"items:\n  - id: a\n    question: What: this\n",
                                              "yaml-colon", 3, 19),
    "broken YAML: no colon": broken(b"items:\n  - id: a\nkey\n", "yaml-missing-colon", 4, 1),
    "broken YAML: a value starting with @": broken(b"items:\n  - id: a\n    question: @me\n",
                                                   "yaml-bad-character", 3, 15),
    "broken YAML: a tab": broken(b"items:\n  - id: a\n\tkind: quiz\n", "yaml-tab", 3, 1),
    "broken YAML: an open quote": broken(b'items:\n  - id: a\n    question: "abc\n',
                                         "yaml-not-closed", 4, 1),
    "broken YAML: an escape": broken(b'items:\n  - id: a\n    question: "\\d"\n', "yaml-escape",
                                     3, 16),
    "broken YAML: anything else": broken(b"items:\n  - id: a\n    question: !x!y a\n",
                                         "yaml-syntax", 3, 15),
    "two YAML documents": ("q.yaml", yaml_file(quiz_data()) + b"---\n" + yaml_file(quiz_data()),
                           problem("q.yaml", "yaml-many-documents", line=13, column=1)),
    "a YAML tag": ("q.yaml", b"items:\n  - !!python/object:os.system {}\n", problem(
        "q.yaml", "yaml-value", line=2, column=5)),
    "an alias bomb": ("bomb.yaml", alias_bomb(), problem("bomb.yaml", "yaml-alias", line=1,
                                                         column=5)),
    "100 000 nested YAML lists": ("deep.yaml", b"items: " + b"[" * 100_000 + b"]" * 100_000,
                                  problem("deep.yaml", "too-deep", {"limit": MAX_DEPTH}, line=1,
                                          column=1007)),
    "20 000 nested YAML mappings": ("deep.yaml", b"items: " + b"{a: " * 20_000 + b"}" * 20_000,
                                    problem("deep.yaml", "too-deep", {"limit": MAX_DEPTH},
                                            line=1, column=81)),
    "100 000 nested JSON lists": ("deep.json", b'{"items": ' + b"[" * 100_000 + b"]" * 100_000
                                  + b"}", problem("deep.json", "too-deep", {"limit": MAX_DEPTH})),
    "JSON nested past the limit": ("deep.json", b'{"items": ' + b"[" * MAX_DEPTH
                                   + b"]" * MAX_DEPTH + b"}",
                                   problem("deep.json", "too-deep", {"limit": MAX_DEPTH})),
    "broken JSON: a key": broken(b'{"items": [\n  {"id": "precision",}\n]}', "json-key", 2, 22,
                                 "q.json"),
    "broken JSON: a comma": broken(b'{"items": [] "more": 1}', "json-comma", 1, 14, "q.json"),
    "broken JSON: a colon": broken(b'{"items" []}', "json-colon", 1, 10, "q.json"),
    "broken JSON: a value": broken(b'{"items": [1,]}', "json-value", 1, 14, "q.json"),
    "broken JSON: a string": broken(b'{"items": "', "json-not-closed", 1, 11, "q.json"),
    "broken JSON: anything else": broken(b'{"items": []} {}', "json-syntax", 1, 15, "q.json"),
    "a binary file renamed .yaml": ("picture.yaml",
                                    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
                                    problem("picture.yaml", "not-text")),
    "a control character": ("q.yaml", b"items: [\x07]\n", problem("q.yaml", "not-text")),
    "a file that is not UTF-8": ("q.yaml", "items: [café]".encode("latin-1"),
                                 problem("q.yaml", "not-utf8")),
    "JSON that is not UTF-8": ("q.json", '{"items": ["café"]}'.encode("latin-1"),
                               problem("q.json", "not-utf8")),
    "an empty file": ("empty.yaml", b"", problem("empty.yaml", "empty")),
    "nothing but comments": ("notes.yaml", b"# TODO\n", problem("notes.yaml", "empty")),
    "a file over the size cap": (
        "huge.yaml", b"# " + b"x" * LIMIT + b"\n" + yaml_file(quiz_data()),
        problem("huge.yaml", "too-large",
                {"size": LIMIT + 3 + len(yaml_file(quiz_data())), "limit": LIMIT})),
    # Zips.
    "a zip with a folder": ("nested.zip", as_zip({"items/q.yaml": yaml_file(quiz_data())}),
                            problem("nested.zip/items/q.yaml", "zip-folder")),
    "a zip with a file that is not content": (
        "mixed.zip", as_zip({"q.yaml": yaml_file(quiz_data()), "README.md": b"# notes"}),
        problem("mixed.zip/README.md", "not-content-file",
                {"suffixes": ".yaml, .yml, .json"})),
    "a zip of too many files": (
        "many.zip", as_zip({f"q{n}.yaml": yaml_file(quiz_data(f"q{n}")) for n in range(101)}),
        problem("many.zip", "zip-too-many-files", {"count": 101, "limit": ZIP_MAX_FILES})),
    "a zip that unpacks past its cap": (
        "bomb.zip", as_zip({"q.yaml": b"#" * ZIP_MAX_UNPACKED_BYTES + yaml_file(quiz_data())}),
        problem("bomb.zip", "zip-too-large", {"limit": ZIP_MAX_UNPACKED_BYTES})),
    "a zip that cannot be unpacked": ("aes.zip", unreadable_zip(),
                                      problem("aes.zip/q.yaml", "zip-unreadable")),
    "an empty zip": ("void.zip", as_zip({}), problem("void.zip", "zip-empty")),
    "a .zip that is not a zip": ("fake.zip", yaml_file(quiz_data()),
                                 problem("fake.zip", "not-zip")),
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


def translated(locale: str) -> Gettext:
    i18n = create_i18n(locale)

    def translate(singular: str, plural: str | None = None, n: int = 1) -> str:
        return i18n.gettext(singular, plural, n, locale=locale)

    return translate


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_every_refusal_reads_in_russian_and_in_english(case: str) -> None:
    name, _, problem_ = BAD_UPLOADS[case]
    russian = problem_text(problem_, translated("ru")).removeprefix(name)
    english = problem_text(problem_, translated("en")).removeprefix(name)
    for text in (russian, english):
        assert KEY_PREFIX not in text
        assert not re.search(r"{\w*}", text)  # every placeholder filled
    assert re.search("[а-яё]", russian.split(": ", 1)[1]), russian
    assert not re.search("[а-яё]", english.split(": ", 1)[1].replace(str(
        problem_.context.get("value", "")), "")), english


def test_every_problem_the_catalogs_word_is_one_an_upload_can_have() -> None:
    """The cases above cover every content-error message, except those tested elsewhere:
    the topic list at start-up, formatting the renderer itself never produces, and the fallback
    for a pydantic error the schema never raises."""
    with (LOCALES_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        worded = {str(message.id[0] if message.pluralizable else message.id)
                  .removeprefix(KEY_PREFIX) for message in read_po(po_file)
                  if str(message.id[0] if message.pluralizable else message.id)
                  .startswith(KEY_PREFIX)}
    covered = {problem_.code for _, _, problem_ in BAD_UPLOADS.values()}
    assert worded - covered == {"topics-missing", "rendered-entities", "invalid"}
    assert covered <= worded


async def test_one_bad_item_keeps_the_good_ones_out_too(bank: AsyncSession) -> None:
    before = await snapshot(bank)
    report = await run(bank, "half.yaml",
                       yaml_file(quiz_data("good"), quiz_data("bad", options=["одна"])))
    assert [(problem.item_id, problem.field) for problem in report.problems] == [
        ("bad", "options")]
    assert await snapshot(bank) == before


async def test_every_problem_of_a_file_is_found_in_one_pass_in_line_order(
    bank: AsyncSession,
) -> None:
    upload = yaml_file(
        quiz_data("a", difficulty="expert", topic="deep-lerning"),
        quiz_data("b"),
        quiz_data("a", options=["одна"], question="x" * 301),
    ) + b"notes: draft\n"
    report = await run(bank, "q.yaml", upload)
    assert [(problem.line, problem.item_id, problem.field, problem.code)
            for problem in report.problems] == [
        (4, "a", "topic", "unknown-topic"),
        (13, "a", "difficulty", "not-one-of"),
        (25, "a", "id", "duplicate-id"),
        (28, "a", "question", "text-length"),
        (29, "a", "options", "too-short"),
        (35, None, "notes", "extra-forbidden"),
    ]
@pytest.mark.parametrize(
    ("file_name", "file_size", "expected"),
    [
        ("notes.txt", 10, problem("notes.txt", "not-content-file",
                                  {"suffixes": ".yaml, .yml, .json, .zip"})),
        (None, 10, problem("file", "not-content-file", {"suffixes": ".yaml, .yml, .json, .zip"})),
        ("bank.yaml", LIMIT + 1, problem("bank.yaml", "too-large",
                                         {"size": LIMIT + 1, "limit": LIMIT})),
    ],
)
def test_uploads_refused_before_download(
    file_name: str | None, file_size: int, expected: ContentProblem
) -> None:
    assert check_upload(file_name, file_size, LIMIT).problems == [expected]


@pytest.mark.parametrize("file_name", ["bank.yaml", "BANK.YML", "bank.json", "bank.zip"])
def test_content_files_within_the_cap_may_be_downloaded(file_name: str) -> None:
    assert check_upload(file_name, LIMIT, LIMIT).problems == []


async def test_an_upload_may_mark_several_options_right_and_some_fixed(
    bank: AsyncSession,
) -> None:
    upload = yaml_file(quiz_data(options=["TP/(TP+FP)", "Recall", "Оба варианта"],
                                 correct_option_ids=[0, 1], fixed_options=[2]))
    report = await run(bank, "q.yaml", upload)
    assert (report.created, report.problems) == (["precision"], [])
    document = await bank.scalar(select(Item.document).where(Item.slug == "precision"))
    assert document is not None
    assert (document["correct_option_ids"], document["fixed_options"]) == ([0, 1], [2])
