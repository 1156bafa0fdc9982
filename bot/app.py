"""The composition root: ``create_dispatcher`` builds the app; ``run`` starts it for real."""

from __future__ import annotations

import logging
from random import Random

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n, SimpleI18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.content.files import ContentBundle, read_content_dir
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_to_head
from bot.handlers import answers, drill, fallback, membership, start
from bot.services.answer_recorder import AnswerRecorder
from bot.services.content_sync import sync_content
from bot.telegram.commands import set_bot_commands
from bot.telegram.i18n import create_i18n
from bot.telegram.middlewares import DbSessionMiddleware, InFlightUpdates, KnownButtonsOnly
from bot.telegram.retry import RetryMiddleware

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 20.0


def create_dispatcher(
    *,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    signature: str,
    owner_ids: frozenset[int] = frozenset(),
    clock: Clock = utc_now,
    rng: Random | None = None,
    answer_recorder: AnswerRecorder | None = None,
    in_flight: InFlightUpdates | None = None,
) -> Dispatcher:
    dispatcher = Dispatcher(
        i18n=i18n,
        signature=signature,
        owner_ids=owner_ids,
        clock=clock,
        rng=rng or Random(),
        answer_recorder=answer_recorder or AnswerRecorder(session_factory),
    )
    dispatcher.update.outer_middleware(in_flight or InFlightUpdates())
    SimpleI18nMiddleware(i18n).setup(dispatcher)
    dispatcher.callback_query.outer_middleware(KnownButtonsOnly())
    dispatcher.update.middleware(DbSessionMiddleware(session_factory))
    dispatcher.include_routers(
        start.create_router(),
        drill.create_router(),
        answers.create_router(),
        membership.create_router(),
        fallback.create_router(),
    )
    dispatcher.errors.register(_log_error)
    return dispatcher


def create_bot(settings: Settings) -> Bot:
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(str(settings.telegram_api_url)))
        if settings.telegram_api_url
        else AiohttpSession()
    )
    session.middleware(RetryMiddleware())
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=None),
    )


async def load_content(
    session_factory: async_sessionmaker[AsyncSession], bundle: ContentBundle, clock: Clock
) -> None:
    async with session_factory() as session, session.begin():
        report = await sync_content(session, bundle.topics, bundle.items, clock())
    logger.info("content loaded: %s", report)


async def run(settings: Settings) -> None:
    """Migrate, load content, then poll until SIGTERM/SIGINT; in-flight updates finish first."""
    bundle = read_content_dir(settings.content_dir)  # a bad file stops us before any DB write
    bot = create_bot(settings)
    engine = create_engine(settings.database_url)
    try:
        me = await bot.get_me()  # a rejected token or an unreachable API stops us here too
        await upgrade_to_head(engine)
        session_factory = create_session_factory(engine)
        await load_content(session_factory, bundle, utc_now)
        i18n = create_i18n(settings.default_language)
        in_flight = InFlightUpdates()
        dispatcher = create_dispatcher(
            session_factory=session_factory,
            i18n=i18n,
            signature=settings.signature or f"@{me.username}",
            owner_ids=settings.admin_ids,
            in_flight=in_flight,
        )

        async def on_startup(bot: Bot) -> None:
            await set_bot_commands(bot, i18n)

        async def on_shutdown() -> None:
            if not await in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
                logger.warning("stopped with updates still in flight after %ss",
                               SHUTDOWN_GRACE_SECONDS)

        dispatcher.startup.register(on_startup)
        dispatcher.shutdown.register(on_shutdown)
        await dispatcher.start_polling(
            bot, allowed_updates=dispatcher.resolve_used_update_types(), handle_signals=True
        )
    finally:
        await bot.session.close()
        await engine.dispose()
        logger.info("stopped")


async def _log_error(event: ErrorEvent) -> None:
    logger.error("update %s failed: %r", event.update.update_id, event.exception,
                 exc_info=event.exception)
