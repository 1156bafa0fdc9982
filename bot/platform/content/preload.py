"""The content bank parsed by a forked process while the bot imports aiogram.

Importing aiogram's types takes seconds of CPU on one core, and parsing and checking the bank
(800+ items, every Markdown field rendered once to check Telegram's limits) most of a second;
on a machine with two cores the two overlap. This module imports nothing heavy itself, so the
fork happens before the parent has anything to copy but the settings.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.platform.content.files import ContentBundle, ContentProblem


class ContentPreload:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._parsed: Future[ContentBundle | list[ContentProblem]] | None = None
        if "fork" in multiprocessing.get_all_start_methods():  # not on Windows: parse in turn
            executor = ProcessPoolExecutor(max_workers=1,
                                           mp_context=multiprocessing.get_context("fork"))
            self._parsed = executor.submit(_parse, root)
            executor.shutdown(wait=False)  # the worker exits once its one task is done

    async def bundle(self) -> ContentBundle:
        """The bank; :class:`ContentError` listing every problem, as ``read_content_dir``."""
        from bot.platform.content.files import ContentBundle, ContentError

        parsed = await asyncio.wrap_future(self._parsed) if self._parsed else _parse(self.root)
        self._parsed = None  # the bank is loaded once; its 800+ models need not stay in memory
        if isinstance(parsed, ContentBundle):
            return parsed
        raise ContentError(parsed)


def _parse(root: Path) -> ContentBundle | list[ContentProblem]:
    # The problems, not the exception, cross back: it is rebuilt from them in the parent.
    from bot.platform.content.files import ContentError, read_content_dir

    try:
        bundle = read_content_dir(root)
    except ContentError as error:
        return error.problems
    _ = bundle.fingerprint  # computed here, on the other core: cached, it crosses back too
    return bundle
