"""``python -m bot``: settings, logging, then the bot until SIGTERM/SIGINT.

The settings are checked before anything heavy is imported (aiogram's types alone take seconds
of CPU): a misconfiguration is reported at once.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn

from bot.platform.config import Settings, SettingsError, load_settings
from bot.platform.content.preload import ContentPreload
from bot.platform.logs import configure_logging

EXIT_BAD_SETTINGS = 2
EXIT_BAD_CONTENT = 3
EXIT_NO_BOT_API = 4


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_SETTINGS
    configure_logging(
        settings.log_level,
        secrets=[settings.bot_token.get_secret_value(), settings.webhook_secret_token()],
    )
    # Parsed (and, on a first start on SQLite, the database built) while aiogram is imported.
    content = ContentPreload(settings.content_dir, settings.database_url)
    code = _run(settings, content)
    logging.getLogger("bot").info("stopped")  # after the reason, if it stopped for one
    return code


def _run(settings: Settings, content: ContentPreload) -> int:
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import run
    from bot.platform.content.files import ContentError

    # What is imported lives as long as the process: the collector need not walk it again. A
    # full collection took 0.13 s at the start (freeing the parsed bank), and as long in each
    # later one.
    gc.freeze()
    log = logging.getLogger("bot")
    try:
        with asyncio.Runner(loop_factory=_fastest_event_loop()) as runner:
            runner.run(run(settings, content))
    except ContentError as error:
        log.error("content refused, nothing loaded:\n%s", error)
        return EXIT_BAD_CONTENT
    except TelegramUnauthorizedError:
        log.error("BOT_TOKEN was rejected by the Bot API (401 Unauthorized)")
        return EXIT_BAD_SETTINGS
    except TelegramNetworkError as error:
        log.error("cannot reach the Bot API: %s", error)
        return EXIT_NO_BOT_API
    return 0


def _fastest_event_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it exists: the bot is CPU-bound on HTTP calls in a broadcast or a busy group."""
    try:
        import uvloop
    except ImportError:  # Windows: asyncio's own loop
        return None
    return uvloop.new_event_loop


def exit_now(code: int) -> NoReturn:
    """Exit without tearing down the interpreter: nothing is left to finalize (the run closed
    every connection and flushed the log), and freeing aiogram's ~165 MB of module objects one
    by one takes seconds that a stop's grace period cannot spare."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
