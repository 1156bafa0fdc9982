"""Importing an admin's content file: all of it or nothing, with every problem located.

An upload is a ``.yaml``/``.yml``/``.json`` file in the ``content/items`` schema, or a ``.zip`` of
such files side by side (no folders). It is validated by the same parser as ``content/``, against
the topics in the database, and written through the same versioning as the content sync.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.config import TELEGRAM_DOWNLOAD_MAX_BYTES
from bot.platform.content.files import (
    CONTENT_SUFFIXES,
    ContentError,
    ContentProblem,
    SourcedItem,
    parse_item_documents,
)
from bot.platform.content.schema import Topic as ContentTopic
from bot.platform.content.sync import ItemWrite, write_items
from bot.platform.db.models import AdminAction, AdminActionKind, Item, ItemSource, Topic

ZIP_SUFFIX = ".zip"
UPLOAD_SUFFIXES = (*CONTENT_SUFFIXES, ZIP_SUFFIX)
ZIP_MAX_FILES = 100
# A zip may unpack to as much as the largest file the Bot API lets a bot download: it never makes
# the bot parse more than a plain upload could, whatever IMPORT_MAX_BYTES (the download's cap) is.
ZIP_MAX_UNPACKED_BYTES = TELEGRAM_DOWNLOAD_MAX_BYTES


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, in a dry run or when refused, would do)."""

    file: str
    dry_run: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[ContentProblem] = field(default_factory=list)


def check_upload(file_name: str | None, file_size: int | None, max_bytes: int) -> ImportReport:
    """What can be refused before downloading anything: the name and the declared size."""
    name = file_name or "file"
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        return ImportReport(name, problems=[ContentProblem(
            name, "not-content-file", {"suffixes": ", ".join(UPLOAD_SUFFIXES)})])
    if file_size is not None and file_size > max_bytes:
        return ImportReport(name, problems=[_too_large(name, file_size, max_bytes)])
    return ImportReport(name)


async def import_upload(
    session: AsyncSession,
    file_name: str,
    raw: bytes,
    *,
    max_bytes: int,
    actor_id: int,
    now: datetime,
    dry_run: bool,
) -> ImportReport:
    """Validate the whole upload, then (unless ``dry_run`` or anything is wrong) write it."""
    topics = await _known_topics(session)
    try:
        # Seconds of CPU for a big file (about 3 s for 10 MB): in a worker thread, so the event
        # loop keeps answering everyone else meanwhile.
        items = await asyncio.to_thread(parse_item_documents,
                                        unpack(file_name, raw, max_bytes), topics)
    except ContentError as error:
        return ImportReport(file_name, dry_run, problems=error.problems)
    # Every item's hash, not the rows: an export of the whole bank imported back must not load
    # the bank twice over. Not "WHERE slug IN (the file's ids)" either: 20 MB can hold more ids
    # than a query takes parameters (32 767 in PostgreSQL).
    stored: dict[str, str] = dict(
        (await session.execute(select(Item.slug, Item.content_hash))).all())
    report = ImportReport(file_name, dry_run)
    changed: list[SourcedItem] = []
    for sourced in items:
        digest = stored.get(sourced.item.id)
        if digest is None:
            report.created.append(sourced.item.id)
        elif digest == sourced.content_hash:
            report.unchanged.append(sourced.item.id)
            continue
        else:
            report.updated.append(sourced.item.id)
        changed.append(sourced)
    if dry_run:
        return report
    writes = [
        ItemWrite(await session.scalar(select(Item).where(Item.slug == sourced.item.id))
                  if sourced.item.id in stored else None, sourced)
        for sourced in changed
    ]
    await write_items(session, writes, source=ItemSource.IMPORT, changed_by=actor_id, now=now)
    session.add(AdminAction(actor_id=actor_id, action=AdminActionKind.IMPORT,
                            target=file_name[:255], created_at=now))
    await session.flush()
    return report


def unpack(file_name: str, raw: bytes, max_bytes: int) -> Iterator[tuple[str, bytes]]:
    """The content documents of an upload: the file itself, or the files of a flat zip.

    A zip is checked whole before its first file is read, then unpacked one file at a time as
    the parser asks for them, so its unpacked files are never all in memory together.
    """
    if len(raw) > max_bytes:
        raise ContentError([_too_large(file_name, len(raw), max_bytes)])
    if not file_name.lower().endswith(ZIP_SUFFIX):
        return iter([(file_name, raw)])
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise ContentError([ContentProblem(file_name, "not-zip")]) from None
    problems = _zip_problems(file_name, archive.infolist())
    if problems:
        archive.close()
        raise ContentError(problems)
    return _zip_documents(file_name, archive)


def _zip_problems(file_name: str, entries: list[zipfile.ZipInfo]) -> list[ContentProblem]:
    problems = []
    for entry in entries:
        where = f"{file_name}/{entry.filename}"
        if entry.is_dir() or len(PurePosixPath(entry.filename).parts) > 1:
            problems.append(ContentProblem(where, "zip-folder"))
        elif not entry.filename.lower().endswith(CONTENT_SUFFIXES):
            problems.append(ContentProblem(where, "not-content-file",
                                           {"suffixes": ", ".join(CONTENT_SUFFIXES)}))
    if not entries:
        problems.append(ContentProblem(file_name, "zip-empty"))
    if len(entries) > ZIP_MAX_FILES:
        problems.append(ContentProblem(file_name, "zip-too-many-files",
                                       {"count": len(entries), "limit": ZIP_MAX_FILES}))
    if sum(entry.file_size for entry in entries) > ZIP_MAX_UNPACKED_BYTES:
        problems.append(_unpacks_too_large(file_name))
    return problems


def _zip_documents(file_name: str, archive: zipfile.ZipFile) -> Iterator[tuple[str, bytes]]:
    # The declared sizes were checked; the bytes actually read are counted too, since a zip bomb
    # lies about the former.
    budget = ZIP_MAX_UNPACKED_BYTES
    with archive:
        for entry in archive.infolist():
            try:
                with archive.open(entry) as member:
                    content = member.read(budget + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError):
                raise ContentError([ContentProblem(f"{file_name}/{entry.filename}",
                                                   "zip-unreadable")]) from None
            budget -= len(content)
            if budget < 0:
                raise ContentError([_unpacks_too_large(file_name)])
            yield f"{file_name}/{entry.filename}", content


def _unpacks_too_large(file_name: str) -> ContentProblem:
    return ContentProblem(file_name, "zip-too-large", {"limit": ZIP_MAX_UNPACKED_BYTES})


async def _known_topics(session: AsyncSession) -> Sequence[ContentTopic]:
    return [
        ContentTopic.model_validate(
            {"id": row.id, "hashtag": row.hashtag,
             "title": {"ru": row.title_ru, "en": row.title_en}}
        )
        for row in await session.scalars(select(Topic).order_by(Topic.id))
    ]


def _too_large(file_name: str, size: int, max_bytes: int) -> ContentProblem:
    return ContentProblem(file_name, "too-large", {"size": size, "limit": max_bytes})
