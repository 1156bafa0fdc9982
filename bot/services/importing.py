"""Importing an admin's content file: all of it or nothing, with every problem located.

An upload is a ``.yaml``/``.yml``/``.json`` file in the ``content/items`` schema, or a ``.zip`` of
such files side by side (no folders). It is validated by the same parser as ``content/``, against
the topics in the database, and written through the same versioning as the content sync.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.files import (
    CONTENT_SUFFIXES,
    ContentError,
    ContentProblem,
    SourcedItem,
    parse_item_documents,
)
from bot.content.schema import Topic as ContentTopic
from bot.db.models import AdminAction, Item, Topic
from bot.services.content_sync import document_hash, item_document, write_item

IMPORT_SOURCE = "import"
ZIP_SUFFIX = ".zip"
UPLOAD_SUFFIXES = (*CONTENT_SUFFIXES, ZIP_SUFFIX)
ZIP_MAX_FILES = 100


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
    try:
        documents = unpack(file_name, raw, max_bytes)
        items = parse_item_documents(documents, await _known_topics(session))
    except ContentError as error:
        return ImportReport(file_name, dry_run, problems=error.problems)
    existing = {
        row.slug: row
        for row in await session.scalars(
            select(Item).where(Item.slug.in_([sourced.item.id for sourced in items]))
        )
    }
    report = ImportReport(file_name, dry_run)
    changed: list[SourcedItem] = []
    for sourced in items:
        row = existing.get(sourced.item.id)
        if row is None:
            report.created.append(sourced.item.id)
        elif row.content_hash == document_hash(item_document(sourced.item)):
            report.unchanged.append(sourced.item.id)
            continue
        else:
            report.updated.append(sourced.item.id)
        changed.append(sourced)
    if dry_run:
        return report
    for sourced in changed:
        await write_item(session, existing.get(sourced.item.id), sourced.item,
                         source=IMPORT_SOURCE, source_file=sourced.file, changed_by=actor_id,
                         now=now)
    session.add(AdminAction(actor_id=actor_id, action="import", target=file_name[:255],
                            created_at=now))
    await session.flush()
    return report


def unpack(file_name: str, raw: bytes, max_bytes: int) -> list[tuple[str, bytes]]:
    """The content documents of an upload: the file itself, or the files of a flat zip."""
    if len(raw) > max_bytes:
        raise ContentError([_too_large(file_name, len(raw), max_bytes)])
    if not file_name.lower().endswith(ZIP_SUFFIX):
        return [(file_name, raw)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise ContentError([ContentProblem(file_name, "not-zip")]) from None
    with archive:
        return _zip_documents(file_name, archive, max_bytes)


def _zip_documents(
    file_name: str, archive: zipfile.ZipFile, max_bytes: int
) -> list[tuple[str, bytes]]:
    entries = archive.infolist()
    problems = []
    for entry in entries:
        path = PurePosixPath(entry.filename)
        where = f"{file_name}/{entry.filename}"
        if entry.is_dir() or len(path.parts) > 1:
            problems.append(ContentProblem(where, "zip-folder"))
        elif not entry.filename.lower().endswith(CONTENT_SUFFIXES):
            problems.append(ContentProblem(where, "not-content-file",
                                           {"suffixes": ", ".join(CONTENT_SUFFIXES)}))
    if not entries:
        problems.append(ContentProblem(file_name, "zip-empty"))
    if len(entries) > ZIP_MAX_FILES:
        problems.append(ContentProblem(file_name, "zip-too-many-files",
                                       {"count": len(entries), "limit": ZIP_MAX_FILES}))
    # Declared sizes first, then the actual bytes read: a zip bomb lies about the former.
    if sum(entry.file_size for entry in entries) > max_bytes:
        problems.append(ContentProblem(file_name, "zip-too-large", {"limit": max_bytes}))
    if problems:
        raise ContentError(problems)
    documents = []
    budget = max_bytes
    for entry in entries:
        try:
            with archive.open(entry) as member:
                content = member.read(budget + 1)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError):
            raise ContentError([ContentProblem(f"{file_name}/{entry.filename}",
                                               "zip-unreadable")]) from None
        budget -= len(content)
        if budget < 0:
            raise ContentError([ContentProblem(file_name, "zip-too-large",
                                               {"limit": max_bytes})])
        documents.append((f"{file_name}/{entry.filename}", content))
    return documents


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
