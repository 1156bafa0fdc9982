"""The content bank parsed by a forked process while the bot imports aiogram.

Importing aiogram's types takes seconds of CPU on one core, and parsing and checking the bank
(800+ items, every Markdown field rendered once to check Telegram's limits) most of a second;
on a machine with two cores the two overlap. The fork happens once what both processes need is
imported (a third of a second), before aiogram.

On a first start on SQLite (no database file yet) the forked process also builds the database,
every migration and the whole bank, in a file beside it: the bot moves that file into place
once the Bot API has accepted its token (a refused token leaves no database behind, only that
file, built again at the next start), and finds it at head with this bank loaded, as at a
restart.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.platform.content.files import ContentBundle, ContentProblem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedDatabase:
    """A database file built for ``target``, which did not exist then."""

    built: Path
    target: Path


@dataclass(frozen=True)
class _Preloaded:
    bundle: ContentBundle
    database: PreparedDatabase | None


class ContentPreload:
    def __init__(self, root: Path, database_url: str | None = None) -> None:
        self.root = root
        self._parsed: Future[_Preloaded | list[ContentProblem]] | None = None
        self._database: PreparedDatabase | None = None
        if "fork" in multiprocessing.get_all_start_methods():  # not on Windows: parse in turn
            # What both processes need (the parser and its schema, SQLAlchemy, the models) is
            # imported once, before the fork: where the two share a core, the forked work is
            # the bank's and the new database's only.
            import bot.platform.content.sync  # noqa: F401

            executor = ProcessPoolExecutor(max_workers=1,
                                           mp_context=multiprocessing.get_context("fork"))
            self._parsed = executor.submit(_parse, root, database_url)
            executor.shutdown(wait=False)  # the worker exits once its one task is done

    async def bundle(self) -> ContentBundle:
        """The bank; :class:`ContentError` listing every problem, as ``read_content_dir``."""
        from bot.platform.content.files import ContentError

        parsed = (await asyncio.wrap_future(self._parsed) if self._parsed
                  else _parse(self.root, None))
        self._parsed = None  # the bank is loaded once; its 800+ models need not stay in memory
        if isinstance(parsed, _Preloaded):
            self._database = parsed.database
            return parsed.bundle
        raise ContentError(parsed)

    def adopt_database(self) -> None:
        """The database built by the forked process, moved into place (when one was built and
        nothing took its place since): call once the bot may touch its database."""
        database, self._database = self._database, None
        if database is None:
            return
        if database.target.exists():
            database.built.unlink(missing_ok=True)
            return
        os.replace(database.built, database.target)


def _parse(root: Path, database_url: str | None) -> _Preloaded | list[ContentProblem]:
    # The problems, not the exception, cross back: it is rebuilt from them in the parent.
    from bot.platform.content.files import ContentError, read_content_dir

    try:
        bundle = read_content_dir(root)
    except ContentError as error:
        return error.problems
    _ = bundle.fingerprint  # computed here, on the other core: cached, it crosses back too
    database = None
    if database_url is not None:
        try:
            database = _prepare_new_sqlite(database_url, bundle)
        except Exception:  # the bot prepares its database itself, as on any other start
            logger.warning("building the new database beside the start-up failed",
                           exc_info=True)
    return _Preloaded(bundle, database)


def _prepare_new_sqlite(database_url: str, bundle: ContentBundle) -> PreparedDatabase | None:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    target = Path(url.database)
    if target.exists():
        return None
    built = target.with_name(f"{target.name}.new")
    for leftover in (built, Path(f"{built}-wal"), Path(f"{built}-shm")):  # an interrupted build
        leftover.unlink(missing_ok=True)
    asyncio.run(_build(url.set(database=str(built)).render_as_string(hide_password=False),
                       bundle))
    return PreparedDatabase(built, target)


async def _build(database_url: str, bundle: ContentBundle) -> None:
    from bot.platform.clock import utc_now
    from bot.platform.content.sync import prepare_database
    from bot.platform.db.engine import create_engine, create_session_factory

    engine = create_engine(database_url)
    try:
        await prepare_database(engine, create_session_factory(engine), bundle, utc_now)
    finally:
        await engine.dispose()  # the last connection closed: the WAL is folded into the file
